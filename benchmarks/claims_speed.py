"""Claims beside our counts, and accepting reviewed proposals: how fast, against baselines.

Imports a synthetic case list (refwatch simulate) into a fresh SQLite workspace, records
CLAIMS claims (varied questions: event, period, place, sex, flags, status), then times
`compare_claims` (one snapshot for all) against answering the same questions with
`count_persons` one by one (the baseline: a snapshot look-up each), both after a first
run has built the snapshot. Then accepts a reviewed
proposal file of MENTIONS mentions and 1,000 claims, accepts it again (nothing changes),
and times the first accept against importing a case list of as many rows.

    .venv/bin/python benchmarks/claims_speed.py [--rows 5000] [--claims 100] [--mentions 500]
"""

from __future__ import annotations

import argparse
import hashlib
import tempfile
from pathlib import Path
from typing import Any

from bench_common import build_case_list, timed, workspace

from refwatch.counting import count_persons
from refwatch.counting.claims_check import claim_query, compare_claims
from refwatch.intake.claims import ClaimInput, list_claims, record_claim
from refwatch.intake.extract.model import Extraction
from refwatch.intake.extract_accept import accept_extraction
from refwatch.intake.importer import import_file

PLACES = [None, "cn-jilin", "cn-jilin-changbai", "cn-yunnan-xishuangbanna"]
PERIODS = [("2016-07", "2017-06"), ("2017-07", "2017-08"), ("2017", "2017"), ("2016-07", None)]


def claims(n: int) -> list[ClaimInput]:
    out = []
    for i in range(n):
        start, end = PERIODS[i % len(PERIODS)]
        out.append(
            ClaimInput(
                source=f"Organisation {i % 7}",
                published_on="2017-09-14",
                number=10 + i,
                qualifier=("exact", "at_least", "at_most", "about")[i % 4],
                event=None if i % 5 == 4 else ("detention", "apprehension", "return")[i % 3],
                status="detained" if i % 5 == 4 else None,
                flags=("child",) if i % 6 == 0 else (),
                sex=("F", None, "M")[i % 3],
                place=PLACES[i % len(PLACES)],
                period_from=start,
                period_to=end,
                text=f"synthetic sentence {i}",
            )
        )
    return out


def reviewed(mentions: int, claims_count: int) -> dict[str, Any]:
    claim = {
        "qualifier": "at_least",
        "event": "detention",
        "status": None,
        "flags": [],
        "sex": None,
        "place": None,
        "from": "2017-07",
        "to": "2017-08",
    }
    mention = {
        "names_hangul": [],
        "sex": "F",
        "origin": None,
        "event": "apprehension",
        "status": "detained",
        "flags": [],
        "place": "cn-jilin-changbai",
        "from": "2017-07",
        "to": None,
    }
    return {
        "language": "en",
        "claims": [
            {**claim, "number": 1 + i, "text": f"Sentence {i}.", "start": i, "end": i + 1}
            for i in range(claims_count)
        ],
        "mentions": [
            {
                **mention,
                "names_latin": [f"Kim Bench{i}"],
                "age": 20 + i % 50,
                "text": f"Kim Bench{i} was caught.",
                "start": i,
                "end": i + 1,
            }
            for i in range(mentions)
        ],
        "observations": [],
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rows", type=int, default=5_000)
    parser.add_argument("--claims", type=int, default=100)
    parser.add_argument("--mentions", type=int, default=500)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory(prefix="refwatch-bench-") as tmp:
        folder = Path(tmp)
        case_list = build_case_list(folder, args.rows)
        ws, cipher = workspace(folder)
        seconds, summary = timed(lambda: import_file(ws, cipher, case_list))
        print(f"case list: {summary.rows} rows imported in {seconds:.2f} s (SQLite)")

        def record_all() -> int:
            with ws.write() as conn:
                return sum(
                    record_claim(conn, cipher, c, actor="bench").created
                    for c in claims(args.claims)
                )

        seconds, made = timed(record_all)
        print(f"record: {made} claims in {seconds:.2f} s ({seconds / made * 1000:.1f} ms a claim)")
        with ws.read() as conn:
            stored = list_claims(conn)
        cold, _ = timed(lambda: compare_claims(ws))
        print(f"compare_claims, first run (snapshot built): {cold:.2f} s")
        seconds, compared = timed(lambda: compare_claims(ws))
        verdicts: dict[str, int] = {}
        for c in compared:
            verdicts[c.verdict] = verdicts.get(c.verdict, 0) + 1
        print(
            f"compare_claims: {len(compared)} claims in {seconds:.2f} s "
            f"({seconds / len(compared) * 1000:.1f} ms a claim); verdicts {verdicts}"
        )

        def one_by_one() -> int:
            done = 0
            for claim in stored:
                query = claim_query(claim)
                count_persons(
                    ws,
                    event=query.event,
                    period_from=query.period_from,
                    period_to=query.period_to,
                    place=query.place,
                    sex=query.sex,
                    flags=query.flags,
                    status=query.status,
                    as_of=query.as_of,
                )
                done += 1
            return done

        base, done = timed(one_by_one)
        print(
            f"baseline, count_persons one by one: {done} questions in {base:.2f} s; "
            f"compare_claims takes {seconds / base:.2f}x its time"
        )

        data = reviewed(args.mentions, 1_000)
        extraction = Extraction.from_json(data, file="bench.json")
        target, target_cipher = workspace(folder)

        def accept() -> Any:
            return accept_extraction(
                target,
                target_cipher,
                extraction,
                source="Bench org",
                label="bench.json",
                digest=hashlib.sha256(b"bench").hexdigest(),
                actor="bench",
                reported_on="2017-09-14",
            )

        first, done_first = timed(accept)
        again, done_again = timed(accept)
        print(
            f"accept: {done_first.mentions.new} mentions and {done_first.claims_new} claims in "
            f"{first:.2f} s; again: {done_again.mentions.unchanged} mentions and "
            f"{done_again.claims_unchanged} claims unchanged in {again:.2f} s"
        )
        plain, plain_cipher = workspace(folder)
        lines = case_list.read_text(encoding="utf-8").splitlines()[: args.mentions + 1]
        same_size = folder / "same_size.csv"
        same_size.write_text("\n".join(lines) + "\n", encoding="utf-8")
        base_import, _ = timed(lambda: import_file(plain, plain_cipher, same_size))
        print(
            f"baseline, a case list of {args.mentions} rows: {base_import:.2f} s; the accept "
            f"(with 1,000 claims besides) takes {first / base_import:.2f}x its time"
        )
        for opened in (ws, target, plain):
            opened.close()


if __name__ == "__main__":
    main()
