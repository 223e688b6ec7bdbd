"""Every benchmark on two code trees in one session: figures before and after a change.

Why: a redesign that should change no behaviour (issue 13) is judged by whether each
benchmark's figures stay within noise, and on a shared, loaded machine only figures
measured back to back in the same session compare. So each benchmark script of each tree
runs with that tree's own package (PYTHONPATH=TREE, which wins over the editable install),
interleaved B, A, B, A ... so that changes of load hit both alike; the table compares
medians, and the noise is the spread of the repeated runs.

Make the trees outside the checkout so that neither changes under the run:

    git worktree add --detach /tmp/rw-before ba1e670
    git worktree add --detach /tmp/rw-after HEAD
    .venv/bin/python benchmarks/before_after.py /tmp/rw-before /tmp/rw-after \\
        [--only lcmcr_speed ...] [--runs 2] [--first-run 1] [--out DIR] [--pg URL]
    .venv/bin/python benchmarks/before_after.py /tmp/rw-before /tmp/rw-after --parse DIR

Each run's output is kept in DIR (`NAME.before.1.txt` ..., and `runs.jsonl` with the load
average, wall time and exit status of each run; `--first-run 3 --runs 1` adds a third
round to a folder); `--parse DIR` prints the table again from
them without running anything. Figures are read from the scripts' printed lines by the
patterns in BENCHMARKS (one number each); the wall time of every run is a figure too.
Benchmarks whose children link with "the current code" (linkage_recall, linkage_scale)
are given `--baseline-tree TREE` (and `--only-baseline`) when the tree's script knows those
options, so that their children also run the tree's own package.
"""

from __future__ import annotations

import argparse
import json
import os
import re
import statistics
import subprocess
import sys
import time
from dataclasses import dataclass, field
from pathlib import Path

SIDES = ("before", "after")
PG_DEFAULT = "postgresql+psycopg://postgres@127.0.0.1:5432/postgres"
NUMBER = r"([-\d,]*\.?\d+)"


@dataclass(frozen=True)
class Figure:
    """One number a benchmark prints; `pattern` holds one group around the number."""

    label: str
    pattern: str
    kind: str = "time"  # "time" compares within noise; "quality" must be identical


@dataclass(frozen=True)
class Bench:
    name: str
    args: tuple[str, ...] = ()
    runs: int = 2
    figures: tuple[Figure, ...] = ()
    tree_flag: bool = False  # pass --baseline-tree TREE --only-baseline when known
    pg: bool = False  # pass --pg URL


@dataclass
class Run:
    bench: str
    side: str
    number: int
    load: float
    seconds: float
    status: int
    output: str = ""


@dataclass
class Comparison:
    bench: str
    figure: Figure
    before: list[float] = field(default_factory=list)
    after: list[float] = field(default_factory=list)


def q(label: str, pattern: str) -> Figure:
    return Figure(label, pattern, "quality")


