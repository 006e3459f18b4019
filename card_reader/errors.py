"""One exception tree for the card side; every error carries a Spanish and an English message."""

from __future__ import annotations

MESSAGES: dict[str, tuple[str, str]] = {
    "no_reader": ("No se encontró el lector de tarjetas. Revise que esté conectado.",
                  "No card reader was found. Check that it is connected."),
    "pcscd_down": ("El servicio de tarjetas (pcscd) no está funcionando. Avise a soporte.",
                   "The smart-card service (pcscd) is not running. Tell support."),
    "no_card": ("No hay tarjeta en el lector. Acerque la tarjeta.",
                "There is no card on the reader. Please tap the card."),
    "unknown_card": ("Esta tarjeta no es una tarjeta Red Ángel.",
                     "This card is not a Red Ángel card."),
    "card_tampered": ("La tarjeta fue alterada o no es auténtica.",
                      "The card was altered or is not genuine."),
    "card_cloned": ("La tarjeta no pudo probar que es original.",
                    "The card could not prove it is the original."),
    "card_expired": ("La tarjeta está vencida; acuda a un módulo.",
                     "The card has expired; please visit an office."),
    "card_revoked": ("Esta tarjeta fue dada de baja.", "This card has been cancelled."),
    "card_unknown_issuer": ("La tarjeta fue firmada con una llave desconocida.",
                            "The card was signed with an unknown key."),
    "wrong_pin": ("NIP incorrecto. Le quedan {tries} intentos.",
                  "Wrong PIN. You have {tries} tries left."),
    "pin_blocked": ("El NIP está bloqueado. Acuda a un módulo para desbloquearlo.",
                    "The PIN is blocked. Please visit an office to unblock it."),
    "card_removed": ("Retiró la tarjeta antes de tiempo. No se activó nada; vuelva a intentarlo.",
                     "The card was removed too soon. Nothing was activated; please try again."),
    "card_not_blank": ("Esta tarjeta ya está personalizada.", "This card is already personalized."),
    "card_error": ("La tarjeta respondió con un error ({sw}).", "The card answered with an error ({sw})."),
    "service_error": ("El servicio rechazó la operación: {detail}", "The service refused: {detail}"),
}


class CardError(Exception):
    """A card-side failure with a message code and both languages."""

    def __init__(self, code: str, **params: object) -> None:
        self.code = code
        self.params = params
        super().__init__(self.message("en"))

    def message(self, lang: str = "es") -> str:
        """The message in Spanish (default) or English."""
        es, en = MESSAGES.get(self.code, MESSAGES["card_error"])
        text = es if lang == "es" else en
        try:
            return text.format(**self.params)
        except (KeyError, IndexError):
            return text
