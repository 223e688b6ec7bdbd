"""The encoding keeps what linkage needs: one name in any script gives (nearly) the same
bits, different names do not, and tokens of intervals overlap."""

from __future__ import annotations

import numpy as np

from refwatch.linkage.names import name_features
from refwatch.share.encoding import (
    Encoder,
    PersonTokens,
    default_schema,
    month_tokens,
    name_tokens,
    year_tokens,
)
from refwatch.share.link import popcount

SECRET = b"the encoding test's shared secret"


def _dice(a: np.ndarray, b: np.ndarray) -> float:
    both = int(popcount((a & b)[None, :])[0])
    return 2 * both / int(popcount(a[None, :])[0] + popcount(b[None, :])[0])


def _name_bits(hangul: str | None, latin: str | None) -> np.ndarray:
    features = name_features(hangul, latin)
    tokens = PersonTokens()
    tokens.add("name", name_tokens(features.phonetic, features.phonetic_rev))
    schema = default_schema()
    lo, hi = schema.offsets()[0]
    return Encoder(SECRET, schema).encode([tokens])[0, lo // 8 : hi // 8]


def test_one_name_in_any_script_or_order_encodes_alike() -> None:
    hangul = _name_bits("김영철", None)
    for latin in ("Kim Yeongcheol", "Kim Yong-chol", "Yongchol KIM", "Gim Young-chul"):
        assert _dice(hangul, _name_bits(None, latin)) >= 0.9, latin
    assert _dice(hangul, _name_bits("박순희", None)) < 0.5
    assert _dice(_name_bits("리영철", None), hangul) < 1.0  # a different family name


def test_interval_tokens_overlap_where_the_intervals_do() -> None:
    assert year_tokens(1971, 1971) == {"1970", "1971", "1972"}
    assert year_tokens(1950, 1990) == set()  # says too little to encode
    assert year_tokens(None, 1971) == set()
    july = month_tokens(736511, 736511)  # 2017-07-01
    assert {"2017-06", "2017-07"} <= july
    assert month_tokens(736511, 736511 + 800) == set()


def test_empty_fields_stay_empty() -> None:
    schema = default_schema()
    bits = Encoder(SECRET, schema).encode([PersonTokens()])
    assert bits.shape == (1, schema.total_bytes) and not bits.any()