BENCHMARKS: tuple[Bench, ...] = (
    Bench(
        "lcmcr_speed",
        ("--sweeps", "510000", "--baseline-sweeps", "102000"),
        figures=(
            Figure("RefWatch sweeps/s, one core", rf"RefWatch sampler, one core:.*= {NUMBER} sw"),
            Figure("baseline sweeps/s, one core", rf"baseline \(np.random.*= {NUMBER} sw"),
            Figure("ratio RefWatch / baseline", rf"ratio RefWatch / baseline: {NUMBER}x"),
            Figure("sweeps/s, all cores", rf"processes: .* = {NUMBER} sweeps/s"),
            q("posterior median N (RefWatch)", rf"RefWatch sampler.*median N = {NUMBER}"),
        ),
    ),
    Bench(
        "loglinear_speed",
        ("--nboot", "100"),
        figures=(
            Figure("Kosovo: search s", rf"Kosovo.*; search {NUMBER} s"),
            Figure("UK 5 lists: search s", rf"UK 2013, 5 lists.*; search {NUMBER} s"),
            Figure("UK 5 lists: + 100 bootstraps s", rf"UK 2013, 5 lists.*jackknife {NUMBER} s"),
            Figure("UK 6 lists: + 100 bootstraps s", rf"UK 2013, 6 lists.*jackknife {NUMBER} s"),
            Figure("one fit, RefWatch us", rf"one model fit.*RefWatch {NUMBER} us"),
            q("UK 5 lists: estimate", rf"UK 2013, 5 lists.*estimate {NUMBER} "),
            q("UK 5 lists: lower", rf"UK 2013, 5 lists.*estimate [\d,]+ \({NUMBER} to"),
        ),
    ),
    Bench(
        "estimation_simulation",
        ("--worlds", "3", "--nboot", "50", "--only", "independent", "--only", "referral"),
        runs=1,
        figures=(
            q("independent, LCMCR: mean", rf"^independent\s+lcmcr\s+\d+\s+\d+\s+{NUMBER}"),
            q("independent, LCMCR: width", rf"^independent\s+lcmcr\s.*\s{NUMBER}\s+\d+$"),
            q(
                "referral, log-linear BCa: mean",
                rf"^referral\s+loglinear \(boot.*?\d+\s+\d+\s+{NUMBER}",
            ),
            q(
                "referral, log-linear BCa: cover95",
                rf"^referral\s+loglinear \(boot.*\s{NUMBER}%\s+\d+\s+\d+$",
            ),
            q("referral, LCMCR: mean", rf"^referral\s+lcmcr\s+\d+\s+\d+\s+{NUMBER}"),
            Figure("independent: 3 worlds, s", rf"^\s+\(3 worlds in {NUMBER} s\)"),
        ),
    ),
    Bench(
        "counting_speed",
        ("--sizes", "100000"),
        pg=True,
        figures=(
            Figure("SQLite 100k: cold load s", rf"(?s)^sqlite .*?cold load.*? {NUMBER} s"),
            Figure("SQLite 100k: count p50 ms", rf"(?s)^sqlite .*?count.*?p50\s+{NUMBER} ms"),
            Figure(
                "SQLite 100k: breakdown p50 ms", rf"(?s)^sqlite .*?breakdown: p50\s+{NUMBER} ms"
            ),
            Figure("PostgreSQL 100k: count p50 ms", rf"(?s)^postgres.*?count.*?p50\s+{NUMBER} ms"),
            Figure(
                "PostgreSQL 100k: breakdown p50 ms",
                rf"(?s)^postgres.*?breakdown: p50\s+{NUMBER} ms",
            ),
        ),
    ),
    Bench(
        "factsheet_speed",
        ("--persons", "20000"),
        figures=(
            Figure("demo: first, internal s", rf"(?s)demo.*?first, internal\D*{NUMBER}"),
            Figure("20k: first, internal s", rf"(?s)20,000.*?first, internal\D*{NUMBER}"),
            Figure("20k: again, public s", rf"(?s)20,000.*?again, public\D*{NUMBER}"),
        ),
    ),
    Bench(
        "import_speed",
        ("--rows", "10000"),
        pg=True,
        figures=(
            Figure("import on SQLite rows/s", rf"on sqlite\D*?{NUMBER} rows/s"),
            Figure("import on PostgreSQL rows/s", rf"on postgresql\D*?{NUMBER} rows/s"),
            Figure("baseline read+validate rows/s", rf"baseline\D*?{NUMBER} rows/s"),
        ),
    ),
    Bench(
        "linkage_quality",
        ("--seeds", "1", "2", "--skip-100k"),
        runs=1,
        figures=(
            q("seed 1: pairwise F1", rf"(?s)seed 1:.*?RefWatch.*? F1 {NUMBER}"),
            q("seed 2: pairwise F1", rf"(?s)seed 2:.*?RefWatch.*? F1 {NUMBER}"),
            q("seed 2: persons found", rf"(?s)seed 2:.*?RefWatch.*?persons {NUMBER}"),
            q("demo: mentions", rf"^demo .*: {NUMBER} mentions"),
            q("demo: pairwise F1", rf"(?s)demo .*?RefWatch.*? F1 {NUMBER}"),
            q("demo, same name key: pairwise F1", rf"(?s)demo .*?same name key.*? F1 {NUMBER}"),
            Figure("seed 1: linked in s", rf"seed 1: .*linked in {NUMBER} s"),
        ),
    ),
    Bench(
        "linkage_recall",
        ("--presets", "hard", "--seeds", "1", "--people", "800"),
        tree_flag=True,
        figures=(
            q("hard, seed 1: pairwise P", rf"(?s)seed 1:.*?\bP {NUMBER}"),
            q("hard, seed 1: pairwise R", rf"(?s)seed 1:.*?\bR {NUMBER}"),
            q("hard, seed 1: B-cubed F1", rf"(?s)seed 1:.*?B3 F1 {NUMBER}"),
            q("hard, seed 1: persons found (true 591)", rf"(?s)seed 1:.*?persons\s+{NUMBER} vs"),
            Figure("hard, seed 1: refwatch link s", rf"(?s)seed 1:.*?link\s+{NUMBER} s"),
        ),
    ),
    Bench(
        "linkage_scale",
        ("--sizes", "10000"),
        tree_flag=True,
        figures=(
            Figure("10k: refwatch link s", rf"mentions: refwatch link\s+{NUMBER} s"),
            Figure("10k: peak memory GiB", rf"peak memory\s+{NUMBER} GiB"),
            q("10k: pairwise F1", rf"mentions: .*pairwise P .*? F1 {NUMBER}"),
            q("10k: B-cubed F1", rf"mentions: .*B-cubed F1 {NUMBER}"),
        ),
    ),
    Bench(
        "linkage_febrl",
        runs=1,
        figures=(
            q("dataset4: pairwise F1", rf"^\| dataset4a\+4b(?: \| [^|]*){{6}} \| {NUMBER}"),
            q("dataset4: B-cubed F1", rf"^\| dataset4a\+4b(?: \| [^|]*){{7}} \| {NUMBER}"),
            q("dataset1: B-cubed F1", rf"^\| dataset1(?: \| [^|]*){{7}} \| {NUMBER}"),
            Figure("dataset4: linked in s", rf"(?s)dataset4a\+4b \(.*?linked in {NUMBER} s"),
        ),
    ),
    Bench(
        "count_bounds_study",
        ("--noise", "hard", "--seeds", "1-2", "--people", "400"),
        runs=1,
        figures=(
            q(
                "identity bounds (default) hold, %",
                rf"^identity [\d./]+\*\s+\d+/\d+\s+=\s+{NUMBER}%",
            ),
            q(
                "identity bounds (default) width/truth, %",
                rf"^identity [\d./]+\*.*med\s+{NUMBER}%$",
            ),
            q("persons as people: hold, %", rf"^before\s+\d+/\d+\s+=\s+{NUMBER}%"),
            q("perfect linkage: hold, %", rf"^perfect\s+\d+/\d+\s+=\s+{NUMBER}%"),
            Figure("2 worlds, s", rf"world 2: \d+ checks \({NUMBER} s so far"),
        ),
    ),
    Bench(
        "chain_estimation_study",
        ("--worlds", "2", "--setting", "hard5_small", "--draws", "5"),
        runs=1,
        figures=(
            q("LCMCR perfect linkage: bias, %", rf"^\s+lcmcr\s+perfect\s+\d+\s+\+?{NUMBER}%"),
            q("LCMCR fixed linkage: bias, %", rf"^\s+lcmcr\s+fixed\s+\d+\s+\+?{NUMBER}%"),
            q("LCMCR aware: bias, %", rf"^\s+lcmcr\s+aware\s+\d+\s+\+?{NUMBER}%"),
            q("LCMCR aware: width", rf"^\s+lcmcr\s+aware\s.*±\s+\d+%\s+{NUMBER}\s"),
            Figure("median link s per world", rf"link {NUMBER}, lcmcr"),
        ),
    ),
    Bench(
        "web_latency",
        ("--persons", "10000", "--requests", "100"),
        figures=(
            Figure("demo: first dashboard ms", rf"(?s)^demo.*?first dashboard.*?: {NUMBER} ms"),
            Figure("demo: dashboard (researcher) p50 ms", rf"(?s)^demo.*?researcher\)\s+{NUMBER}"),
            Figure("demo: person page (names) p50 ms", rf"(?s)^demo.*?names\)\s+{NUMBER}"),
            Figure("10k: sign-in form p50 ms", rf"(?s)^10,000.*?sign-in form\s+{NUMBER}"),
            Figure("10k: dashboard (researcher) p50 ms", rf"(?s)^10,000.*?researcher\)\s+{NUMBER}"),
            Figure(
                "10k: dashboard (researcher) p95 ms",
                rf"(?s)^10,000.*?researcher\)\s+\S+\s+{NUMBER}",
            ),
            Figure("10k: person page (names) p50 ms", rf"(?s)^10,000.*?names\)\s+{NUMBER}"),
            Figure(
                "10k: person page (analyst) p50 ms", rf"(?s)^10,000.*?page \(analyst\)\s+{NUMBER}"
            ),
        ),
    ),
)


