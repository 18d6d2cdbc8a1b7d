"""Trust and permissions: joining, invitations, vetting, scoped refusals, alert limits, audit."""

FR: dict[str, str] = {
    # Refusals
    "refused.pending": "Votre demande d'adhésion ({id}) attend encore un coordinateur : "
    "en attendant, seules les commandes help et me vous sont ouvertes.",
    "refused.closed": "Vous n'êtes pas membre du réseau : demandez à un coordinateur.",
    "scope.network": "tout le réseau",
    "room.scope_refused": "Refusé : il faut être admin de {scope} pour changer ce salon.",
    "scopes.network_admin_only": "Refusé : {command} change le sens des tags pour tout le réseau, "
    "c'est réservé aux admins du réseau.",
    "vetting.scope": "Refusé : cette demande a été faite dans {scope} ; il faut être "
    "coordinateur de ce périmètre.",
    "args.bad_number": "« {value} » n'est pas un nombre entre {minimum} et {maximum}.",
    # Joining
    "join.waiting": "Votre demande ({id}) est déjà enregistrée : un coordinateur va y répondre.",
    "join.closed": "Votre adhésion a été refusée ou retirée : seul un coordinateur peut vous "
    "faire entrer.",
    "join.full": "Trop de demandes sont en attente en ce moment : réessayez plus tard.",
    "join.requested": "Demande enregistrée ({id}) : un coordinateur va l'examiner. "
    "En attendant, vous pouvez utiliser help et me.",
    "join.requested_here": "Demande enregistrée ({id}) : un coordinateur de ce salon peut "
    "l'accepter ici.",
    "join.requested_unverified": "Demande enregistrée ({id}), mais vous n'êtes pas identifié "
    "auprès des services (NickServ) : n'importe qui pourrait prendre votre pseudo. "
    "Identifiez-vous (NickServ ou SASL), puis refaites join.",
    "join.accept_button": "Accepter",
    "join.refuse_button": "Refuser",
    "join.notify": "Demande d'adhésion {id} : {name} ({where}).",
    "join.decided_accepted": "Demande {id} ({name}) : acceptée par {by}.",
    "join.decided_refused": "Demande {id} ({name}) : refusée par {by}.",
    "join.decided_invited": "Demande {id} ({name}) : entré·e, invité·e par {by}.",
    "join.accepted": "Bienvenue {name} ! {by} a accepté votre demande : vous êtes membre du "
    "réseau ({id}). Pour recevoir en privé les alertes de votre périmètre : "
    "{prefix}subscribe {tags}",
    "join.refused": "Votre demande d'adhésion a été refusée.",
    "join.refused_reason": "Votre demande d'adhésion a été refusée : {reason}",
    "start.hello": "Bonjour ! {prefix}join pour demander à rejoindre le réseau (ou "
    "{prefix}join CODE avec une invitation), {prefix}help pour les commandes.",
    # Invitations
    "invite.welcome": "Bienvenue {name} ! Vous êtes membre du réseau ({id}), invité·e par "
    "{sponsor}. Vous recevez en privé les alertes de {tags} ; pour en ajouter : "
    "{prefix}subscribe suivi des tags.",
    "invite.too_many_tries": "Trop de codes erronés : réessayez dans une heure.",
    "invite.member": "Vous êtes déjà membre ({id}) : ce code reste valable pour quelqu'un "
    "d'autre.",
    "invite.identify": "Un code d'invitation ne peut servir qu'à une personne identifiée : "
    "identifiez-vous auprès des services (NickServ ou SASL), puis réessayez.",
    "invite.unknown": "Code d'invitation inconnu : vérifiez-le.",
    "invite.used": "Ce code d'invitation a déjà servi : demandez-en un autre.",
    "invite.revoked": "Ce code d'invitation n'est plus valable : demandez-en un autre.",
    "invite.expired": "Ce code d'invitation a expiré : demandez-en un autre.",
    "invite.used_notice": "{name} ({id}) est entré·e avec votre invitation.",
    "invite.cap": "Vous pouvez encore inviter {people} (au plus {cap}, codes ouverts compris).",
    "invite.header": "{invitations} jusqu'au {until}, abonnement : {tags}. Chaque code sert une "
    "fois :",
    "invite.no_tags": "aucun",
    "invite.line": "{prefix}join {code}",
    "invite.line_link": "{prefix}join {code} — Telegram : {link}",
    "invite.footer": "Transmettez-les en privé : ils font entrer sans vérification.",
    "invite.sent_privately": "Je vous ai envoyé {codes} en privé.",
    "invite.dm_first": "Les codes s'envoient en privé : écrivez-moi d'abord en privé, puis "
    "refaites invite.",
    "invite.dm_first_link": "Les codes s'envoient en privé : ouvrez ce lien, appuyez sur "
    "« Démarrer », puis refaites invite : {link}",
    # Me
    "me.pending": "Demande d'adhésion {id} en attente d'un coordinateur.",
    "me.closed": "Vous n'êtes pas membre du réseau (demande refusée ou adhésion retirée).",
    "me.sponsor": "Parrain ou marraine : {name} ({id})",
    "me.cascade": "Personnes que vous avez fait entrer : {n} · invitations ouvertes : {open} · "
    "encore possibles : {left}",
    "me.invites_unlimited": "sans limite",
    "role.not_member": "{who} ({id}) n'est pas membre : acceptez d'abord sa demande.",
    # Vetting
    "accept.already": "{name} ({id}) est déjà membre.",
    "vetting.no_request": "{id} n'a pas demandé à rejoindre le réseau.",
    "accept.unverified": "La demande {id} vient d'un pseudo IRC non identifié : demandez à la "
    "personne de s'identifier (NickServ) et de refaire join.",
    "accept.done": "{name} ({id}) est maintenant membre.",
    "refuse.member": "{id} est déjà membre : utilisez remove.",
    "refuse.done": "Demande {id} ({name}) refusée.",
    "remove.not_member": "{who} ({id}) n'est pas membre.",
    "remove.self": "Vous ne pouvez pas vous retirer vous-même.",
    "remove.config_admin": "Refusé : {who} ({id}) est admin du fichier de configuration : on ne "
    "peut pas l'exclure (l'opérateur le retire d'abord de [network] admins).",
    "remove.scope": "Refusé : {who} ({id}) est entré·e par un autre périmètre que le vôtre.",
    "remove.privileged": "Refusé : {who} ({id}) a un rôle ; seul un admin de ce périmètre peut "
    "l'exclure.",
    "count.codes.one": "{n} invitation non utilisée annulée",
    "count.codes.many": "{n} invitations non utilisées annulées",
    "members.summary": "{members} ; {requests}.",
    "pending.none": "Aucune demande que vous puissiez décider ({others} en attente en tout).",
    "pending.header": "{requests} :",
    "pending.line": "{id} · {name} · {where} · depuis {minutes} min",
    "pending.unverified": "(IRC, non identifié)",
    "pending.more": "… et {more}.",
    "pending.footer": "Décider : {prefix}accept {id} ou {prefix}refuse {id} [raison].",
    "tree.empty": "{name} ({id}) n'a encore fait entrer personne.",
    "tree.level": "niveau {level} : {n}",
    "tree.summary": "{name} ({id}) a fait entrer : {levels} — {total} en tout.",
    # Audit
    "audit.none": "Le journal est vide.",
    "audit.header": "Journal ({entries}, les plus récentes d'abord) :",
    "audit.line": "{at} · {who}, {where} · {command} : {outcome}",
    "audit.outcome.done": "fait",
    "audit.outcome.refused": "refusé",
    "audit.outcome.requested": "demandé",
    "audit.outcome.bad_code": "code erroné",
    "audit.outcome.error": "erreur",
    # Alerts
    "alert.duplicate": "Déjà signalé : {id} (à {at}). Pas de second relais ; pour vous en "
    "occuper :",
    "alert.national_refused": "Une alerte à tout le réseau est réservée aux coordinateurs du "
    "réseau : ajoutez un ou des #tags.",
    "alert.too_many_tags": "Trop de #tags : au plus {limit} (plus, c'est réservé aux "
    "coordinateurs de tous ces périmètres).",
    "alert.rate_limited": "Vous avez atteint la limite de {alerts} par heure. Prochaine alerte "
    "possible à {at} (dans {minutes} min).",
    # Clips
    "clip.not_attached": "{id} est archivé sans être rattaché à {alert} : seuls son auteur, "
    "ses coordinateurs et qui a pris une de ses tâches peuvent y rattacher un clip.",
}

