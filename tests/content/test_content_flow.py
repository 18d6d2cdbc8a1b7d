"""Content and pushes as coordinators use them, in process: the real store, dispatcher,
delivery engine and timers (on the test's clock), and the real Mastodon.py, atproto and
tweepy clients against the fake servers."""

from __future__ import annotations

import asyncio
from pathlib import Path

import pytest

from tests.content.conftest import PushNet, push_network

pytestmark = pytest.mark.both_engines


async def test_submit_queue_approve_push_to_rooms_and_the_three_networks(net: PushNet) -> None:
    answer = await net.say(
        "#paris", "paul", "/submit Le vrai chiffre des retraites https://blog.example.org/vrai"
    )
    assert answer == [
        "Contenu C1 enregistré : les coordinateurs de #dept:075 vont le relire "
        "(vous saurez ici ce qu'ils en disent)."
    ]
    await net.say("@nadia", "nadia", "/queue")
    item = [r for r in net.bot.transport.sent if r.target.address == "nadia"][-1].message
    assert "C1 · paul · #dept:075 · en attente" in item.text
    assert [b.command for b in item.buttons] == ["/approve C1", "/reject C1", "/edit C1"]

    assert await net.say("@nadia", "nadia", "/approve C1") == [
        "C1 approuvé. Pour le publier : /push C1 at 18:00 to #tags mastodon bluesky x."
    ]
    assert net.texts("#paris")[-1] == "Votre contenu C1 est approuvé par nadia."

    scheduled = await net.say("#paris", "claire", "/push C1 in 5s to rooms mastodon bluesky x")
    assert scheduled[0].startswith("Publication P1 de C1 prévue")
    assert not net.fakes.mastodon.statuses
    await net.later(5)

    assert net.texts("#paris")[-2] == "Le vrai chiffre des retraites https://blog.example.org/vrai"
    assert "#lyon" not in {r.target.address for r in net.bot.transport.sent[-6:]}
    assert [s["content"] for s in net.fakes.mastodon.statuses] == [
        "Le vrai chiffre des retraites https://blog.example.org/vrai"
    ]
    [post] = net.fakes.bluesky.posts
    assert post["text"] == "Le vrai chiffre des retraites blog.example.org/vrai"
    assert post["facets"][0]["features"][0]["uri"] == "https://blog.example.org/vrai"
    assert [t["text"] for t in net.fakes.x.tweets] == [
        "Le vrai chiffre des retraites https://blog.example.org/vrai"
    ]
    report = net.texts("#paris")[-1]
    assert report.startswith("📣 P1 (C1), envoi de ")
    assert "Salons et canaux : 1 envoyé" in report
    assert f"Mastodon : publié — {net.fakes.mastodon.base_url}/@riposte/" in report
    assert "Bluesky : publié — https://bsky.app/profile/riposte.test/post/" in report
    assert "X : publié — https://x.com/i/web/status/" in report

    listing = "\n".join(await net.say("#paris", "claire", "/pushes"))
    assert (
        "P1 · C1 « Le vrai chiffre des retraites https://b… » → rooms mastodon bluesky x" in listing
    )
    assert "Mastodon : publié" in listing


