"""Place spellings the synthetic sources use, and the routes that lead to them.

Why: sources write the same town in pinyin, Hanzi or its Korean reading (Tumen / 图们 /
도문), a facility under several names, and a North Korean origin in several
romanisations.  The spellings here are only those the RefWatch gazetteer knows, so the
simulated lists test resolution, not invention; ``UNKNOWN_PLACES`` are deliberately
unresolvable ("a village near the river").  The first spelling of each entry is its
canonical spelling, used in truth.csv.
"""

from __future__ import annotations

from typing import Final

CHINESE_PLACES: Final[dict[str, tuple[str, ...]]] = {
    "Tumen": ("Tumen", "图们", "도문"),
    "Yanji": ("Yanji", "延吉", "연길"),
    "Helong": ("Helong", "和龙"),
    "Longjing": ("Longjing", "龙井"),
    "Hunchun": ("Hunchun", "珲春"),
    "Changbai": ("Changbai", "长白", "장백"),
    "Baishan": ("Baishan", "白山"),
    "Dandong": ("Dandong", "丹东", "단동"),
    "Shenyang": ("Shenyang", "沈阳", "심양"),
    "Harbin": ("Harbin", "哈尔滨"),
    "Qingdao": ("Qingdao", "青岛"),
    "Kunming": ("Kunming", "昆明"),
    "Xishuangbanna": ("Xishuangbanna", "西双版纳"),
    "Jinghong": ("Jinghong", "景洪"),
    "Mengla": ("Mengla", "勐腊"),
    "Mohan": ("Mohan", "磨憨"),
}
"""Canonical Chinese place -> spellings (pinyin first, then Hanzi, then Korean reading)."""

CONTAINED_IN: Final[dict[str, str]] = {
    "Jinghong": "Xishuangbanna", "Mengla": "Xishuangbanna", "Mohan": "Xishuangbanna",
}
"""Places a source may generalise to the prefecture that contains them."""

TUMEN_FACILITY: Final = "Tumen border detention center"

FACILITIES: Final[dict[str, tuple[str, ...]]] = {
    TUMEN_FACILITY: (TUMEN_FACILITY, "Tumen detention facility", "图们边防支队看守所"),
    "Yanji detention center": ("Yanji detention center",),
    "Longjing detention center": ("Longjing detention center",),
    "Helong detention center": ("Helong detention center",),
    "Changbai detention center": ("Changbai detention center",),
    "Dandong border detention center": ("Dandong border detention center",),
    "Shenyang detention center": ("Shenyang detention center",),
    "Kunming detention center": ("Kunming detention center",),
    "Xishuangbanna detention center": ("Xishuangbanna detention center",),
    "Mengla detention center": ("Mengla detention center",),
    "Baishan detention center": ("Baishan detention center",),
    "Hunchun detention center": ("Hunchun detention center",),
}
"""Canonical facility -> spellings."""

LOCAL_FACILITY: Final[dict[str, str]] = {
    "Tumen": TUMEN_FACILITY,
    "Yanji": "Yanji detention center",
    "Helong": "Helong detention center",
    "Longjing": "Longjing detention center",
    "Hunchun": "Hunchun detention center",
    "Changbai": "Changbai detention center",
    "Baishan": "Baishan detention center",
    "Dandong": "Dandong border detention center",
    "Shenyang": "Shenyang detention center",
    "Harbin": "Shenyang detention center",
    "Qingdao": "Shenyang detention center",
    "Kunming": "Kunming detention center",
    "Xishuangbanna": "Xishuangbanna detention center",
    "Jinghong": "Xishuangbanna detention center",
    "Mengla": "Mengla detention center",
    "Mohan": "Mengla detention center",
}
"""Where a person caught at a place is first held."""

