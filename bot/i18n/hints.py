"""What a mistyped command gets back: which id was expected, and how to find help.

Ids are written as the bot prints them (`A17`, `T5`, `K9`, `C4`, `P3`, `M7`): the
examples here are the ones the help texts use.
"""

FR: dict[str, str] = {
    "args.wrong_id": "« {value} » n'est pas un identifiant {kind} : écrivez-le comme {example}.",
    "args.other_kind": "{value} désigne {other}, pas {kind} : cette commande attend un "
    "identifiant comme {example}.",
    "kind.A": "une alerte",
    "kind.T": "une tâche",
    "kind.K": "un clip",
    "kind.C": "un contenu",
    "kind.P": "une publication",
    "kind.M": "un membre",
    "kind_of.A": "d'alerte",
    "kind_of.T": "de tâche",
    "kind_of.K": "de clip",
    "kind_of.C": "de contenu",
    "kind_of.P": "de publication",
    "kind_of.M": "de membre",
    "join.accepted_no_tags": "Bienvenue {name} ! {by} a accepté votre demande : vous êtes "
    "membre du réseau ({id}). Pour recevoir les alertes en privé : {prefix}subscribe suivi des "
    "tags qui vous intéressent (ou {prefix}subscribe seul pour toutes).",
    "invite.welcome_no_tags": "Bienvenue {name} ! Vous êtes membre du réseau ({id}), invité·e "
    "par {sponsor}. Pour recevoir les alertes en privé : {prefix}subscribe suivi des tags qui "
    "vous intéressent (ou {prefix}subscribe seul pour toutes).",
    "keep.forever": "sans limite",
    "audit.ago": "il y a {elapsed}",
    "audit.just_now": "à l'instant",
    "audit.needs": "réservé au rôle {needed}, son rôle : {has}",
    "audit.in_room": "dans {room} ({platform})",
    "audit.in_private": "en privé ({platform})",
    "audit.detail": "{outcome} ({detail})",
    "hint.not_command": "Ce n'est pas une commande. Les commandes commencent par {prefix} : "
    "{prefix}help les liste.",
}

EN: dict[str, str] = {
    "args.wrong_id": '"{value}" is not {kind} id: write it like {example}.',
    "args.other_kind": "{value} is {other}, not {kind}: this command takes an id like "
    "{example}.",
    "kind.A": "an alert",
    "kind.T": "a task",
    "kind.K": "a clip",
    "kind.C": "a content item",
    "kind.P": "a push",
    "kind.M": "a member",
    "kind_of.A": "an alert",
    "kind_of.T": "a task",
    "kind_of.K": "a clip",
    "kind_of.C": "a content",
    "kind_of.P": "a push",
    "kind_of.M": "a member",
    "join.accepted_no_tags": "Welcome {name}! {by} accepted your request: you are a member of "
    "the network ({id}). To get alerts privately: {prefix}subscribe followed by the tags you "
    "care about (or {prefix}subscribe alone for all of them).",
    "invite.welcome_no_tags": "Welcome {name}! You are a member of the network ({id}), invited "
    "by {sponsor}. To get alerts privately: {prefix}subscribe followed by the tags you care "
    "about (or {prefix}subscribe alone for all of them).",
    "keep.forever": "with no limit",
    "audit.ago": "{elapsed} ago",
    "audit.just_now": "just now",
    "audit.needs": "needs {needed}, their role: {has}",
    "audit.in_room": "in {room} ({platform})",
    "audit.in_private": "in private ({platform})",
    "audit.detail": "{outcome} ({detail})",
    "hint.not_command": "That is not a command. Commands start with {prefix}: {prefix}help "
    "lists them.",
}
