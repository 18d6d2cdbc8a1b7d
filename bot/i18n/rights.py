"""Rights and reach: synonyms and scoped roles, refusals naming the right scope, who sees
which alert, duplicate links, invitations within one's scopes, private confirmations."""

FR: dict[str, str] = {
    # Synonyms
    "alias.national": "#national veut dire « tout le réseau » : il ne peut être le synonyme "
    "d'aucun tag, ni aucun tag le sien.",
    "alias.widened": "Attention, les rôles limités à l'un de ces tags valent désormais pour "
    "les deux : {grants}.",
    # Refusals that name the right they need
    "refused.network_admin": "Refusé : {command} est réservé aux admins du réseau (un rôle "
    "admin sans tag).",
    "role.scope_refused": "Refusé : il faut être admin de {scope} pour y donner ou retirer "
    "un rôle.",
    "role.network_refused": "Refusé : sans tag, un rôle vaut pour tout le réseau : c'est "
    "réservé aux admins du réseau. Pour un périmètre : {prefix}role @pseudo {role} "
    "#tag.",
    "alert.urgent_scope_refused": "Refusé : une alerte urgente (elle passe les heures calmes) "
    "est réservée aux coordinateurs de {scope}.",
    # Help for people who are not members yet
    "help.not_member": "Les autres commandes s'ouvrent une fois membre : {prefix}join.",
    "help.pending": "Les autres commandes s'ouvrent quand votre demande ({id}) sera acceptée.",
    "help.closed": "Vous n'êtes pas membre du réseau : seules ces commandes vous sont ouvertes.",
    # Duplicate links
    "alert.duplicate_widened": "Déjà signalé : {id} ({at}). Je l'ai relayée en plus à "
    "{rooms} et {members} de {scope} : tout le monde travaille sur {id}.",
    # Invitations
    "invite.out_of_scope": "Refusé : vous pouvez inviter dans vos périmètres ({scopes}), pas "
    "dans {tags}.",
    "invite.no_scope_yet": "Refusé : vous pouvez inviter dans vos périmètres, et {tags} n'en "
    "fait pas partie.",
    "invite.unused_tags": "Attention : aucun salon relié n'a {tags}. Les invité·es y seront "
    "abonné·es, mais ne recevront que les alertes qui portent ce tag : vérifiez "
    "l'orthographe ({prefix}rooms).",
    "invite.scope_default": "Sans tag, vos invité·es entrent dans votre périmètre : {tags}.",
    # Private confirmations, notices
    "forget.sent_privately": "Je vous ai écrit en privé pour confirmer.",
    "forget.private_first": "Pour être oublié·e, écrivez-moi en privé : {prefix}forgetme.",
    "forget.private_first_link": "Pour être oublié·e, ouvrez la conversation privée : {link}",
    "remove.told": "Votre adhésion au réseau a été retirée par {by}.",
    "remove.told_reason": "Votre adhésion au réseau a été retirée par {by} : {reason}",
    "reason.too_long": "Raison trop longue ({length} caractères, {limit} au plus) : elle est "
    "transmise à la personne, faites court.",
    # Pushes
    "push.tag_no_room": "Aucun salon relié n'a le tag {tags} : rien n'y partirait. Les tags "
    "des salons : {known}.",
    "push.no_room_in_scope": "Aucun salon relié dans le périmètre de {id} ({scope}) : rien "
    "ne partirait. Choisissez des cibles : to #tags, channel, mastodon, bluesky ou x.",
    "push.no_rooms_known": "aucun",
    "push.list_dropped": "envoi de {at} retenu puis annulé : rien n'est parti.",
    # Quiet hours and the daily digest, one without the other
    "quiet.off_digest": "Heures calmes supprimées. Votre résumé quotidien de {at} reste en "
    "place : les alertes y attendent toujours ({prefix}digest off pour les recevoir tout de "
    "suite).",
    "digest.off_quiet": "Résumé quotidien arrêté : les alertes arrivent à nouveau tout de "
    "suite, sauf pendant vos heures calmes ({window}, {zone}), après lesquelles elles "
    "arrivent en un résumé.",
    # Clips for someone else's task
    "task.clip_offered": "{clip} est rattaché à l'alerte ; {task} reste à {name}, qui la "
    "termine avec ce clip s'il lui convient : {prefix}done {id} {clip}.",
    "push.rooms_vanished": "Salons : plus aucun salon relié pour {targets} (délié depuis ?), "
    "rien n'y est parti.",
    "invite.too_many_open": "Refusé : vous avez déjà {open} codes d'invitation ouverts (au "
    "plus {max} à la fois) : attendez qu'ils servent ou expirent.",
}

