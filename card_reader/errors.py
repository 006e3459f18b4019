"""One exception tree for the card side, so every surface can tell a person what happened.

Every error carries a stable `code` (the service and the web pages use the same codes) and a
Spanish and an English message; `message(lang)` fills in parameters such as the tries left.
"""

from __future__ import annotations

from redangel.card import format as card_format


class CardError(Exception):
    """A card-side failure with a message code and a text in each language."""

    code = "card_error"
    message_es = "La tarjeta respondió con un error ({sw})."
    message_en = "The card answered with an error ({sw})."

    def __init__(self, **params: object) -> None:
        self.params = params
        super().__init__(self.message("en"))

    def message(self, lang: str = "es") -> str:
        """The message in Spanish (default) or English."""
        text = self.message_en if lang == "en" else self.message_es
        try:
            return text.format(**self.params)
        except (KeyError, IndexError):
            return text


class NoReader(CardError):
    """No reader matches the configured name."""

    code = "no_reader"
    message_es = "No se encontró el lector de tarjetas. Revise que esté conectado."
    message_en = "No card reader was found. Check that it is connected."


class PcscdNotRunning(CardError):
    """The PC/SC daemon is not answering."""

    code = "pcscd_down"
    message_es = "El servicio de tarjetas (pcscd) no está funcionando. Avise a soporte."
    message_en = "The smart-card service (pcscd) is not running. Tell support."


class ReaderBusy(CardError):
    """Another program holds the card exclusively."""

    code = "reader_busy"
    message_es = "Otro programa está usando el lector. Ciérrelo e intente de nuevo."
    message_en = "Another program is using the reader. Close it and try again."


class NoCard(CardError):
    """No card arrived in time."""

    code = "no_card"
    message_es = "No hay tarjeta en el lector. Acerque la tarjeta."
    message_en = "There is no card on the reader. Please tap the card."


class CardRemoved(CardError):
    """The card left the reader while it was being used."""

    code = "card_removed"
    message_es = "Retiró la tarjeta antes de tiempo. No se activó nada; vuelva a intentarlo."
    message_en = "The card was removed too soon. Nothing was activated; please try again."


class UnknownCard(CardError):
    """The card does not have the redangel application (wrong AID)."""

    code = "unknown_card"
    message_es = "Esta tarjeta no es una tarjeta Red Ángel."
    message_en = "This card is not a Red Ángel card."


class CardNotActivated(CardError):
    """A redangel card that was never (completely) personalized."""

    code = "card_blank"
    message_es = "Esta tarjeta no ha sido activada. Acuda a un módulo."
    message_en = "This card has not been activated. Please visit an office."


class CardLocked(CardError):
    """Personalization refused: the card is already activated."""

    code = "card_not_blank"
    message_es = "Esta tarjeta ya está personalizada y no puede volver a emitirse."
    message_en = "This card is already personalized and cannot be issued again."


class TamperedCard(CardError):
    """The issuer's signature does not match the card's data."""

    code = "card_tampered"
    message_es = card_format.Tampered.message_es
    message_en = card_format.Tampered.message_en


class MalformedCard(CardError):
    """The card's data is not a redangel payload."""

    code = "card_malformed"
    message_es = card_format.Malformed.message_es
    message_en = card_format.Malformed.message_en


class ClonedCard(CardError):
    """The chip could not prove it holds the key named in its payload."""

    code = "card_cloned"
    message_es = "La tarjeta no pudo probar que es original. Acuda a un módulo."
    message_en = "The card could not prove it is the original. Please visit an office."


class CardExpired(CardError):
    """Past its expiry date."""

    code = "card_expired"
    message_es = card_format.Expired.message_es
    message_en = card_format.Expired.message_en


class CardRevoked(CardError):
    """On the revocation list (lost, stolen, replaced)."""

    code = "card_revoked"
    message_es = card_format.Revoked.message_es
    message_en = card_format.Revoked.message_en


class UnknownIssuerKey(CardError):
    """Signed by an issuer key this device does not know."""

    code = "card_unknown_issuer"
    message_es = card_format.UnknownKid.message_es
    message_en = card_format.UnknownKid.message_en


class WrongPin(CardError):
    """The card refused the PIN; `tries` are left."""

    code = "wrong_pin"
    message_es = "NIP incorrecto. Le quedan {tries} intentos."
    message_en = "Wrong PIN. You have {tries} tries left."

    @property
    def tries(self) -> int:
        """Tries left before the PIN blocks."""
        return int(str(self.params.get("tries", 0)))


class PinBlocked(CardError):
    """Three wrong PINs: only the PUK at an office unblocks it."""

    code = "pin_blocked"
    message_es = "El NIP está bloqueado. Acuda a un módulo para desbloquearlo."
    message_en = "The PIN is blocked. Please visit an office to unblock it."


class PinRequired(CardError):
    """The card needs the PIN first (6982)."""

    code = "pin_required"
    message_es = "Escriba su NIP para continuar."
    message_en = "Please enter your PIN to continue."


class InvalidPin(CardError):
    """Not 4 to 6 digits, or the two entries differ."""

    code = "pin_invalid"
    message_es = "El NIP debe tener de 4 a 6 dígitos y coincidir las dos veces."
    message_en = "The PIN must have 4 to 6 digits and match both times."


class InvalidPuk(CardError):
    """Not the 8 digits printed on the issuance slip."""

    code = "puk_invalid"
    message_es = "El PUK tiene 8 dígitos; revise la hoja de entrega de la tarjeta."
    message_en = "The PUK has 8 digits; check the card's issuance slip."


class WrongPuk(CardError):
    """The card refused the PUK; `tries` are left."""

    code = "wrong_puk"
    message_es = "PUK incorrecto. Quedan {tries} intentos."
    message_en = "Wrong PUK. {tries} tries left."


class PukBlocked(CardError):
    """Too many wrong PUKs: the card must be replaced."""

    code = "puk_blocked"
    message_es = "El PUK está bloqueado; la tarjeta debe reponerse."
    message_en = "The PUK is blocked; the card must be replaced."


class ServiceError(CardError):
    """The service refused the operation."""

    code = "service_error"
    message_es = "El servicio rechazó la operación: {detail}"
    message_en = "The service refused the operation: {detail}"


class ServiceUnavailable(CardError):
    """The service could not be reached (the kiosk falls back to offline checks)."""

    code = "service_unavailable"
    message_es = "No hay conexión con el servicio. Intente más tarde."
    message_en = "The service cannot be reached. Please try later."


class StaffSessionRefused(CardError):
    """The desk agent was started with a session that is not a live clerk's or supervisor's."""

    code = "staff_session_refused"
    message_es = ("La sesión no es de personal de ventanilla o supervisión, o ya venció; "
                  "inicie sesión de nuevo.")
    message_en = "The session is not a clerk's or a supervisor's, or it has expired; sign in again."


_BY_CODE: dict[str, type[CardError]] = {
    cls.code: cls for cls in (
        UnknownCard, CardNotActivated, CardLocked, TamperedCard, MalformedCard, ClonedCard,
        CardExpired, CardRevoked, UnknownIssuerKey, WrongPin, PinBlocked, PinRequired, CardRemoved,
    )
}


def by_code(code: str, **params: object) -> CardError | None:
    """The card error named by a message code (as the service answers them), if any."""
    cls = _BY_CODE.get(code)
    return cls(**params) if cls is not None else None


def from_format(error: card_format.CardFormatError) -> CardError:
    """The card-side error for a payload or list that failed verification."""
    return by_code(error.code) or MalformedCard()
