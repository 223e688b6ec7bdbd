"""Measuring proposals against a reviewed (gold) annotation: precision, recall, F1.

A claim is right only when its number, qualifier, event, status and period (from, to)
all equal a gold claim's; each gold claim can be matched once. Mentions are paired with
gold mentions (same names, else same sentence), then each field is scored on its own:
a proposed value counts in precision, a gold value in recall, and a value is right when
it equals the paired gold value. Used by benchmarks/extract_quality.py and its test.
"""

from __future__ import annotations

import json
from collections import Counter
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from datetime import date
from pathlib import Path
from typing import Any

from refwatch.intake.extract.model import Claim, Extraction, Mention, Observation

MENTION_FIELDS: tuple[str, ...] = (
    "names", "sex", "age", "origin", "dates", "place", "event", "status", "flags",
)  # fmt: skip
CLAIM_FIELDS: tuple[str, ...] = (
    "claim",
    "number",
    "number+qualifier",
    "kind",
    "period",
    "place",
    "flags",
    "sex",
)


@dataclass(slots=True)
class Tally:
    proposed: int = 0
    gold: int = 0
    right: int = 0

    def add(self, other: Tally) -> None:
        self.proposed += other.proposed
        self.gold += other.gold
        self.right += other.right

    @property
    def precision(self) -> float | None:
        return self.right / self.proposed if self.proposed else None

    @property
    def recall(self) -> float | None:
        return self.right / self.gold if self.gold else None

    @property
    def f1(self) -> float | None:
        p, r = self.precision, self.recall
        if p is None or r is None or p + r == 0:
            return None if p is None or r is None else 0.0
        return 2 * p * r / (p + r)


@dataclass(slots=True)
class Score:
    claims: dict[str, Tally] = field(default_factory=lambda: {f: Tally() for f in CLAIM_FIELDS})
    mentions: dict[str, Tally] = field(
        default_factory=lambda: {f: Tally() for f in ("mention", *MENTION_FIELDS)}
    )
    observations: dict[str, Tally] = field(
        default_factory=lambda: {f: Tally() for f in ("observation", "kind")}
    )

    def add(self, other: Score) -> None:
        for mine, theirs in (
            (self.claims, other.claims),
            (self.mentions, other.mentions),
            (self.observations, other.observations),
        ):
            for key, tally in theirs.items():
                mine[key].add(tally)


@dataclass(frozen=True, slots=True)
class Document:
    name: str
    text: str
    gold: Extraction
    reference_date: date | None
    language: str
    kind: str


def load_corpus(folder: Path) -> list[Document]:
    """Every NAME.txt with its NAME.json gold in `folder`, by name."""
    out: list[Document] = []
    for text_file in sorted(folder.glob("*.txt")):
        gold_file = text_file.with_suffix(".json")
        data = json.loads(gold_file.read_text(encoding="utf-8"))
        meta = data.pop("meta")
        gold = Extraction.from_json(data, file=gold_file.name)
        ref = meta.get("reference_date")
        out.append(
            Document(
                name=text_file.stem,
                text=text_file.read_text(encoding="utf-8"),
                gold=gold,
                reference_date=date.fromisoformat(ref) if ref else None,
                language=meta["language"],
                kind=meta["kind"],
            )
        )
    return out


def score(proposed: Extraction, gold: Extraction) -> Score:
    result = Score()
    _score_claims(proposed.claims, gold.claims, result.claims)
    _score_mentions(proposed.mentions, gold.mentions, result.mentions)
    _score_observations(proposed.observations, gold.observations, result.observations)
    return result


def _multiset(
    proposed: Iterable[Any], gold: Iterable[Any], key: Callable[[Any], Any], tally: Tally
) -> None:
    p = Counter(key(x) for x in proposed)
    g = Counter(key(x) for x in gold)
    p.pop(None, None)
    tally.proposed += sum(p.values())
    tally.gold += sum(g.values())
    tally.right += sum((p & g).values())


