"""Privacy-preserving linkage against RefWatch's plaintext linkage, on the same worlds.

Each world comes from `refwatch.simulate.world.simulate_world`. Two ways to link it:

- plaintext: every case list imported into ONE workspace, linked by `run_linkage`
  (what a single organisation holding every list would do: the ceiling);
- PPRL: each case list imported into ITS OWN workspace (one organisation each), linked
  there by `run_linkage`, encoded by `refwatch.share.workspace.encode_workspace`,
  written to and read back from its file, then linked by `refwatch.share.link`
  without the secret.

Printed per world: pairwise precision/recall/F1 of both (at the mention level, against
truth.csv), the ratio of the F1s (goal >= 0.95), the log-linear estimate from both
capture tables and from the true one (goal: PPRL within 3% of plaintext), and timings.
A speed run encodes and links five organisations of 20,000 persons (goal < 60 s; the
organisations' own linkage is not timed, it happens anyway).

    .venv/bin/python benchmarks/pprl_study.py [--seeds 1 2 3] [--people 800] \
        [--noise realistic] [--salt] [--no-fold] [--skip-100k] [--seed-100k 1] [--skip-speed] \
        [--save-dir DIR] [--load-dir DIR]
"""

from __future__ import annotations

import argparse
import csv
import pickle
import random
import tempfile
import time
from collections import defaultdict
from dataclasses import dataclass
from datetime import date
from pathlib import Path
from typing import Any

import numpy as np

from refwatch.estimate import CaptureTable, EstimateOptions, estimate_from_table
from refwatch.intake.importer import import_files
from refwatch.linkage import run_linkage
from refwatch.linkage.names import name_features
from refwatch.linkage.quality import Quality, evaluate
from refwatch.share import fileformat
from refwatch.share.encoding import (
    PersonTokens,
    day_tokens,
    default_schema,
    hangul_tokens,
    month_tokens,
    name_tokens,
    year_tokens,
)
from refwatch.share.link import LinkOptions, link_files
from refwatch.share.workspace import encode_people, encode_workspace
from refwatch.simulate.names import generate_name, random_variant
from refwatch.simulate.world import NOISE_PRESETS, simulate_world
from refwatch.store.crypto import FieldCipher
from refwatch.store.keys import KdfParams, Secret
from refwatch.store.queries import current_mentions
from refwatch.store.workspace import Workspace, init_workspace

SECRET = Secret(passphrase="study passphrase")
FAST_KDF = KdfParams(iterations=1, lanes=1, memory_cost_kib=1024)
SHARED = b"a shared secret of the study, long enough"


@dataclass
class Organisation:
    source: str
    workspace: Workspace
    cipher: FieldCipher
    mentions: dict[str, str]  # mention id -> local person id
    keys: dict[str, tuple[str, str]]  # mention id -> (source, record_id)


def _truth(path: Path) -> dict[tuple[str, str], str]:
    with open(path, encoding="utf-8", newline="") as handle:
        return {(r["source"], r["record_id"]): r["true_person_id"] for r in csv.DictReader(handle)}


def _mentions(workspace: Workspace) -> tuple[dict[str, str], dict[str, tuple[str, str]]]:
    with workspace.read() as conn:
        rows = conn.execute(current_mentions()).all()
    return {r.id: r.person_id for r in rows}, {r.id: (r.source, r.record_id) for r in rows}


def table_of(found: dict[Any, str], source_of: dict[Any, str], lists: list[str]) -> CaptureTable:
    seen: dict[str, set[str]] = defaultdict(set)
    for item, person in found.items():
        seen[person].add(source_of[item])
    return CaptureTable.from_histories(
        lists, [([int(s in sources) for s in lists], 1) for sources in seen.values()]
    )


def estimate(table: CaptureTable) -> float:
    return estimate_from_table(table, EstimateOptions(nboot=50, seed=1)).estimate


def line(label: str, q: Quality) -> str:
    return (
        f"  {label:<22} P {q.pairwise_precision:.4f} R {q.pairwise_recall:.4f} "
        f"F1 {q.pairwise_f1:.4f} | persons {q.persons_found:,} vs true {q.persons_true:,}"
    )


@dataclass
class World:
    """What linking a world needs, and what it is judged against: the organisations'
    encodings (with their local ids), each mention's local person per organisation, the
    plaintext linkage and the truth. Saved with --save-dir, a world is linked again with
    --load-dir without being rebuilt (the organisations' and the plaintext linkage take
    most of the time at 100,000 persons)."""

    people: int
    seed: int
    files: list[fileformat.EncodingFile]
    local_of: list[dict[tuple[str, str], str]]  # per organisation: mention key -> local id
    found: dict[tuple[str, str], str]  # plaintext: mention key -> person
    true_of: dict[tuple[str, str], str]
    plain_seconds: float
    encode_seconds: float


