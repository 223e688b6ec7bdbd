"""A KoBo/ODK export uploaded on the web is refused in the page's language: the readers'
refusals carry codes (refwatch/intake/odk.py) that the Korean catalogue words, with the
file, row and column still named. Attacks only: every upload here is refused."""

from __future__ import annotations

import html
from pathlib import Path

import pytest

from refwatch.domain.errors import WORDINGS
from refwatch.intake import odk
from tests.intake.submission_exports import submission, write_kobo_csv
from tests.web.conftest import WebEnv
from tests.web.test_intake_pages import upload


def _kobo(tmp_path: Path, *numbers: int) -> bytes:
    path = write_kobo_csv(tmp_path / "kobo.csv", [submission(n) for n in numbers])
    return path.read_bytes()


def _refusals(tmp_path: Path) -> dict[str, tuple[bytes, str]]:
    """Upload name -> (bytes, the English reason it must be refused with)."""
    good = _kobo(tmp_path, 1, 2)
    header, _, body = good.partition(b"\n")
    return {
        "twice.csv": (_kobo(tmp_path, 1, 1), WORDINGS[odk.KEY_REPEATS] % {"row": 2}),
        "unknown.csv": (
            header.replace(b'"group_person/sex"', b'"group_person/shoe_size"', 1) + b"\n" + body,
            WORDINGS[odk.UNKNOWN_COLUMN],
        ),
        "repeat.csv": (
            b"SubmissionDate,PARENT_KEY,KEY,meta-instanceID\n2017-08-01,uuid:x,uuid:x/c[1],y\n",
            WORDINGS[odk.REPEAT_FILE],
        ),
    }


@pytest.mark.parametrize("name", ["twice.csv", "unknown.csv", "repeat.csv"])
def test_a_refused_form_export_is_explained_in_korean_and_in_english(
    web: WebEnv, tmp_path: Path, name: str
) -> None:
    data, english = _refusals(tmp_path)[name]
    client = web.sign_in("researcher")
    answer = upload(client, name, data, **{"Accept-Language": "en"})
    assert answer.status_code == 422, answer.text[:500]
    assert english in html.unescape(answer.text)
    korean = upload(client, name, data, **{"Accept-Language": "ko"})
    text = html.unescape(korean.text)
    assert korean.status_code == 422
    assert english not in text and name in text
    assert "행" in text  # the row is still named, in Korean
