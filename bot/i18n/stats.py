"""The barometer in chat: `stats me`, `stats #tag`, `stats network`, `stats A17`."""

FR: dict[str, str] = {
    "stats.me_header": "Votre baromètre ({id}), 30 derniers jours — vous, puis [la médiane "
    "des membres actifs] :",
    "stats.me.alerts": "Alertes lancées : {bar} {mine} [{median_bar} {median}]",
    "stats.me.acks": "Prises en charge : {bar} {mine} [{median_bar} {median}]",
    "stats.me.tasks_done": "Tâches faites : {bar} {mine} [{median_bar} {median}]",
    "stats.me.shares": "Partages : {bar} {mine} [{median_bar} {median}]",
    "stats.me.brought_in": "Personnes amenées (depuis le début) : {bar} {mine} "
    "[{median_bar} {median}]",
    "stats.me_footer": "Le détail d'une alerte : stats {id}.",
    "stats.scope_header": "{where} — 7 derniers jours, puis les 7 d'avant :",
    "stats.scope.alerts": "Alertes : {bar} {now} | {before_bar} {before}",
    "stats.scope.first_ack": "Première prise en charge (médiane) : {now} | {before}{trend}",
    "stats.scope.first_clip": "Premier clip (médiane) : {now} | {before}{trend}",
    "stats.scope.tasks_done": "Tâches faites : {bar} {now} | {before_bar} {before}",
    "stats.scope.active": "Membres actifs : {bar} {now} | {before_bar} {before}",
    "stats.scope.new_members": "Nouveaux membres : {bar} {now} | {before_bar} {before}",
    "stats.none": "–",
    "stats.refused": "Refusé : les chiffres de {where} sont pour ses coordinateurs ({role}). "
    "Les vôtres : stats me.",
    "stats.alert_copies": "Diffusion de {id} : {rooms}, {members} ; copies : {sent}, "
    "{waiting} en attente, {failed}.",
    "stats.alert_digests": "Dont {digest} par leur résumé (heures calmes ou résumé "
    "quotidien) : {held} encore en attente, {released} déjà remis.",
    "stats.bad_id": "« {value} » : stats compte les alertes (A17), les contenus (C4) et "
    "les publications (P3).",
    "stats.bad_target": "« {value} » : écrivez stats me, stats #tag, stats network ou "
    "stats A17.",
}

EN: dict[str, str] = {
    "stats.me_header": "Your barometer ({id}), last 30 days — you, then [the median of "
    "active members]:",
    "stats.me.alerts": "Alerts raised: {bar} {mine} [{median_bar} {median}]",
    "stats.me.acks": "Acks: {bar} {mine} [{median_bar} {median}]",
    "stats.me.tasks_done": "Tasks done: {bar} {mine} [{median_bar} {median}]",
    "stats.me.shares": "Shares: {bar} {mine} [{median_bar} {median}]",
    "stats.me.brought_in": "People brought in (since the start): {bar} {mine} "
    "[{median_bar} {median}]",
    "stats.me_footer": "One alert in detail: stats {id}.",
    "stats.scope_header": "{where} — last 7 days, then the 7 before:",
    "stats.scope.alerts": "Alerts: {bar} {now} | {before_bar} {before}",
    "stats.scope.first_ack": "First ack (median): {now} | {before}{trend}",
    "stats.scope.first_clip": "First clip (median): {now} | {before}{trend}",
    "stats.scope.tasks_done": "Tasks done: {bar} {now} | {before_bar} {before}",
    "stats.scope.active": "Active members: {bar} {now} | {before_bar} {before}",
    "stats.scope.new_members": "New members: {bar} {now} | {before_bar} {before}",
    "stats.none": "–",
    "stats.refused": "Refused: the figures of {where} are for its coordinators ({role}). "
    "Yours: stats me.",
    "stats.alert_copies": "Copies of {id}: {rooms}, {members}; copies: {sent}, "
    "{waiting} waiting, {failed}.",
    "stats.alert_digests": "Of those, {digest} through their digest (quiet hours or daily "
    "digest): {held} still waiting, {released} already out.",
    "stats.bad_id": "\"{value}\": stats counts alerts (A17), content (C4) and pushes (P3).",
    "stats.bad_target": "\"{value}\": write stats me, stats #tag, stats network or stats A17.",
}
