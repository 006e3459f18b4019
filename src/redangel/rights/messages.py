"""What a clerk reads when a data-rights request cannot go on (English ids, Spanish in
`locale/es/LC_MESSAGES/rights.po`)."""

from __future__ import annotations

from redangel.common.catalogs import _
from redangel.i18n import MESSAGES

MESSAGES.update({
    "identity_not_verified": _(
        "The person's identity was not checked: say which official identification you saw "
        "(voter card, passport, professional license or military card) before receiving the "
        "request."
    ),
    "rights_use_required": _(
        "say which use the person refuses: calls and appointments, or offers before they ask"
    ),
    "rights_not_open": _("This request was already answered; it cannot change any more."),
    "rights_wrong_right": _("This step belongs to another kind of request."),
    "rights_decision_role": _(
        "Only the office's supervisor may block a record or refuse a request."
    ),
    "rights_no_change": _(
        "No change to the person's record was saved since the request was received: correct "
        "the record first, then close the request."
    ),
})
