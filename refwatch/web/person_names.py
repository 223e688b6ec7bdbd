"""One main name for a person, and the other spellings with the sources that used them.

Why: a person linked from three reports used to show every report's names in a row
("정명길 · 정명길 · Jung Myung-kil"), repeating a name and hiding where each spelling came
from. The main name is the Hangul written most often, with the romanisation written most
often (ties go to the earliest mention, so the page does not change between loads); every
other distinct spelling is a variant, listed with the sources that wrote it.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterable, Sequence
from dataclasses import dataclass

from refwatch.persons.name_index import Names


@dataclass(frozen=True, slots=True)
class Variant:
    written: str
    script: str  # "hangul" or "latin"
    sources: tuple[str, ...]


@dataclass(frozen=True, slots=True)
class PersonNames:
    main: Names
    variants: tuple[Variant, ...]


def _most_written(spellings: Sequence[str]) -> str | None:
    if not spellings:
        return None
    counts = Counter(spellings)
    best = max(counts.values())
    return next(s for s in spellings if counts[s] == best)


def person_names(found: Iterable[tuple[Names, str]]) -> PersonNames | None:
    """`found`: each mention's names with the name of its source, in mention order."""
    rows = list(found)
    if not rows:
        return None
    hangul = [n.hangul for n, _ in rows if n.hangul]
    latin = [n.latin for n, _ in rows if n.latin]
    main = Names(_most_written(hangul), _most_written(latin))
    sources: dict[tuple[str, str], list[str]] = {}
    for names, source in rows:
        for script, written in (("hangul", names.hangul), ("latin", names.latin)):
            if written and written not in (main.hangul, main.latin):
                used = sources.setdefault((script, written), [])
                if source not in used:
                    used.append(source)
    variants = tuple(Variant(w, s, tuple(used)) for (s, w), used in sources.items())
    return PersonNames(main, variants)


def main_name(found: Iterable[Names]) -> PersonNames | None:
    """The list pages' form: the main name and the other spellings, no sources."""
    return person_names((names, "") for names in found)
