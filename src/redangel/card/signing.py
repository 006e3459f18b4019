"""The service's name for the card formats: everything lives in `redangel.card.format`.

Kept so that the service reads `signing.sign_payload(...)` where it signs; the bytes, the
errors and the checks are those of the format module the card agent verifies with.
"""

from redangel.card.format import (
    CHALLENGE_DOMAIN,
    PIN_PROOF_DOMAIN,
    SIGNED_PAYLOAD_BYTES,
    CardFormatError,
    Payload,
    RevocationList,
    serial_number,
    serial_text,
    sign_payload,
    sign_revocations,
    verify_challenge,
    verify_payload,
    verify_pin_proof,
    verify_revocations,
)

__all__ = [
    "CHALLENGE_DOMAIN", "PIN_PROOF_DOMAIN", "SIGNED_PAYLOAD_BYTES", "CardFormatError", "Payload",
    "RevocationList", "serial_number", "serial_text", "sign_payload", "sign_revocations",
    "verify_challenge", "verify_payload", "verify_pin_proof", "verify_revocations",
]
