"""Spanish-first messages for the API, chosen per request from Accept-Language.

API errors are addressed by a stable code; each code names an English text, which is the
message id of the gettext catalogs every surface shares (`common.catalogs`): its Spanish lives
in `locale/es/LC_MESSAGES/api.po` (texts the card agents say too live once, in `card.po`).
A text with a count has a singular and a plural form, so that a sentence read aloud says
"un segundo", not "1 segundos".
"""

from __future__ import annotations

from typing import Literal

from redangel.common import catalogs
from redangel.common.catalogs import _, plural

Lang = Literal["es", "en"]

MESSAGES: dict[str, str | tuple[str, str]] = {
    # generic
    "internal": _("An internal error occurred. Try again; if it persists, contact support."),
    "validation": _("The request has invalid data."),
    "not_found": _("The requested record was not found."),
    "route_not_found": _("This address does not exist."),
    "method_not_allowed": _("Method not allowed."),
    "rate_limited": plural(
        "Too many requests. Wait one second and try again.",
        "Too many requests. Wait {retry_after} seconds and try again.",
    ),
    "unauthenticated": _("You must sign in or present a valid credential."),
    "bad_credentials": _("Wrong username or password."),
    "body_too_large": _("The request is larger than {max} bytes; send less data."),
    "csrf": _("The CSRF token is missing or wrong; reload the page."),
    "forbidden": _("Your role does not allow this action."),
    "token_invalid": _("The token is not valid ({reason})."),
    # concurrency and idempotency
    "if_match_required": _("The If-Match header with the version (ETag) you read is missing."),
    "stale_version": _(
        "Someone else changed this record; read it again and repeat your change."
    ),
    "idempotency_mismatch": _("The Idempotency-Key was already used with a different body."),
    "idempotency_in_progress": _(
        "Another request with the same Idempotency-Key is in progress; retry in a moment."
    ),
    # field reasons
    "field_required": _("is required"),
    "field_extra": _("is not an allowed field"),
    "field_too_long": _("is too long (at most {max})"),
    "field_too_short": _("is too short (at least {min})"),
    "field_type": _("has an invalid type"),
    "field_nul": _("contains a NUL character"),
    "field_range": _("is out of the allowed range"),
    "field_choice": _("must be one of: {choices}"),
    "field_date": _("must be a date YYYY-MM-DD"),
    "field_invalid": _("is not valid: {detail}"),
    "field_json": _("the body is not valid JSON"),
    # CURP
    "curp_format": _(
        "the CURP does not have the 18-character format (4 letters, date, sex, state, ...)"
    ),
    "curp_check_digit": _(
        "the last digit does not match the rest of the CURP (it is the check digit): "
        "check every letter and digit with the person"
    ),
    "curp_length": _("the CURP has {length} characters; it must have 18"),
    "curp_letter_in_date": _(
        "the birth date (characters 5 to 10) has a letter, {char}, where a digit belongs"
    ),
    "curp_letter_in_check": _("the last character, {char}, must be a digit (the check digit)"),
    "curp_digit_in_letters": _(
        "character {position}, {char}, is a digit where a letter belongs"
    ),
    "curp_sex_letter": _("character 11, {char}, must be H, M or X (the sex)"),
    "curp_state_code": _("characters 12 and 13, {curp_value}, are not a state's code"),
    "curp_date_invalid": _("the CURP's birth date, {curp_value} (YYMMDD), does not exist"),
    "curp_o_zero": _(
        "a letter O and a zero are mixed up; written like this the CURP is valid: {suggestion}"
    ),
    "curp_birth_date": _(
        "the CURP's birth date ({curp_value}) does not match the stated birth date"
    ),
    "curp_sex": _("the CURP's sex ({curp_value}) does not match the stated sex"),
    "curp_state": _("the CURP's state of birth ({curp_value}) does not match the stated one"),
    "curp_names": _("the CURP's initial letters do not correspond to the names and surnames"),
    # registry
    "duplicate_curp": _("A person with this CURP already exists."),
    "possible_duplicate": _(
        "There are registered persons with the same name and birth date. Check whether it is "
        "the same person; if not, confirm it is a different person."
    ),
    "membership_open": _(
        "The person already belongs to another household; end that membership first."
    ),
    "membership_dates": _("the end date cannot be before the start date"),
    "membership_ended": _("That membership has already ended."),
    "same_household": _("the person already belongs to that household; name a member of another household"),
    "head_by_move": _(
        "a person joining a household does not join as its head; make them head afterwards"
    ),
    "member_not_found": _(
        "nobody with that CURP lives in a household registered at this office; check the CURP "
        "with the citizen"
    ),
    "relationship_choice": _("choose the relationship to the head of the household"),
    "leave_reason": _("choose why the person leaves the household"),
    "already_head": _("This person is already the head of the household."),
    "cursor_invalid": _("the cursor is not valid"),
    "changes_archived": _("the changes up to number {last} were archived: download the whole "
                          "roll again and continue from the change number it gives"),
    "gone": _("What was asked for is no longer kept here."),
    "search_empty": _("give at least one search criterion"),
    "date_future": _("cannot be a future date"),
    "date_range": _("must be a date between {min} and {max}"),
    "name_mixed_script": _(
        "mixes letters of two alphabets (for example Latin and Cyrillic); type it in one "
        "alphabet, as it appears on the birth certificate or ID"
    ),
    "registered_elsewhere": _(
        "This person is already registered at another office; do not register them again. To "
        "serve them here, ask your supervisor to request that office to update their address or "
        "transfer the record to this office."
    ),
    "possible_duplicate_elsewhere": _(
        "Another office has registered a person with a similar name and the same birth date. If "
        "it is the same person, do not register them again: ask your supervisor to request that "
        "office to transfer the record. If it is someone else, confirm it is a different person."
    ),
}


