"""What the admin reads after `remove @x`: whether the person was told, and if not, why."""

from __future__ import annotations

FR: dict[str, str] = {
    "remove.done_told": "{name} ({id}) n'est plus membre ; {codes}. Prévenu·e en privé "
    "({platform}).",
    "remove.done_not_opened": "{name} ({id}) n'est plus membre ; {codes}. Je n'ai pas pu "
    "le·la prévenir : {platform} ne laisse pas un bot écrire le premier et cette personne n'a "
    "jamais ouvert de conversation privée avec moi. Dites-le-lui vous-même.",
    "remove.done_unreachable": "{name} ({id}) n'est plus membre ; {codes}. Je n'ai pas pu "
    "le·la prévenir : mes messages privés sur {platform} échouent (bot bloqué ou compte "
    "disparu). Dites-le-lui vous-même.",
    "remove.done_none": "{name} ({id}) n'est plus membre ; {codes}. Je n'ai pas pu le·la "
    "prévenir : je ne connais aucune conversation privée avec cette personne. Dites-le-lui "
    "vous-même.",
}

EN: dict[str, str] = {
    "remove.done_told": "{name} ({id}) is no longer a member; {codes}. Told privately "
    "({platform}).",
    "remove.done_not_opened": "{name} ({id}) is no longer a member; {codes}. I could not tell "
    "them: {platform} does not let a bot write first and they never opened a private chat "
    "with me. Tell them yourself.",
    "remove.done_unreachable": "{name} ({id}) is no longer a member; {codes}. I could not "
    "tell them: my private messages on {platform} fail (bot blocked or account gone). Tell "
    "them yourself.",
    "remove.done_none": "{name} ({id}) is no longer a member; {codes}. I could not tell them: "
    "I know of no private chat with them. Tell them yourself.",
}