EN: dict[str, str] = {
    "alias.national": "#national means \"the whole network\": it cannot be a synonym of any "
    "tag, nor any tag of it.",
    "alias.widened": "Note: roles limited to one of these tags now hold for both: {grants}.",
    "refused.network_admin": "Refused: {command} is for the network's admins (an admin role "
    "without a tag).",
    "role.scope_refused": "Refused: you need to be admin of {scope} to give or remove a role "
    "there.",
    "role.network_refused": "Refused: without a tag a role holds for the whole network: that "
    "is for the network's admins. For one scope: {prefix}role @name {role} #tag.",
    "alert.urgent_scope_refused": "Refused: an urgent alert (it goes through quiet hours) is "
    "for the coordinators of {scope}.",
    "help.not_member": "The other commands open once you are a member: {prefix}join.",
    "help.pending": "The other commands open once your request ({id}) is accepted.",
    "help.closed": "You are not a member of the network: only these commands are open to you.",
    "alert.duplicate_widened": "Already alerted: {id} ({at}). I relayed it to {rooms} and "
    "{members} of {scope} as well: everyone works on {id}.",
    "invite.out_of_scope": "Refused: you may invite into your scopes ({scopes}), not into "
    "{tags}.",
    "invite.no_scope_yet": "Refused: you may invite into your scopes, and {tags} is not one "
    "of them.",
    "invite.unused_tags": "Note: no linked room has {tags}. Your guests will follow it, but "
    "only alerts carrying that tag will reach them: check the spelling ({prefix}rooms).",
    "invite.scope_default": "Without a tag, your guests come into your scope: {tags}.",
    "forget.sent_privately": "I wrote to you privately to confirm.",
    "forget.private_first": "To be forgotten, write to me privately: {prefix}forgetme.",
    "forget.private_first_link": "To be forgotten, open the private chat: {link}",
    "remove.told": "Your membership of the network was ended by {by}.",
    "remove.told_reason": "Your membership of the network was ended by {by}: {reason}",
    "reason.too_long": "Reason too long ({length} characters, {limit} at most): it is passed "
    "on to the person, keep it short.",
    "push.tag_no_room": "No linked room has the tag {tags}: nothing would go there. The "
    "rooms' tags: {known}.",
    "push.no_room_in_scope": "No linked room in the scope of {id} ({scope}): nothing would go "
    "out. Choose targets: to #tags, channel, mastodon, bluesky or x.",
    "push.no_rooms_known": "none",
    "push.list_dropped": "run of {at} held, then cancelled: nothing went out.",
    "quiet.off_digest": "Quiet hours removed. Your daily digest at {at} stays: alerts still "
    "wait for it ({prefix}digest off to get them at once).",
    "digest.off_quiet": "Daily digest stopped: alerts reach you at once again, except during "
    "your quiet hours ({window}, {zone}), after which they come as one digest.",
    # Clips for someone else's task
    "task.clip_offered": "{clip} is attached to the alert; {task} stays with {name}, who "
    "closes it with that clip if it suits them: {prefix}done {id} {clip}.",
    "push.rooms_vanished": "Rooms: no linked room left for {targets} (unlinked since?), "
    "nothing went there.",
    "invite.too_many_open": "Refused: you already hold {open} open invitation codes (at "
    "most {max} at once): wait until they are used or expire.",
}
