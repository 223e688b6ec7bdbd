"""Korean family names in every script and spelling, mapped to Hangul.

Why a table: a family name is one or two syllables, too short for a spelling-insensitive
key to separate reliably (Song, Sung and Seong; Cho, Jo and Joe), and customary spellings
follow no rule at all (Lee, Rhee and Yi for 이; Park for 박). So family names written in
Latin letters or Chinese characters are looked up here; a spelling not in the table falls
back to the phonetic key of `refwatch.linkage.names`.

Hangul is the pivot. North Korean forms with an initial ㄹ/ㄴ (리, 림, 류, 량, 로, 라, 룡)
are folded to the southern form by the initial-sound law (두음 법칙) before lookup, so
리 and 이 are one family name. A Latin spelling used for two family names (Chun for 전
and 천; Song for 송 and, in McCune-Reischauer, 성) joins them into one *class*: two
mentions agree on the family name when their classes are equal. That costs a little
precision on those few names and keeps every customary spelling matching.
"""

from __future__ import annotations

from collections.abc import Iterable
from functools import cache
from typing import Final

# Hangul (southern form) -> (Latin spellings, Chinese characters: traditional and simplified).
# Latin spellings are lower case without marks or apostrophes (see names.fold_latin).
_TABLE: Final[tuple[tuple[str, str, str], ...]] = (
    ("김", "kim gim kym ghim", "金"),
    ("이", "lee yi rhee i ri rhie li ly leigh yee rhi", "李"),
    ("박", "park pak bak bahk pack", "朴"),
    ("최", "choi choe chwe choy", "崔"),
    ("정", "jung jeong chung chong cheong jong joung jeung", "鄭郑丁程"),
    ("강", "kang gang khang", "姜康江"),
    ("조", "cho jo joe jho zo chough", "趙赵曺曹"),
    ("윤", "yoon yun youn", "尹"),
    ("장", "jang chang zang", "張张蔣蒋"),
    ("임", "lim im rim yim leem rhim", "林任"),
    ("한", "han hahn", "韓韩"),
    ("오", "oh o", "吳吴"),
    ("서", "seo suh so sur seoh", "徐"),
    ("신", "shin sin shinn", "申辛愼慎"),
    ("권", "kwon gwon kweon kwun", "權权"),
    ("황", "hwang whang", "黃黄"),
    ("안", "ahn an", "安"),
    ("송", "song", "宋"),
    ("유", "yoo yu ryu lyu ryoo lyoo rew you yew", "柳劉刘兪俞"),
    ("전", "jeon chun jun chon jon", "全田錢钱"),
    ("홍", "hong", "洪"),
    ("고", "ko koh go goh", "高"),
    ("문", "moon mun", "文"),
    ("양", "yang ryang", "梁楊杨"),
    ("손", "son sohn", "孫孙"),
    ("배", "bae pae", "裵裴"),
    ("백", "baek paik paek baik", "白"),
    ("허", "heo huh her hur ho", "許许"),
    ("남", "nam", "南"),
    ("심", "shim sim", "沈"),
    ("노", "noh roh no ro rho", "盧卢魯鲁"),
    ("하", "ha", "河"),
    ("곽", "kwak gwak", "郭"),
    ("성", "sung seong song", "成"),
    ("차", "cha", "車车"),
    ("주", "joo ju chu", "朱周"),
    ("우", "woo u wu oo", "禹"),
    ("구", "koo ku gu", "具"),
    ("민", "min", "閔闵"),
    ("진", "jin chin", "陳陈秦"),
    ("지", "ji chi", "池"),
    ("엄", "um eom uhm om", "嚴严"),
    ("채", "chae chai", "蔡"),
    ("원", "won weon", "元"),
    ("천", "cheon chun chon", "千"),
    ("방", "bang pang", "方"),
    ("공", "kong gong", "孔"),
    ("현", "hyun hyeon hyon", "玄"),
    ("함", "ham", "咸"),
    ("변", "byun byeon pyon pyun", "卞"),
    ("염", "yeom yum yom ryom", "廉"),
    ("여", "yeo yo", "呂吕余"),
    ("추", "choo chu", "秋"),
    ("도", "do to doh", "都"),
    ("석", "seok suk sok", "石"),
    ("선", "sun seon son", "宣"),
    ("설", "seol sul sol", "薛"),
    ("마", "ma", "馬马"),
    ("길", "gil kil", "吉"),
    ("연", "yeon yon", "延"),
    ("위", "wi wee", "魏"),
    ("표", "pyo", "表"),
    ("명", "myung myeong myong", "明"),
    ("기", "ki gi", "奇"),
    ("반", "ban pan", "潘"),
    ("나", "na ra la", "羅罗"),
    ("용", "yong ryong", "龍龙"),
    ("왕", "wang", "王"),
    ("금", "keum kum geum", "琴"),
    ("옥", "ok", "玉"),
    ("육", "yuk yook ryuk", "陸陆"),
    ("인", "in", "印"),
    ("맹", "maeng", "孟"),
    ("제", "je jae", "諸诸"),
    ("모", "mo", "牟"),
    ("탁", "tak", "卓"),
    ("국", "kook kuk guk", "鞠"),
    ("어", "eo uh", "魚鱼"),
    ("은", "eun", "殷"),
    ("편", "pyun pyeon", "片"),
    ("예", "ye yeh", "芮"),
    ("경", "kyung kyeong gyeong", "慶庆"),
    ("봉", "bong pong", "奉"),
    ("사", "sa", "史"),
    ("부", "boo bu", "夫"),
    ("가", "ka ga", "賈贾"),
    ("복", "bok", "卜"),
    ("태", "tae", "太"),
    ("목", "mok", "睦"),
    ("형", "hyung hyeong", "邢"),
    ("계", "kye gye", "桂"),
    ("피", "pi pee", "皮"),
    ("두", "doo du", "杜"),
    ("감", "kam gam", "甘"),
    ("빈", "bin", "賓宾"),
    ("동", "dong", "董"),
    ("온", "on", "溫温"),
    ("호", "ho", "扈"),
    ("범", "bum beom", "范"),
    ("팽", "paeng", "彭"),
    ("승", "seung", "承"),
    ("상", "sang", "尙尚"),
    ("시", "si shi", "施"),
    ("소", "so", "蘇苏邵"),
    ("남궁", "namgung namkoong namkung", "南宮南宫"),
    ("황보", "hwangbo", "皇甫"),
    ("제갈", "jegal chegal", "諸葛诸葛"),
    ("선우", "sunwoo seonu sonu", "鮮于鲜于"),
    ("독고", "dokgo tokko", "獨孤独孤"),
    ("사공", "sagong", "司空"),
    ("서문", "seomun", "西門西门"),
)

