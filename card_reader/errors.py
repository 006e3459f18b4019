"""One exception tree for the card side, so every surface can tell a person what happened.

Every error carries a stable `code` (the service and the web pages use the same codes) and its
text: an English message id whose Spanish lives in the shared gettext catalogs
(`locale/es/LC_MESSAGES/card.po`, read by `redangel.common.catalogs`); `message(lang)` fills
in parameters such as the tries left, in the singular when one is left.
"""

from __future__ import annotations

from redangel.card import format as card_format
from redangel.common import catalogs
from redangel.common.catalogs import _, plural


def both(text: str, **params: object) -> dict[str, str]:
    """A text in Spanish and English, as the agents answer the page beside them."""
    return {lang: catalogs.gettext(lang, text).format(**params) for lang in ("es", "en")}


class CardError(Exception):
    """A card-side failure with a message code and a text in each language."""

    code = "card_error"
    text: str | tuple[str, str] = _("The card answered with an error ({sw}).")

    def __init__(self, **params: object) -> None:
        self.params = params
        super().__init__(self.message("en"))

    def message(self, lang: str = "es") -> str:
        """The message in Spanish (default) or English; a text with a count of tries takes
        its singular or plural form."""
        if isinstance(self.text, tuple):
            said = catalogs.ngettext(lang, self.text, int(str(self.params.get("tries", 0))))
        else:
            said = catalogs.gettext(lang, self.text)
        try:
            return said.format(**self.params)
        except (KeyError, IndexError):
            return said


class NoReader(CardError):
    """No reader matches the configured name."""

    code = "no_reader"
    text = _("No card reader was found. Check that it is connected.")


class PcscdNotRunning(CardError):
    """The PC/SC daemon is not answering."""

    code = "pcscd_down"
    text = _("The smart-card service (pcscd) is not running. Tell support.")


class ReaderBusy(CardError):
    """Another program holds the card exclusively."""

    code = "reader_busy"
    text = _("Another program is using the reader. Close it and try again.")


class NoCard(CardError):
    """No card arrived in time."""

    code = "no_card"
    text = _("There is no card on the reader. Please tap the card.")


class CardRemoved(CardError):
    """The card left the reader while it was being used."""

    code = "card_removed"
    text = _("The card was removed too soon. Nothing was activated; please try again.")


class UnknownCard(CardError):
    """The card does not have the redangel application (wrong AID)."""

    code = "unknown_card"
    text = _("This card is not a Red Ángel card.")


class CardNotActivated(CardError):
    """A redangel card that was never (completely) personalized."""

    code = "card_blank"
    text = _("This card has not been activated. Please visit an office.")


class CardLocked(CardError):
    """Personalization refused: the card is already activated."""

    code = "card_not_blank"
    text = _("This card is already personalized and cannot be issued again.")


class TamperedCard(CardError):
    """The issuer's signature does not match the card's data."""

    code = "card_tampered"
    text = card_format.Tampered.text


class MalformedCard(CardError):
    """The card's data is not a redangel payload."""

    code = "card_malformed"
    text = card_format.Malformed.text


class ClonedCard(CardError):
    """The chip could not prove it holds the key named in its payload."""

    code = "card_cloned"
    text = _("The card could not prove it is the original. Please visit an office.")


class CardExpired(CardError):
    """Past its expiry date."""

    code = "card_expired"
    text = card_format.Expired.text


class CardRevoked(CardError):
    """On the revocation list (lost, stolen, replaced)."""

    code = "card_revoked"
    text = card_format.Revoked.text


class UnknownIssuerKey(CardError):
    """Signed by an issuer key this device does not know."""

    code = "card_unknown_issuer"
    text = card_format.UnknownKid.text


class WrongPin(CardError):
    """The card refused the PIN; `tries` are left."""

    code = "wrong_pin"
    text = plural("Wrong PIN. You have {tries} try left.", "Wrong PIN. You have {tries} tries left.")

    @property
    def tries(self) -> int:
        """Tries left before the PIN blocks."""
        return int(str(self.params.get("tries", 0)))


class PinBlocked(CardError):
    """Three wrong PINs: only the PUK at an office unblocks it."""

    code = "pin_blocked"
    text = _("The PIN is blocked. Please visit an office to unblock it.")


class PinRequired(CardError):
    """The card needs the PIN first (6982)."""

    code = "pin_required"
    text = _("Please enter your PIN to continue.")


class InvalidPin(CardError):
    """Not 4 to 6 digits, or the two entries differ."""

    code = "pin_invalid"
    text = _("The PIN must have 4 to 6 digits and match both times.")


class InvalidPuk(CardError):
    """Not the 8 digits printed on the issuance slip."""

    code = "puk_invalid"
    text = _("The PUK has 8 digits; check the card's issuance slip.")


class WrongPuk(CardError):
    """The card refused the PUK; `tries` are left."""

    code = "wrong_puk"
    text = plural("Wrong PUK. {tries} try left.", "Wrong PUK. {tries} tries left.")


class PukBlocked(CardError):
    """Too many wrong PUKs: the card must be replaced."""

    code = "puk_blocked"
    text = _("The PUK is blocked; the card must be replaced.")


class ServiceError(CardError):
    """The service refused the operation."""

    code = "service_error"
    text = _("The service refused the operation: {detail}")


class ServiceUnavailable(CardError):
    """The service could not be reached (the kiosk falls back to offline checks)."""

    code = "service_unavailable"
    text = _("The service cannot be reached. Please try later.")


class StaffSessionRefused(CardError):
    """The desk agent was started with a session that is not a live clerk's or supervisor's."""

    code = "staff_session_refused"
    text = _("The session is not a clerk's or a supervisor's, or it has expired; sign in again.")


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