async def test_nobody_approves_their_own_content_and_variants_fit_or_are_refused_with_the_count(
    net: PushNet,
) -> None:
    long_text = "Le vrai chiffre " + "des retraites " * 25 + "https://blog.example.org/vrai"
    assert (await net.say("#paris", "nadia", f"/submit {long_text}"))[0].startswith(
        "Contenu C1 enregistré. Vous coordonnez #dept:075, mais avec le principe des quatre yeux"
    )
    assert await net.say("#paris", "nadia", "/approve C1") == [
        "Vous avez proposé C1 : un autre coordinateur doit l'approuver (principe des quatre yeux)."
    ]
    refused = await net.say("#paris", "claire", "/approve C1")
    assert refused == [
        "C1 ne peut pas être approuvé : trop long pour Bluesky 387/300, X 389/280. Ajoutez une "
        "variante : /edit C1 bluesky: texte plus court."
    ]
    too_long_variant = "/edit C1 x: " + "trop " * 60
    assert (await net.say("#paris", "claire", too_long_variant))[0].startswith(
        "Variante X trop longue : 323 pour 280 au plus. Rien n'est coupé"
    )
    await net.say("#paris", "claire", "/edit C1 x: Le vrai chiffre, en bref")
    await net.say("#paris", "claire", "/edit C1 bluesky: Le vrai chiffre, pour Bluesky")
    assert await net.say("#paris", "claire", "/approve C1") == [
        "C1 approuvé. Pour le publier : /push C1 at 18:00 to #tags mastodon bluesky x.",
        "Votre contenu C1 est approuvé par claire.",
    ]
    # The accounts are the network's: a coordinator of dept:075 alone may not post there.
    assert await net.say("#paris", "nadia", "/push C1 now to x") == [
        "Publier C1 là demande d'être coordinateur de #dept:075 #national."
    ]
    await net.say("#paris", "claire", "/push C1 now to x bluesky")
    await net.bot.fire_timers()
    assert [t["text"] for t in net.fakes.x.tweets] == [
        "Le vrai chiffre, en bref\nhttps://blog.example.org/vrai"
    ]
    assert net.fakes.bluesky.posts[0]["text"] == (
        "Le vrai chiffre, pour Bluesky\nblog.example.org/vrai"
    )
    # A member's refusals are written to the audit log.
    audit = "\n".join(await net.say("#paris", "alice", "/audit 5"))
    assert "approve" in audit and "refused" in audit


async def approved(
    net: PushNet, text: str = "Le vrai chiffre https://blog.example.org/vrai"
) -> None:
    await net.say("#paris", "paul", f"/submit {text}")
    await net.say("#paris", "claire", "/approve C1")


async def test_a_500_from_mastodon_is_reported_failed_with_its_reason_and_the_others_go_out(
    net: PushNet,
) -> None:
    await approved(net)
    net.fakes.mastodon.fail_next("/api/v1/statuses", 500, body={"error": "Internal error"})
    await net.say("#paris", "claire", "/push C1 now to mastodon bluesky x")
    await net.bot.fire_timers()
    report = net.texts("#paris")[-1]
    assert "Mastodon : échec — HTTP 500: Internal error" in report
    assert "Bluesky : publié — https://bsky.app/" in report
    assert "X : publié — https://x.com/" in report
    assert not net.fakes.mastodon.statuses and len(net.fakes.x.tweets) == 1
    # Never retried behind anyone's back: a coordinator asks for it again.
    await net.say("#paris", "claire", "/push C1 now to mastodon")
    await net.bot.fire_timers()
    assert len(net.fakes.mastodon.statuses) == 1
    assert len(net.fakes.x.tweets) == 1


async def test_x_quota_is_refused_at_scheduling_with_the_count(tmp_path: Path) -> None:
    async with push_network(tmp_path, x={"daily_quota": 2}) as net:
        await approved(net)
        for when in ("in 1h", "in 2h"):
            assert (await net.say("#paris", "claire", f"/push C1 {when} to x"))[0].startswith(
                "Publication P"
            )
        refused = await net.say("#paris", "claire", "/push C1 in 3h to x")
        assert refused[0].startswith("X : cela ferait 3 publications en 24 h (autour de "), refused
        assert refused[0].endswith(
            "pour un quota de 2 par jour. Retirez x ou choisissez une autre heure."
        )
        # A week later the window is clear again; a daily push counts every run.
        assert (await net.say("#paris", "claire", "/push C1 every day 08:00 3 times to x"))[
            0
        ].startswith("X : cela ferait 3 publications")
        assert (await net.say("#paris", "claire", "/push C1 in 3h to mastodon"))[0].startswith(
            "Publication P3"
        )