DOUBLE_SURNAMES: Final[frozenset[str]] = frozenset(h for h, _, _ in _TABLE if len(h) == 2)
"""Two-syllable family names: 남궁 in 남궁민수 is the family name, not 남."""


def _build() -> tuple[dict[str, str], dict[str, tuple[str, ...]], dict[str, str]]:
    """Classes (Hangul -> class id), Latin spelling -> Hangul names, Hanzi -> Hangul."""
    parent: dict[str, str] = {h: h for h, _, _ in _TABLE}

    def find(x: str) -> str:
        while parent[x] != x:
            parent[x] = parent[parent[x]]
            x = parent[x]
        return x

    latin: dict[str, list[str]] = {}
    hanzi: dict[str, str] = {}
    for hangul, spellings, chinese in _TABLE:
        for spelling in spellings.split():
            latin.setdefault(spelling, []).append(hangul)
        if len(hangul) == 1:
            for char in chinese:
                hanzi.setdefault(char, hangul)
        else:
            # Two-character family names: traditional then simplified, two characters each.
            for start in range(0, len(chinese), 2):
                hanzi.setdefault(chinese[start : start + 2], hangul)
    for names in latin.values():
        for other in names[1:]:
            a, b = find(names[0]), find(other)
            if a != b:
                parent[max(a, b)] = min(a, b)
    classes = {h: find(h) for h in parent}
    return classes, {k: tuple(v) for k, v in latin.items()}, hanzi


_CLASSES, _LATIN, _HANZI = _build()


def known_hangul() -> Iterable[str]:
    """Every family name of the table, in Hangul (southern form)."""
    return _CLASSES.keys()


def surname_class(hangul: str) -> str | None:
    """The class id of a Hangul family name (southern form), or None if not in the table."""
    return _CLASSES.get(hangul)


def hangul_for_latin(spelling: str) -> tuple[str, ...]:
    """The Hangul family names a folded Latin spelling stands for (empty if unknown)."""
    return _LATIN.get(spelling, ())


@cache
def class_for_latin(spelling: str) -> str | None:
    """The class of a folded Latin family-name spelling, or None if the table lacks it."""
    names = _LATIN.get(spelling)
    return _CLASSES[names[0]] if names else None


def hangul_for_hanzi(chars: str) -> str | None:
    """The Hangul family name written with these Chinese characters, if known."""
    return _HANZI.get(chars)
