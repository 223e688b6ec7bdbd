"""Field-level encryption of protected values (names, notes, report text, contacts).

Each value is sealed with AES-256-GCM under a fresh 96-bit random nonce. The associated
data binds the ciphertext to its table, column, row id and key version, so a ciphertext
copied to another row or column (to make one person's name appear on another's record)
fails to open instead of decrypting silently. Layout: version byte 1, key version (2 bytes,
big-endian), nonce (12 bytes), ciphertext with tag.
"""

from __future__ import annotations

import hashlib
import hmac
import secrets

from cryptography.exceptions import InvalidTag
from cryptography.hazmat.primitives.ciphers.aead import AESGCM

from refwatch.domain.errors import DecryptionError
from refwatch.store.keys import NONCE_BYTES, KeyRing

FORMAT = 1
_HEADER = 3


def _aad(table: str, column: str, row_id: str, key_version: int) -> bytes:
    return f"refwatch|{table}|{column}|{row_id}|v{key_version}".encode()


def _where(table: str, column: str, row_id: str) -> str:
    return f"{table}.{column} of row {row_id}"


class FieldCipher:
    """Seal and open protected fields with the workspace's active data key."""

    def __init__(self, keyring: KeyRing) -> None:
        self._keyring = keyring
        self._aead = {version: AESGCM(keyring.key(version)) for version in keyring.versions}

    def seal(self, table: str, column: str, row_id: str, value: str | None) -> bytes | None:
        if value is None:
            return None
        version = self._keyring.active
        nonce = secrets.token_bytes(NONCE_BYTES)
        body = self._aead[version].encrypt(
            nonce, value.encode("utf-8"), _aad(table, column, row_id, version)
        )
        return bytes([FORMAT]) + version.to_bytes(2, "big") + nonce + body

    def open(self, table: str, column: str, row_id: str, blob: bytes | None) -> str | None:
        if blob is None:
            return None
        # The place is named only in errors: a linkage run opens a million names.
        if len(blob) < _HEADER + NONCE_BYTES + 16 or blob[0] != FORMAT:
            raise DecryptionError(f"{_where(table, column, row_id)} is not a RefWatch ciphertext")
        version = int.from_bytes(blob[1:3], "big")
        aead = self._aead.get(version)
        if aead is None:
            raise DecryptionError(
                f"{_where(table, column, row_id)} is sealed under unknown key version {version}"
            )
        nonce = blob[_HEADER : _HEADER + NONCE_BYTES]
        try:
            plain = aead.decrypt(
                nonce, blob[_HEADER + NONCE_BYTES :], _aad(table, column, row_id, version)
            )
        except InvalidTag:
            raise DecryptionError(
                f"{_where(table, column, row_id)} failed authentication: it was altered, "
                "moved from another row or column, or sealed under another key"
            ) from None
        return plain.decode("utf-8")

    def fingerprint(self, canonical: str) -> str:
        """Keyed hash of a canonical text (see `refwatch.intake`), for change detection."""
        return hmac.new(
            self._keyring.fingerprint_key, canonical.encode("utf-8"), hashlib.sha256
        ).hexdigest()
