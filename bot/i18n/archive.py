"""Messages of the clip archive's limits: disk quota, live streams, retries, ports."""

from __future__ import annotations

FR: dict[str, str] = {
    "url.port": "Refusé : le port {port} n'est pas un port web.",
    "clip.fail.live": "c'est un direct : donnez une fin (de 12:30 à 13:10, ou +40s).",
    "clip.fail.quota": "l'archive est pleine et rien ne peut être libéré (chaque clip y est "
    "rattaché à une alerte, une tâche ou une diffusion). Les admins sont prévenus.",
    "clip.state.expired": "expiré",
    "clip.range_from_capped": "de {start}, {limit} au plus",
    "clip.retry_refused": "Seul le demandeur du clip {id} ou un coordinateur de son périmètre "
    "peut le relancer.",
    "clip.retry_expired": "Le clip {id} a expiré (fichier supprimé pour faire de la place) ; "
    "redemandez-le avec « clip <lien> <plage> ».",
    "archive.full_admin": "Archive pleine : {used} sur {quota}, rien à libérer (tous les clips "
    "sont rattachés). Clip {id} de {requester} refusé. Augmentez [archive] max_total_gb ou "
    "libérez de la place.",
}

EN: dict[str, str] = {
    "url.port": "Refused: port {port} is not a web port.",
    "clip.fail.live": "this is a live stream: give an end (from 12:30 to 13:10, or +40s).",
    "clip.fail.quota": "the archive is full and nothing can be freed (every clip in it is "
    "attached to an alert, a task or a push). The admins have been told.",
    "clip.state.expired": "expired",
    "clip.range_from_capped": "from {start}, {limit} at most",
    "clip.retry_refused": "Only the member who asked for clip {id} or a coordinator of its scope "
    "may retry it.",
    "clip.retry_expired": "Clip {id} expired (its file was removed to free space); ask for it "
    'again with "clip <link> <range>".',
    "archive.full_admin": "Archive full: {used} of {quota}, nothing can be freed (every clip "
    "is attached). Clip {id} from {requester} refused. Raise [archive] max_total_gb or free "
    "some space.",
}