def command(bench: Bench, tree: Path, python: str, pg: str) -> list[str]:
    """The command line of one run, as run from inside `tree`."""
    script = tree / "benchmarks" / f"{bench.name}.py"
    args = [python, str(script.relative_to(tree)), *bench.args]
    if bench.pg:
        args += ["--pg", pg]
    text = script.read_text(encoding="utf-8")
    if bench.tree_flag and "--baseline-tree" in text:
        # An older script without --only-baseline prints the tree's own line first.
        args += ["--baseline-tree", str(tree)]
        args += ["--only-baseline"] if "--only-baseline" in text else []
    return args


def run_once(bench: Bench, side: str, number: int, tree: Path, options: argparse.Namespace) -> Run:
    args = command(bench, tree, options.python, options.pg)
    env = {**os.environ, "PYTHONPATH": str(tree)}
    load = os.getloadavg()[0]
    start = time.perf_counter()
    done = subprocess.run(
        ["nice", "-n", str(options.nice), *args],
        cwd=tree,
        env=env,
        capture_output=True,
        text=True,
        check=False,
    )
    seconds = time.perf_counter() - start
    output = done.stdout + (f"\n--- stderr ---\n{done.stderr}" if done.returncode else "")
    return Run(bench.name, side, number, load, seconds, done.returncode, output)


