"""Field encryption at rest: AES-GCM data keys wrapped by a key-encryption key from settings.

Each ciphertext names the data-key version that sealed it, and its associated data binds the
table, column, row and key version, so a ciphertext copied into another row or column fails to
decrypt. Rotating adds a new data key; `redangel keys rotate` re-seals old rows in batches.
"""

from __future__ import annotations

import hashlib
import hmac
import json
import os
import struct
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from typing import Any

from cryptography.exceptions import InvalidTag
from cryptography.hazmat.primitives.ciphers.aead import AESGCM

_HEADER = struct.Struct(">H")
_NONCE_BYTES = 12
_HMAC_BLOCK = 64  # SHA-256's block size in bytes
# One encoder for every sealed JSON value (`json.dumps` would build one per call).
_SEALED_JSON = json.JSONEncoder(separators=(",", ":"), sort_keys=True, default=str).encode


def sealed_json(value: Any) -> bytes:
    """The bytes `seal_json` encrypts for a value: compact JSON, keys sorted."""
    return _SEALED_JSON(value).encode()


class DecryptionFailed(Exception):
    """A ciphertext does not belong where it was found, or its key is unknown."""


def wrap_key(kek: bytes, version: int, data_key: bytes) -> bytes:
    """Seal a data key under the key-encryption key."""
    nonce = os.urandom(_NONCE_BYTES)
    return nonce + AESGCM(kek).encrypt(nonce, data_key, f"redangel-data-key:{version}".encode())


def unwrap_key(kek: bytes, version: int, wrapped: bytes) -> bytes:
    """Open a data key sealed by `wrap_key`."""
    try:
        return AESGCM(kek).decrypt(
            wrapped[:_NONCE_BYTES], wrapped[_NONCE_BYTES:], f"redangel-data-key:{version}".encode()
        )
    except InvalidTag as exc:
        raise DecryptionFailed("the key-encryption key does not open this data key") from exc


