"""Hashing and signing of the audit chain: pure functions shared by writer and verifier."""

from __future__ import annotations

import hashlib
import json
from datetime import datetime
from typing import Any

from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey, Ed25519PublicKey
from cryptography.hazmat.primitives.hashes import SHA256
from cryptography.hazmat.primitives.kdf.hkdf import HKDF

GENESIS = "0" * 64
FIELDS = (
    "at", "actor_kind", "actor_id", "actor_role", "office_id", "agency_code", "action",
    "person_id", "purpose", "outcome", "detail",
)


def canonical(event: dict[str, Any]) -> bytes:
    """The bytes an event's hash covers, identical on every database."""
    payload = {name: event.get(name) for name in FIELDS}
    for name in ("office_id", "person_id"):
        if payload[name] is not None:
            payload[name] = str(payload[name])
    at = payload["at"]
    if isinstance(at, datetime):
        payload["at"] = at.isoformat(timespec="microseconds")
    return json.dumps(payload, sort_keys=True, separators=(",", ":"), default=str).encode()


def digest(event: dict[str, Any]) -> str:
    """The content hash of one event, computed when it is recorded."""
    return hashlib.sha256(canonical(event)).hexdigest()


def link(prev_hash: str, seq: int, event_id: int, event_digest: str) -> str:
    """The hash of seal `seq`, binding an event's digest to the previous seal."""
    return hashlib.sha256(f"{prev_hash}|{seq}|{event_id}|{event_digest}".encode()).hexdigest()


def checkpoint_key(secret_key: str) -> Ed25519PrivateKey:
    """The checkpoint signing key, derived from the service secret (never stored)."""
    seed = HKDF(algorithm=SHA256(), length=32, salt=None, info=b"redangel-audit-checkpoint").derive(
        secret_key.encode()
    )
    return Ed25519PrivateKey.from_private_bytes(seed)


def checkpoint_message(seq: int, hash_: str) -> bytes:
    """What a checkpoint signature covers."""
    return f"redangel-audit|{seq}|{hash_}".encode()


def verify_checkpoint(public_key: Ed25519PublicKey, seq: int, hash_: str, signature: bytes) -> bool:
    """True when the signature is the issuer's over (seq, hash)."""
    try:
        public_key.verify(signature, checkpoint_message(seq, hash_))
    except Exception:  # cryptography raises InvalidSignature
        return False
    return True
