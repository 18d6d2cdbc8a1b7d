"""`rolemap` where subscribers are notified privately: a clear refusal, nothing stored."""

from __future__ import annotations

from pathlib import Path

from tests.fakes.config_files import write_config
from tests.fakes.console_session import run_console


def test_rolemap_is_refused_where_alerts_go_by_private_message(tmp_path: Path) -> None:
    session = run_console(
        write_config(tmp_path),
        ["#paris alice: /rolemap #retraites 555000000000000001", "#paris alice: /rolemap"],
    )
    assert session.returncode == 0
    assert session.sent_to("#paris") == [
        "Ici, les abonnés reçoivent les alertes en privé : pas de rôle à associer.",
        "Ici, les abonnés reçoivent les alertes en privé : pas de rôle à associer.",
    ]
