"""One person across platforms, quiet hours and digests, export and forget."""

FR: dict[str, str] = {
    # linkme
    "link.code": "Votre code : {code} (valable {minutes} minutes, une seule fois). Sur votre "
    "autre plateforme, tapez : linkme {code} — en privé au bot de préférence.",
    "link.code_sent_privately": "Je vous ai envoyé le code en privé.",
    "link.private_first_link": "Le code ne s'envoie qu'en privé : ouvrez la conversation avec "
    "le bot ({link}) et appuyez sur Démarrer, le code arrive aussitôt.",
    "link.private_first": "Le code ne s'envoie qu'en privé : écrivez linkme au bot en privé.",
    "link.bad_code": "Code inconnu : vérifiez-le, ou demandez-en un autre avec linkme.",
    "link.used_code": "Ce code a déjà servi : demandez-en un autre avec linkme.",
    "link.expired_code": "Ce code a expiré (10 minutes) : demandez-en un autre avec linkme.",
    "link.too_many_tries": "Trop de codes erronés : réessayez dans une heure.",
    "link.confirm_usage": "Pour confirmer une liaison : {prefix}linkme confirm CODE.",
    "link.same_member": "Ce compte est déjà relié à vous.",
    "link.closed": "Impossible : une adhésion refusée ou retirée ne se relie pas ; "
    "demandez à un coordinateur.",
    "link.same_platform": "Vous avez déjà un compte sur cette plateforme ({platforms}) : "
    "détachez-le d'abord avec unlinkme.",
    "link.done": "C'est fait : vous êtes {id} sur {platforms}. Rôles, abonnements et "
    "historique sont réunis. Où recevoir vos alertes : {prefix}notify.",
    "link.notice": "Votre compte {platform} ({name}) vient d'être relié à celui-ci. Si ce "
    "n'était pas vous : {prefix}unlinkme {platform}.",
    "link.needs_admin": "Ce compte a des rôles ({roles}) : un admin du réseau doit confirmer la "
    "liaison ({admins}).",
    "link.approve_request": "Demande de liaison : {typer} ({typer_id}, {platform}, rôles : "
    "{roles}) veut rejoindre {owner} ({owner_id}, {owner_platforms}). Les deux comptes "
    "auront les rôles des deux. Pour confirmer : linkme confirm {code}.",
    "link.approve_button": "Confirmer la liaison",
    "link.too_many_requests": "Trop de demandes de liaison en attente d'un admin : "
    "réessayez dans une heure.",
    "link.gone": "L'un des deux comptes n'existe plus : rien n'a été relié.",
    "link.confirmed": "Liaison confirmée : {name} est {id} sur {platforms}.",
    "unlink.not_linked": "Aucun compte {platform} relié (vos comptes : {platforms}).",
    "unlink.last": "{platform} est votre seul compte : il n'y a rien à détacher.",
    "unlink.done": "Compte {platform} détaché. Vous restez {id} sur {platforms}.",
    # notify
    "notify.current": "Vos alertes privées arrivent : {where}. Vos comptes : {platforms}.",
    "notify.set": "Vos alertes privées arriveront : {where}.",
    "notify.not_linked": "Vous n'avez pas de compte {platform} relié (vos comptes : "
    "{platforms}) : reliez-le avec {prefix}linkme.",
    "notify.all": "sur chacun de vos comptes ({platforms})",
    "notify.first": "sur {platform} (la plateforme où vous êtes entré·e en premier)",
    "notify.open_chat_link": "Pour les recevoir sur {platform}, ouvrez la conversation avec "
    "le bot : {link}",
    "notify.open_chat": "Pour les recevoir sur {platform}, écrivez d'abord au bot en privé.",
    # quiet hours, digest, time zone
    "quiet.none": "Pas d'heures calmes. Exemple : {prefix}quiet 23:00-07:00.",
    "quiet.current": "Heures calmes : {window} ({zone}).",
    "quiet.set": "Heures calmes : {window} ({zone}). Les alertes reçues pendant ce temps "
    "vous arriveront en un seul message à {end}, chacune avec son état. Les alertes urgentes "
    "passent.",
    "quiet.off": "Heures calmes supprimées : chaque alerte vous arrive à nouveau tout de suite.",
    "quiet.released": "Les alertes gardées pour vous arrivent maintenant, en un message.",
    "quiet.digest_too": "Vous recevez aussi un résumé quotidien à {at} : il regroupe déjà "
    "toutes les alertes.",
    "quiet.rooms_only": "Vos alertes arrivent par les salons {platform} (mention de rôle) : "
    "les heures calmes ne concernent que les messages privés.",
    "quiet.bad_time": "« {value} » n'est pas une heure (ex. 23:00, 7h, 7h30).",
    "quiet.bad_window": "« {value} » : écrivez les heures calmes comme 23:00-07:00.",
    "quiet.empty_window": "{value} : le début et la fin sont la même heure.",
    "digest.none": "Pas de résumé quotidien : chaque alerte arrive tout de suite. Exemple : "
    "{prefix}digest daily 19:00.",
    "digest.current": "Résumé quotidien à {at} ({zone}).",
    "digest.set": "Résumé quotidien à {at} ({zone}) : les alertes vous arriveront en un "
    "message par jour (prochain : {next}). Les alertes urgentes arrivent tout de suite.",
    "digest.off": "Résumé quotidien arrêté : chaque alerte vous arrive à nouveau tout de suite.",
    "digest.bad": "Écrivez {prefix}digest daily 19:00, ou {prefix}digest off.",
    "tz.network": "Fuseau horaire : celui du réseau ({zone}).",
    "tz.current": "Votre fuseau horaire : {zone}.",
    "tz.set": "Fuseau horaire : {zone}. Heures calmes et résumé suivent désormais cette heure.",
    "tz.unknown": "« {value} » n'est pas un fuseau horaire connu (ex. Europe/Paris, "
    "America/Montreal).",
    # digests
    "count.alerts.one": "{n} alerte",
    "count.alerts.many": "{n} alertes",
    "digest.header_quiet": "**Pendant vos heures calmes : {alerts}.**",
    "digest.header_daily": "**Votre résumé : {alerts}.**",
    "digest.line": "{id} · {at} · {author} ({origin}) : {text} — {state}",
    "digest.more": "… et {older} : voir alerts.",
    "digest.footer": "Le détail d'une alerte : alerts {id}.",
    "digest.state.cancelled": "annulée",
    "digest.state.done": "traitée",
    "digest.state.open": "en cours",
    "digest.state.open_acked": "en cours, {acks}",
    # alerts
    "alert.relay_urgent": "**🚨 URGENT — Alerte {id}** — {author} ({origin}) : {text}{tags}",
    "alert.urgent_refused": "Refusé : une alerte urgente (elle passe les heures calmes) est "
    "réservée aux coordinateurs de son périmètre ({role}).",
    "alert.urgent_sent": "Urgente : elle passe les heures calmes.",
    # me
    "me.notify": "Alertes privées : {where}",
    "me.quiet": "Heures calmes : {window} ({zone})",
    "me.digest": "Résumé quotidien : {at} ({zone})",
    "me.held": "En attente de votre résumé : {alerts}",
    # export
    "export.explanation": "Voici tout ce que le réseau garde sur vous ({id}), dans un fichier "
    "JSON : vos comptes (plateforme, identifiant, nom), rôles, abonnements, réglages "
    "(alertes privées, heures calmes, fuseau), parrain et personnes amenées, invitations, "
    "alertes lancées, prises en charge, tâches, clips demandés, alertes en attente, entrées "
    "du journal d'audit et messages privés en file. Les alertes et le journal sont gardés "
    "un temps limité : les alertes {alerts}, le journal {audit}, les envois {deliveries}. "
    "Pour tout effacer : {prefix}forgetme.",
    "export.caption": "Vos données ({id}) : fichier JSON, à garder pour vous.",
    "export.sent_privately": "Je vous ai envoyé vos données en privé sur {platform}.",
    "export.no_files_here": "{platform} ne transmet pas de fichier : tapez {prefix}export "
    "{other} pour le recevoir sur votre compte {other}.",
    "export.no_files": "{platform} ne transmet pas de fichier : reliez un compte Telegram ou "
    "Discord ({prefix}linkme) et demandez-le là-bas.",
    "export.open_chat_link": "Vos données ne s'envoient qu'en privé : ouvrez la conversation "
    "avec le bot ({link}) et appuyez sur Démarrer, le fichier arrive aussitôt.",
    "export.not_linked": "Pas de compte {platform} relié où vous écrire en privé "
    "({prefix}linkme pour le relier).",
    "export.too_many": "Au plus {exports} par heure : réessayez plus tard.",
    # forget
    "forget.confirm_self": "Vous demandez à être oublié·e. Seront effacés : vos comptes, noms, "
    "abonnements, rôles, réglages et messages en attente ; dans l'historique, votre nom "
    "devient « ancien membre » ; les chiffres (alertes, prises en charge, tâches) restent, "
    "sans votre nom. C'est définitif. Pour confirmer dans les {minutes} minutes : le bouton, "
    "ou {prefix}forgetme {code}.",
    "forget.confirm_other": "Faire oublier {name} ({id}) : comptes, noms, abonnements, rôles "
    "et messages en attente effacés, « ancien membre » dans l'historique, chiffres gardés. "
    "C'est définitif et inscrit au journal. Pour confirmer dans les {minutes} minutes : le "
    "bouton, ou {prefix}forget {id} {code}.",
    "forget.button": "Oui, effacer",
    "forget.bad_code": "Ce n'est pas le code de confirmation : rien n'a été effacé "
    "({prefix}forgetme pour en avoir un).",
    "forget.expired_code": "Ce code de confirmation a expiré ou a déjà servi : rien n'a été "
    "effacé ({prefix}forgetme pour en avoir un autre).",
    "forget.done_self": "C'est fait : le réseau vous a oublié·e. Au revoir, et merci.",
    "forget.done_other": "{id} a été oublié·e : il ou elle est « ancien membre » dans "
    "l'historique.",
    "forget.self": "Pour vous-même : {prefix}forgetme.",
    "forget.already": "{id} est déjà oublié·e.",
    "forget.config_admin": "Refusé : ce compte est admin dans le fichier de configuration, "
    "il le redeviendrait à son prochain message. L'opérateur doit d'abord l'en retirer.",
    "forget.last_admin": "Refusé : c'est le dernier admin du réseau ; personne ne pourrait "
    "plus le gérer. Nommez d'abord un autre admin ({prefix}role @pseudo admin).",
}

