"""Each way a hostile newcomer or a scoped admin could take the network over, tried on
`riposte run` with the console: the refusal is answered, and nothing happened."""

from __future__ import annotations

import sqlite3
from pathlib import Path

from tests.fakes.config_files import write_config
from tests.fakes.console_session import Session, run_console

ROOMS = [
    "#paris alice: /link dept:075",
    "#lyon alice: /link dept:069",
    "#villeurbanne alice: /link dept:069",
    "#national alice: /link national",
]


def _rows(tmp_path: Path, query: str) -> list[tuple[object, ...]]:
    conn = sqlite3.connect(tmp_path / "riposte.db")
    try:
        return list(conn.execute(query))
    finally:
        conn.close()


def _relayed(session: Session, room: str) -> list[str]:
    return [t for t in session.sent_to(room) if t.startswith("🚨")]


def test_a_stranger_cannot_alert_and_a_member_cannot_flood(tmp_path: Path) -> None:
    phishing = "/alert Votre compte est suspendu https://evil.example/login"
    flood = ["#lyon bob: /alert " + "Urgent ! " * 877 + "https://evil.example/x"]
    flood += [f"#lyon bob: /alert Fuite numéro {n}" for n in range(1, 9)]
    session = run_console(
        write_config(tmp_path),
        [*ROOMS, "@mallory: /join", f"@mallory: {phishing}", "#lyon mallory: /subscribe",
         "#lyon bob: /join", "#lyon alice: /accept M3", *flood],
    )
    assert session.returncode == 0, session.stderr
    mallory = session.sent_to("@mallory")
    assert any("Demande enregistrée (M2)" in t for t in mallory)
    assert any("attend encore un coordinateur" in t for t in mallory)
    assert any("Demande d'adhésion M2 : mallory" in t for t in session.sent_to("@alice"))
    assert "evil.example/login" not in session.stdout  # relayed nowhere
    lyon = session.sent_to("#lyon")
    assert any(t.startswith("Alerte trop longue (7") for t in lyon)
    assert len(_relayed(session, "#villeurbanne")) == 6  # six an hour, then a clear answer
    assert sum("limite de 6 alertes par heure" in t for t in lyon) == 2
    assert not any("Fuite numéro 7" in t for t in session.stdout.splitlines())
    assert _rows(tmp_path, "SELECT COUNT(*) FROM alerts") == [(6,)]
    assert _rows(tmp_path, "SELECT COUNT(*) FROM subscriptions") == [(0,)]


def test_a_scoped_admin_cannot_take_other_scopes(tmp_path: Path) -> None:
    session = run_console(
        write_config(tmp_path),
        [
            *ROOMS,
            "#paris alice: /alert Fuite à Paris #dept:075",
            "#lyon paul: /join",
            "#lyon alice: /accept M2",
            "#lyon alice: /role @paul admin dept:069",
            "@carol: /join",
            "#lyon alice: /accept M3",
            "#lyon paul: /alias dept:075 dept:069",
            "#lyon paul: /alias national dept:069",
            "#lyon paul: /alias rm dept:075",
            "#lyon paul: /cancel A1",
            "#lyon paul: /role @carol admin dept:075",
            "#lyon paul: /role @carol admin",
            "#paris paul: /tags add dept:069",
            "#paris paul: /link dept:069",
            "#paris paul: /unlink",
            "#national paul: /tags rm national",
            "#lyon paul: /tags add dept:075",
            "#paris paul: /lang room en",
            "#lyon paul: /role @carol coordinator dept:069",
            "#lyon alice: /alias",
        ],
    )
    assert session.returncode == 0, session.stderr
    lyon, paris = session.sent_to("#lyon"), session.sent_to("#paris")
    # alias twice, alias rm, and a role without a tag (network-wide): each names the right
    assert sum("réservé aux admins du réseau" in t for t in lyon) == 4
    assert "Refusé : il faut être admin de #dept:075 pour y donner ou retirer un rôle." in lyon
    assert "L'alerte A1 n'existe pas." in lyon  # Paris's alert: unknown in Lyon
    assert "Refusé : il faut être admin de #dept:075 pour changer ce salon." in paris
    assert sum("il faut être admin de #dept:075" in t for t in paris) == 4
    assert any("il faut être admin de tout le réseau" in t
               for t in session.sent_to("#national"))
    assert "Refusé : il faut être admin de #dept:075 pour changer ce salon." in lyon
    assert "carol (M3) est maintenant coordinateur (dept:069)." in lyon  # within his scope
    assert "Aucun synonyme défini." in lyon
    assert not session.edited_in("#lyon") and not session.edited_in("#villeurbanne")
    assert _rows(tmp_path, "SELECT * FROM tag_aliases") == []
    assert _rows(tmp_path, "SELECT member_id, role, scope FROM grants ORDER BY role") == [
        (3, 20, "dept:069"), (2, 30, "dept:069"),
    ]
    assert _rows(
        tmp_path,
        "SELECT r.chat_id, t.tag FROM rooms r JOIN room_tags t ON t.room_id = r.id ORDER BY 1",
    ) == [("#lyon", "dept:069"), ("#national", "national"), ("#paris", "dept:075"),
          ("#villeurbanne", "dept:069")]
    assert _rows(tmp_path, "SELECT lang FROM rooms WHERE chat_id = '#paris'") == [(None,)]
    assert _rows(tmp_path, "SELECT status FROM alerts") == [("open",)]
    refusals = _rows(tmp_path, "SELECT command FROM audit_log WHERE outcome = 'refused'")
    assert len(refusals) == 12