def build_world(
    folder: Path, people: int, sources: int, seed: int, args: argparse.Namespace
) -> World:
    noise = NOISE_PRESETS[args.noise] if args.noise != "none" else None
    world = simulate_world(folder / "world", people=people, sources=sources, seed=seed, noise=noise)
    truth = _truth(world.truth)

    # Plaintext: one workspace, every list.
    started = time.perf_counter()
    whole = init_workspace(folder / "all", SECRET, kdf=FAST_KDF)
    cipher = FieldCipher(whole.unlock(SECRET))
    import_files(whole, cipher, list(world.case_lists), actor="study")
    run_linkage(whole, cipher, "study")
    found, keys = _mentions(whole)
    whole.close()
    plain_seconds = time.perf_counter() - started
    found = {keys[m]: p for m, p in found.items()}
    true_of = {k: truth[k] for k in keys.values()}

    # PPRL: one workspace per organisation.
    orgs: list[Organisation] = []
    for i, path in enumerate(world.case_lists):
        ws = init_workspace(folder / f"org{i}", SECRET, kdf=FAST_KDF)
        c = FieldCipher(ws.unlock(SECRET))
        import_files(ws, c, [path], actor="study")
        run_linkage(ws, c, "study")
        m, k = _mentions(ws)
        orgs.append(Organisation(next(iter(k.values()))[0], ws, c, m, k))
    schema = default_schema(salt=args.salt, fold=args.fold)
    started = time.perf_counter()
    files = []
    for org in orgs:
        made = encode_workspace(
            org.workspace,
            org.cipher,
            secret=SHARED,
            organisation=org.source,
            actor="study",
            schema=schema,
        )
        path = folder / f"{org.source}.jsonl"
        fileformat.write(made, path)
        back = fileformat.read(path)
        back.local_ids = made.local_ids
        files.append(back)
    encode_seconds = time.perf_counter() - started
    local_of = [{org.keys[m]: local for m, local in org.mentions.items()} for org in orgs]
    for org in orgs:
        org.workspace.close()
    return World(people, seed, files, local_of, found, true_of, plain_seconds, encode_seconds)


def _world_path(folder: Path, people: int, seed: int, args: argparse.Namespace) -> Path:
    extra = ("-salt" if args.salt else "") + ("" if args.fold else "-nofold")
    return folder / f"world-{people}-{seed}-{args.noise}{extra}.pickle"


def study_world(
    folder: Path, people: int, sources: int, seed: int, args: argparse.Namespace
) -> dict[str, float]:
    print(f"world of {people:,} persons, {sources} sources, seed {seed}, noise {args.noise}:")
    saved = _world_path(Path(args.load_dir), people, seed, args) if args.load_dir else None
    if saved is not None and saved.exists():
        with open(saved, "rb") as handle:
            world: World = pickle.load(handle)
        print(f"  (loaded from {saved})")
    else:
        world = build_world(folder, people, sources, seed, args)
        if args.save_dir:
            Path(args.save_dir).mkdir(parents=True, exist_ok=True)
            with open(_world_path(Path(args.save_dir), people, seed, args), "wb") as handle:
                pickle.dump(world, handle)
    found, true_of, files = world.found, world.true_of, world.files
    source_of = {k: k[0] for k in true_of}
    lists = sorted(set(source_of.values()))
    plain_q = evaluate(found, true_of)
    result = link_files(files, LinkOptions(threshold=args.threshold))
    pprl_found: dict[tuple[str, str], str] = {}
    offset = 0
    for file, local_of in zip(files, world.local_of, strict=True):
        assert file.local_ids is not None
        cluster_of_local = {
            local: int(result.clusters[offset + row]) for row, local in enumerate(file.local_ids)
        }
        for key, local in local_of.items():
            pprl_found[key] = f"c{cluster_of_local[local]}"
        offset += len(file)
    pprl_q = evaluate(pprl_found, true_of)
    ratio = pprl_q.pairwise_f1 / plain_q.pairwise_f1 if plain_q.pairwise_f1 else float("nan")
    print(line("plaintext (one ws)", plain_q) + f" | {world.plain_seconds:.1f} s incl. import")
    print(
        line("PPRL (ws per org)", pprl_q)
        + f" | encode {world.encode_seconds:.1f} s, link {result.seconds:.1f} s"
    )
    mixture = result.mixture
    print(
        f"  F1 ratio PPRL/plaintext {ratio:.4f} (goal >= 0.95); threshold "
        f"{result.threshold:.3f} ({result.threshold_source}); {result.candidate_pairs:,} "
        f"candidate pairs; mixture: ~{mixture.matches:,.0f} matches, "
        f"~{mixture.non_matches:,.0f} non-matches among best scores"
    )
    plain_table = table_of(found, source_of, lists)
    true_table = table_of(true_of, source_of, lists)
    pprl_table = result.table
    e_plain, e_pprl, e_true = estimate(plain_table), estimate(pprl_table), estimate(true_table)
    rel = e_pprl / e_plain - 1
    print(
        f"  estimate: plaintext {e_plain:,.0f}, PPRL {e_pprl:,.0f} ({100 * rel:+.2f}%, goal "
        f"within 3%), true histories {e_true:,.0f}; true population {people:,}; persons "
        f"seen: PPRL {pprl_table.n:,}, plaintext {plain_table.n:,}, true {true_table.n:,}"
    )
    return {
        "ratio": ratio,
        "rel": rel,
        "plain_f1": plain_q.pairwise_f1,
        "pprl_f1": pprl_q.pairwise_f1,
    }