def run_all(benches: list[Bench], trees: dict[str, Path], options: argparse.Namespace) -> None:
    """Round by round, each benchmark before then after, so that load hits both alike."""
    out: Path = options.out
    out.mkdir(parents=True, exist_ok=True)
    first = options.first_run
    for number in range(first, first + (options.runs or max(b.runs for b in benches))):
        for bench in benches:
            if number >= first + (options.runs or bench.runs):
                continue
            for side in SIDES:
                run = run_once(bench, side, number, trees[side], options)
                (out / f"{bench.name}.{side}.{number}.txt").write_text(run.output, "utf-8")
                meta = {k: v for k, v in vars(run).items() if k != "output"}
                with open(out / "runs.jsonl", "a", encoding="utf-8") as handle:
                    handle.write(json.dumps(meta) + "\n")
                print(
                    f"{bench.name} {side} #{number}: {run.seconds:.0f} s, status "
                    f"{run.status}, load {run.load:.2f}",
                    file=sys.stderr,
                    flush=True,
                )


def read_runs(folder: Path) -> list[Run]:
    """The runs kept in `folder`; a benchmark re-run keeps its latest record."""
    latest: dict[tuple[str, str, int], Run] = {}
    for line in (folder / "runs.jsonl").read_text(encoding="utf-8").splitlines():
        run = Run(**json.loads(line))
        path = folder / f"{run.bench}.{run.side}.{run.number}.txt"
        run.output = path.read_text(encoding="utf-8") if path.exists() else ""
        latest[(run.bench, run.side, run.number)] = run
    return list(latest.values())


def figure_value(figure: Figure, output: str) -> float | None:
    match = re.search(figure.pattern, output, re.MULTILINE)
    if match is None:
        return None
    return float(match.group(1).replace(",", ""))


WALL = Figure("wall time of the script, s", "")


def compare(benches: list[Bench], runs: list[Run]) -> list[Comparison]:
    """Each figure's values on both sides, from the runs that finished."""
    rows: list[Comparison] = []
    for bench in benches:
        mine = [r for r in runs if r.bench == bench.name and r.status == 0]
        for figure in (*bench.figures, WALL):
            row = Comparison(bench.name, figure)
            for run in sorted(mine, key=lambda r: r.number):
                value = run.seconds if figure is WALL else figure_value(figure, run.output)
                if value is not None:
                    getattr(row, run.side).append(value)
            rows.append(row)
    return rows


