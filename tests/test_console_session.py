"""End to end: `riposte run` as a subprocess, scripted through the console transport."""

from __future__ import annotations

from pathlib import Path

from tests.fakes.config_files import write_config
from tests.fakes.console_session import run_console

SETUP = [
    "#paris alice: /link dept:075",
    "#lyon alice: /link dept:069",
    "#marseille alice: /link dept:013",
    "#lyon bob: /join",
    "@carol: /join",
    "#paris alice: /accept M2",
    "#paris alice: /accept M3",
    "@carol: /subscribe dept:075",
]
ALERT = "#paris alice: /alert Député X dit n'importe quoi sur France 2 https://example.org/live"


def test_network_wide_alert_reaches_every_other_room_and_subscriber_but_not_origin(
    tmp_path: Path,
) -> None:
    session = run_console(write_config(tmp_path), [*SETUP, ALERT])
    assert session.returncode == 0, session.stderr
    relayed = "Député X dit n'importe quoi sur France 2 https://example.org/live"
    assert any(relayed in t for t in session.sent_to("#lyon"))
    assert any(relayed in t for t in session.sent_to("#marseille"))
    assert any(relayed in t for t in session.sent_to("@carol"))
    assert not any(relayed in t for t in session.sent_to("#paris"))
    assert "Alerte A1 relayée à 2 salons et 1 membre." in session.sent_to("#paris")
    assert not session.sent_to("@bob")  # joined, but subscribed to nothing
    assert "Traceback" not in session.stdout


def test_scoped_alert_reaches_only_matching_rooms_and_subscribers_through_aliases(
    tmp_path: Path,
) -> None:
    session = run_console(
        write_config(tmp_path),
        [
            *SETUP,
            "#marseille alice: /tags add insoumis",
            "#paris alice: /alias #insoumise #insoumis",
            "@dave: /join",
            "@alice: /accept M4",
            "@dave: /subscribe national",
            "#lyon alice: /alert Meeting ce soir #Insoumisé",
        ],
    )
    assert session.returncode == 0, session.stderr
    assert any("Meeting ce soir #insoumise" in t for t in session.sent_to("#marseille"))
    assert not any("Meeting" in t for t in session.sent_to("#paris"))
    assert not any("Meeting" in t for t in session.sent_to("@carol"))
    assert any("Meeting" in t for t in session.sent_to("@dave"))
    assert "Alerte A1 relayée à 1 salon et 1 membre." in session.sent_to("#lyon")


def test_ack_tells_the_origin_room_and_cancel_edits_every_copy(tmp_path: Path) -> None:
    session = run_console(
        write_config(tmp_path),
        [*SETUP, ALERT, "#lyon bob: /ack a-1", "#lyon bob: /ack A1", "#paris alice: /cancel A1"],
    )
    assert session.returncode == 0, session.stderr
    assert "bob s'en occupe (A1)." in session.sent_to("#paris")
    assert "Vous vous occupez déjà de A1." in session.sent_to("#lyon")
    for target in ("#lyon", "#marseille", "@carol"):
        edits = session.edited_in(target)
        assert len(edits) == 1 and edits[0].startswith("[annulée] Alerte A1"), target
    assert "Alerte A1 annulée (3 copies corrigées)." in session.sent_to("#paris")


def test_refused_and_malformed_commands_get_clear_answers_and_change_nothing(
    tmp_path: Path,
) -> None:
    session = run_console(
        write_config(tmp_path),
        [
            *SETUP,
            ALERT,
            "#lyon bob: /cancel A1",
            "#lyon bob: /link dept:069 national",
            "#lyon eve: /alert spam",
            "#lyon bob: /ack",
            "#lyon bob: /ack Z9",
            "#lyon bob: /ack A99",
            "#lyon bob: /alret typo",
            '#lyon bob: /subscribe "dept 069"',
        ],
    )
    assert session.returncode == 0, session.stderr
    lyon = session.sent_to("#lyon")
    assert "Seuls l'auteur de A1 et les coordinateurs de son périmètre peuvent l'annuler." in lyon
    assert "Refusé : cette commande est réservée au rôle admin." in lyon
    assert "Rejoignez d'abord le réseau avec /join (il faut être membre)." in lyon
    assert "Il manque un argument. Usage : /ack A17" in lyon
    assert (
        "« Z9 » n'est pas un identifiant d'alerte : écrivez-le comme A17. Usage : /ack A17" in lyon
    )
    assert "L'alerte A99 n'existe pas." in lyon
    assert "Commande inconnue : alret. Vouliez-vous dire /alert ?" in lyon
    assert any("« dept 069 » n'est pas un tag valide" in t for t in lyon)
    assert not session.edited_in("#marseille")  # the refused cancel changed nothing
    assert not any("spam" in t for t in session.sent_to("#paris"))


def test_english_members_read_english(tmp_path: Path) -> None:
    session = run_console(
        write_config(tmp_path, network={"lang": "en"}),
        [*SETUP, "#lyon alice: /lang room fr", ALERT, "#lyon bob: /help ack"],
    )
    assert session.returncode == 0, session.stderr
    assert "Alert A1 relayed to 2 rooms and 1 member." in session.sent_to("#paris")
    assert any(t.startswith("🚨 Alerte A1") for t in session.sent_to("#lyon"))
    assert any(t.startswith("🚨 Alert A1") for t in session.sent_to("#marseille"))
    assert "/ack A17" in session.sent_to("#lyon")


def test_roles_can_be_scoped(tmp_path: Path) -> None:
    session = run_console(
        write_config(tmp_path),
        [
            *SETUP,
            "#paris alice: /role @bob coordinator dept:013",
            "#paris alice: /alert A #dept:013",
            "#paris alice: /alert B",
            "#lyon bob: /cancel A2",
            "#lyon bob: /cancel A1",
            "@bob: /me",
        ],
    )
    assert session.returncode == 0, session.stderr
    assert "bob (M2) est maintenant coordinateur (dept:013)." in session.sent_to("#paris")
    lyon = session.sent_to("#lyon")
    assert any("peuvent l'annuler" in t for t in lyon)
    assert "Alerte A1 annulée (1 copie corrigée)." in lyon
    assert "Rôles : coordinateur (dept:013), membre" in session.stdout


def test_state_survives_a_restart(tmp_path: Path) -> None:
    config = write_config(tmp_path)
    first = run_console(config, SETUP)
    second = run_console(config, [ALERT, "#paris alice: /rooms"])
    assert first.returncode == second.returncode == 0
    assert "Alerte A1 relayée à 2 salons et 1 membre." in second.sent_to("#paris")