def speed(folder: Path, args: argparse.Namespace) -> None:
    """Five organisations of 20,000 persons: encode (from tokens), write, read and link.

    The organisations' own linkage is not timed (it happens anyway, before an exchange),
    so the persons are made directly: a population of 50,000 invented names from
    `refwatch.simulate.names`, each organisation holding 20,000 of them, half written
    in Hangul and half in a random romanisation, with birth year, sex, apprehension day
    and one of 8 places, strata from the day and place.
    """
    rng = random.Random(7)
    population = []
    for _ in range(50_000):
        sex = rng.choice("FM")
        population.append(
            (generate_name(rng, sex), sex, rng.randint(1950, 2005), rng.randint(736_000, 737_000),
             f"place{rng.randint(1, 8)}")
        )  # fmt: skip
    made_people = []
    for _org in range(5):
        picks = rng.sample(range(len(population)), args.speed_persons)
        people, strata = [], {}
        for i in picks:
            name, sex, year, day, place = population[i]
            shown = name if rng.random() < 0.5 else random_variant(name, rng)
            f = name_features(name, None) if shown == name else name_features(None, shown)
            t = PersonTokens()
            t.add("name", name_tokens(f.phonetic, f.phonetic_rev))
            t.add("hangul", hangul_tokens(f.hangul))
            t.add("birth", year_tokens(year, year))
            t.add("sex", [sex])
            t.add("month", month_tokens(day, day))
            t.add("day", day_tokens(day, day))
            t.add("place", [place])
            people.append(t)
            when = date.fromordinal(day)
            strata[str(i)] = {
                "period": f"{when.year}-Q{(when.month - 1) // 3 + 1}",
                "region": place,
            }
        made_people.append(([str(i) for i in picks], people, strata))
    started = time.perf_counter()
    files = []
    for org, (ids, people, strata) in enumerate(made_people):
        made = encode_people(ids, people, strata, secret=SHARED, organisation=f"org{org}")
        path = folder / f"speed{org}.jsonl"
        fileformat.write(made, path)
        files.append(fileformat.read(path))
    encoded = time.perf_counter() - started
    result = link_files(files)
    total = time.perf_counter() - started
    print(
        f"speed: 5 organisations x {args.speed_persons:,} persons: encode+write+read "
        f"{encoded:.1f} s, link {result.seconds:.1f} s ({result.candidate_pairs:,} candidate "
        f"pairs), total {total:.1f} s (goal < 60 s at 20,000)"
    )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--seeds", type=int, nargs="*", default=[1, 2, 3])
    parser.add_argument("--people", type=int, default=800)
    parser.add_argument("--sources", type=int, default=5)
    parser.add_argument("--noise", default="realistic", choices=sorted(NOISE_PRESETS))
    parser.add_argument("--salt", action="store_true", help="salt name fields with birth year")
    parser.add_argument(
        "--no-fold", dest="fold", action="store_false", help="do not XOR-fold the name fields"
    )
    parser.add_argument("--threshold", type=float, default=None)
    parser.add_argument("--skip-100k", action="store_true")
    parser.add_argument("--seed-100k", type=int, default=1, help="seed of the 100,000 world")
    parser.add_argument("--skip-speed", action="store_true")
    parser.add_argument("--speed-persons", type=int, default=20_000)
    parser.add_argument(
        "--save-dir", default=None, help="save each world built (encodings, linkages, truth)"
    )
    parser.add_argument(
        "--load-dir", default=None, help="link the worlds saved here instead of rebuilding them"
    )
    args = parser.parse_args()
    with tempfile.TemporaryDirectory(prefix="refwatch-pprl-") as tmp:
        root = Path(tmp)
        rows = [
            study_world(root / f"w{seed}", args.people, args.sources, seed, args)
            for seed in args.seeds
        ]
        if rows:
            print(
                f"mean over {len(rows)} worlds of {args.people:,}: F1 ratio "
                f"{np.mean([r['ratio'] for r in rows]):.4f}, "
                f"min {min(r['ratio'] for r in rows):.4f}; "
                f"|estimate difference| mean {100 * np.mean([abs(r['rel']) for r in rows]):.2f}%, "
                f"max {100 * max(abs(r['rel']) for r in rows):.2f}%"
            )
        if not args.skip_speed:
            (root / "speed").mkdir()
            speed(root / "speed", args)
        if not args.skip_100k:
            study_world(root / "w100k", 100_000, args.sources, args.seed_100k, args)


if __name__ == "__main__":
    main()