FACILITY_TOWN: Final[dict[str, str]] = {
    TUMEN_FACILITY: "Tumen",
    "Yanji detention center": "Yanji",
    "Longjing detention center": "Longjing",
    "Helong detention center": "Helong",
    "Changbai detention center": "Changbai",
    "Dandong border detention center": "Dandong",
    "Shenyang detention center": "Shenyang",
    "Kunming detention center": "Kunming",
    "Xishuangbanna detention center": "Xishuangbanna",
    "Mengla detention center": "Mengla",
    "Baishan detention center": "Baishan",
    "Hunchun detention center": "Hunchun",
}
"""The town a facility stands in (a baby born in custody is 'apprehended' there)."""

TRANSFER_FACILITY: Final[dict[str, str]] = {
    "Dandong": "Dandong border detention center",
    "Shenyang": "Dandong border detention center",
    "Qingdao": "Dandong border detention center",
}
"""Border facility a person is moved to before being handed over (default: Tumen)."""

NORTHERN_PLACES: Final[dict[str, float]] = {
    "Tumen": 10, "Yanji": 12, "Helong": 6, "Longjing": 6, "Hunchun": 5, "Changbai": 7,
    "Baishan": 4, "Dandong": 8, "Shenyang": 8, "Harbin": 4, "Qingdao": 3,
}
"""Apprehension places on the northern border route, with relative weights."""

SOUTHERN_PLACES: Final[dict[str, float]] = {
    "Kunming": 8, "Xishuangbanna": 6, "Jinghong": 8, "Mengla": 6, "Mohan": 5,
}
"""Apprehension places on the Yunnan / Laos route, with relative weights."""

ORIGINS: Final[dict[str, tuple[str, ...]]] = {
    "Hamgyongbuk-do, Musan": ("Hamgyongbuk-do, Musan",),
    "North Hamgyong, Hoeryong": ("North Hamgyong, Hoeryong", "함경북도 회령"),
    "Hamgyŏng-pukto, Onsŏng": ("Hamgyŏng-pukto, Onsŏng",),
    "Ryanggang, Hyesan": ("Ryanggang, Hyesan", "Yanggang-do, Hyesan", "양강도 혜산"),
    "North Hamgyong, Chongjin": ("North Hamgyong, Chongjin", "Chongjin"),
    "South Hamgyong, Hamhung": ("South Hamgyong, Hamhung",),
    "North Pyongan, Sinuiju": ("North Pyongan, Sinuiju", "Sinŭiju"),
    "Chagang, Kanggye": ("Chagang, Kanggye",),
    "Pyongyang": ("Pyongyang",),
    "Kaesong": ("Kaesong",),
    "Rason": ("Rason",),
    "Hamgyongbuk-do, Kimchaek": ("Hamgyongbuk-do, Kimchaek",),
}
"""Canonical North Korean origin -> spellings."""

ORIGIN_WEIGHTS: Final[dict[str, float]] = {
    "Hamgyongbuk-do, Musan": 12, "North Hamgyong, Hoeryong": 14, "Hamgyŏng-pukto, Onsŏng": 8,
    "Ryanggang, Hyesan": 18, "North Hamgyong, Chongjin": 14, "South Hamgyong, Hamhung": 8,
    "North Pyongan, Sinuiju": 5, "Chagang, Kanggye": 4, "Pyongyang": 5, "Kaesong": 2,
    "Rason": 3, "Hamgyongbuk-do, Kimchaek": 7,
}
"""Relative weights: most escapees come from the border provinces."""

NORTH_HAMGYONG_ORIGINS: Final[tuple[str, ...]] = (
    "Hamgyongbuk-do, Musan", "North Hamgyong, Hoeryong", "Hamgyŏng-pukto, Onsŏng",
    "North Hamgyong, Chongjin",
)
"""Origins a family-contact source is well connected to."""

UNKNOWN_PLACES: Final[tuple[str, ...]] = (
    "a village near the river", "somewhere near the border", "on the road, place not known",
)
"""Deliberately unresolvable place texts, to exercise unknown-place handling."""