EN: dict[str, str] = {
    # linkme
    "link.code": "Your code: {code} (valid {minutes} minutes, once). On your other platform, "
    "type: linkme {code} — privately to the bot, preferably.",
    "link.code_sent_privately": "I sent you the code privately.",
    "link.private_first_link": "The code is only sent privately: open the chat with the bot "
    "({link}) and press Start; the code comes right away.",
    "link.private_first": "The code is only sent privately: write linkme to the bot privately.",
    "link.bad_code": "Unknown code: check it, or ask for another one with linkme.",
    "link.used_code": "This code was already used: ask for another one with linkme.",
    "link.expired_code": "This code expired (10 minutes): ask for another one with linkme.",
    "link.too_many_tries": "Too many wrong codes: try again in an hour.",
    "link.confirm_usage": "To confirm a link: {prefix}linkme confirm CODE.",
    "link.same_member": "This account is already linked to you.",
    "link.closed": "Not possible: a refused or removed membership is not linked; ask a "
    "coordinator.",
    "link.same_platform": "You already have an account on that platform ({platforms}): "
    "detach it first with unlinkme.",
    "link.done": "Done: you are {id} on {platforms}. Roles, subscriptions and history are "
    "merged. Where your alerts go: {prefix}notify.",
    "link.notice": "Your {platform} account ({name}) was just linked to this one. If it was "
    "not you: {prefix}unlinkme {platform}.",
    "link.needs_admin": "This account holds roles ({roles}): a network admin must confirm the "
    "link ({admins}).",
    "link.approve_request": "Link request: {typer} ({typer_id}, {platform}, roles: {roles}) "
    "wants to join {owner} ({owner_id}, {owner_platforms}). Both accounts will hold both "
    "roles. To confirm: linkme confirm {code}.",
    "link.approve_button": "Confirm the link",
    "link.too_many_requests": "Too many links waiting for an admin: try again in an hour.",
    "link.gone": "One of the two accounts no longer exists: nothing was linked.",
    "link.confirmed": "Link confirmed: {name} is {id} on {platforms}.",
    "unlink.not_linked": "No {platform} account linked (your accounts: {platforms}).",
    "unlink.last": "{platform} is your only account: there is nothing to detach.",
    "unlink.done": "{platform} account detached. You stay {id} on {platforms}.",
    # notify
    "notify.current": "Your private alerts arrive: {where}. Your accounts: {platforms}.",
    "notify.set": "Your private alerts will arrive: {where}.",
    "notify.not_linked": "You have no {platform} account linked (your accounts: "
    "{platforms}): link it with {prefix}linkme.",
    "notify.all": "on each of your accounts ({platforms})",
    "notify.first": "on {platform} (the platform you joined first)",
    "notify.open_chat_link": "To get them on {platform}, open the chat with the bot: {link}",
    "notify.open_chat": "To get them on {platform}, first write to the bot privately.",
    # quiet hours, digest, time zone
    "quiet.none": "No quiet hours. Example: {prefix}quiet 23:00-07:00.",
    "quiet.current": "Quiet hours: {window} ({zone}).",
    "quiet.set": "Quiet hours: {window} ({zone}). Alerts arriving then will reach you as one "
    "message at {end}, each with its state. Urgent alerts go through.",
    "quiet.off": "Quiet hours removed: each alert reaches you at once again.",
    "quiet.released": "The alerts held for you are coming now, in one message.",
    "quiet.digest_too": "You also get a daily digest at {at}: it already gathers every alert.",
    "quiet.rooms_only": "Your alerts reach you through {platform} rooms (a role mention): "
    "quiet hours only concern private messages.",
    "quiet.bad_time": "\"{value}\" is not a time (e.g. 23:00, 7h, 7:30).",
    "quiet.bad_window": "\"{value}\": write quiet hours like 23:00-07:00.",
    "quiet.empty_window": "{value}: the start and the end are the same time.",
    "digest.none": "No daily digest: each alert arrives at once. Example: "
    "{prefix}digest daily 19:00.",
    "digest.current": "Daily digest at {at} ({zone}).",
    "digest.set": "Daily digest at {at} ({zone}): alerts will reach you as one message a day "
    "(next: {next}). Urgent alerts come at once.",
    "digest.off": "Daily digest stopped: each alert reaches you at once again.",
    "digest.bad": "Write {prefix}digest daily 19:00, or {prefix}digest off.",
    "tz.network": "Time zone: the network's ({zone}).",
    "tz.current": "Your time zone: {zone}.",
    "tz.set": "Time zone: {zone}. Quiet hours and digest now follow this clock.",
    "tz.unknown": "\"{value}\" is not a known time zone (e.g. Europe/Paris, America/Montreal).",
    # digests
    "count.alerts.one": "{n} alert",
    "count.alerts.many": "{n} alerts",
    "digest.header_quiet": "**During your quiet hours: {alerts}.**",
    "digest.header_daily": "**Your digest: {alerts}.**",
    "digest.line": "{id} · {at} · {author} ({origin}): {text} — {state}",
    "digest.more": "… and {older}: see alerts.",
    "digest.footer": "One alert in detail: alerts {id}.",
    "digest.state.cancelled": "cancelled",
    "digest.state.done": "done",
    "digest.state.open": "open",
    "digest.state.open_acked": "open, {acks}",
    # alerts
    "alert.relay_urgent": "**🚨 URGENT — Alert {id}** — {author} ({origin}): {text}{tags}",
    "alert.urgent_refused": "Refused: an urgent alert (it goes through quiet hours) is for "
    "the coordinators of its scope ({role}).",
    "alert.urgent_sent": "Urgent: it goes through quiet hours.",
    # me
    "me.notify": "Private alerts: {where}",
    "me.quiet": "Quiet hours: {window} ({zone})",
    "me.digest": "Daily digest: {at} ({zone})",
    "me.held": "Waiting for your digest: {alerts}",
    # export
    "export.explanation": "Here is everything the network keeps about you ({id}), in a JSON "
    "file: your accounts (platform, id, name), roles, subscriptions, settings (private "
    "alerts, quiet hours, time zone), sponsor and people you brought in, invitations, alerts "
    "raised, acks, tasks, clips asked, alerts waiting, audit log entries and private "
    "messages queued. Alerts and the log are kept for a limited time: alerts {alerts}, the "
    "log {audit}, deliveries {deliveries}. To erase it all: {prefix}forgetme.",
    "export.caption": "Your data ({id}): a JSON file, keep it to yourself.",
    "export.sent_privately": "I sent you your data privately on {platform}.",
    "export.no_files_here": "{platform} carries no files: type {prefix}export {other} to get "
    "it on your {other} account.",
    "export.no_files": "{platform} carries no files: link a Telegram or Discord account "
    "({prefix}linkme) and ask there.",
    "export.open_chat_link": "Your data is only sent privately: open the chat with the bot "
    "({link}) and press Start; the file comes right away.",
    "export.not_linked": "No {platform} account linked where I may write to you privately "
    "({prefix}linkme to link it).",
    "export.too_many": "At most {exports} an hour: try again later.",
    # forget
    "forget.confirm_self": "You ask to be forgotten. Erased: your accounts, names, "
    "subscriptions, roles, settings and waiting messages; in history your name becomes "
    "\"former member\"; the counts (alerts, acks, tasks) stay, without your name. This is "
    "final. To confirm within {minutes} minutes: the button, or {prefix}forgetme {code}.",
    "forget.confirm_other": "Have {name} ({id}) forgotten: accounts, names, subscriptions, "
    "roles and waiting messages erased, \"former member\" in history, counts kept. This is "
    "final and written to the audit log. To confirm within {minutes} minutes: the button, "
    "or {prefix}forget {id} {code}.",
    "forget.button": "Yes, erase",
    "forget.bad_code": "That is not the confirmation code: nothing was erased "
    "({prefix}forgetme to get one).",
    "forget.expired_code": "This confirmation code expired or was already used: nothing was "
    "erased ({prefix}forgetme to get another).",
    "forget.done_self": "Done: the network has forgotten you. Goodbye, and thank you.",
    "forget.done_other": "{id} was forgotten: \"former member\" in history.",
    "forget.self": "For yourself: {prefix}forgetme.",
    "forget.already": "{id} is already forgotten.",
    "forget.config_admin": "Refused: this account is an admin in the configuration file and "
    "would be one again at its next message. The operator must remove it there first.",
    "forget.last_admin": "Refused: this is the network's last admin; nobody could run it "
    "any more. Name another admin first ({prefix}role @name admin).",
}
