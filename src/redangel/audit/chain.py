"""Hashing and signing of the audit chain: pure functions shared by writer and verifier.

An event's digest is a plain content hash. The link that chains seal n to seal n-1 is an
HMAC keyed with a key derived from the service secret, which lives outside the database: a
database writer who rewrites events cannot recompute the links. Checkpoints are Ed25519
signatures over (seq, link, previous checkpoint's seq, time), so they form a chain of their own
and a deleted one is noticed by the next.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import json
import uuid
from dataclasses import dataclass
from datetime import UTC, datetime
from functools import lru_cache
from typing import Any

from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey, Ed25519PublicKey
from cryptography.hazmat.primitives.hashes import SHA256
from cryptography.hazmat.primitives.kdf.hkdf import HKDF
from cryptography.hazmat.primitives.serialization import Encoding, PublicFormat

GENESIS = "0" * 64
FIELDS = (
    "at", "actor_kind", "actor_id", "actor_role", "office_id", "agency_code", "action",
    "person_id", "purpose", "outcome", "detail",
)
_LINK_INFO = b"redangel-audit-link-v1"
_CHECKPOINT_INFO = b"redangel-audit-checkpoint"
# One encoder for every event's canonical bytes (`json.dumps` would build one per event).
_CANONICAL = json.JSONEncoder(sort_keys=True, separators=(",", ":"), default=str).encode


def canonical(event: dict[str, Any]) -> bytes:
    """The bytes an event's hash covers, identical on every database."""
    payload = {name: event.get(name) for name in FIELDS}
    for name in ("office_id", "person_id"):
        if payload[name] is not None:
            payload[name] = str(payload[name])
    at = payload["at"]
    if isinstance(at, datetime):
        payload["at"] = at.isoformat(timespec="microseconds")
    return _CANONICAL(payload).encode()


def digest(event: dict[str, Any]) -> str:
    """The content hash of one event, computed when it is recorded."""
    return hashlib.sha256(canonical(event)).hexdigest()


def digests_per_person(event: dict[str, Any], person_ids: list[str]) -> list[str]:
    """The digests of copies of one event that differ only in their person (a page of persons
    shown at once): the event's canonical bytes are built once, and each person's id put in
    its place. Equal to `digest` of each copy."""
    marker = f"person-{uuid.uuid4().hex}"
    template = canonical({**event, "person_id": marker})
    quoted = json.dumps(marker).encode()
    if template.count(quoted) != 1:  # the marker must name the one place of the person's id
        return [digest({**event, "person_id": pid}) for pid in person_ids]
    before, after = template.split(quoted)
    return [hashlib.sha256(before + json.dumps(pid).encode() + after).hexdigest()
            for pid in person_ids]


def _derive(secret_key: str, info: bytes) -> bytes:
    return HKDF(algorithm=SHA256(), length=32, salt=None, info=info).derive(secret_key.encode())


@lru_cache(maxsize=4)
def link_key(secret_key: str) -> bytes:
    """The HMAC key of the chain's links, derived from the service secret (never stored)."""
    return _derive(secret_key, _LINK_INFO)


def link(key: bytes, prev_hash: str, seq: int, event_id: int, event_digest: str) -> str:
    """The keyed hash of seal `seq`, binding an event's digest to the previous seal."""
    message = f"{prev_hash}|{seq}|{event_id}|{event_digest}".encode()
    return hmac.new(key, message, hashlib.sha256).hexdigest()


@lru_cache(maxsize=4)
def checkpoint_key(secret_key: str) -> Ed25519PrivateKey:
    """The checkpoint signing key, derived from the service secret (never stored)."""
    return Ed25519PrivateKey.from_private_bytes(_derive(secret_key, _CHECKPOINT_INFO))


def key_id(public_key: Ed25519PublicKey) -> str:
    """A short name for a checkpoint key: the start of its public key's SHA-256."""
    raw = public_key.public_bytes(Encoding.Raw, PublicFormat.Raw)
    return hashlib.sha256(raw).hexdigest()[:16]


@dataclass(frozen=True)
class Checkpoint:
    """A signed statement that the chain had `hash` at `seq`, after checkpoint `prev_seq`."""

    seq: int
    hash: str
    prev_seq: int
    at: datetime
    signature: bytes

    def to_json(self, public_key: Ed25519PublicKey) -> str:
        """The checkpoint as one JSON document, to be kept off the machine."""
        return json.dumps({
            "seq": self.seq, "hash": self.hash, "prev_seq": self.prev_seq,
            "at": _instant(self.at), "key_id": key_id(public_key),
            "signature": base64.b64encode(self.signature).decode(),
        }, indent=2)

    @classmethod
    def from_json(cls, text: str) -> tuple[Checkpoint, str]:
        """Read a kept checkpoint and the id of the key that says it signed it."""
        data = json.loads(text)
        checkpoint = cls(seq=int(data["seq"]), hash=str(data["hash"]),
                         prev_seq=int(data["prev_seq"]), at=datetime.fromisoformat(data["at"]),
                         signature=base64.b64decode(data["signature"], validate=True))
        return checkpoint, str(data["key_id"])


def _instant(at: datetime) -> str:
    return at.astimezone(UTC).isoformat(timespec="microseconds")


def checkpoint_message(seq: int, hash_: str, prev_seq: int, at: datetime) -> bytes:
    """What a checkpoint signature covers."""
    return f"redangel-audit-checkpoint-v2|{seq}|{hash_}|{prev_seq}|{_instant(at)}".encode()


def sign_checkpoint(secret_key: str, *, seq: int, hash_: str, prev_seq: int,
                    at: datetime) -> Checkpoint:
    """Sign the chain's state at `seq`, naming the checkpoint before it."""
    signature = checkpoint_key(secret_key).sign(checkpoint_message(seq, hash_, prev_seq, at))
    return Checkpoint(seq=seq, hash=hash_, prev_seq=prev_seq, at=at, signature=signature)


def verify_checkpoint(public_key: Ed25519PublicKey, checkpoint: Checkpoint) -> bool:
    """True when the signature is the issuer's over the checkpoint's fields."""
    message = checkpoint_message(checkpoint.seq, checkpoint.hash, checkpoint.prev_seq,
                                 checkpoint.at)
    try:
        public_key.verify(checkpoint.signature, message)
    except Exception:  # cryptography raises InvalidSignature
        return False
    return True