@dataclass
class Keyring:
    """The unwrapped data keys of this process, and which one seals new values."""

    keys: dict[int, AESGCM] = field(default_factory=dict)
    active_version: int = 0
    blind_index_key: bytes = b""
    reload: Callable[[Keyring], None] | None = None
    reload_every: float = 30.0
    _checked_at: float = 0.0

    def _maybe_reload(self, *, force: bool = False) -> None:
        """Pick up keys added by a rotation running in another process."""
        now = time.monotonic()
        if self.reload is not None and (force or now - self._checked_at > self.reload_every):
            self._checked_at = now
            self.reload(self)

    def add(self, version: int, data_key: bytes, *, active: bool) -> None:
        """Make a data key available; optionally make it the one that seals new values."""
        self.keys[version] = AESGCM(data_key)
        if active:
            self.active_version = version

    @staticmethod
    def _aad(table: str, column: str, row_id: object, version: int) -> bytes:
        return f"{table}|{column}|{row_id}|{version}".encode()

    def seal(self, plaintext: bytes, *, table: str, column: str, row_id: object) -> bytes:
        """Encrypt a value for one table, column and row with the active key."""
        self._maybe_reload()
        version = self.active_version
        nonce = os.urandom(_NONCE_BYTES)
        sealed = self.keys[version].encrypt(
            nonce, plaintext, self._aad(table, column, row_id, version)
        )
        return _HEADER.pack(version) + nonce + sealed

    def seal_many(self, plaintexts: Sequence[bytes | None], *, table: str, column: str,
                  row_ids: Sequence[object]) -> list[bytes | None]:
        """Encrypt one column of many rows with the active key (None stays None): `seal`
        without its per-value overhead, for bulk loads. Each value is bound to its own row and
        has its own random nonce (the nonces drawn from the system's generator in one read)."""
        self._maybe_reload()
        version = self.active_version
        encrypt = self.keys[version].encrypt
        head = _HEADER.pack(version)
        prefix, suffix = f"{table}|{column}|", f"|{version}"
        nonces = os.urandom(_NONCE_BYTES * len(plaintexts))
        out: list[bytes | None] = []
        append = out.append
        start = 0
        for plaintext, row_id in zip(plaintexts, row_ids, strict=True):
            if plaintext is None:
                append(None)
                continue
            nonce = nonces[start : start + _NONCE_BYTES]
            start += _NONCE_BYTES
            append(head + nonce + encrypt(nonce, plaintext, f"{prefix}{row_id}{suffix}".encode()))
        return out

    def open(self, blob: bytes, *, table: str, column: str, row_id: object) -> bytes:
        """Decrypt a value sealed for exactly this table, column and row."""
        (version,) = _HEADER.unpack_from(blob)
        key = self.keys.get(version)
        if key is None:
            self._maybe_reload(force=True)
            key = self.keys.get(version)
        if key is None:
            raise DecryptionFailed(f"unknown data key version {version}")
        nonce = blob[_HEADER.size : _HEADER.size + _NONCE_BYTES]
        try:
            return key.decrypt(
                nonce, blob[_HEADER.size + _NONCE_BYTES :], self._aad(table, column, row_id, version)
            )
        except InvalidTag as exc:
            raise DecryptionFailed(f"{table}.{column} of {row_id} does not decrypt") from exc

    def open_many(self, blobs: Sequence[bytes | None], *, table: str, column: str,
                  row_ids: Sequence[object]) -> list[bytes | None]:
        """Decrypt one column of many rows at once (None stays None): `open` without its
        per-value overhead, for exports and lists."""
        prefix = f"{table}|{column}|"
        keys = self.keys
        header, nonce_end = _HEADER.size, _HEADER.size + _NONCE_BYTES
        out: list[bytes | None] = []
        append = out.append
        for blob, row_id in zip(blobs, row_ids, strict=True):
            if blob is None:
                append(None)
                continue
            version = int.from_bytes(blob[:header], "big")
            key = keys.get(version)
            if key is None:
                append(self.open(blob, table=table, column=column, row_id=row_id))
                continue
            try:
                append(key.decrypt(blob[header:nonce_end], blob[nonce_end:],
                                   f"{prefix}{row_id}|{version}".encode()))
            except InvalidTag as exc:
                raise DecryptionFailed(f"{table}.{column} of {row_id} does not decrypt") from exc
        return out

    def open_json_many(self, blobs: Sequence[bytes | None], *, table: str, column: str,
                       row_ids: Sequence[object]) -> list[Any]:
        """`open_json` for one column of many rows."""
        loads = json.loads
        return [None if raw is None else loads(raw)
                for raw in self.open_many(blobs, table=table, column=column, row_ids=row_ids)]

    @staticmethod
    def version_of(blob: bytes) -> int:
        """The data-key version that sealed a ciphertext."""
        return int(_HEADER.unpack_from(blob)[0])

    def seal_json(self, value: Any, *, table: str, column: str, row_id: object) -> bytes:
        """Encrypt a JSON-serialisable value."""
        data = sealed_json(value)
        return self.seal(data, table=table, column=column, row_id=row_id)

    def open_json(self, blob: bytes | None, *, table: str, column: str, row_id: object) -> Any:
        """Decrypt a value sealed by `seal_json` (None stays None)."""
        if blob is None:
            return None
        return json.loads(self.open(blob, table=table, column=column, row_id=row_id))

    def blind_index(self, kind: str, value: str) -> str:
        """A keyed, non-reversible lookup token for an exact-match identifier such as a CURP."""
        return hmac.new(self.blind_index_key, f"{kind}:{value}".encode(), hashlib.sha256).hexdigest()

    def blind_indexes(self, kind: str, values: Sequence[str | None]) -> list[str | None]:
        """`blind_index` of many values (None stays None), for bulk loads: the same HMAC
        (RFC 2104) from the key's inner and outer padded states, computed once per call."""
        key = self.blind_index_key
        if len(key) > _HMAC_BLOCK:
            key = hashlib.sha256(key).digest()
        key = key.ljust(_HMAC_BLOCK, b"\0")
        inner = hashlib.sha256(bytes(b ^ 0x36 for b in key))
        outer = hashlib.sha256(bytes(b ^ 0x5C for b in key))
        out: list[str | None] = []
        append = out.append
        for value in values:
            if value is None:
                append(None)
                continue
            digest = inner.copy()
            digest.update(f"{kind}:{value}".encode())
            final = outer.copy()
            final.update(digest.digest())
            append(final.hexdigest())
        return out
