"""A place as the page shows it: the gazetteer's name in the page's language, with the
words the source wrote beside it where they differ.

Why: the same town appeared as written (和龙, 图们) on person pages and in linkage review,
but as the gazetteer's Helong and Tumen in lists, and an origin both as "양강도 혜산" and
"Yanggang-do, Hyesan". Every page now leads with one name per place and language, and the
source's own words stay visible (they are evidence) without being the label.
"""

from __future__ import annotations

from markupsafe import Markup

from refwatch.gazetteer import load_gazetteer
from refwatch.gazetteer.model import Place


def _name(place: Place, lang: str) -> str:
    return place.name_hangul if lang == "ko" and place.name_hangul else place.name_latin


def _place_of(
    text: str, place_id: str | None, origin: bool, facility: bool = False
) -> Place | None:
    gaz = load_gazetteer()
    if place_id and place_id in gaz:
        return gaz.get(place_id)
    if origin:
        return gaz.resolve_origin(text)
    if facility:
        return gaz.resolve(text, kinds=("facility",)) or gaz.resolve(text)
    return gaz.resolve(text)


def place_text(text: str | None, lang: str, place_id: str | None = None) -> str:
    """The display name alone (for a text attribute or a CSV): the gazetteer's name in
    `lang`, else the words as written."""
    if not text and not place_id:
        return ""
    place = _place_of(text or "", place_id, origin=False)
    return _name(place, lang) if place is not None else (text or "")


def place_markup(
    text: str | None,
    lang: str,
    place_id: str | None = None,
    *,
    origin: bool = False,
    facility: bool = False,
    as_written: str = "as written",
) -> Markup:
    """`Tumen <span class="as-written">(as written: 图们)</span>`; the words as written
    alone when the gazetteer does not know the place; '' for no place. `as_written` is
    the page's words for "as written"."""
    if not text and not place_id:
        return Markup("")
    written = (text or "").strip()
    place = _place_of(written, place_id, origin, facility)
    if place is None:
        return Markup("{}").format(written)
    name = _name(place, lang)
    shown = Markup('<span class="place" data-place="{}">{}</span>').format(place.id, name)
    if written and written != name:
        shown += Markup(' <span class="as-written muted small">({}: {})</span>').format(
            as_written, written
        )
    return shown
