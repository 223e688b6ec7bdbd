"""The estimates page's plot, as a Vega-Lite spec (built with Altair, drawn by vega-embed).

Log-linear: the profile likelihood of the total N under the chosen model, the curve the
profile interval is read from (Cormack 1992): the interval holds every N whose
log-likelihood is within chi2(level, 1)/2 of the best. LCMCR: the posterior distribution of
N, the histogram of the draws the library already summarises. A linkage-aware log-linear
estimate: the histogram of its replicates pooled over the drawn linkages (its interval is
read from them, not from one model's profile).

The curve is the library's own `refwatch.estimate.loglinear.profile_loglik` (the function
`profile_interval` reads the interval from), for the model the library chose, rebuilt from
the result's terms and checked against its estimate; tests check that the curve crosses
the cut-off exactly at the library's interval ends.
"""

from __future__ import annotations

import math
from typing import Any

import numpy as np
from scipy.stats import chi2  # type: ignore[import-untyped]

from refwatch.estimate.glm import Fit, fit_model
from refwatch.estimate.loglinear import profile_loglik
from refwatch.estimate.models import Model, candidate_terms, popcount, term_label
from refwatch.estimate.result import EstimateResult
from refwatch.estimate.table import CaptureTable

CURVE_POINTS = 121
COLOUR = "#b5473a"
INK = "#1f2933"


def chosen_fit(table: CaptureTable, result: EstimateResult) -> Fit | None:
    """The log-linear model the library chose, refitted from the terms it reports.

    None when the terms cannot be read back unambiguously or the refit does not give the
    library's estimate (then the page shows no curve rather than a wrong one).
    """
    labels = result.model.get("terms")
    if not isinstance(labels, list):
        return None
    by_label: dict[str, int] = {}
    for term in candidate_terms(table.t, table.t):
        by_label.setdefault(term_label(term, table.lists), term)
    if len(set(labels)) != len(labels) or any(label not in by_label for label in labels):
        return None
    model: Model = tuple(
        sorted((by_label[label] for label in labels), key=lambda m: (popcount(m), m))
    )
    fit = fit_model(table, model)
    if fit is None or not math.isclose(fit.estimate, result.estimate, rel_tol=1e-9):
        return None
    return fit


def profile_points(table: CaptureTable, result: EstimateResult) -> dict[str, Any] | None:
    """The curve (N, log-likelihood relative to its maximum) and the cut-off, or None."""
    fit = chosen_fit(table, result)
    profile = result.diagnostics.get("profile_interval")
    if fit is None or not isinstance(profile, dict):
        return None
    point = float(profile["point"])
    upper = profile.get("upper")
    n = float(table.n)
    reach = (float(upper) if upper is not None else point + 4.0 * (point - n) + 10.0) - n
    high = n + 1.6 * max(reach, 1.0)
    if result.upper is not None:
        high = max(high, float(result.upper) * 1.05)
    loglik = profile_loglik(table, fit)
    top = loglik(point)
    grid = np.linspace(n, high, CURVE_POINTS)
    rows = [{"N": float(v), "loglik": loglik(float(v)) - top} for v in grid]
    rows = [r for r in rows if math.isfinite(r["loglik"])]
    return {
        "rows": rows,
        "cut": -float(chi2.ppf(result.level, 1)) / 2.0,
        "point": point,
    }


def _interval_layers(result: EstimateResult, labels: dict[str, str]) -> list[Any]:
    """A light band over the reported interval and a rule at the estimate."""
    import altair as alt

    marks: list[dict[str, Any]] = [{"x": result.estimate, "what": labels["estimate"]}]
    layers: list[Any] = []
    if result.lower is not None and result.upper is not None:
        band = {"x": result.lower, "x2": result.upper, "what": labels["interval"]}
        layers.append(
            alt.Chart({"values": [band]})
            .mark_rect(color=COLOUR, opacity=0.12)
            .encode(x="x:Q", x2="x2:Q", tooltip=[alt.Tooltip("what:N", title=" ")])
        )
    layers.append(
        alt.Chart({"values": marks})
        .mark_rule(color=COLOUR, strokeWidth=2)
        .encode(
            x="x:Q",
            tooltip=[
                alt.Tooltip("what:N", title=" "),
                alt.Tooltip("x:Q", format=",.0f", title="N"),
            ],
        )
    )
    return layers


def profile_chart(
    table: CaptureTable, result: EstimateResult, labels: dict[str, str]
) -> dict[str, Any] | None:
    """Vega-Lite spec of the profile likelihood, or None when it cannot be drawn."""
    import altair as alt

    curve = profile_points(table, result)
    if curve is None:
        return None
    x = alt.X("N:Q", title=labels["x"], scale=alt.Scale(zero=False), axis=alt.Axis(format=",.0f"))
    line = (
        alt.Chart({"values": curve["rows"]})
        .mark_line(color=INK, strokeWidth=2)
        .encode(
            x=x,
            y=alt.Y("loglik:Q", title=labels["y"]),
            tooltip=[
                alt.Tooltip("N:Q", format=",.0f", title="N"),
                alt.Tooltip("loglik:Q", format=".2f", title=labels["y"]),
            ],
        )
    )
    cut = (
        alt.Chart({"values": [{"y": curve["cut"], "what": labels["cut"]}]})
        .mark_rule(color=INK, strokeDash=[4, 4])
        .encode(y="y:Q", tooltip=[alt.Tooltip("what:N", title=" ")])
    )
    chart = alt.layer(*_interval_layers(result, labels), line, cut)
    return _finish(chart)


def draws_chart(
    result: EstimateResult, labels: dict[str, str], key: str = "posterior_histogram"
) -> dict[str, Any] | None:
    """Vega-Lite spec of a histogram of N the result carries, or None: LCMCR's posterior
    (`posterior_histogram`), or a linkage-aware log-linear estimate's replicates pooled over
    the drawn linkages (`pooled_histogram`), whose interval no single profile curve gives."""
    import altair as alt

    histogram = result.diagnostics.get(key)
    if not isinstance(histogram, dict):
        return None
    counts, edges = histogram.get("counts") or [], histogram.get("edges") or []
    if not counts or len(edges) != len(counts) + 1:
        return None
    total = float(sum(counts)) or 1.0
    rows = [
        {"start": float(edges[i]), "end": float(edges[i + 1]), "share": counts[i] / total}
        for i in range(len(counts))
    ]
    bars = (
        alt.Chart({"values": rows})
        .mark_rect(color=INK, opacity=0.75)
        .encode(
            x=alt.X(
                "start:Q",
                title=labels["x"],
                scale=alt.Scale(zero=False),
                axis=alt.Axis(format=",.0f"),
            ),
            x2="end:Q",
            y=alt.Y("share:Q", title=labels["y"], axis=alt.Axis(format="%")),
            tooltip=[
                alt.Tooltip("start:Q", format=",.0f", title="N ≥"),
                alt.Tooltip("end:Q", format=",.0f", title="N <"),
                alt.Tooltip("share:Q", format=".1%", title=labels["y"]),
            ],
        )
    )
    chart = alt.layer(*_interval_layers(result, labels), bars)
    return _finish(chart)


def _finish(chart: Any) -> dict[str, Any]:
    spec: dict[str, Any] = chart.properties(width="container", height=240).to_dict()
    spec["autosize"] = {"type": "fit", "contains": "padding"}
    return spec
