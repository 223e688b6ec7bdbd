"""Keyed Bloom-filter encodings of persons (the scheme of Schnell et al. 2009, hardened).

Why this shape:

- Each field (name sounds, Hangul syllables, birth year, sex, origin, apprehension month,
  apprehension place) is cut into tokens and every token sets `k` bits of that field's
  own segment of the bit vector. The positions come from HMAC-SHA256 under a key derived
  from the shared secret and the field name, so without the secret nobody can compute
  which bits a token sets (a dictionary attack needs the key), and the same token in two
  fields sets unrelated bits.
- Segments are per field ("field-level Bloom filters" side by side) so that the
  coordinator can weigh each field and skip a field one side does not know: a list with
  no Hangul must not lose the match of a list with Hangul; one Bloom filter over every
  field (a CLK) would punish that as a disagreement.
- `k` is the weight of a token (bits per token): many bits for the tokens that identify
  (name bigrams), few for those that do not.
- Hardening against frequency attacks (Christen et al.): salting hashes a field's tokens
  together with another field's value (the birth year for the name fields), so the same
  name born in different years gives unrelated bits and the most frequent bit patterns
  no longer line up with the most frequent names; XOR-folding a segment (bit i of the
  first half XOR bit i of the second) removes the one-to-one link between bits and
  token hashes that pattern-mining attacks use. Both cost some linkage quality; both are
  chosen per field in the schema and measured in benchmarks/pprl_study.py.
- Names enter through `refwatch.linkage.names` keys (one home for Hangul and
  romanisation): the sound key is the same for 김영철, "Kim Yeongcheol" and
  "Kim Yong-chol", so bigrams of it agree across scripts.

Nothing here touches storage: `refwatch.share.workspace` reads the persons, this module
turns field values into bits.
"""

from __future__ import annotations

import hmac
import itertools
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import asdict, dataclass, field
from datetime import date
from typing import Any, Final

import numpy as np
import numpy.typing as npt

from refwatch.share.errors import ShareError

SCHEME: Final = "refwatch-pprl"
VERSION: Final = 2
MIN_SECRET_BYTES: Final = 16
MAX_SECRET_BYTES: Final = 4096

Bits = npt.NDArray[np.uint8]


@dataclass(frozen=True, slots=True)
class FieldSpec:
    """One segment of the bit vector: its field, length in bits, bits per token, weight
    in the similarity score, and hardening (salt field, XOR-fold)."""

    name: str
    bits: int
    k: int
    weight: float
    salt: str | None = None
    fold: bool = False

    @property
    def stored_bits(self) -> int:
        return self.bits // 2 if self.fold else self.bits


@dataclass(frozen=True, slots=True)
class Schema:
    """The encoding schema: every party of an exchange must use the same one."""

    fields: tuple[FieldSpec, ...]
    version: int = VERSION

    @property
    def total_bits(self) -> int:
        return sum(f.stored_bits for f in self.fields)

    @property
    def total_bytes(self) -> int:
        return self.total_bits // 8

    def offsets(self) -> list[tuple[int, int]]:
        """(first bit, end bit) of each field's stored segment."""
        out = []
        start = 0
        for spec in self.fields:
            out.append((start, start + spec.stored_bits))
            start += spec.stored_bits
        return out

    def as_dict(self) -> dict[str, Any]:
        return {"version": self.version, "fields": [asdict(f) for f in self.fields]}

    @classmethod
    def from_dict(cls, data: Mapping[str, Any]) -> Schema:
        """Read a schema from a file header; raises ValueError/TypeError/KeyError if malformed."""
        version = data["version"]
        if not isinstance(version, int):
            raise TypeError("version")
        fields = []
        for item in data["fields"]:
            spec = FieldSpec(
                name=str(item["name"]),
                bits=int(item["bits"]),
                k=int(item["k"]),
                weight=float(item["weight"]),
                salt=None if item.get("salt") is None else str(item["salt"]),
                fold=bool(item.get("fold", False)),
            )
            if spec.bits % 128 or not 0 < spec.bits <= 8192 or not 0 < spec.k <= 16:
                raise ValueError(spec.name)
            if not 0 <= spec.weight <= 100:
                raise ValueError(spec.name)
            fields.append(spec)
        if not fields or len({f.name for f in fields}) != len(fields):
            raise ValueError("fields")
        return cls(tuple(fields), version)


