"""Log-linear speed: the full model search with the model-selection bootstrap.

Prints, for the published UK tables (five lists: BIC over all 6,893 hierarchical models;
six lists: stepwise) and Kosovo (four lists, 113 models), the time of the search on the
data and of the BCa bootstrap that redoes the selection in each of 1,000 replicates, and
a baseline measured in the same run: fitting the same models with statsmodels' GLM
(per-fit time and the ratio).

Run: .venv/bin/python benchmarks/loglinear_speed.py [--nboot 1000]
"""

from __future__ import annotations

import argparse
import os
import time
import warnings
from pathlib import Path

import statsmodels.api as sm

from refwatch.estimate.glm import fit_model
from refwatch.estimate.loglinear import estimate_loglinear, ranked_fits
from refwatch.estimate.models import all_models, design_matrix
from refwatch.estimate.table import read_histories_csv

FIXTURES = Path(__file__).resolve().parents[1] / "tests/estimate/fixtures"


def statsmodels_per_fit(table_name: str, count: int) -> float:
    table = read_histories_csv(FIXTURES / f"{table_name}.csv")
    y = table.counts[1:].astype(float)
    models = all_models(table.t, table.t - 1)[:count]
    start = time.perf_counter()
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        for model in models:
            sm.GLM(y, design_matrix(table.t, model), family=sm.families.Poisson()).fit()
    return (time.perf_counter() - start) / len(models)


def refwatch_per_fit(table_name: str, count: int) -> float:
    table = read_histories_csv(FIXTURES / f"{table_name}.csv")
    models = all_models(table.t, table.t - 1)[:count]
    for model in models[:5]:
        fit_model(table, model)
    start = time.perf_counter()
    for model in models:
        fit_model(table, model)
    return (time.perf_counter() - start) / len(models)


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--nboot", type=int, default=1000)
    options = parser.parse_args()
    print(f"load average {os.getloadavg()[0]:.2f} on {os.cpu_count()} cores; wall-clock seconds")
    for name, label in [
        ("kosovo_1999", "Kosovo, 4 lists, BIC over 113 models"),
        ("uk_2013_five_lists", "UK 2013, 5 lists, BIC over 6,893 models"),
        ("uk_2013_six_lists", "UK 2013, 6 lists, stepwise"),
    ]:
        table = read_histories_csv(FIXTURES / f"{name}.csv")
        estimate_loglinear(table, interval="profile")  # compile and warm caches
        start = time.perf_counter()
        if table.t <= 5:
            ranked_fits(table, "bic")
        search = time.perf_counter() - start
        start = time.perf_counter()
        result = estimate_loglinear(table, nboot=options.nboot, seed=1)
        total = time.perf_counter() - start
        print(
            f"{label}: estimate {result.estimate:,.0f} ({result.lower:,.0f} to "
            f"{result.upper:,.0f}); search {search:.2f} s; search + {options.nboot} "
            f"bootstrap selections + jackknife {total:.1f} s"
        )
    ours = refwatch_per_fit("uk_2013_five_lists", 400)
    theirs = statsmodels_per_fit("uk_2013_five_lists", 400)
    print(
        f"one model fit (UK five lists, mean of 400): RefWatch {1e6 * ours:.0f} us, "
        f"statsmodels GLM {1e6 * theirs:.0f} us; ratio {theirs / ours:.1f}x"
    )


if __name__ == "__main__":
    main()
