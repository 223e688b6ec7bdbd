from __future__ import annotations

import pytest

from refwatch.domain.errors import DecryptionError
from refwatch.store.crypto import FieldCipher
from refwatch.store.keys import KeyRing, new_data_key


@pytest.fixture
def field_cipher() -> FieldCipher:
    return FieldCipher(KeyRing({1: new_data_key()}, active=1))


def test_a_sealed_name_opens_to_the_same_text(field_cipher: FieldCipher) -> None:
    blob = field_cipher.seal("mentions", "name_hangul", "row-1", "김영철")
    assert blob is not None and "김영철".encode() not in blob
    assert field_cipher.open("mentions", "name_hangul", "row-1", blob) == "김영철"


def test_every_seal_uses_a_fresh_nonce(field_cipher: FieldCipher) -> None:
    a = field_cipher.seal("mentions", "name_latin", "row-1", "Kim Yongchol")
    b = field_cipher.seal("mentions", "name_latin", "row-1", "Kim Yongchol")
    assert a != b


@pytest.mark.parametrize(
    ("table", "column", "row_id"),
    [
        ("mentions", "name_hangul", "row-2"),  # moved to another person's row
        ("mentions", "notes", "row-1"),  # moved to another column
        ("sources", "name_hangul", "row-1"),  # moved to another table
    ],
)
def test_a_ciphertext_moved_elsewhere_fails_to_open(
    field_cipher: FieldCipher, table: str, column: str, row_id: str
) -> None:
    blob = field_cipher.seal("mentions", "name_hangul", "row-1", "김영철")
    with pytest.raises(DecryptionError, match="failed authentication") as info:
        field_cipher.open(table, column, row_id, blob)
    assert "김영철" not in str(info.value)


def test_a_flipped_bit_is_detected(field_cipher: FieldCipher) -> None:
    blob = bytearray(field_cipher.seal("mentions", "notes", "r", "held in Tumen") or b"")
    blob[-1] ^= 1
    with pytest.raises(DecryptionError):
        field_cipher.open("mentions", "notes", "r", bytes(blob))


def test_a_value_sealed_under_another_key_does_not_open() -> None:
    one = FieldCipher(KeyRing({1: new_data_key()}, active=1))
    other = FieldCipher(KeyRing({1: new_data_key()}, active=1))
    blob = one.seal("mentions", "notes", "r", "text")
    with pytest.raises(DecryptionError):
        other.open("mentions", "notes", "r", blob)


def test_garbage_is_not_mistaken_for_a_ciphertext(field_cipher: FieldCipher) -> None:
    with pytest.raises(DecryptionError, match="not a RefWatch ciphertext"):
        field_cipher.open("mentions", "notes", "r", b"plain text here, long enough to pass")


def test_none_stays_none(field_cipher: FieldCipher) -> None:
    assert field_cipher.seal("mentions", "notes", "r", None) is None
    assert field_cipher.open("mentions", "notes", "r", None) is None


def test_fingerprints_depend_on_the_workspace_key() -> None:
    one = FieldCipher(KeyRing({1: new_data_key()}, active=1))
    other = FieldCipher(KeyRing({1: new_data_key()}, active=1))
    assert one.fingerprint("x") == one.fingerprint("x")
    assert one.fingerprint("x") != other.fingerprint("x")