FIELDS: Final = ("name", "hangul", "birth", "sex", "origin", "month", "place")


def default_schema(*, salt: bool = False, fold: bool = True) -> Schema:
    """The schema RefWatch uses (see docs/sharing.md for why these sizes and weights).

    `salt`: hash the name fields with the birth year; `fold`: XOR-fold the name fields.
    The defaults are what benchmarks/pprl_study.py found to keep linkage quality.
    """
    name_salt = "birth" if salt else None
    return Schema(
        (
            FieldSpec("name", 1024, 12, 4.0, name_salt, fold),
            FieldSpec("hangul", 256, 12, 1.5, name_salt, fold),
            FieldSpec("birth", 128, 8, 1.5),
            FieldSpec("sex", 128, 8, 0.75),
            FieldSpec("origin", 128, 8, 0.75),
            FieldSpec("month", 128, 8, 1.5),
            FieldSpec("place", 128, 8, 0.75),
            FieldSpec("day", 128, 8, 1.0),
            FieldSpec("outcome", 128, 8, 1.0),
        )
    )


@dataclass
class PersonTokens:
    """The tokens of one person, per field, and the salt each field may use.

    Sensitive: built in memory from decrypted names, never stored.
    """

    tokens: dict[str, set[str]] = field(default_factory=dict)
    salts: dict[str, str] = field(default_factory=dict)

    def add(self, name: str, values: Iterable[str]) -> None:
        self.tokens.setdefault(name, set()).update(values)


def bigrams(text: str) -> list[str]:
    """Bigrams of a key padded at both ends (a one-letter key still gives two)."""
    padded = f"_{text}_"
    return [padded[i : i + 2] for i in range(len(padded) - 1)]


def name_tokens(phonetic: str | None, phonetic_rev: str | None) -> set[str]:
    """Bigrams of the sound key in both orders (family name first and last), so a list
    that wrote the family name last still shares nearly every bigram."""
    out: set[str] = set()
    for key in (phonetic, phonetic_rev):
        if key:
            out.update(bigrams(key))
    return out


def hangul_tokens(hangul: str | None) -> set[str]:
    """Syllables and syllable bigrams of a Hangul name (southern form, from names.py)."""
    if not hangul:
        return set()
    syllables = list(hangul)
    out = {f"1{s}" for s in syllables}
    out.update(f"2{a}{b}" for a, b in itertools.pairwise(syllables))
    return out


def year_tokens(lo: int | None, hi: int | None, slack: int = 1, cap: int = 12) -> set[str]:
    """Every year of the interval widened by `slack`: off-by-one years still share two of
    three tokens. Intervals wider than `cap` years say too little to encode."""
    if lo is None or hi is None or hi < lo or hi - lo > cap:
        return set()
    return {str(y) for y in range(lo - slack, hi + slack + 1)}


def month_tokens(lo_day: int | None, hi_day: int | None, cap: int = 14) -> set[str]:
    """Every month the interval (ordinal days, widened by 15 days) touches."""
    if lo_day is None or hi_day is None or hi_day < lo_day:
        return set()
    lo = date.fromordinal(max(1, lo_day - 15))
    hi = date.fromordinal(hi_day + 15)
    months = (hi.year - lo.year) * 12 + hi.month - lo.month
    if months > cap:
        return set()
    out = set()
    y, m = lo.year, lo.month
    for _ in range(months + 1):
        out.add(f"{y:04d}-{m:02d}")
        y, m = (y + 1, 1) if m == 12 else (y, m + 1)
    return out