def negotiate(accept_language: str | None, default: Lang = "es") -> Lang:
    """Pick Spanish or English from an Accept-Language header, honouring q-values."""
    if not accept_language:
        return default
    best: tuple[float, Lang] | None = None
    for part in accept_language.split(",")[:20]:
        pieces = part.strip().split(";")
        tag = pieces[0].strip().lower()[:2]
        quality = 1.0
        for param in pieces[1:]:
            name, _, value = param.strip().partition("=")
            if name == "q":
                try:
                    quality = float(value)
                except ValueError:
                    quality = 0.0
        if tag in ("es", "en") and (best is None or quality > best[0]):
            best = (quality, "es" if tag == "es" else "en")
    return best[1] if best else default


def message(code: str, lang: Lang, **params: object) -> str:
    """The text of a message code in a language, with its parameters filled in; a text with a
    count takes the form its count (the single integer parameter) asks for."""
    text = MESSAGES.get(code, MESSAGES["internal"])
    if isinstance(text, tuple):
        counts = [v for v in params.values() if isinstance(v, int) and not isinstance(v, bool)]
        said = catalogs.ngettext(lang, text, counts[0] if len(counts) == 1 else 2)
    else:
        said = catalogs.gettext(lang, text)
    try:
        return said.format(**params)
    except (KeyError, IndexError):
        return said


