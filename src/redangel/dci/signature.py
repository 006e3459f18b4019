"""The DCI message signature: Ed25519 over the header and the message.

The standard's `MsgSignature` is an HTTP-signature-style string:

    Signature: namespace="dci", kidId="{sender_id}|{key_id}|ed25519", algorithm="ed25519",
    created="{unix}", expires="{unix}", headers="(created) (expires) digest",
    signature="{base64}"

The signed content is the three lines named by `headers`:

    (created): {unix}
    (expires): {unix}
    digest: BLAKE-512={base64 of BLAKE2b-512 over the canonical JSON of {"header", "message"}}

Canonical JSON is keys sorted, no spaces, UTF-8 unescaped: both sides compute it from the
parsed objects, so whitespace and key order on the wire do not matter, and any change of a
value does. A signature is refused when its sender is not the header's, its window has passed
or has not begun (a minute of clock skew allowed), or it does not verify.
"""

from __future__ import annotations

import base64
import binascii
import hashlib
import json
import re
from dataclasses import dataclass
from typing import Any

from cryptography.exceptions import InvalidSignature
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey, Ed25519PublicKey

NAMESPACE = "dci"
ALGORITHM = "ed25519"
SIGNED_HEADERS = "(created) (expires) digest"
SKEW = 60
LIFETIME = 600
_PARAM = re.compile(r'([a-zA-Z]+)="([^"]*)"')


class SignatureError(Exception):
    """The signature is missing, malformed, out of its window, or does not verify."""

    def __init__(self, code: str, reason: str) -> None:
        super().__init__(reason)
        self.code = code
        self.reason = reason


@dataclass(frozen=True)
class Parsed:
    """The parameters of a signature string."""

    sender_id: str
    key_id: str
    created: int
    expires: int
    signature: bytes


def digest(header: dict[str, Any], message: dict[str, Any] | None) -> str:
    """The `digest:` line's value for a header and a message."""
    body = {"header": header, "message": message if message is not None else {}}
    canonical = json.dumps(body, sort_keys=True, separators=(",", ":"), ensure_ascii=False)
    return "BLAKE-512=" + base64.b64encode(hashlib.blake2b(canonical.encode()).digest()).decode()


def signing_content(created: int, expires: int, header: dict[str, Any],
                    message: dict[str, Any] | None) -> bytes:
    """The bytes signed: the lines named by `headers`."""
    return (f"(created): {created}\n(expires): {expires}\n"
            f"digest: {digest(header, message)}").encode()


def sign(private_key: Ed25519PrivateKey, *, sender_id: str, key_id: str,
         header: dict[str, Any], message: dict[str, Any] | None, now: int) -> str:
    """The signature string for a header and a message, valid for ten minutes from `now`."""
    created, expires = now, now + LIFETIME
    value = private_key.sign(signing_content(created, expires, header, message))
    return (f'Signature: namespace="{NAMESPACE}", kidId="{sender_id}|{key_id}|{ALGORITHM}", '
            f'algorithm="{ALGORITHM}", created="{created}", expires="{expires}", '
            f'headers="{SIGNED_HEADERS}", signature="{base64.b64encode(value).decode()}"')


def parse(text: str | None) -> Parsed:
    """Read a signature string's parameters (no cryptography yet)."""
    if not text:
        raise SignatureError("err.signature.missing", "no signature")
    if not text.startswith("Signature:"):
        raise SignatureError("err.signature.invalid", "not a signature string")
    params = dict(_PARAM.findall(text))
    kid = params.get("kidId", "").split("|")
    if len(kid) != 3 or params.get("algorithm") != ALGORITHM or kid[2] != ALGORITHM:
        raise SignatureError("err.signature.invalid", "unknown key or algorithm")
    if params.get("headers") != SIGNED_HEADERS:
        raise SignatureError("err.signature.invalid", "signed headers differ")
    try:
        created, expires = int(params["created"]), int(params["expires"])
        value = base64.b64decode(params["signature"], validate=True)
    except (KeyError, ValueError, binascii.Error) as exc:
        raise SignatureError("err.signature.invalid", "malformed parameters") from exc
    return Parsed(sender_id=kid[0], key_id=kid[1], created=created, expires=expires,
                  signature=value)


def verify(parsed: Parsed, public_key: Ed25519PublicKey, *, header: dict[str, Any],
           message: dict[str, Any] | None, now: int) -> None:
    """Check the window and the signature over this header and message."""
    if parsed.sender_id != header.get("sender_id"):
        raise SignatureError("err.signature.invalid", "signed by another sender")
    if parsed.created > now + SKEW or parsed.expires < now - SKEW or parsed.expires <= parsed.created:
        raise SignatureError("err.signature.invalid", "outside its validity window")
    try:
        public_key.verify(parsed.signature,
                          signing_content(parsed.created, parsed.expires, header, message))
    except InvalidSignature as exc:
        raise SignatureError("err.signature.invalid", "does not verify") from exc


def public_key_from_text(text: str) -> Ed25519PublicKey:
    """An Ed25519 public key from its base64 raw 32 bytes (as `source add` takes it)."""
    try:
        raw = base64.b64decode(text.strip(), validate=True)
        if len(raw) != 32:
            raise ValueError("an Ed25519 public key is 32 bytes")
        return Ed25519PublicKey.from_public_bytes(raw)
    except (ValueError, binascii.Error) as exc:
        raise ValueError("not a base64 Ed25519 public key") from exc
