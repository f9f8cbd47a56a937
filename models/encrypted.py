"""Identity and bank numbers encrypted at rest (AES-256-GCM), with a keyed hash for look-ups.

The attribute on the model is the plain value, so the rest of the code reads and writes
numbers as before; only the database holds ciphertext ("enc1:<key id>:<base64 nonce+ct>").
Uniqueness and searches use the keyed hash beside it (HMAC-SHA256 under a key derived
from the data key), never the ciphertext, which differs on every write.

The key comes from DATA_KEY (base64 of 32 bytes) or, when none is given, from
instance/data_key, created on first start. `flask --app app keys rotate` re-seals every
value under the current key; values sealed under a previous key stay readable meanwhile
(DATA_KEY_PREVIOUS, or instance/data_key.new left by an interrupted rotation).
"""
from __future__ import annotations

import base64
import hashlib
import hmac
import os

from sqlalchemy import Text
from sqlalchemy.types import TypeDecorator

PREFIX = "enc1"


class DataKey:
    """One 32-byte key: AES-GCM for the values, HMAC (a derived key) for the look-up hashes."""

    def __init__(self, raw: bytes):
        if len(raw) != 32:
            raise ValueError("DATA_KEY must be 32 bytes, base64-encoded")
        from cryptography.hazmat.primitives.ciphers.aead import AESGCM

        self._aead = AESGCM(raw)
        self.key_id = hashlib.sha256(raw).hexdigest()[:8]
        self._mac = hmac.new(raw, b"expertlib lookup hash v1", hashlib.sha256).digest()

    @classmethod
    def from_text(cls, text: str) -> DataKey:
        try:
            raw = base64.b64decode(text.strip(), validate=True)
        except ValueError:
            raise ValueError("DATA_KEY must be 32 bytes, base64-encoded") from None
        return cls(raw)

    @staticmethod
    def generate() -> str:
        return base64.b64encode(os.urandom(32)).decode("ascii")

    def encrypt(self, plain: str) -> str:
        nonce = os.urandom(12)
        sealed = self._aead.encrypt(nonce, plain.encode("utf-8"), self.key_id.encode("ascii"))
        return f"{PREFIX}:{self.key_id}:{base64.b64encode(nonce + sealed).decode('ascii')}"

    def decrypt(self, stored: str) -> str:
        prefix, key_id, body = stored.split(":", 2)
        if prefix != PREFIX or key_id != self.key_id:
            raise KeyError(f"value sealed with key {key_id}, not {self.key_id}")
        raw = base64.b64decode(body)
        return self._aead.decrypt(raw[:12], raw[12:], key_id.encode("ascii")).decode("utf-8")

    def lookup_hash(self, plain: str) -> str:
        return hmac.new(self._mac, plain.encode("utf-8"), hashlib.sha256).hexdigest()


_keys: dict[str, DataKey] = {}  # every key that may have sealed a stored value, by key id
_primary: list[DataKey] = []  # the one new values are sealed with


def use_key(primary: DataKey, *previous: DataKey) -> None:
    """Set the process's data key, and keys still readable while a rotation finishes."""
    _keys.clear()
    for key in (*previous, primary):
        _keys[key.key_id] = key
    _primary[:] = [primary]


def current_key() -> DataKey:
    if not _primary:
        raise RuntimeError("no data key configured (create_app sets it)")
    return _primary[0]


def open_value(stored: str) -> str:
    """The plain value of a sealed one, with whichever configured key sealed it."""
    key_id = stored.split(":", 2)[1]
    if key_id not in _keys:
        raise KeyError(f"value sealed with key {key_id}, which is not configured (DATA_KEY / DATA_KEY_PREVIOUS)")
    return _keys[key_id].decrypt(stored)


def lookup_hash(plain: str | None) -> str | None:
    """The keyed hash of a value, for equality look-ups and uniqueness; None for an empty value."""
    return current_key().lookup_hash(plain) if plain else None


class Encrypted(TypeDecorator):
    """A string column stored encrypted; empty and None stay as they are (nothing to hide)."""

    impl = Text
    cache_ok = True

    def process_bind_param(self, value, dialect):
        if not value:
            return value
        return current_key().encrypt(value)

    def process_result_value(self, value, dialect):
        if not value or not value.startswith(PREFIX + ":"):
            return value  # empty, or a plain value from before the migration re-encrypts it
        return open_value(value)
