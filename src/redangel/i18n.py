"""Spanish-first messages for the API, chosen per request from Accept-Language.

API errors are addressed by a stable code; each code has a Spanish and an English text. Web pages
use gettext catalogs instead (see redangel.web); this table is for machine-readable answers.
"""

from __future__ import annotations

from typing import Literal

Lang = Literal["es", "en"]

MESSAGES: dict[str, tuple[str, str]] = {
    # generic
    "internal": (
        "Ocurrió un error interno. Intente de nuevo; si persiste, avise a soporte.",
        "An internal error occurred. Try again; if it persists, contact support.",
    ),
    "validation": ("La solicitud tiene datos no válidos.", "The request has invalid data."),
    "not_found": ("No se encontró el registro solicitado.", "The requested record was not found."),
    "route_not_found": ("Esta dirección no existe.", "This address does not exist."),
    "method_not_allowed": ("Método no permitido.", "Method not allowed."),
    "rate_limited": (
        "Demasiadas solicitudes. Espere {retry_after} segundos e intente de nuevo.",
        "Too many requests. Wait {retry_after} seconds and try again.",
    ),
    "rate_limited.one": (
        "Demasiadas solicitudes. Espere un segundo e intente de nuevo.",
        "Too many requests. Wait one second and try again.",
    ),
    "unauthenticated": (
        "Debe iniciar sesión o presentar una credencial válida.",
        "You must sign in or present a valid credential.",
    ),
    "bad_credentials": ("Usuario o contraseña incorrectos.", "Wrong username or password."),
    "body_too_large": (
        "La solicitud pasa de {max} bytes; envíe menos datos.",
        "The request is larger than {max} bytes; send less data.",
    ),
    "csrf": (
        "Falta el token CSRF o no coincide; recargue la página.",
        "The CSRF token is missing or wrong; reload the page.",
    ),
    "forbidden": (
        "Su función no permite esta acción.",
        "Your role does not allow this action.",
    ),
    "token_invalid": (
        "El token no es válido ({reason}).",
        "The token is not valid ({reason}).",
    ),
    # concurrency and idempotency
    "if_match_required": (
        "Falta el encabezado If-Match con la versión (ETag) que usted leyó.",
        "The If-Match header with the version (ETag) you read is missing.",
    ),
    "stale_version": (
        "Alguien más modificó este registro; vuelva a leerlo y repita el cambio.",
        "Someone else changed this record; read it again and repeat your change.",
    ),
    "idempotency_mismatch": (
        "La clave Idempotency-Key ya se usó con otro contenido.",
        "The Idempotency-Key was already used with a different body.",
    ),
    "idempotency_in_progress": (
        "Otra solicitud con la misma Idempotency-Key está en curso; reintente en un momento.",
        "Another request with the same Idempotency-Key is in progress; retry in a moment.",
    ),
    # field reasons
    "field_required": ("es obligatorio", "is required"),
    "field_extra": ("no es un campo permitido", "is not an allowed field"),
    "field_too_long": ("es demasiado largo (máximo {max})", "is too long (at most {max})"),
    "field_too_short": ("es demasiado corto (mínimo {min})", "is too short (at least {min})"),
    "field_type": ("tiene un tipo no válido", "has an invalid type"),
    "field_nul": ("contiene un carácter nulo", "contains a NUL character"),
    "field_range": ("está fuera del rango permitido", "is out of the allowed range"),
    "field_choice": ("debe ser uno de: {choices}", "must be one of: {choices}"),
    "field_date": ("debe ser una fecha AAAA-MM-DD", "must be a date YYYY-MM-DD"),
    "field_invalid": ("no es válido: {detail}", "is not valid: {detail}"),
    "field_json": ("el cuerpo no es JSON válido", "the body is not valid JSON"),
    # CURP
    "curp_format": (
        "la CURP no tiene el formato de 18 caracteres (4 letras, fecha, sexo, estado, ...)",
        "the CURP does not have the 18-character format (4 letters, date, sex, state, ...)",
    ),
    "curp_check_digit": (
        "el dígito verificador de la CURP no coincide; revise que esté bien escrita",
        "the CURP check digit does not match; check it was typed correctly",
    ),
    "curp_birth_date": (
        "la fecha de nacimiento de la CURP ({curp_value}) no coincide con la declarada",
        "the CURP's birth date ({curp_value}) does not match the stated birth date",
    ),
    "curp_sex": (
        "el sexo de la CURP ({curp_value}) no coincide con el declarado",
        "the CURP's sex ({curp_value}) does not match the stated sex",
    ),
    "curp_state": (
        "el estado de nacimiento de la CURP ({curp_value}) no coincide con el declarado",
        "the CURP's state of birth ({curp_value}) does not match the stated one",
    ),
    "curp_names": (
        "las letras iniciales de la CURP no corresponden a los nombres y apellidos",
        "the CURP's initial letters do not correspond to the names and surnames",
    ),
    # registry
    "duplicate_curp": (
        "Ya existe una persona con esta CURP.",
        "A person with this CURP already exists.",
    ),
    "possible_duplicate": (
        "Hay personas registradas con el mismo nombre y fecha de nacimiento. Revise si es la "
        "misma persona; si no lo es, confirme que es una persona distinta.",
        "There are registered persons with the same name and birth date. Check whether it is "
        "the same person; if not, confirm it is a different person.",
    ),
    "membership_open": (
        "La persona ya pertenece a otro hogar; termine esa membresía primero.",
        "The person already belongs to another household; end that membership first.",
    ),
    "membership_dates": (
        "la fecha de salida no puede ser anterior a la de ingreso",
        "the end date cannot be before the start date",
    ),
    "membership_ended": ("Esa membresía ya terminó.", "That membership has already ended."),
    "same_household": (
        "la persona ya pertenece a ese hogar; indique a una persona de otro hogar",
        "the person already belongs to that household; name a member of another household",
    ),
    "head_by_move": (
        "quien llega a un hogar no entra como jefa o jefe; después puede nombrarse jefa o jefe",
        "a person joining a household does not join as its head; make them head afterwards",
    ),
    "member_not_found": (
        "no hay en esta oficina una persona con esa CURP que viva en un hogar registrado; revise "
        "la CURP con la persona",
        "nobody with that CURP lives in a household registered at this office; check the CURP "
        "with the citizen",
    ),
    "relationship_choice": (
        "elija el parentesco con la persona jefa del hogar",
        "choose the relationship to the head of the household",
    ),
    "leave_reason": ("elija por qué deja el hogar", "choose why the person leaves the household"),
    "already_head": (
        "Esta persona ya es la jefa o el jefe del hogar.",
        "This person is already the head of the household.",
    ),
    "cursor_invalid": ("el cursor no es válido", "the cursor is not valid"),
    "search_empty": (
        "indique al menos un criterio de búsqueda",
        "give at least one search criterion",
    ),
    "date_future": ("no puede ser una fecha futura", "cannot be a future date"),
    "date_range": ("debe ser una fecha entre el {min} y el {max}",
                   "must be a date between {min} and {max}"),
    "name_mixed_script": (
        "mezcla letras de dos alfabetos (por ejemplo latinas y cirílicas); escríbalo con un solo "
        "alfabeto, tal como aparece en el acta o la identificación",
        "mixes letters of two alphabets (for example Latin and Cyrillic); type it in one "
        "alphabet, as it appears on the birth certificate or ID",
    ),
    "registered_elsewhere": (
        "Esta persona ya está registrada en otra oficina; no la registre de nuevo. Para atenderla "
        "aquí, pida a su supervisor que solicite a esa oficina actualizar su domicilio o "
        "transferir el registro a esta oficina.",
        "This person is already registered at another office; do not register them again. To "
        "serve them here, ask your supervisor to request that office to update their address or "
        "transfer the record to this office.",
    ),
    "possible_duplicate_elsewhere": (
        "Otra oficina tiene registrada a una persona con un nombre parecido y la misma fecha de "
        "nacimiento. Si es la misma persona, no la registre de nuevo: pida a su supervisor que "
        "solicite a esa oficina transferir el registro. Si es otra persona, confirme que es "
        "distinta.",
        "Another office has registered a person with a similar name and the same birth date. If "
        "it is the same person, do not register them again: ask your supervisor to request that "
        "office to transfer the record. If it is someone else, confirm it is a different person.",
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
    """The text of a message code in a language, with its parameters filled in.

    A code with a `.one` variant uses it when its count (the single integer parameter) is 1,
    so that a sentence read aloud says "un segundo", not "1 segundos".
    """
    counts = [v for v in params.values() if isinstance(v, int) and not isinstance(v, bool)]
    if len(counts) == 1 and counts[0] == 1 and f"{code}.one" in MESSAGES:
        code = f"{code}.one"
    es, en = MESSAGES.get(code, MESSAGES["internal"])
    text = es if lang == "es" else en
    try:
        return text.format(**params)
    except (KeyError, IndexError):
        return text

MESSAGES.update({
    # cards and kiosk
    "card_key_invalid": ("la llave pública de la tarjeta no es válida", "the card's public key is not valid"),
    "card_not_pending": (
        "Esta tarjeta ya no espera confirmación; empiece una emisión nueva.",
        "This card no longer awaits confirmation; start a new issuance.",
    ),
    "card_readback_mismatch": (
        "Lo leído de la tarjeta no coincide con lo escrito; no se activó. Intente de nuevo.",
        "What was read back from the card does not match what was written; it was not "
        "activated. Try again.",
    ),
    "card_not_active": ("La tarjeta no está activa.", "The card is not active."),
    "card_tampered": (
        "La tarjeta fue alterada o no es auténtica; no puede usarse.",
        "The card was altered or is not genuine; it cannot be used.",
    ),
    "card_malformed": (
        "Los datos de la tarjeta no se pueden leer; acuda a un módulo.",
        "The card's data cannot be read; please visit an office.",
    ),
    "card_unknown_issuer": (
        "La tarjeta fue firmada con una llave desconocida; acuda a un módulo.",
        "The card was signed with an unknown key; please visit an office.",
    ),
    "card_expired": (
        "La tarjeta está vencida; acuda a un módulo para renovarla.",
        "The card has expired; please visit an office to renew it.",
    ),
    "card_revoked": (
        "Esta tarjeta fue dada de baja (reporte de robo, extravío o reposición).",
        "This card has been cancelled (reported stolen, lost or replaced).",
    ),
    "card_cloned": (
        "La tarjeta no pudo probar que es original; no puede usarse. Acuda a un módulo.",
        "The card could not prove it is the original; it cannot be used. Please visit an office.",
    ),
    "program_not_eligible": (
        "el programa {program} no resultó elegible en esta evaluación",
        "program {program} was not eligible in this evaluation",
    ),
    "folio_invalid": (
        "el folio no es válido; revise que esté bien escrito",
        "the folio is not valid; check it was typed correctly",
    ),
    "application_open": (
        "Ya hay una solicitud abierta de esta persona para este programa.",
        "This person already has an open application for this program.",
    ),
    "enrollment_live": (
        "La persona ya está inscrita en este programa.",
        "The person is already enrolled in this program.",
    ),
    "programs_exclusive": (
        "Este programa no puede tenerse junto con otro en el que la persona ya está inscrita.",
        "This program cannot be held together with another one the person is enrolled in.",
    ),
    "illegal_transition": (
        "Ese cambio de estado no está permitido desde el estado actual; vea los permitidos.",
        "That status change is not allowed from the current status; see the allowed ones.",
    ),
    "pin_required": (
        "Escriba su NIP en el lector para ver sus datos personales.",
        "Enter your PIN on the reader to see your personal details.",
    ),
    "challenge_invalid": (
        "El reto del quiosco venció o ya se usó; acerque la tarjeta de nuevo.",
        "The kiosk challenge expired or was already used; tap the card again.",
    ),
})

MESSAGES.update({
    # programs, applications, enrollments, deliveries, agency API
    "transition_not_allowed": (
        "No se puede pasar de «{status}» a «{to}». Desde «{status}» se permite: {allowed}.",
        "Cannot move from '{status}' to '{to}'. From '{status}' the allowed moves are: {allowed}.",
    ),
    "own_submission": (
        "Usted registró esta solicitud; otra persona debe decidirla.",
        "You submitted this application; someone else must decide it.",
    ),
    "decision_role": (
        "Solo la supervisora o el supervisor de la oficina, o la dependencia dueña del programa, "
        "puede decidir solicitudes y cambiar inscripciones.",
        "Only the office's supervisor, or the agency that runs the program, may decide "
        "applications and change enrollments.",
    ),
    "submitter_unknown": (
        "No consta quién registró esta solicitud, así que no puede decidirse; avise a soporte.",
        "There is no record of who submitted this application, so it cannot be decided; "
        "contact support.",
    ),
    "programs_exclusive_named": (
        "El programa {program} no puede tenerse al mismo tiempo que {excluded_by}, en el que la "
        "persona ya está inscrita; dé de baja ese programa primero o rechace esta solicitud.",
        "Program {program} cannot be held at the same time as {excluded_by}, in which the person "
        "is already enrolled; exit that program first or reject this application.",
    ),
    "reason_required": (
        "indique el motivo, en palabras que la persona solicitante pueda entender",
        "give the reason, in words the applicant can understand",
    ),
    "program_not_open": (
        "El programa {program} no está vigente hoy; no recibe solicitudes.",
        "Program {program} is not in force today; it does not take applications.",
    ),
    "delivery_not_active": (
        "Solo se registran entregas de inscripciones activas (esta está «{status}»).",
        "Deliveries are recorded only for active enrollments (this one is '{status}').",
    ),
    "documents_none": (
        "marque los documentos que la persona trajo",
        "tick the documents the citizen brought",
    ),
    "delivery_date": (
        "la fecha de entrega no puede ser futura ni anterior al alta en el programa",
        "the delivery date cannot be in the future or before the enrollment started",
    ),
})