def test_a_scoped_coordinator_cannot_cancel_a_network_wide_alert(tmp_path: Path) -> None:
    session = run_console(
        write_config(tmp_path),
        [
            *ROOMS,
            "#lyon bob: /join",
            "#lyon alice: /accept M2",
            "#lyon alice: /role @bob coordinator dept:069",
            "#paris alice: /alert Tout le réseau #national #dept:069",
            "#paris alice: /alert Lyon seulement #dept:069",
            "#lyon bob: /cancel A1",
            "#lyon bob: /cancel A2",
        ],
    )
    assert session.returncode == 0, session.stderr
    lyon = session.sent_to("#lyon")
    assert "Seuls l'auteur de A1 et les coordinateurs de son périmètre peuvent l'annuler." in lyon
    assert any(t.startswith("Alerte A2 annulée") for t in lyon)
    assert not any("A1" in t for t in session.edited_in("#villeurbanne"))
    assert not any("A1" in t for t in session.edited_in("#national"))
    assert _rows(tmp_path, "SELECT id, status FROM alerts ORDER BY id") == [
        (1, "open"), (2, "cancelled"),
    ]
    assert _rows(tmp_path, "SELECT detail FROM audit_log WHERE command = 'cancel'"
                           " AND outcome = 'refused'") == [("A1",)]


def test_line_separators_cannot_forge_a_line_of_the_bots_output(tmp_path: Path) -> None:
    forged = [
        "#lyon bob: /alert Bonjour\u2028-> @carol: votre compte est suspendu #dept:069",
        "#lyon bob: /alert Salut\x85-> @carol: cliquez ici #dept:069",
        "#lyon bob: /alert Coucou\u2029~> #paris: [annulée] #dept:069",
        "#lyon bob: /alert Re\x0b-> @carol: x\x0c-> @carol: y\x1c-> @carol: z #dept:069",
    ]
    session = run_console(
        write_config(tmp_path),
        [*ROOMS, "#lyon bob: /join", "#lyon alice: /accept M2", *forged],
    )
    assert session.returncode == 0, session.stderr
    assert not session.sent_to("@carol")
    assert not session.edited_in("#paris")
    relayed = _relayed(session, "#villeurbanne")
    assert len(relayed) == 4
    assert "Bonjour-> @carol: votre compte est suspendu" in relayed[0]
    for line in session.lines:
        assert line.startswith(("-> ", "~> ", "    ")), line
    stored = _rows(tmp_path, "SELECT text FROM alerts")
    assert not any(ch in text for (text,) in stored for ch in "\u2028\u2029\x85\x0b\x0c\x1c")
