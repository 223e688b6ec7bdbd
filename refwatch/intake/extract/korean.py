"""Korean through kiwipiepy: one tokeniser per process, loaded on first use.

Kiwi's model takes a second or two to load and some memory, so it is created once,
lazily, behind a lock (a web server may call from several threads). It is used for what
rules over characters do badly: telling a personal name (NNP, a proper noun) from a
common word that happens to start with a family-name syllable (이번, 정부, 한국).
"""

from __future__ import annotations

import re
import threading
from dataclasses import dataclass
from typing import Any

_LOCK = threading.Lock()
_KIWI: Any = None

# Family names in Hangul, southern and northern (리, 림, 류, 량, 로, 라) forms.
SURNAMES: frozenset[str] = frozenset(
    [
        "김",
        "이",
        "리",
        "박",
        "최",
        "정",
        "강",
        "조",
        "윤",
        "장",
        "임",
        "림",
        "한",
        "오",
        "서",
        "신",
        "권",
        "황",
        "안",
        "송",
        "유",
        "류",
        "전",
        "홍",
        "고",
        "문",
        "양",
        "량",
        "손",
        "배",
        "백",
        "허",
        "남",
        "심",
        "노",
        "로",
        "하",
        "곽",
        "성",
        "차",
        "주",
        "우",
        "구",
        "민",
        "나",
        "라",
        "진",
        "지",
        "엄",
        "채",
        "원",
        "천",
        "방",
        "공",
        "현",
        "함",
        "변",
        "염",
        "여",
        "추",
        "도",
        "소",
        "석",
        "선",
        "설",
        "마",
        "길",
        "연",
        "위",
        "표",
        "명",
        "기",
        "반",
        "왕",
        "금",
        "옥",
        "육",
        "인",
        "맹",
        "제",
        "모",
        "탁",
        "국",
        "어",
        "은",
        "편",
        "용",
        "예",
        "경",
        "봉",
        "사",
        "부",
        "려",
        "렴",
        "룡",
    ]
)
DOUBLE_SURNAMES: frozenset[str] = frozenset(
    {"남궁", "황보", "제갈", "선우", "독고", "동방", "사공"}
)
# Words Kiwi may call proper nouns that are not people.
_NOT_NAMES: frozenset[str] = frozenset(
    {"이번", "정부", "한국", "조선", "중국", "북한", "남한", "이들", "이후", "이상", "이하", "최소",
     "최대", "정도", "전화", "한편", "오늘", "어제", "지난", "우리", "이웃", "고향", "김정은",
     "김정일", "김일성", "조사", "주민", "송환", "북송", "석방", "구금", "체포", "강제송환",
     "구류장", "구류소", "보위부", "집결소", "교화소", "관리소", "공안국", "변방대", "단련대"}
)  # fmt: skip
_KIN = (
    r"(?:딸|아들|엄마|어머니|아버지|아빠|언니|누나|오빠|형|동생|남동생|여동생|남편|아내|부인|"
    r"할머니|할아버지|조카|사촌|삼촌|이모|고모|소년|소녀|브로커|씨|님)"
)
_HANGUL_NAME = r"[가-힣]{2,4}"
# 김은정(24), 엄마 박정순이: a name where Kiwi may not see one.
_NAME_BEFORE_PAREN = re.compile(rf"(?<![가-힣])({_HANGUL_NAME})\s?[(（]\s?\d")
_NAME_AFTER_KIN = re.compile(rf"{_KIN}\s+({_HANGUL_NAME})(?=[이가은는의도을를씨와과(（\s,.]|$)")
_NAME_BEFORE_TITLE = re.compile(
    rf"(?<![가-힣])({_HANGUL_NAME})\s?(?:씨|양|군|할머니|할아버지)(?![가-힣])"
)
_PARTICLE_TAIL = (
    "이가",
    "이는",
    "이도",
    "이의",
    "이",
    "가",
    "은",
    "는",
    "도",
    "의",
    "을",
    "를",
    "와",
    "과",
)


def kiwi() -> Any:
    global _KIWI
    if _KIWI is None:
        with _LOCK:
            if _KIWI is None:
                from kiwipiepy import Kiwi  # type: ignore[import-untyped]

                _KIWI = Kiwi()
    return _KIWI


@dataclass(frozen=True, slots=True)
class FoundName:
    name: str
    start: int
    end: int


def plausible_name(word: str) -> bool:
    """Two to four syllables starting with a family name, not a known common word."""
    if not 2 <= len(word) <= 4 or word in _NOT_NAMES:
        return False
    if not all("\uac00" <= ch <= "\ud7a3" for ch in word):
        return False
    if word[:2] in DOUBLE_SURNAMES:
        return len(word) >= 3
    return word[0] in SURNAMES and len(word) >= 3 if len(word) != 2 else word[0] in SURNAMES


def hangul_names(text: str, start: int, end: int) -> list[FoundName]:
    """Personal names in Hangul in text[start:end]: Kiwi's proper nouns of three or four
    syllables that start with a family name, and names in the places rules know (after a
    kinship word, before an age in brackets, before 씨)."""
    piece = text[start:end]
    found: dict[int, FoundName] = {}
    for token in kiwi().tokenize(piece):
        word = token.form
        if token.tag == "NNP" and len(word) in (3, 4) and plausible_name(word):
            found[start + token.start] = FoundName(
                word, start + token.start, start + token.start + len(word)
            )
    for pattern in (_NAME_BEFORE_PAREN, _NAME_AFTER_KIN, _NAME_BEFORE_TITLE):
        for match in pattern.finditer(piece):
            word = _strip_particle(match.group(1))
            begin = start + match.start(1)
            if (
                len(word) >= 3
                and plausible_name(word)
                and not any(f.start <= begin < f.end for f in found.values())
            ):
                found[begin] = FoundName(word, begin, begin + len(word))
    return sorted(found.values(), key=lambda f: f.start)


def _strip_particle(word: str) -> str:
    if len(word) == 4:
        for tail in _PARTICLE_TAIL:
            if word.endswith(tail) and len(word) - len(tail) == 3:
                return word[: -len(tail)]
    return word
