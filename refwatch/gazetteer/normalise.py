"""The lookup key for place text.

Resolution is an exact match on this key, so the key must absorb every difference that
does not change which place is meant (script variants, romanisation marks, punctuation,
administrative suffixes) and nothing else: anything looser would start guessing, and a
guess can silently put a person in the wrong place.
"""

from __future__ import annotations

import unicodedata

# Traditional → simplified, for the characters the shipped data uses (North Korean Hanja
# and Taiwan/Hong Kong spellings). A curated list, not a converter: it only needs to make
# the spellings the gazetteer knows meet each other.
_TRADITIONAL = (
    "們門長邊鮮龍遼寧陽東爾濱島臺雙納臘廣區壯內雲會鏡兩義淵穩興滿黃羅慶紅萬撾韓國華憑漢"
    "隊衛結縣鎮圖琿臨瀋煙萊勞動場關鄉轄別"
)
_SIMPLIFIED = (
    "们门长边鲜龙辽宁阳东尔滨岛台双纳腊广区壮内云会镜两义渊稳兴满黄罗庆红万挝韩国华凭汉"
    "队卫结县镇图珲临沈烟莱劳动场关乡辖别"
)
_TO_SIMPLIFIED = str.maketrans(_TRADITIONAL, _SIMPLIFIED)

# Latin letters that carry no combining mark to strip but are still variants.
_LATIN_LETTERS = str.maketrans({"đ": "d", "ø": "o", "ł": "l", "ı": "i", "æ": "ae", "œ": "oe"})

# Apostrophe-like letters (category Lm/Sk) that romanisations use between syllables.
_APOSTROPHES = frozenset("'’‘ʼʻʹʽˈ`´")

# Longest first, so "specialcity" goes before "city". Only suffixes that name an
# administrative level; where a place name merely ends like one (Korean 안도시 for Antu is
# stripped to 안도, the name itself), it is harmless because the gazetteer's spellings are
# stripped the same way, and the loader rejects any two places that end up sharing a key.
# fmt: off
_SUFFIXES: tuple[str, ...] = tuple(sorted(
    [
        # Latin, as it reads once spaces and hyphens are gone
        "koreanautonomousprefecture", "daiautonomousprefecture", "autonomousprefecture",
        "koreanautonomouscounty", "autonomouscounty", "zhuangautonomousregion",
        "autonomousregion", "directlygovernedcity", "specialcity", "municipality",
        "prefecture", "province", "county", "city", "workersdistrict", "rodongjagu",
        "shi", "gun", "kun", "si", "do",
        # Hanzi, simplified (traditional is mapped first)
        "朝鲜族自治州", "朝鲜族自治县", "傣族自治州", "壮族自治区", "自治州", "自治县",
        "自治区", "特别市", "直辖市", "劳动者区", "市", "县", "州", "省", "道", "郡", "区",
        # Hangul
        "조선족자치주", "조선족자치현", "자치주", "자치현", "자치구", "특별시", "특급시",
        "직할시", "노동자구", "시", "군", "도", "구", "현",
    ],
    key=len,
    reverse=True,
))
# fmt: on


def is_latin(ch: str) -> bool:
    """Whether a character is from the Latin blocks (where diacritics are decoration)."""
    code = ord(ch)
    return code < 0x250 or 0x1E00 <= code <= 0x1EFF


def _long_enough(rest: str) -> bool:
    # One Hanzi can be a whole name (沛县 → 沛); one Hangul syllable or Latin letter is
    # never one, so 광시 (Guangxi) and 청도 (Qingdao) keep their last syllable.
    if not rest:
        return False
    last = ord(rest[-1])
    return len(rest) >= 2 or 0x3400 <= last <= 0x9FFF or 0x20000 <= last <= 0x3FFFF


def _strip_suffixes(key: str) -> str:
    # Repeat, so that 청도시 and 청도 meet; stripping once would leave them apart.
    while True:
        for suffix in _SUFFIXES:
            if key.endswith(suffix) and _long_enough(key[: -len(suffix)]):
                key = key[: -len(suffix)]
                break
        else:
            return key


def normalise_place_text(text: str) -> str:
    """The key two spellings of one place share, e.g. "Hoeryŏng-si" and "hoeryong" → "hoeryong".

    NFKC and casefold; traditional Hanzi mapped to simplified; diacritics removed from
    Latin letters only (Thai or Lao vowel signs are letters' parts, not decorations);
    apostrophes, hyphens, spaces, dots and other punctuation dropped; trailing
    administrative suffixes (-do, -si, -gun, county, 市, 县, 도, 군 …) removed.
    """
    folded = unicodedata.normalize("NFKC", text).casefold()
    if folded.isascii():
        kept = "".join(ch for ch in folded if ch.isalnum())
        return _strip_suffixes(kept)
    folded = folded.translate(_TO_SIMPLIFIED).translate(_LATIN_LETTERS)
    out: list[str] = []
    keep_marks = False  # marks belong to the letter before them; keep only non-Latin ones
    for ch in unicodedata.normalize("NFD", folded):
        category = unicodedata.category(ch)
        if category[0] == "M":
            if keep_marks:
                out.append(ch)
        elif category[0] in "LN" and ch not in _APOSTROPHES:
            out.append(ch)
            keep_marks = not is_latin(ch)
        else:
            keep_marks = False
    return _strip_suffixes(unicodedata.normalize("NFC", "".join(out)))
