"""Content, pushes, share kits and their stats: French and English side by side.

`{id}` is a content (`C4`) or push (`P3`) id; `{network}` a network's name (X, Mastodon…).
"""

FR: dict[str, str] = {
    # Content
    "content.network": "tout le réseau",
    "content.status.pending": "en attente",
    "content.status.approved": "approuvé",
    "content.status.rejected": "refusé",
    "content.line": "**{id}** · {name} · {scope} · {status}{clip}",
    "content.variant_line": "  {network} : {text}",
    "content.reason_line": "  Raison : {reason}",
    "content.variant_mark": " (variante)",
    "content.length_ok": "{network} {length}/{limit}{variant}",
    "content.length_over": "{network} {length}/{limit}{variant} trop long",
    "content.button.approve": "Approuver",
    "content.button.reject": "Refuser",
    "content.button.edit": "Modifier",
    "content.submitted": "Contenu {id} enregistré : les coordinateurs de {scope} vont le relire "
    "(vous saurez ici ce qu'ils en disent).",
    "content.submitted_four_eyes": "Contenu {id} enregistré. Vous coordonnez {scope}, mais "
    "avec le principe des quatre yeux un autre coordinateur doit l'approuver.",
    "content.submitted_approved": "Contenu {id} enregistré et approuvé. Pour le publier : "
    "/push {id} at 18:00 to mastodon.",
    "content.empty": "Il manque le texte. Par exemple : submit Le vrai chiffre des retraites "
    "https://…",
    "content.too_long_text": "Texte trop long : {length} caractères pour {limit} au plus.",
    "content.bad_tag": "Tag invalide : {tag}.",
    "content.clip_failed": "Le clip {clip} a échoué : réessayez-le (clip retry {clip}) ou "
    "proposez le contenu sans lui.",
    "content.too_many_pending": "Vous avez déjà {n} contenus en attente : attendez qu'ils "
    "soient relus.",
    "content.not_found": "Le contenu {id} n'existe pas.",
    "content.queue_empty": "Rien à relire dans votre périmètre.",
    "content.queue_header": "À relire : {n}.",
    "content.queue_more": "… et {n} de plus (approuvez ou refusez ceux-ci d'abord).",
    "content.approved": "{id} approuvé. Pour le publier : /push {id} at 18:00 to #tags "
    "mastodon bluesky x.",
    "content.rejected": "{id} refusé ; son auteur est prévenu.",
    "content.already_approved": "{id} est déjà approuvé (par {name}).",
    "content.already_rejected": "{id} est déjà refusé.",
    "content.changed": "{id} vient de changer : regardez /edit {id}.",
    "content.decide_refused": "Seuls les coordinateurs de tout le périmètre de {id} peuvent "
    "en décider.",
    "content.four_eyes": "Vous avez proposé {id} : un autre coordinateur doit l'approuver "
    "(principe des quatre yeux).",
    "content.four_eyes_edit": "Vous avez modifié {id} après son approbation : un autre "
    "coordinateur doit l'approuver (principe des quatre yeux).",
    "content.too_long": "{id} ne peut pas être approuvé : trop long pour {details}. Ajoutez "
    "une variante : /edit {id} {network}: texte plus court.",
    "content.reason_too_long": "Raison trop longue ({limit} caractères au plus).",
    "content.has_pushes": "{id} a des publications prévues : annulez-les d'abord (unpush).",
    "content.edit_refused": "Seuls son auteur (tant qu'il attend) et les coordinateurs de son "
    "périmètre peuvent modifier {id}.",
    "content.edit_decided": "{id} a déjà été relu : demandez à un coordinateur de le modifier.",
    "content.edit_hint": "Modifier : /edit {id} nouveau texte · variante : /edit {id} x: "
    "texte court · retirer : /edit {id} x: -",
    "content.variant_too_long": "Variante {network} trop longue : {length} pour {limit} au "
    "plus. Rien n'est coupé : raccourcissez-la.",
    "content.variant_set": "Variante {network} de {id} enregistrée.",
    "content.variant_removed": "Variante {network} de {id} retirée.",
    "content.edited": "{id} modifié.",
    "content.reopened": "{id} était approuvé : modifié, il revient dans la file pour un autre "
    "coordinateur.",
    "content.edit_too_long": "Attention, le texte de {id} est trop long pour {details} : "
    "ajoutez une variante (/edit {id} {network}: …) avant de l'approuver.",
    "content.author.approved": "Votre contenu {id} est approuvé par {name}.",
    "content.author.rejected": "Votre contenu {id} n'est pas retenu ({name}).",
    "content.author.rejected_reason": "Votre contenu {id} n'est pas retenu ({name}) : {reason}",
    # Pushes: scheduling
    "push.which": "Quel contenu ? push C4 at 18:00 to mastodon (pas « {value} »).",
    "push.p_now_only": "Pour une publication existante : push {id} now (ou unpush {id}).",
    "push.bad_when": "Je ne comprends pas « {value} » : now, at 18:00, at demain 08:00, "
    "in 2h, every day 08:00 until 2027-01-15.",
    "push.bad_every": "Répétition incomprise (« {value} ») : every day 08:00 until "
    "2027-01-15, every monday 08:00 10 times.",
    "push.bad_until": "Date de fin incomprise : « {value} » (2027-01-15 ou 15/01/2027).",
    "push.no_end": "Une répétition doit finir : ajoutez « until 2027-01-15 » ou « 10 times » "
    "({runs} au plus).",
    "push.too_many_runs": "Cela ferait {runs} ; {n} au plus par publication.",
    "push.past": "« {value} » est déjà passé : choisissez un moment à venir (at demain 08:00).",
    "push.too_far": "C'est trop loin : {days} au plus.",
    "push.no_targets": "Vers où ? to #tags, rooms, channel, mastodon, bluesky ou x.",
    "push.bad_target": "Cible inconnue : « {value} » (#tag, rooms, channel, mastodon, bluesky, x).",
    "push.not_configured": "{network} n'est pas configuré sur ce réseau.",
    "push.no_channels": "Aucun canal n'est configuré ([push] telegram_channels, discord_channels).",
    "push.content_pending": "{id} attend encore d'être approuvé.",
    "push.content_rejected": "{id} a été refusé : il ne peut pas être publié.",
    "push.content_approved": "{id} est approuvé.",
    "push.refused": "Publier {id} là demande d'être coordinateur de {scope}.",
    "push.x_quota": "X : cela ferait {count} publications en 24 h (autour de {at}) pour un "
    "quota de {quota} par jour. Retirez x ou choisissez une autre heure.",
    "push.scheduled": "Publication {id} de {content} prévue {at} vers {targets}. Annuler : "
    "/unpush {id}.",
    "push.scheduled_every": "Publication {id} de {content} : {runs}, le premier {at}, vers "
    "{targets}. Annuler : /unpush {id}.",
    "push.scheduled_now": "Publication {id} : c'est parti vers {targets}. Le bilan suit ici.",
    "push.not_found": "La publication {id} n'existe pas.",
    "push.already_cancelled": "{id} est déjà annulée.",
    "push.finished": "{id} est terminée : pour republier, push {content} …",
    "push.released": "{id} : l'envoi retenu part maintenant. Le bilan suit ici.",
    "push.moved_now": "{id} : le prochain envoi part maintenant.",
    "push.unpush_refused": "Seuls son auteur et les coordinateurs de tout ce qu'elle touche "
    "peuvent annuler {id}.",
    "push.unpushed_clean": "{id} annulée : rien n'en partira.",
    "push.unpushed_partial": "{id} annulée : rien d'autre n'en partira. Déjà parti :",
    "push.unpushed_rooms": "  {copies}",
    "push.unpushed_sent": "  {network} : publié — {url} (à retirer à la main si besoin)",
    "push.unpushed_unsure": "  {network} : l'envoi avait commencé : vérifiez le compte",
    # Pushes: runs and reports
    "push.share_button": "Je partage",
    "push.button.now": "Publier maintenant",
    "push.button.cancel": "Annuler",
    "push.held": "⏸ {id} ({content}) devait partir à {at}, mais le bot était arrêté (retard "
    "de {late}). Rien n'est parti : publier maintenant (push {id} now) ou annuler (unpush {id}) ?",
    "push.held_unapproved": "⏸ {id} : {content} n'est plus approuvé (modifié depuis), l'envoi "
    "de {at} est retenu. Faites-le approuver puis push {id} now, ou unpush {id}.",
    "push.report": "📣 {id} ({content}), envoi de {at} :",
    "push.report_partial": "📣 {id} ({content}), envoi de {at}, bilan provisoire :",
    "push.rooms_line": "Salons et canaux : {parts}",
    "push.room_failure": "  {chat} : {error}",
    "push.kits_line": "Kits de partage : {kits}",
    "push.nothing": "Aucune cible n'était joignable.",
    "push.count.sent.one": "{n} envoyé",
    "push.count.sent.many": "{n} envoyés",
    "push.count.failed.one": "{n} en échec",
    "push.count.failed.many": "{n} en échec",
    "push.count.waiting.one": "{n} en cours",
    "push.count.waiting.many": "{n} en cours",
    "push.count.kits.one": "{n} envoyé",
    "push.count.kits.many": "{n} envoyés",
    "push.target.queued": "{network} : en attente",
    "push.target.sending": "{network} : en cours d'envoi",
    "push.target.sent": "{network} : publié — {url}",
    "push.target.sent_note": "{network} : publié — {url} ({reason})",
    "push.target.failed": "{network} : échec — {reason}",
    "push.target.unknown": "{network} : inconnu — {reason} ; vérifiez le compte",
    "push.target.cancelled": "{network} : annulé",
    "push.reason.not_configured": "le compte n'est plus configuré",
    "push.reason.too_long": "trop long ({length}/{limit})",
    "push.reason.clip_too_big": "sans le clip : {size} Mo pour {limit} Mo au plus",
    "push.list_empty": "Aucune publication prévue ni récente.",
    "push.list_line": "**{id}** · {content} « {preview} » → {targets} · {when}{runs}",
    "push.list_held": "envoi de {at} retenu : push {id} now ou unpush {id}",
    "push.list_run": "dernier envoi, {at} :",
    "push.list_more": "… et {more} (seules les {shown} plus récentes sont montrées).",
    "push.when_cancelled": "annulée par {name}",
    "push.when_done": "terminée",
    # Share kits
    "kit.header": "🔗 **Kit de partage** — {id} ({content}). Copiez le texte du réseau où "
    "vous partagez :",
    "kit.link": "Lien : {link}",
    "kit.done": "Une fois partagé : /done {task} lien-de-votre-publication",
    "kit.done_button": "C'est partagé",
    "share.later": "C'est noté : vous recevrez le kit de partage de {id} en privé au moment de "
    "la publication.",
    "share.sent": "Kit de partage de {id} envoyé en privé.",
    "share.already": "Vous avez déjà le kit de partage de {id} (en privé).",
    "share.no_dm": "Je ne peux pas vous écrire en privé : ouvrez d'abord la conversation avec "
    "le bot (/start), puis share {id}.",
    "share.subscribed": "C'est noté : vous recevrez un kit de partage en privé à chaque "
    "publication de vos périmètres. Pour arrêter : unsubscribe share.",
    "share.unsubscribed": "Plus de kits de partage automatiques.",
    "share.not_subscribed": "Vous ne receviez pas de kits de partage automatiques.",
    # Stats
    "stats.which": "stats C4 ou stats P3 (pas « {value} »).",
    "stats.header": "📊 **{id}** « {preview} »",
    "stats.pushes": "Publications : {n} ({ids}), {runs}",
    "stats.rooms": "Salons et canaux : {sent}, {failed} en échec",
    "stats.kits": "Kits de partage : {kits}, {shared}",
    "stats.no_clicks": "Clics : pas comptés (pas de lien court : serveur web éteint, ou "
    "contenu sans lien).",
    "stats.clicks": "Clics : {clicks}",
    "push.zero_times": "« {value} » ne ferait aucun envoi : une répétition part au moins une "
    "fois (1 fois, 10 fois…).",
    "push.when_held": "envoi retenu",
    "content.network_typo": "« {value}: » n'est pas un réseau : vouliez-vous dire {suggestion}: "
    "? Rien n'a été modifié.",
    "content.no_variant": "{id} n'a pas de variante {network} : rien à retirer.",
    "push.count.queued_posts.one": "{n} en attente",
    "push.count.queued_posts.many": "{n} en attente",
    "push.count.sending_posts.one": "{n} en cours",
    "push.count.sending_posts.many": "{n} en cours",
    "push.count.sent_posts.one": "{n} publié",
    "push.count.sent_posts.many": "{n} publiés",
    "push.count.failed_posts.one": "{n} en échec",
    "push.count.failed_posts.many": "{n} en échec",
    "push.count.unknown_posts.one": "{n} inconnu",
    "push.count.unknown_posts.many": "{n} inconnus",
    "push.count.cancelled_posts.one": "{n} annulé",
    "push.count.cancelled_posts.many": "{n} annulés",
    "stats.network_line": "{network} : {states}",
}

