"""Extraction quality: precision, recall and F1 per field on the annotated corpus.

    .venv/bin/python benchmarks/extract_quality.py [--set dev|heldout|all] [--verbose]

The corpus (tests/intake/extract/corpus/) is synthetic: texts written for the purpose,
with gold annotations. `heldout/` was written and committed before the rules and has not
been tuned on; `dev/` is what the rules were written against. A claim counts as right only
if number, qualifier, event, status and period all match (the goal is ≥ 0.9); mention
fields are scored one by one (goal ≥ 0.8). See docs/extraction.md.
"""

from __future__ import annotations

import argparse
import json
import sys
import time
from pathlib import Path

from refwatch.intake.extract import extract
from refwatch.intake.extract.scoring import Document, Score, Tally, evaluate, load_corpus, score

CORPUS = Path(__file__).resolve().parent.parent / "tests" / "intake" / "extract" / "corpus"


def _fmt(value: float | None) -> str:
    return "  —  " if value is None else f"{value:5.2f}"


def _table(title: str, tallies: dict[str, Tally]) -> None:
    print(f"  {title:<18} {'prop':>5} {'gold':>5} {'right':>5}   P      R      F1")
    for name, t in tallies.items():
        print(
            f"    {name:<16} {t.proposed:5d} {t.gold:5d} {t.right:5d}  "
            f"{_fmt(t.precision)}  {_fmt(t.recall)}  {_fmt(t.f1)}"
        )


def _run(document: Document):  # type: ignore[no-untyped-def]
    return extract(document.text, reference_date=document.reference_date)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--set", choices=["dev", "heldout", "all"], default="all")
    parser.add_argument("--verbose", action="store_true", help="show each text's misses")
    args = parser.parse_args()
    names = ["dev", "heldout"] if args.set == "all" else [args.set]
    extract("warm-up: 1명", reference_date=None)  # load Kiwi outside the timing
    for name in names:
        documents = load_corpus(CORPUS / name)
        began = time.perf_counter()
        totals: dict[str, Score] = evaluate(documents, _run)
        elapsed = time.perf_counter() - began
        languages = sorted({d.language for d in documents})
        by_language = ", ".join(
            f"{sum(d.language == lang for d in documents)} {lang}" for lang in languages
        )
        print(f"== {name}: {len(documents)} texts ({by_language}), {elapsed:.2f} s")
        for key in ["all", *languages]:
            total = totals[key]
            print(f" [{key}]")
            _table("claims", total.claims)
            _table("mentions", total.mentions)
            _table("observations", total.observations)
        if args.verbose:
            for document in documents:
                proposed = _run(document)
                result = score(proposed, document.gold)
                bad = {
                    k: (t.proposed, t.gold, t.right)
                    for part in (result.claims, result.mentions, result.observations)
                    for k, t in part.items()
                    if t.right != t.proposed or t.right != t.gold
                }
                if bad:
                    print(f"--- {document.name}: {bad}")
                    got = proposed.to_json()
                    for part in ("claims", "mentions", "observations"):
                        for item in got[part]:
                            item.pop("text", None)
                            item.pop("start", None)
                            item.pop("end", None)
                            print(f"    got {part[:-1]}: {json.dumps(item, ensure_ascii=False)}")
                    gold = document.gold.to_json()
                    for part in ("claims", "mentions", "observations"):
                        for item in gold[part]:
                            for k in ("text", "start", "end"):
                                item.pop(k, None)
                            print(f"   gold {part[:-1]}: {json.dumps(item, ensure_ascii=False)}")
    sample = (
        "In July 2017 at least 41 North Koreans were detained in Changbai. "
        "지난해 연길에서 탈북민 5명이 체포됐다. My sister Ri Kyong-hui, 34, was sent back. "
    ) * 1600
    began = time.process_time()
    extract(sample, reference_date=None)
    spent = time.process_time() - began
    print(
        f"== speed: {len(sample):,} characters in {spent:.2f} s of CPU "
        f"({spent / len(sample) * 1e6:.1f} µs a character)"
    )
    sys.stdout.flush()


if __name__ == "__main__":
    main()
