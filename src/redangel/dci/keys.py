"""The registry's own DCI signing key: Ed25519, derived from the service secret with HKDF (never
stored), so every process of one installation signs alike and a new secret means a new key."""

from __future__ import annotations

import base64
from functools import lru_cache

from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey
from cryptography.hazmat.primitives.hashes import SHA256
from cryptography.hazmat.primitives.kdf.hkdf import HKDF
from cryptography.hazmat.primitives.serialization import Encoding, PublicFormat

KEY_ID = "registry-1"
"""The key id the registry's signatures name (`kidId="{sender}|registry-1|ed25519"`)."""


@lru_cache(maxsize=4)
def registry_key(secret_key: str) -> Ed25519PrivateKey:
    """The registry's signing key for this service secret."""
    seed = HKDF(algorithm=SHA256(), length=32, salt=None,
                info=b"redangel dci registry signing key 1").derive(secret_key.encode())
    return Ed25519PrivateKey.from_private_bytes(seed)


def public_text(secret_key: str) -> str:
    """The public half, base64 of 32 bytes, as a peer registers it."""
    raw = registry_key(secret_key).public_key().public_bytes(Encoding.Raw, PublicFormat.Raw)
    return base64.b64encode(raw).decode()