EN: dict[str, str] = {
    # Content
    "content.network": "the whole network",
    "content.status.pending": "waiting",
    "content.status.approved": "approved",
    "content.status.rejected": "rejected",
    "content.line": "**{id}** · {name} · {scope} · {status}{clip}",
    "content.variant_line": "  {network}: {text}",
    "content.reason_line": "  Reason: {reason}",
    "content.variant_mark": " (variant)",
    "content.length_ok": "{network} {length}/{limit}{variant}",
    "content.length_over": "{network} {length}/{limit}{variant} too long",
    "content.button.approve": "Approve",
    "content.button.reject": "Reject",
    "content.button.edit": "Edit",
    "content.submitted": "Content {id} saved: the coordinators of {scope} will review it "
    "(you will hear here what they decide).",
    "content.submitted_four_eyes": "Content {id} saved. You coordinate {scope}, but under "
    "the four-eyes rule another coordinator must approve it.",
    "content.submitted_approved": "Content {id} saved and approved. To publish it: "
    "/push {id} at 18:00 to mastodon.",
    "content.empty": "The text is missing. For example: submit The real pension figure https://…",
    "content.too_long_text": "Text too long: {length} characters, {limit} at most.",
    "content.bad_tag": "Invalid tag: {tag}.",
    "content.clip_failed": "Clip {clip} failed: retry it (clip retry {clip}) or submit the "
    "content without it.",
    "content.too_many_pending": "You already have {n} pieces of content waiting: wait until "
    "they are reviewed.",
    "content.not_found": "Content {id} does not exist.",
    "content.queue_empty": "Nothing to review in your scope.",
    "content.queue_header": "To review: {n}.",
    "content.queue_more": "… and {n} more (approve or reject these first).",
    "content.approved": "{id} approved. To publish it: /push {id} at 18:00 to #tags "
    "mastodon bluesky x.",
    "content.rejected": "{id} rejected; its author is told.",
    "content.already_approved": "{id} is already approved (by {name}).",
    "content.already_rejected": "{id} is already rejected.",
    "content.changed": "{id} just changed: look at /edit {id}.",
    "content.decide_refused": "Only coordinators of the whole scope of {id} can decide on it.",
    "content.four_eyes": "You submitted {id}: another coordinator must approve it (four-eyes "
    "rule).",
    "content.four_eyes_edit": "You changed {id} after it was approved: another coordinator "
    "must approve it (four-eyes rule).",
    "content.too_long": "{id} cannot be approved: too long for {details}. Add a variant: "
    "/edit {id} {network}: shorter text.",
    "content.reason_too_long": "Reason too long ({limit} characters at most).",
    "content.has_pushes": "{id} has scheduled pushes: cancel them first (unpush).",
    "content.edit_refused": "Only its author (while it waits) and the coordinators of its "
    "scope can edit {id}.",
    "content.edit_decided": "{id} was already reviewed: ask a coordinator to change it.",
    "content.edit_hint": "Edit: /edit {id} new text · variant: /edit {id} x: short text · "
    "remove: /edit {id} x: -",
    "content.variant_too_long": "{network} variant too long: {length} for {limit} at most. "
    "Nothing is cut: shorten it.",
    "content.variant_set": "{network} variant of {id} saved.",
    "content.variant_removed": "{network} variant of {id} removed.",
    "content.edited": "{id} edited.",
    "content.reopened": "{id} was approved: edited, it goes back to the queue for another "
    "coordinator.",
    "content.edit_too_long": "Note: the text of {id} is too long for {details}: add a variant "
    "(/edit {id} {network}: …) before approving it.",
    "content.author.approved": "Your content {id} was approved by {name}.",
    "content.author.rejected": "Your content {id} was not accepted ({name}).",
    "content.author.rejected_reason": "Your content {id} was not accepted ({name}): {reason}",
    # Pushes: scheduling
    "push.which": 'Which content? push C4 at 18:00 to mastodon (not "{value}").',
    "push.p_now_only": "For an existing push: push {id} now (or unpush {id}).",
    "push.bad_when": 'I do not understand "{value}": now, at 18:00, at tomorrow 08:00, '
    "in 2h, every day 08:00 until 2027-01-15.",
    "push.bad_every": 'Repetition not understood ("{value}"): every day 08:00 until '
    "2027-01-15, every monday 08:00 10 times.",
    "push.bad_until": 'End date not understood: "{value}" (2027-01-15 or 15/01/2027).',
    "push.no_end": 'A repetition must end: add "until 2027-01-15" or "10 times" ({runs} at most).',
    "push.too_many_runs": "That would be {runs}; {n} at most per push.",
    "push.past": '"{value}" is already past: pick a time to come (at tomorrow 08:00).',
    "push.too_far": "That is too far ahead: {days} at most.",
    "push.no_targets": "Where to? to #tags, rooms, channel, mastodon, bluesky or x.",
    "push.bad_target": 'Unknown target: "{value}" (#tag, rooms, channel, mastodon, bluesky, x).',
    "push.not_configured": "{network} is not configured on this network.",
    "push.no_channels": "No channel is configured ([push] telegram_channels, discord_channels).",
    "push.content_pending": "{id} is still waiting for approval.",
    "push.content_rejected": "{id} was rejected: it cannot be published.",
    "push.content_approved": "{id} is approved.",
    "push.refused": "Publishing {id} there needs a coordinator of {scope}.",
    "push.x_quota": "X: that would make {count} posts in 24 h (around {at}) for a quota of "
    "{quota} a day. Drop x or pick another time.",
    "push.scheduled": "Push {id} of {content} scheduled {at} to {targets}. Cancel: /unpush {id}.",
    "push.scheduled_every": "Push {id} of {content}: {runs}, the first {at}, to {targets}. "
    "Cancel: /unpush {id}.",
    "push.scheduled_now": "Push {id}: going out now to {targets}. The report follows here.",
    "push.not_found": "Push {id} does not exist.",
    "push.already_cancelled": "{id} is already cancelled.",
    "push.finished": "{id} is finished: to publish again, push {content} …",
    "push.released": "{id}: the held run goes out now. The report follows here.",
    "push.moved_now": "{id}: the next run goes out now.",
    "push.unpush_refused": "Only its author and the coordinators of everything it touches can "
    "cancel {id}.",
    "push.unpushed_clean": "{id} cancelled: nothing of it will go out.",
    "push.unpushed_partial": "{id} cancelled: nothing more will go out. Already out:",
    "push.unpushed_rooms": "  {copies}",
    "push.unpushed_sent": "  {network}: posted — {url} (take it down by hand if needed)",
    "push.unpushed_unsure": "  {network}: the post had started: check the account",
    # Pushes: runs and reports
    "push.share_button": "I'll share",
    "push.button.now": "Publish now",
    "push.button.cancel": "Cancel",
    "push.held": "⏸ {id} ({content}) was due at {at}, but the bot was down ({late} late). "
    "Nothing went out: publish now (push {id} now) or cancel (unpush {id})?",
    "push.held_unapproved": "⏸ {id}: {content} is no longer approved (edited since), the "
    "{at} run is held. Have it approved, then push {id} now, or unpush {id}.",
    "push.report": "📣 {id} ({content}), run of {at}:",
    "push.report_partial": "📣 {id} ({content}), run of {at}, so far:",
    "push.rooms_line": "Rooms and channels: {parts}",
    "push.room_failure": "  {chat}: {error}",
    "push.kits_line": "Share kits: {kits}",
    "push.nothing": "No target could be reached.",
    "push.count.sent.one": "{n} sent",
    "push.count.sent.many": "{n} sent",
    "push.count.failed.one": "{n} failed",
    "push.count.failed.many": "{n} failed",
    "push.count.waiting.one": "{n} on its way",
    "push.count.waiting.many": "{n} on their way",
    "push.count.kits.one": "{n} sent",
    "push.count.kits.many": "{n} sent",
    "push.target.queued": "{network}: waiting",
    "push.target.sending": "{network}: being posted",
    "push.target.sent": "{network}: posted — {url}",
    "push.target.sent_note": "{network}: posted — {url} ({reason})",
    "push.target.failed": "{network}: failed — {reason}",
    "push.target.unknown": "{network}: unknown — {reason}; check the account",
    "push.target.cancelled": "{network}: cancelled",
    "push.reason.not_configured": "the account is not configured any more",
    "push.reason.too_long": "too long ({length}/{limit})",
    "push.reason.clip_too_big": "without the clip: {size} MB for {limit} MB at most",
    "push.list_empty": "No push scheduled or recent.",
    "push.list_line": '**{id}** · {content} "{preview}" → {targets} · {when}{runs}',
    "push.list_held": "run of {at} held: push {id} now or unpush {id}",
    "push.list_run": "last run, {at}:",
    "push.list_more": "… and {more} (only the {shown} most recent are shown).",
    "push.when_cancelled": "cancelled by {name}",
    "push.when_done": "finished",
    # Share kits
    "kit.header": "🔗 **Share kit** — {id} ({content}). Copy the text of the network you share on:",
    "kit.link": "Link: {link}",
    "kit.done": "Once shared: /done {task} link-of-your-post",
    "kit.done_button": "Shared",
    "share.later": "Noted: you will get the share kit of {id} privately when it goes out.",
    "share.sent": "Share kit of {id} sent privately.",
    "share.already": "You already have the share kit of {id} (privately).",
    "share.no_dm": "I cannot write to you privately: open the chat with the bot first "
    "(/start), then share {id}.",
    "share.subscribed": "Noted: you will get a share kit privately with every push of your "
    "scopes. To stop: unsubscribe share.",
    "share.unsubscribed": "No more automatic share kits.",
    "share.not_subscribed": "You were not getting automatic share kits.",
    # Stats
    "stats.which": 'stats C4 or stats P3 (not "{value}").',
    "stats.header": '📊 **{id}** "{preview}"',
    "stats.pushes": "Pushes: {n} ({ids}), {runs}",
    "stats.rooms": "Rooms and channels: {sent}, {failed} failed",
    "stats.kits": "Share kits: {kits}, {shared}",
    "stats.no_clicks": "Clicks: not counted (no short link: the web server is off, or the "
    "content has no link).",
    "stats.clicks": "Clicks: {clicks}",
    "push.zero_times": '"{value}" would make no run: a repetition goes out at least once (1 '
    "time, 10 times…).",
    "push.when_held": "run held",
    "content.network_typo": '"{value}:" is not a network: did you mean {suggestion}:? Nothing '
    "was changed.",
    "content.no_variant": "{id} has no {network} variant: nothing to remove.",
    "push.count.queued_posts.one": "{n} waiting",
    "push.count.queued_posts.many": "{n} waiting",
    "push.count.sending_posts.one": "{n} being posted",
    "push.count.sending_posts.many": "{n} being posted",
    "push.count.sent_posts.one": "{n} posted",
    "push.count.sent_posts.many": "{n} posted",
    "push.count.failed_posts.one": "{n} failed",
    "push.count.failed_posts.many": "{n} failed",
    "push.count.unknown_posts.one": "{n} unknown",
    "push.count.unknown_posts.many": "{n} unknown",
    "push.count.cancelled_posts.one": "{n} cancelled",
    "push.count.cancelled_posts.many": "{n} cancelled",
    "stats.network_line": "{network}: {states}",
}