def day_tokens(lo_day: int | None, hi_day: int | None, cap: int = 3, slack: int = 1) -> set[str]:
    """Every day of a precise apprehension date (known to within `cap` days), widened by
    `slack`: two reports of one arrest agree on the day, two namesakes caught in one
    month seldom do. Wider intervals say nothing a month does not."""
    if lo_day is None or hi_day is None or hi_day < lo_day or hi_day - lo_day > cap:
        return set()
    return {str(d) for d in range(lo_day - slack, hi_day + slack + 1)}


def outcome_tokens(status: str | None, lo_day: int | None, hi_day: int | None) -> set[str]:
    """The dated outcome (returned, released, safe, died) with every month of its date:
    what became of a person, and when, tells namesakes apart that an arrest does not."""
    if not status:
        return set()
    return {f"{status}:{month}" for month in month_tokens(lo_day, hi_day)}


def secret_key(secret: bytes) -> bytes:
    """The exchange key from the shared secret (a hash so any length of secret works)."""
    if len(secret) < MIN_SECRET_BYTES:
        raise ShareError(
            "share.secret_short", f"the shared secret must be at least {MIN_SECRET_BYTES} bytes"
        )
    if len(secret) > MAX_SECRET_BYTES:
        raise ShareError("share.secret_long", "the shared secret is too long")
    return hmac.digest(b"refwatch-share/v1/secret", secret, "sha256")


def key_check(key: bytes, schema: Schema) -> str:
    """A value every file made with the same secret and schema carries, so the coordinator
    can refuse a file made with another secret without learning the secret.

    It is one HMAC output of a fixed message: it reveals nothing about the key unless the
    secret is guessable, which the minimum length and docs/sharing.md guard against.
    """
    message = f"check/{schema.version}/" + repr(schema.as_dict())
    return hmac.digest(key, message.encode(), "sha256")[:16].hex()


class Encoder:
    """Token -> bit positions under one key and schema, with a cache (names repeat)."""

    def __init__(self, secret: bytes, schema: Schema) -> None:
        key = secret_key(secret)
        self.schema = schema
        self.check = key_check(key, schema)
        self._keys = {
            f.name: hmac.digest(key, f"field/{f.name}".encode(), "sha256") for f in schema.fields
        }
        self._cache: dict[tuple[str, str, str], npt.NDArray[np.int64]] = {}

    def positions(self, spec: FieldSpec, salt: str, token: str) -> npt.NDArray[np.int64]:
        cache_key = (spec.name, salt, token)
        found = self._cache.get(cache_key)
        if found is None:
            digest = hmac.digest(self._keys[spec.name], f"{salt}\x1f{token}".encode(), "sha256")
            # 16 independent 16-bit values; segment lengths divide 2**16, so `%` is unbiased.
            values = np.frombuffer(digest, dtype="<u2")[: spec.k].astype(np.int64)
            found = self._cache[cache_key] = values % spec.bits
        return found

    def encode(self, people: Sequence[PersonTokens]) -> Bits:
        """One packed bit vector per person (rows of `schema.total_bytes` bytes)."""
        n = len(people)
        out = np.zeros((n, self.schema.total_bits), dtype=np.bool_)
        for (start, _end), spec in zip(self.schema.offsets(), self.schema.fields, strict=True):
            segment = np.zeros((n, spec.bits), dtype=np.bool_)
            for row, person in enumerate(people):
                tokens = person.tokens.get(spec.name)
                if not tokens:
                    continue
                salt = person.salts.get(spec.salt, "") if spec.salt else ""
                for token in tokens:
                    segment[row, self.positions(spec, salt, token)] = True
            if spec.fold:
                half = spec.bits // 2
                segment = segment[:, :half] ^ segment[:, half:]
            out[:, start : start + spec.stored_bits] = segment
        return np.packbits(out, axis=1)

    def clear(self) -> None:
        """Forget the cache (it holds hashes of name tokens)."""
        self._cache.clear()