async def test_a_push_missed_beyond_the_grace_is_held_and_the_coordinators_asked(
    net: PushNet,
) -> None:
    await approved(net)
    await net.say("#paris", "claire", "/push C1 in 1m to rooms mastodon")
    # The bot was down: its clock jumps an hour past the time.
    await net.later(3600)
    asked = [r for r in net.bot.transport.sent if r.target.address == "#paris"][-1].message
    assert asked.text.startswith("⏸ P1 (C1) devait partir à ")
    assert "mais le bot était arrêté (retard de 59 min). Rien n'est parti" in asked.text
    assert [b.command for b in asked.buttons] == ["/push P1 now", "/unpush P1"]
    assert not net.fakes.mastodon.statuses
    assert "envoi de" in "\n".join(await net.say("#paris", "claire", "/pushes"))
    assert (await net.say("#paris", "claire", "/push P1 now"))[:2] == [
        "P1 : l'envoi retenu part maintenant. Le bilan suit ici.",
        "Le vrai chiffre https://blog.example.org/vrai",
    ]
    await net.bot.fire_timers()
    assert len(net.fakes.mastodon.statuses) == 1
    assert "Mastodon : publié" in net.texts("#paris")[-1]


async def test_a_push_late_within_the_grace_goes_out(net: PushNet) -> None:
    await approved(net)
    await net.say("#paris", "claire", "/push C1 in 1m to mastodon")
    await net.later(60 + 600)
    assert len(net.fakes.mastodon.statuses) == 1


async def test_unpush_racing_the_firing_never_publishes_after_its_answer(net: PushNet) -> None:
    await approved(net)
    outcomes: list[str] = []
    for _ in range(4):
        answer = await net.say("#paris", "claire", "/push C1 in 1m to rooms mastodon bluesky x")
        push_id = answer[0].split()[1]
        net.clock.advance(60)
        before = (
            len(net.fakes.mastodon.statuses),
            len(net.fakes.x.tweets),
            len(net.fakes.bluesky.posts),
        )
        # The timer fires and the unpush arrives in the same instant.
        _, said = await asyncio.gather(
            net.bot.timers.fire_due(), net.say("#paris", "claire", f"/unpush {push_id}")
        )
        await asyncio.wait_for(net.bot.pushes.sender.idle(), 10)
        assert await net.bot.engine.wait_idle(10)
        after = (
            len(net.fakes.mastodon.statuses),
            len(net.fakes.x.tweets),
            len(net.fakes.bluesky.posts),
        )
        unpushed = next(line for line in said if line.startswith(f"{push_id} annulée"))
        outcomes.append(unpushed)
        if unpushed == f"{push_id} annulée : rien n'en partira.":
            assert after == before
        else:
            listed = "\n".join(said)
            assert sum(after) - sum(before) == listed.count("publié —") + listed.count(
                "l'envoi avait commencé"
            )
    assert any(o.endswith("rien n'en partira.") for o in outcomes)