MESSAGES.update({
    # the civil registry's door
    "source_exists": _("A civil registry with this sender id is already registered."),
    "offer_decided": _("This offer was already accepted or declined."),
    "event_not_pending": _("This event neither waits nor needs review; there is nothing to run again."),
    "crvs_curp_differs": _("This person's record has another CURP than the civil registry's; "
                           "correct the record (or merge the two) before choosing it."),
    "crvs_search_invalid": _("Type a CURP (18 characters) or a record's identifier."),
    # cards and kiosk
    "card_key_invalid": _("the card's public key is not valid"),
    "card_not_pending": _("This card no longer awaits confirmation; start a new issuance."),
    "card_readback_mismatch": _(
        "What was read back from the card does not match what was written; it was not "
        "activated. Try again."
    ),
    "card_not_active": _("The card is not active."),
    "card_tampered": _("The card was altered or is not genuine; it cannot be used."),
    "card_malformed": _("The card's data cannot be read; please visit an office."),
    "card_unknown_issuer": _(
        "The card was signed with an unknown key; please visit an office."
    ),
    "card_expired": _("The card has expired; please visit an office to renew it."),
    "card_revoked": _("This card has been cancelled (reported stolen, lost or replaced)."),
    "card_cloned": _(
        "The card could not prove it is the original; it cannot be used. Please visit an office."
    ),
    "program_not_eligible": _("program {program} was not eligible in this evaluation"),
    "program_not_offered": _("Choose one of the programs offered to this caller."),
    "folio_invalid": _("the folio is not valid; check it was typed correctly"),
    "application_open": _("This person already has an open application for this program."),
    "enrollment_live": _("The person is already enrolled in this program."),
    # merging two records of one person (linkage/)
    "merge_same_record": _("A record cannot be merged into itself."),
    "merge_blocked": _("These two records were said to be different persons; they are never merged."),
    "merge_curp_differs": _("The two records have different CURPs; correct the wrong one before merging."),
    "merge_both_in_program": _(
        "Both records are enrolled in or applying to the same program; end one before merging."
    ),
    "merge_both_carded": _("Both records have an active card; cancel one before merging."),
    "merge_both_housed": _("Both records belong to a household; end one membership before merging."),
    "merge_already_undone": _("This merge was already undone."),
    "merge_superseded": _(
        "The surviving record was merged into another since; undo that later merge first."
    ),
    "programs_exclusive": _(
        "This program cannot be held together with another one the person is enrolled in."
    ),
    "illegal_transition": _(
        "That status change is not allowed from the current status; see the allowed ones."
    ),
    "pin_required": _("Enter your PIN on the reader to see your personal details."),
    "challenge_invalid": _(
        "The kiosk challenge expired or was already used; tap the card again."
    ),
})

MESSAGES.update({
    # programs, applications, enrollments, deliveries, agency API
    "transition_not_allowed": _(
        "Cannot move from '{status}' to '{to}'. From '{status}' the allowed moves are: {allowed}."
    ),
    "own_submission": _("You submitted this application; someone else must decide it."),
    "decision_role": _(
        "Only the office's supervisor, or the agency that runs the program, may decide "
        "applications and change enrollments."
    ),
    "submitter_unknown": _(
        "There is no record of who submitted this application, so it cannot be decided; "
        "contact support."
    ),
    "programs_exclusive_named": _(
        "Program {program} cannot be held at the same time as {excluded_by}, in which the person "
        "is already enrolled; exit that program first or reject this application."
    ),
    "reason_required": _("give the reason, in words the applicant can understand"),
    "documents_none": _("tick the documents the citizen brought"),
    "program_not_open": _(
        "Program {program} is not in force today; it does not take applications."
    ),
    "delivery_not_active": _(
        "Deliveries are recorded only for active enrollments (this one is '{status}')."
    ),
    "delivery_date": _(
        "the delivery date cannot be in the future or before the enrollment started"
    ),
})

MESSAGES.update({
    # follow-up of requests: status by folio, ratings, the chain of command
    "folio_no_match": _(
        "No request matches this folio and birth date. Check both and try again; if you lost "
        "your folio, any office can find it for you."
    ),
    "feedback_given": _(
        "This request has already been rated; each request takes one answer. Thank you."
    ),
    "feedback_not_yet": _(
        "This request can be rated once it has been decided or a delivery has been recorded."
    ),
})

MESSAGES.update({
    # a request's status in words, for the citizen (folio page, kiosk, Open311 status notes)
    "request_submitted": _("Received: the office has your request and will review it."),
    "request_in_review": _("In review: the agency is studying your request."),
    "request_approved": _("Approved: you are now on the program's roll."),
    "request_rejected": _("Not approved. The reason is written below."),
    "request_overdue": _("The answer is late. The people responsible have been told."),
    "request_at_risk": _("The answer is due soon."),
    "request_on_track": _("On time."),
    "request_answered": _("Answered: the office's answer is written below."),
    "complaint_submitted": _("Received: the office has your complaint and will answer it."),
    # complaints (program/complaints.py)
    "complaint_category": _("Choose what the complaint is about."),
    "complaint_agency": _("Choose the agency the complaint is about."),
    "complaint_answered": _("This complaint has already been answered."),
    "complaint_service": _("Complaint"),
    "complaint_supervisor_only": _("Only the office's supervisor answers a complaint."),
})
