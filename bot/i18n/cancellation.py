"""Cancelling an alert whose copies take a while to correct: French and English."""

FR: dict[str, str] = {
    "alert.cancelling": (
        "Alerte {id} annulée : {copies} ; les autres suivent, vous serez prévenu à la fin."
    ),
    "alert.cancel_done": "Annulation de {id} terminée : {copies}.",
}

EN: dict[str, str] = {
    "alert.cancelling": (
        "Alert {id} cancelled: {copies}; the others follow, you will be told when it is done."
    ),
    "alert.cancel_done": "Cancellation of {id} complete: {copies}.",
}
