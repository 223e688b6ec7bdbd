"""No stored code shows through on a page, in English or in Korean: sources, statuses and
flags read as words from `refwatch.domain.labels`, places as the gazetteer names them."""

from __future__ import annotations

import re
from pathlib import Path

from refwatch.store.crypto import FieldCipher
from tests.conftest import row
from tests.web.conftest import WebEnv
from tests.web.evidence_helpers import load_rows

CODES = ("ngo_list", "born_in_detention", "held_in_dprk", "capacity_change")
TAG = re.compile(r"<[^>]*>")


def shown_text(html: str) -> str:
    """What a reader sees of the page's main part: tags (and their attributes) dropped."""
    main = html[html.index("<main") : html.index("</main>")]
    return TAG.sub(" ", main)


def test_no_code_shows_through_in_english_or_korean(
    web: WebEnv, cipher: FieldCipher, tmp_path: Path
) -> None:
    rows = [
        row(
            source="Seoul Documentation Center",
            source_type="ngo_list",
            record_id="1",
            apprehended_on="2017-07-13",
            apprehended_at="图们",
            status="held_in_dprk",
            status_on="2017-09",
            flags="born_in_detention",
        )
    ]
    load_rows(web, cipher, tmp_path, rows)
    analyst = web.sign_in("analyst")
    source = re.search(r'href="(/sources/[^"]+)"', analyst.get("/sources").text)
    assert source is not None
    pages = ("/persons", "/persons/P-000001", "/sources", source.group(1), "/reports", "/")
    for lang in ("en", "ko"):
        for path in pages:
            answer = analyst.get(f"{path}?lang={lang}")
            assert answer.status_code == 200, path
            text = shown_text(answer.text)
            assert [c for c in CODES if c in text] == [], (lang, path)
    person = shown_text(analyst.get("/persons/P-000001?lang=en").text)
    assert "born in detention" in person and "held in North Korea" in person
    assert "Tumen" in person and "as written: 图们" in person
    korean = shown_text(analyst.get("/persons/P-000001?lang=ko").text)
    assert "구금 중 출생" in korean and "북한에서 구금 중" in korean and "도문" in korean
    assert "NGO 명단" in shown_text(analyst.get(f"{source.group(1)}?lang=ko").text)
