"""The registry's own DCI signing key: derived from the service secret, never stored.

Every DCI answer the registry sends is signed with it, so that a partner can check that the
answer came from the registry and was not changed on the way. Partners register the public half
(`redangel dci public-key` prints it with the sender id and key id the signatures name).
"""

from __future__ import annotations

import base64
from functools import lru_cache

from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey
from cryptography.hazmat.primitives.hashes import SHA256
from cryptography.hazmat.primitives.kdf.hkdf import HKDF

KEY_ID = "registry-1"
_INFO = b"redangel dci message signing v1"


@lru_cache(maxsize=4)
def registry_key(secret_key: str) -> Ed25519PrivateKey:
    """The Ed25519 key the registry signs DCI messages with."""
    seed = HKDF(algorithm=SHA256(), length=32, salt=None, info=_INFO).derive(secret_key.encode())
    return Ed25519PrivateKey.from_private_bytes(seed)


def public_text(secret_key: str) -> str:
    """The public half, as partners register it: base64 of its 32 bytes."""
    return base64.b64encode(registry_key(secret_key).public_key().public_bytes_raw()).decode()