EN: dict[str, str] = {
    # Refusals
    "refused.pending": "Your request to join ({id}) is still waiting for a coordinator: "
    "until then only help and me are open to you.",
    "refused.closed": "You are not a member of the network: ask a coordinator.",
    "scope.network": "the whole network",
    "room.scope_refused": "Refused: you need to be admin of {scope} to change this room.",
    "scopes.network_admin_only": "Refused: {command} changes what tags mean for the whole "
    "network; it is for the network's admins.",
    "vetting.scope": "Refused: this request was made in {scope}; you need to be a coordinator "
    "of that scope.",
    "args.bad_number": '"{value}" is not a number between {minimum} and {maximum}.',
    # Joining
    "join.waiting": "Your request ({id}) is already recorded: a coordinator will answer it.",
    "join.closed": "Your membership was refused or ended: only a coordinator can let you in.",
    "join.full": "Too many requests are waiting right now: try again later.",
    "join.requested": "Request recorded ({id}): a coordinator will look at it. Meanwhile you "
    "can use help and me.",
    "join.requested_here": "Request recorded ({id}): a coordinator of this room can accept it "
    "here.",
    "join.requested_unverified": "Request recorded ({id}), but you are not identified with "
    "services (NickServ): anyone could take your nick. Identify (NickServ or SASL), then "
    "join again.",
    "join.accept_button": "Accept",
    "join.refuse_button": "Refuse",
    "join.notify": "Request to join {id}: {name} ({where}).",
    "join.decided_accepted": "Request {id} from {name}: accepted by {by}.",
    "join.decided_refused": "Request {id} from {name}: refused by {by}.",
    "join.decided_invited": "Request {id} from {name}: came in with an invitation from {by}.",
    "join.accepted": "Welcome {name}! {by} accepted your request: you are a member of the "
    "network ({id}). To get your scope's alerts privately: {prefix}subscribe {tags}",
    "join.refused": "Your request to join was refused.",
    "join.refused_reason": "Your request to join was refused: {reason}",
    "start.hello": "Hello! {prefix}join to ask to join the network (or {prefix}join CODE with "
    "an invitation), {prefix}help for the commands.",
    # Invitations
    "invite.welcome": "Welcome {name}! You are a member of the network ({id}), invited by "
    "{sponsor}. You get the alerts of {tags} privately; to add more: {prefix}subscribe "
    "followed by the tags.",
    "invite.too_many_tries": "Too many wrong codes: try again in an hour.",
    "invite.member": "You are already a member ({id}): this code stays valid for someone else.",
    "invite.identify": "An invitation code only works for someone identified: identify with "
    "services (NickServ or SASL), then try again.",
    "invite.unknown": "Unknown invitation code: check it.",
    "invite.used": "This invitation code was already used: ask for another one.",
    "invite.revoked": "This invitation code is no longer valid: ask for another one.",
    "invite.expired": "This invitation code has expired: ask for another one.",
    "invite.used_notice": "{name} ({id}) came in with your invitation.",
    "invite.cap": "You may invite {people} (at most {cap}, open codes included).",
    "invite.header": "{invitations} until {until}, subscription: {tags}. Each code works once:",
    "invite.no_tags": "none",
    "invite.line": "{prefix}join {code}",
    "invite.line_link": "{prefix}join {code} — Telegram: {link}",
    "invite.footer": "Pass them on privately: they let people in without vetting.",
    "invite.sent_privately": "I sent you {codes} privately.",
    "invite.dm_first": "Codes are sent privately: write to me privately first, then invite "
    "again.",
    "invite.dm_first_link": "Codes are sent privately: open this link, press Start, then "
    "invite again: {link}",
    # Me
    "me.pending": "Request to join {id} waiting for a coordinator.",
    "me.closed": "You are not a member of the network (request refused or membership ended).",
    "me.sponsor": "Sponsor: {name} ({id})",
    "me.cascade": "People you brought in: {n} · open invitations: {open} · still possible: "
    "{left}",
    "me.invites_unlimited": "no limit",
    "role.not_member": "{who} ({id}) is not a member: accept their request first.",
    # Vetting
    "accept.already": "{name} ({id}) is already a member.",
    "vetting.no_request": "{id} has not asked to join the network.",
    "accept.unverified": "Request {id} comes from an unidentified IRC nick: ask the person to "
    "identify (NickServ) and join again.",
    "accept.done": "{name} ({id}) is now a member.",
    "refuse.member": "{id} is already a member: use remove.",
    "refuse.done": "Request from {name} ({id}) refused.",
    "remove.not_member": "{who} ({id}) is not a member.",
    "remove.self": "You cannot remove yourself.",
    "remove.config_admin": "Refused: {who} ({id}) is an admin of the configuration file and "
    "cannot be removed (the operator takes them out of [network] admins first).",
    "remove.scope": "Refused: {who} ({id}) came in through another scope than yours.",
    "remove.privileged": "Refused: {who} ({id}) holds a role; only an admin of that scope can "
    "remove them.",
    "count.codes.one": "{n} unused invitation cancelled",
    "count.codes.many": "{n} unused invitations cancelled",
    "members.summary": "{members}; {requests}.",
    "pending.none": "No request you can decide ({others} waiting in all).",
    "pending.header": "{requests}:",
    "pending.line": "{id} · {name} · {where} · for {minutes} min",
    "pending.unverified": "(IRC, not identified)",
    "pending.more": "… and {more}.",
    "pending.footer": "Decide: {prefix}accept {id} or {prefix}refuse {id} [reason].",
    "tree.empty": "{name} ({id}) has not brought anyone in yet.",
    "tree.level": "level {level}: {n}",
    "tree.summary": "{name} ({id}) brought in: {levels} — {total} in all.",
    # Audit
    "audit.none": "The audit log is empty.",
    "audit.header": "Audit log ({entries}, newest first):",
    "audit.line": "{at} · {who}, {where} · {command}: {outcome}",
    "audit.outcome.done": "done",
    "audit.outcome.refused": "refused",
    "audit.outcome.requested": "requested",
    "audit.outcome.bad_code": "wrong code",
    "audit.outcome.error": "error",
    # Alerts
    "alert.duplicate": "Already alerted as {id} (at {at}). No second relay; to take it on:",
    "alert.national_refused": "An alert to the whole network is for the network's "
    "coordinators: add one or more #tags.",
    "alert.too_many_tags": "Too many #tags: at most {limit} (more is for coordinators of all "
    "those scopes).",
    "alert.rate_limited": "You reached the limit of {alerts} per hour. You may alert again at "
    "{at} (in {minutes} min).",
    # Clips
    "clip.not_attached": "{id} is archived without being attached to {alert}: only its author, "
    "its coordinators and whoever took one of its tasks can attach a clip to it.",
}
