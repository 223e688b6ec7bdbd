"""Korean readings of the Chinese characters common in given names.

Why: some sources (Chinese police notices, press in Chinese) write a Korean name in
characters: 金永哲 is 김영철. Family names are in `surnames`; this table reads the
characters that recur in given names, traditional and simplified. A name with a
character not listed here is not read at all (its Latin or Hangul form still counts):
a wrong reading would be worse than none.
"""

from __future__ import annotations

from typing import Final

# Hangul reading -> characters (traditional and simplified forms). Readings are the
# non-initial forms (령, not 영, for 齡) because a given name follows the family name.
_READINGS: Final[dict[str, str]] = {
    "영": "永英榮荣泳映瑛暎詠咏",
    "철": "哲鐵铁澈喆徹彻",
    "희": "姬姫熙喜希禧僖嬉",
    "숙": "淑叔",
    "순": "順顺淳純纯舜",
    "명": "明命銘铭",
    "성": "成聖圣星誠诚城盛性",
    "광": "光廣广",
    "정": "正貞贞晶靜静淨净庭廷",
    "남": "男南",
    "옥": "玉",
    "미": "美微",
    "춘": "春",
    "금": "金錦锦",
    "은": "恩銀银殷",
    "혜": "慧惠",
    "경": "京慶庆敬景卿炅",
    "국": "國国",
    "호": "浩鎬镐虎豪昊皓",
    "수": "秀洙壽寿守",
    "일": "日一逸",
    "진": "珍眞真鎭镇進进辰振",
    "화": "花華华和化",
    "란": "蘭兰",
    "자": "子慈",
    "애": "愛爱",
    "실": "實实",
    "향": "香",
    "룡": "龍龙",
    "혁": "赫革",
    "학": "學学鶴鹤",
    "식": "植湜",
    "길": "吉",
    "민": "民敏珉旻",
    "준": "俊峻準准濬",
    "훈": "勳勋薰訓训",
    "석": "錫锡石碩硕",
    "동": "東东童",
    "창": "昌彰",
    "상": "相尙尚祥",
    "문": "文",
    "대": "大",
    "충": "忠",
    "용": "勇容",
    "주": "柱珠周朱",
    "지": "智志知芝",
    "선": "善仙先",
    "송": "松",
    "복": "福",
    "련": "蓮莲連连",
    "림": "林",
    "녀": "女",
    "연": "妍娟延",
    "설": "雪",
    "하": "夏河",
    "현": "賢贤鉉铉",
    "태": "泰",
    "우": "宇雨佑",
    "원": "元源遠远",
    "재": "在載载宰",
    "기": "基起",
    "규": "奎圭",
    "환": "煥焕",
    "봉": "鳳凤",
    "해": "海",
    "산": "山",
    "매": "梅",
    "단": "丹",
    "심": "心",
}

_BY_CHAR: Final[dict[str, str]] = {
    char: reading for reading, chars in _READINGS.items() for char in chars
}


def read_given(chars: str) -> str | None:
    """The Hangul reading of a given name in Chinese characters, or None if any is unknown."""
    out = []
    for char in chars:
        reading = _BY_CHAR.get(char)
        if reading is None:
            return None
        out.append(reading)
    return "".join(out) or None
