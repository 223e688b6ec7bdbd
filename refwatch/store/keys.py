"""Data keys, and the key-encryption keys that wrap them.

A workspace's data is encrypted under random data keys. Only wrapped copies of those keys
are stored (in the database, `data_keys`); the key that unwraps them is derived with
Argon2id from a passphrase, or read from a keyfile that must live outside the workspace.
Neither the passphrase nor the derived key is ever written anywhere. Rotating re-wraps
every data key under the new secret and replaces the stored wrapped copies in the same
transaction, so afterwards the old secret opens nothing.
"""

from __future__ import annotations

import json
import os
import secrets
from dataclasses import dataclass
from pathlib import Path

from cryptography.exceptions import InvalidTag
from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.ciphers.aead import AESGCM
from cryptography.hazmat.primitives.kdf.argon2 import Argon2id
from cryptography.hazmat.primitives.kdf.hkdf import HKDF

from refwatch.domain.errors import KeyMaterialError, WrongPassphraseError

KEY_BYTES = 32
NONCE_BYTES = 12
KEYFILE_BYTES = 32


@dataclass(frozen=True, slots=True)
class KdfParams:
    """Argon2id cost. The default follows RFC 9106's second recommended option (64 MiB)."""

    iterations: int = 3
    lanes: int = 4
    memory_cost_kib: int = 65536

    def to_json(self) -> str:
        return json.dumps(
            {"alg": "argon2id", "t": self.iterations, "p": self.lanes, "m": self.memory_cost_kib}
        )

    @classmethod
    def from_json(cls, text: str) -> KdfParams:
        raw = json.loads(text)
        if raw.get("alg") != "argon2id":
            raise KeyMaterialError(f"unknown key derivation {raw.get('alg')!r}")
        return cls(iterations=int(raw["t"]), lanes=int(raw["p"]), memory_cost_kib=int(raw["m"]))


@dataclass(frozen=True)
class Secret:
    """What the user holds: a passphrase or the path of a keyfile."""

    passphrase: str | None = None
    keyfile: Path | None = None

    def __post_init__(self) -> None:
        if (self.passphrase is None) == (self.keyfile is None):
            raise KeyMaterialError("give either a passphrase or a keyfile")
        if self.passphrase is not None and len(self.passphrase) < 8:
            raise KeyMaterialError("a passphrase needs at least 8 characters")

    @property
    def kind(self) -> str:
        return "passphrase" if self.passphrase is not None else "keyfile"

    def __repr__(self) -> str:  # never show the passphrase in a traceback
        return f"Secret(kind={self.kind!r})"


def create_keyfile(path: Path) -> None:
    """Write a new random keyfile readable only by its owner; refuse to overwrite one."""
    fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    with os.fdopen(fd, "wb") as handle:
        handle.write(secrets.token_bytes(KEYFILE_BYTES))
        handle.flush()
        os.fsync(handle.fileno())


def check_keyfile_outside(keyfile: Path, workspace: Path) -> None:
    """A keyfile beside the database would hand both to whoever copies the folder."""
    key = keyfile.resolve()
    root = workspace.resolve()
    if key == root or root in key.parents:
        raise KeyMaterialError(
            f"the keyfile {keyfile} is inside the workspace folder; keep it elsewhere "
            "(another disk, a hardware token mount) so that a copy of the workspace alone "
            "opens nothing"
        )


def _read_keyfile(path: Path) -> bytes:
    try:
        data = path.read_bytes()
    except OSError as exc:
        raise KeyMaterialError(f"cannot read keyfile {path}: {exc.strerror}") from None
    if len(data) < KEYFILE_BYTES:
        raise KeyMaterialError(f"keyfile {path} is too short to be a RefWatch keyfile")
    return data


def derive_kek(secret: Secret, salt: bytes, params: KdfParams) -> bytes:
    """The key-encryption key for `secret`."""
    if secret.passphrase is not None:
        return Argon2id(
            salt=salt,
            length=KEY_BYTES,
            iterations=params.iterations,
            lanes=params.lanes,
            memory_cost=params.memory_cost_kib,
        ).derive(secret.passphrase.encode("utf-8"))
    assert secret.keyfile is not None
    return HKDF(
        algorithm=hashes.SHA256(), length=KEY_BYTES, salt=salt, info=b"refwatch keyfile kek"
    ).derive(_read_keyfile(secret.keyfile))


def _wrap_aad(workspace_id: str, version: int) -> bytes:
    return f"refwatch-data-key|{workspace_id}|v{version}".encode()


def wrap_key(kek: bytes, data_key: bytes, workspace_id: str, version: int) -> bytes:
    nonce = secrets.token_bytes(NONCE_BYTES)
    return nonce + AESGCM(kek).encrypt(nonce, data_key, _wrap_aad(workspace_id, version))


def unwrap_key(kek: bytes, wrapped: bytes, workspace_id: str, version: int) -> bytes:
    nonce, body = wrapped[:NONCE_BYTES], wrapped[NONCE_BYTES:]
    try:
        return AESGCM(kek).decrypt(nonce, body, _wrap_aad(workspace_id, version))
    except InvalidTag:
        raise WrongPassphraseError(
            "the passphrase or keyfile does not open this workspace; nothing was changed"
        ) from None


def new_data_key() -> bytes:
    return AESGCM.generate_key(bit_length=256)


class KeyRing:
    """The unwrapped data keys of one open workspace, held in memory only."""

    def __init__(self, keys: dict[int, bytes], active: int) -> None:
        if active not in keys:
            raise KeyMaterialError(f"active key version {active} is missing")
        self._keys = dict(keys)
        self.active = active
        self._fingerprint_key = HKDF(
            algorithm=hashes.SHA256(), length=KEY_BYTES, salt=None, info=b"refwatch fingerprint"
        ).derive(keys[min(keys)])

    def key(self, version: int) -> bytes:
        try:
            return self._keys[version]
        except KeyError:
            raise KeyMaterialError(f"no data key of version {version} in this workspace") from None

    @property
    def versions(self) -> list[int]:
        return sorted(self._keys)

    @property
    def fingerprint_key(self) -> bytes:
        """A key for keyed hashes of content (re-import detection), separate from encryption
        so that a fingerprint reveals nothing that could be checked against a guessed name."""
        return self._fingerprint_key

    def __repr__(self) -> str:
        return f"KeyRing(versions={self.versions}, active={self.active})"