def _score_claims(
    proposed: tuple[Claim, ...], gold: tuple[Claim, ...], out: dict[str, Tally]
) -> None:
    keys: dict[str, Callable[[Claim], Any]] = {
        "claim": lambda c: (c.number, c.qualifier, c.event, c.status, c.date_from, c.date_to),
        "number": lambda c: c.number,
        "number+qualifier": lambda c: (c.number, c.qualifier),
        "kind": lambda c: (c.number, c.event, c.status),
        "period": lambda c: (c.number, c.date_from, c.date_to),
        "place": lambda c: (c.number, c.place) if c.place else None,
        "flags": lambda c: (c.number, tuple(sorted(c.flags))) if c.flags else None,
        "sex": lambda c: (c.number, c.sex) if c.sex else None,
    }
    for name, key in keys.items():
        if name in ("place", "flags", "sex"):
            p = [x for x in proposed if key(x) is not None]
            g = [x for x in gold if key(x) is not None]
            _multiset(p, g, key, out[name])
        else:
            _multiset(proposed, gold, key, out[name])


def _names(m: Mention) -> frozenset[str]:
    return frozenset(
        "".join(ch for ch in n.casefold() if ch.isalnum())
        for n in (*m.names_hangul, *m.names_latin)
    )


def _fields(m: Mention) -> dict[str, Any]:
    return {
        "names": _names(m) or None,
        "sex": m.sex,
        "age": m.age,
        "origin": m.origin,
        "dates": (m.date_from, m.date_to) if (m.date_from or m.date_to) else None,
        "place": m.place,
        "event": m.event,
        "status": m.status,
        "flags": frozenset(m.flags) or None,
    }


def _pair(
    proposed: tuple[Mention, ...], gold: tuple[Mention, ...]
) -> list[tuple[Mention, Mention]]:
    pairs: list[tuple[Mention, Mention]] = []
    free = list(gold)
    rest: list[Mention] = []
    for m in proposed:
        match = next((g for g in free if _names(m) and _names(m) & _names(g)), None)
        if match is not None:
            pairs.append((m, match))
            free.remove(match)
        else:
            rest.append(m)
    for m in rest:
        match = next((g for g in free if not _names(g) and g.text.strip() == m.text.strip()), None)
        if match is None:
            match = next((g for g in free if g.text.strip() == m.text.strip()), None)
        if match is not None:
            pairs.append((m, match))
            free.remove(match)
    return pairs


def _score_mentions(
    proposed: tuple[Mention, ...], gold: tuple[Mention, ...], out: dict[str, Tally]
) -> None:
    pairs = _pair(proposed, gold)
    out["mention"].proposed += len(proposed)
    out["mention"].gold += len(gold)
    out["mention"].right += len(pairs)
    for name in MENTION_FIELDS:
        tally = out[name]
        tally.proposed += sum(1 for m in proposed if _fields(m)[name] is not None)
        tally.gold += sum(1 for m in gold if _fields(m)[name] is not None)
        for p, g in pairs:
            value = _fields(p)[name]
            if value is not None and value == _fields(g)[name]:
                tally.right += 1


def _score_observations(
    proposed: tuple[Observation, ...], gold: tuple[Observation, ...], out: dict[str, Tally]
) -> None:
    _multiset(
        proposed,
        gold,
        lambda o: (o.kind, o.value, o.unit, o.date_from, o.date_to),
        out["observation"],
    )
    _multiset(proposed, gold, lambda o: o.kind, out["kind"])


def evaluate(
    documents: Iterable[Document], run: Callable[[Document], Extraction]
) -> dict[str, Score]:
    """Scores per language and overall ("all")."""
    totals: dict[str, Score] = {"all": Score()}
    for document in documents:
        result = score(run(document), document.gold)
        totals["all"].add(result)
        totals.setdefault(document.language, Score()).add(result)
    return totals