def spread(values: list[float]) -> float:
    """The range of repeated runs relative to their median (0 for a single run)."""
    middle = statistics.median(values)
    return (max(values) - min(values)) / abs(middle) if middle else 0.0


def verdict(row: Comparison) -> str:
    """Within noise: the ranges of the runs overlap; a quality figure should be identical
    (a seeded run repeats itself), and a range is allowed only where runs of one tree vary."""
    if not row.before or not row.after:
        return "not measured"
    b, a = statistics.median(row.before), statistics.median(row.after)
    overlap = min(row.after) <= max(row.before) and min(row.before) <= max(row.after)
    if row.figure.kind == "quality":
        if set(row.before) == set(row.after):
            return "identical"
        return "yes (runs vary)" if overlap else f"differs ({a - b:+.4g})"
    if overlap:
        return "yes"
    if len(row.before) < 2 or len(row.after) < 2:
        return f"one run each ({a / b - 1:+.0%})" if b else "one run each"
    return f"no ({a / b - 1:+.0%})" if b else "no"


def fmt(value: float) -> str:
    if value == int(value) and abs(value) >= 100:
        return f"{int(value):,}"
    return f"{value:,.4g}" if abs(value) < 1000 else f"{value:,.0f}"


def cell(values: list[float]) -> str:
    if not values:
        return "-"
    middle = fmt(statistics.median(values))
    if len(values) == 1:
        return middle
    return f"{middle} (±{spread(values) / 2:.0%}, n={len(values)})"


def table(rows: list[Comparison], commands: dict[str, str]) -> str:
    """The comparison as a Markdown table, the command on each benchmark's first row."""
    lines = [
        "| benchmark | command | figure | before | after | ratio | within noise? |",
        "|---|---|---|---|---|---|---|",
    ]
    shown: set[str] = set()
    for row in rows:
        first = row.bench not in shown
        shown.add(row.bench)
        b = statistics.median(row.before) if row.before else None
        a = statistics.median(row.after) if row.after else None
        ratio = f"{a / b:.3f}" if a is not None and b else "-"
        lines.append(
            f"| {row.bench if first else ''} | {f'`{commands[row.bench]}`' if first else ''} "
            f"| {row.figure.label} | {cell(row.before)} | {cell(row.after)} | {ratio} "
            f"| {verdict(row)} |"
        )
    return "\n".join(lines)


def summary(runs: list[Run]) -> str:
    loads = [r.load for r in runs]
    failed = [f"{r.bench} {r.side} #{r.number}" for r in runs if r.status != 0]
    text = f"{len(runs)} runs; load average (1 min) at their starts {min(loads):.2f} to "
    text += f"{max(loads):.2f}, median {statistics.median(loads):.2f}"
    return text + (f"; failed: {', '.join(failed)}" if failed else "")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("before", type=Path, help="tree holding the code before (refwatch/)")
    parser.add_argument("after", type=Path, help="tree holding the code after")
    parser.add_argument("--only", nargs="*", help="benchmark names (default: all)")
    parser.add_argument("--runs", type=int, default=0, help="runs per side (default: each's)")
    parser.add_argument("--first-run", type=int, default=1, help="number of the first run")
    parser.add_argument("--out", type=Path, default=Path("before-after-runs"))
    parser.add_argument("--parse", type=Path, help="print the table from kept runs only")
    parser.add_argument("--pg", default=os.environ.get("REFWATCH_TEST_PG", PG_DEFAULT))
    parser.add_argument("--python", default=sys.executable)
    parser.add_argument("--nice", type=int, default=5)
    options = parser.parse_args()
    known = {b.name: b for b in BENCHMARKS}
    benches = [known[name] for name in options.only] if options.only else list(BENCHMARKS)
    trees = {"before": options.before.resolve(), "after": options.after.resolve()}
    if options.parse is None:
        run_all(benches, trees, options)
    runs = read_runs(options.parse or options.out)
    benches = [b for b in benches if any(r.bench == b.name for r in runs)]
    commands = {
        b.name: " ".join(
            Path(a).name if a == options.python else a
            for a in command(b, trees["after"], options.python, options.pg)
        )
        for b in benches
    }
    print(summary([r for r in runs if r.bench in commands]))
    print(table(compare(benches, runs), commands))


if __name__ == "__main__":
    main()