async def test_share_kits_go_privately_with_each_variant_a_task_and_stats_count_them(
    net: PushNet,
) -> None:
    assert (await net.say("@bob", "bob", "/subscribe share"))[0].startswith(
        "C'est noté : vous recevrez un kit de partage"
    )
    await net.say(
        "#paris", "paul", "/submit Le vrai chiffre https://blog.example.org/vrai #dept:069"
    )
    await net.say("#paris", "claire", "/approve C1")
    await net.say("#paris", "claire", "/edit C1 x: Court pour X")
    await net.say("#paris", "alice", "/approve C1")
    await net.say("#paris", "claire", "/push C1 in 1m to #dept:069")
    assert await net.say("@nadia", "nadia", "/share P1") == [
        "C'est noté : vous recevrez le kit de partage de P1 en privé au moment de la publication."
    ]
    await net.later(60)
    relayed = [r for r in net.bot.transport.sent if r.target.address == "#lyon"][-1].message
    assert relayed.text == "Le vrai chiffre https://blog.example.org/vrai"
    assert [b.command for b in relayed.buttons] == ["/share P1"]
    kit = [r for r in net.bot.transport.sent if r.target.address == "bob"][-1].message
    assert kit.text.startswith("🔗 Kit de partage — P1 (C1).")
    assert "X\nCourt pour X\nhttps://blog.example.org/vrai" in kit.text
    assert "Mastodon\nLe vrai chiffre https://blog.example.org/vrai" in kit.text
    assert "Lien : https://blog.example.org/vrai" in kit.text
    [done] = kit.buttons
    assert done.command.startswith("/done T")
    assert "Kit de partage" in net.texts("nadia")[-1]
    await net.say("@bob", "bob", f"{done.command} https://x.com/bob/status/1")
    # Pressing "I'll share" after the push: the kit comes at once, and only once.
    sent = await net.say("@paul", "paul", "/share P1")
    assert sent[0] == "Kit de partage de P1 envoyé en privé."
    assert sent[1].startswith("🔗 Kit de partage — P1 (C1).")
    assert await net.say("@paul", "paul", "/share P1") == [
        "Vous avez déjà le kit de partage de P1 (en privé)."
    ]
    stats = "\n".join(await net.say("#paris", "claire", "/stats C1"))
    assert "Publications : 1 (P1), 1 envoi\n" in stats
    assert "Salons et canaux : 1 copie remise, 0 en échec" in stats
    assert "Kits de partage : 3 envoyés, 1 partage fait" in stats
    assert "Clics : pas comptés (pas de lien court" in stats


async def test_bad_input_gets_one_line_and_schedules_nothing(net: PushNet) -> None:
    await approved(net)
    cases = {
        "/approve C9": "Le contenu C9 n'existe pas.",
        "/push C9 now": "Le contenu C9 n'existe pas.",
        "/unpush P9": "La publication P9 n'existe pas.",
        "/push C1 at 00:00": "« 00:00 » est déjà passé",
        "/push C1 every day 08:00": "Une répétition doit finir",
        "/push C1 every day 08:00 until 2099-01-01": "C'est trop loin",
        "/push C1 every day 08:00 61 times": "Cela ferait 61 envois ; 60 au plus",
        "/push C1 now to myspace": "Cible inconnue : « myspace »",
        "/push C1 now to channel": "Aucun canal n'est configuré",
        "/push C1 demain": "Je ne comprends pas « demain »",
        "/push C1 in 2h to": "Vers où ?",
        "/stats T5": "stats compte les alertes (A17), les contenus (C4)",
        "/edit C1 x: " + "é" * 300: "Variante X trop longue : 324 pour 280",
    }
    for command, expected in cases.items():
        answer = await net.say("#paris", "claire", command)
        assert len(answer) == 1 and expected in answer[0], (command, answer)
    async with net.bot.db.transaction() as tx:
        assert await tx.pushes.scheduled() == []
    assert await net.say("#lyon", "bob", "/push C1 now") == [
        "Refusé : cette commande est réservée au rôle coordinateur."
    ]


async def test_a_push_to_a_tag_no_room_has_is_refused_and_one_whose_rooms_left_says_so(
    net: PushNet,
) -> None:
    await approved(net)
    assert await net.say("#paris", "claire", "/push C1 in 1m to #dept:013") == [
        "Aucun salon relié n'a le tag #dept:013 : rien n'y partirait. Les tags des salons : "
        "#dept:069 #dept:075."
    ]
    await net.say("#paris", "claire", "/push C1 in 1m to #dept:069")
    await net.say("#lyon", "alice", "/unlink")
    await net.later(60)
    await net.later(3)
    report = net.texts("#paris")[-1]
    assert report.startswith("📣 P1 (C1)")
    assert "plus aucun salon relié pour #dept:069" in report
