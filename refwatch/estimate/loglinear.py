"""Log-linear multiple systems estimation: model search, profile and bootstrap intervals.

Why these choices (each is a published, tested convention, so a statistician can check):

- Poisson GLM over the 2^t - 1 observable histories, zero cells included; the estimate is
  n + exp(intercept) (Fienberg 1972; Rcapture, Baillargeon and Rivest 2007).
- Up to five lists: every hierarchical model with interactions up to order t - 1, ranked
  by BIC with log(n observed) (or AIC); the MultipleSystemsEstimation package's default.
- Six lists or more: forward stepwise selection of two-list interactions (Chan, Silverman
  and Vincent 2021): add the interaction whose observed overlap is least compatible with
  the current model (a Poisson tail probability), while it is below 0.02, skipping any
  whose estimate would not exist or not be identifiable.
- Intervals: the profile likelihood interval of the chosen model (Cormack 1992, as
  Rcapture's closedpCI) is conditional on that model; the default interval is a BCa
  bootstrap that redoes the model selection in every replicate (Silverman, Chan and
  Vincent 2024), with the search in each replicate restricted to the models ranked best
  on the original data (20 for four lists, 100 for five, as their package does).
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass
from itertools import combinations
from typing import Literal

import numpy as np
import numpy.typing as npt
from scipy.optimize import brentq, minimize_scalar  # type: ignore[import-untyped]
from scipy.special import gammaln, ndtr, ndtri, pdtr, pdtrc  # type: ignore[import-untyped]
from scipy.stats import chi2  # type: ignore[import-untyped]

from refwatch.domain.errors import Message
from refwatch.estimate import messages
from refwatch.estimate.diagnostics import table_problems, table_warnings
from refwatch.estimate.errors import EstimationError
from refwatch.estimate.glm import (
    Fit,
    check_model,
    fit_model,
    poisson_irls,
    reduced_design,
)
from refwatch.estimate.models import Model, all_models, model_name, term_label, with_term
from refwatch.estimate.result import EstimateResult
from refwatch.estimate.table import CaptureTable

Selection = Literal["bic", "aic", "stepwise"]
FloatArray = npt.NDArray[np.float64]
STEPWISE_P = 0.02


def default_selection(t: int) -> Selection:
    return "bic" if t <= 5 else "stepwise"


def default_maxorder(t: int) -> int:
    return t - 1 if t <= 5 else 2


def default_ntop(t: int) -> int | None:
    """Models kept for the bootstrap search (None: all), as MultipleSystemsEstimation."""
    return None if t <= 3 else (20 if t == 4 else 100)


def ranked_fits(
    table: CaptureTable,
    criterion: Literal["bic", "aic"] = "bic",
    maxorder: int | None = None,
    models: Sequence[Model] | None = None,
) -> list[Fit]:
    """Every candidate model that has an estimate, best first."""
    if models is None:
        if table.t > 6:
            raise EstimationError(code=messages.SEARCH_TOO_SLOW, params={"n": table.t})
        models = all_models(table.t, maxorder or default_maxorder(table.t))
    fits = [f for f in (fit_model(table, m) for m in models) if f is not None]
    return sorted(fits, key=lambda f: (f.bic if criterion == "bic" else f.aic, len(f.model)))


@dataclass(frozen=True)
class Step:
    term: int
    p_value: float
    estimate: float


def stepwise_fit(table: CaptureTable, pthresh: float = STEPWISE_P) -> tuple[Fit, list[Step]]:
    """Forward selection of two-list interactions (Chan, Silverman and Vincent 2021)."""
    model: Model = ()
    current = fit_model(table, model)
    if current is None:
        raise EstimationError("even the model of independent lists cannot be fitted")
    pairs = [(1 << i) | (1 << j) for i, j in combinations(range(table.t), 2)]
    steps: list[Step] = []
    cells = np.arange(1, 1 << table.t)
    while True:
        best: tuple[float, int] | None = None
        for pair in pairs:
            if pair in model:
                continue
            expected = float(current.fitted[(cells & pair) == pair].sum())
            observed = table.on_all(pair)
            upper = 1.0 if observed == 0 else float(pdtrc(observed - 1, expected))
            p = min(float(pdtr(observed, expected)), upper)
            if p < pthresh and fit_model(table, with_term(model, pair)) is None:
                p = 1.0
            if best is None or p < best[0]:
                best = (p, pair)
        if best is None or best[0] >= pthresh:
            return current, steps
        candidate = fit_model(table, with_term(model, best[1]))
        if candidate is None:
            return current, steps
        model = candidate.model
        current = candidate
        steps.append(Step(best[1], best[0], candidate.estimate))


def select_fit(
    table: CaptureTable,
    selection: Selection,
    maxorder: int | None = None,
    models: Sequence[Model] | None = None,
    pthresh: float = STEPWISE_P,
) -> Fit | None:
    if selection == "stepwise":
        try:
            return stepwise_fit(table, pthresh)[0]
        except EstimationError:
            return None
    fits = ranked_fits(table, selection, maxorder, models)
    return fits[0] if fits else None


def profile_loglik(table: CaptureTable, fit: Fit) -> Callable[[float], float]:
    """N -> the multinomial profile log-likelihood of the total N under `fit`'s model.

    Public because the estimates page draws this curve: it must be the very function
    the interval is read from.
    """
    x, keep, _ = reduced_design(table.t, fit.model, fit.removed_terms)
    zero = np.zeros((1, x.shape[1]))
    zero[0, 0] = 1.0
    design = np.ascontiguousarray(np.vstack([zero, x]))
    y_obs = table.counts[1:][keep].astype(np.float64)
    n = table.n

    def loglik(total: float) -> float:
        y = np.concatenate([[total - n], y_obs])
        _, mu, _, _ = poisson_irls(design, y)
        p = mu / total
        ll = gammaln(total + 1.0) - gammaln(total - n + 1.0)
        positive = y > 0
        return float(ll + np.sum(y[positive] * np.log(p[positive])))

    return loglik


def profile_interval(
    table: CaptureTable, fit: Fit, level: float = 0.95
) -> tuple[float, float, float | None]:
    """(point, lower, upper) from the multinomial profile likelihood of N (Cormack 1992).

    `upper` is None when the likelihood never drops far enough: the data are consistent
    with arbitrarily many unseen people under this model.
    """
    loglik = profile_loglik(table, fit)
    n = table.n
    start = max(fit.estimate, n + 1e-6)
    best = minimize_scalar(
        lambda v: -loglik(v),
        bounds=(n, max(start * 4.0, n + 10.0)),
        method="bounded",
        options={"xatol": 1e-6},
    )
    point = float(best.x)
    top = -float(best.fun)
    cut = float(chi2.ppf(level, 1)) / 2.0

    def gap(v: float) -> float:
        return top - loglik(v) - cut

    lower = float(n) if gap(float(n)) <= 0 else float(brentq(gap, n, point, xtol=1e-6))
    upper: float | None = None
    hi = point * 1.5 + 10.0
    for _ in range(60):
        if gap(hi) > 0:
            upper = float(brentq(gap, point, hi, xtol=1e-6))
            break
        hi *= 2.0
        if hi > 1e9 + 1000.0 * point:
            break
    return point, lower, upper


def _resample(table: CaptureTable, counts: npt.NDArray[np.int64]) -> CaptureTable:
    return CaptureTable(table.lists, counts)


def bootstrap_estimates(
    table: CaptureTable,
    select: Callable[[CaptureTable], Fit | None],
    nboot: int,
    seed: int | None,
) -> FloatArray:
    """Estimates from `nboot` multinomial resamples of the people seen (NaN: no model)."""
    rng = np.random.default_rng(seed)
    probs = table.counts[1:] / table.n
    out = np.full(nboot, np.nan)
    for b in range(nboot):
        counts = np.zeros(1 << table.t, dtype=np.int64)
        counts[1:] = rng.multinomial(table.n, probs)
        fit = select(_resample(table, counts))
        if fit is not None:
            out[b] = fit.estimate
    return out


def jackknife_acceleration(
    table: CaptureTable, select: Callable[[CaptureTable], Fit | None]
) -> float:
    """BCa acceleration from deleting one person at a time (grouped by history)."""
    values, weights = [], []
    for h in range(1, 1 << table.t):
        if table.counts[h] == 0:
            continue
        counts = table.counts.copy()
        counts[h] -= 1
        fit = select(_resample(table, counts))
        if fit is not None:
            values.append(fit.estimate)
            weights.append(float(table.counts[h]))
    if len(values) < 2:
        return 0.0
    v = np.array(values)
    w = np.array(weights)
    mean = float(np.sum(w * v) / w.sum())
    d = mean - v
    denominator = 6.0 * float(np.sum(w * d**2)) ** 1.5
    return float(np.sum(w * d**3) / denominator) if denominator > 0 else 0.0


def bca_interval(
    boot: FloatArray, estimate: float, acceleration: float, level: float
) -> tuple[float, float]:
    """Bias-corrected and accelerated bootstrap interval (DiCiccio and Efron 1996)."""
    finite = boot[np.isfinite(boot)]
    below = float(np.mean(finite < estimate)) + 0.5 * float(np.mean(finite == estimate))
    below = min(max(below, 1.0 / (len(finite) + 1)), 1.0 - 1.0 / (len(finite) + 1))
    z0 = float(ndtri(below))
    quantiles = []
    for alpha in ((1 - level) / 2, 1 - (1 - level) / 2):
        za = float(ndtri(alpha))
        adjusted = float(ndtr(z0 + (z0 + za) / (1 - acceleration * (z0 + za))))
        quantiles.append(float(np.quantile(finite, adjusted)))
    return quantiles[0], quantiles[1]


def describe_fit(fit: Fit, table: CaptureTable) -> dict[str, object]:
    return {
        "name": model_name(fit.model, table.t),
        "terms": [term_label(term, table.lists) for term in fit.model],
        "at_minus_infinity": [term_label(term, table.lists) for term in fit.removed_terms],
        "deviance": fit.deviance,
        "df": fit.df,
        "aic": fit.aic,
        "bic": fit.bic,
        "standard_error": fit.se,
    }


def estimate_loglinear(
    table: CaptureTable,
    *,
    selection: Selection | None = None,
    maxorder: int | None = None,
    level: float = 0.95,
    interval: Literal["bootstrap", "profile"] = "bootstrap",
    nboot: int = 1000,
    ntop: int | None = None,
    seed: int | None = None,
    pthresh: float = STEPWISE_P,
    models: Sequence[Model] | None = None,
    jackknife: bool = True,
) -> EstimateResult:
    """Select a log-linear model, estimate the total and give an interval.

    The default interval is the BCa bootstrap that redoes model selection; `interval=
    "profile"` gives the faster interval conditional on the chosen model. `models`
    limits the BIC/AIC search to these candidates (a linkage-aware estimate searches,
    in each drawn clustering, the models that ranked best on the persons as they are);
    `jackknife=False` skips the BCa acceleration (a bias-corrected interval; for pooling
    replicates, where only the replicates are used).
    """
    problems = table_problems(table)
    if problems:
        raise EstimationError(reasons=problems)
    selection = selection or default_selection(table.t)
    maxorder = maxorder or default_maxorder(table.t)
    warnings = table_warnings(table)
    diagnostics: dict[str, object] = {}
    model_info: dict[str, object] = {"selection": selection}
    fit, ranking = _select_model(
        table, selection, maxorder, pthresh, models, diagnostics, model_info, warnings
    )
    model_info.update(describe_fit(fit, table))
    model_info["maxorder"] = maxorder
    point, p_lower, p_upper = profile_interval(table, fit, level)
    diagnostics["profile_interval"] = {"point": point, "lower": p_lower, "upper": p_upper}
    if p_upper is None:
        warnings.append(Message(messages.NO_UPPER_END))
    lower: float | None = p_lower
    upper: float | None = p_upper
    replicates: FloatArray | None = None
    if interval == "bootstrap" and nboot > 0:
        select = _reselect(table, selection, pthresh, ranking, ntop, diagnostics)
        lower, upper, replicates = _bootstrap_interval(
            table, fit, select, nboot, seed, jackknife, level, diagnostics
        )
    if fit.estimate > 10 * table.n:
        warnings.append(Message(messages.TOO_LARGE))
    return EstimateResult(
        method="loglinear",
        n_observed=table.n,
        estimate=fit.estimate,
        lower=lower,
        upper=upper,
        level=level,
        lists=list(table.lists),
        model={**model_info, "interval": interval if nboot > 0 else "profile"},
        diagnostics=diagnostics,
        warnings=warnings,
        draws=replicates,
    )


def _select_model(
    table: CaptureTable,
    selection: Selection,
    maxorder: int,
    pthresh: float,
    models: Sequence[Model] | None,
    diagnostics: dict[str, object],
    model_info: dict[str, object],
    warnings: list[str],
) -> tuple[Fit, list[Fit]]:
    """The chosen fit and, for BIC/AIC, every fit ranked; what the choice rests on goes
    into `diagnostics` (and a warning when close models disagree)."""
    if selection == "stepwise":
        fit, steps = stepwise_fit(table, pthresh)
        model_info["threshold"] = pthresh
        diagnostics["steps"] = [
            {"added": term_label(s.term, table.lists), "p_value": s.p_value, "estimate": s.estimate}
            for s in steps
        ]
        return fit, []
    ranking = ranked_fits(table, selection, maxorder, models=models)
    if not ranking:
        raise EstimationError(
            "no log-linear model can be fitted to these lists: too many combinations "
            "of lists are empty; merge small lists or use --method lcmcr"
        )
    considered = len(all_models(table.t, maxorder))
    diagnostics["models_considered"] = considered
    diagnostics["models_without_estimate"] = considered - len(ranking)
    score = [f.bic if selection == "bic" else f.aic for f in ranking]
    close = [f for f, s in zip(ranking, score, strict=True) if s - score[0] <= 2.0]
    diagnostics["close_models"] = [
        {"name": model_name(f.model, table.t), "estimate": f.estimate, selection: s}
        for f, s in zip(ranking[:10], score[:10], strict=True)
    ]
    low = min(f.estimate for f in close)
    high = max(f.estimate for f in close)
    if len(close) > 1 and high > 1.25 * low:
        warnings.append(
            Message(
                messages.MODELS_DISAGREE,
                count=len(close),
                low=f"{low:,.0f}",
                high=f"{high:,.0f}",
            )
        )
    return ranking[0], ranking


def _reselect(
    table: CaptureTable,
    selection: Selection,
    pthresh: float,
    ranking: list[Fit],
    ntop: int | None,
    diagnostics: dict[str, object],
) -> Callable[[CaptureTable], Fit | None]:
    """How a bootstrap sample chooses its model: stepwise again, or the best of the
    top-ranked candidates."""
    if selection == "stepwise":

        def select(t: CaptureTable) -> Fit | None:
            return select_fit(t, "stepwise", pthresh=pthresh)

        return select
    keep = ntop if ntop is not None else default_ntop(table.t)
    candidates = [f.model for f in (ranking if keep is None else ranking[:keep])]
    criterion = selection

    def select_ranked(t: CaptureTable) -> Fit | None:
        fits = ranked_fits(t, criterion, models=candidates)
        return fits[0] if fits else None

    diagnostics["bootstrap_models"] = len(candidates)
    return select_ranked


def _bootstrap_interval(
    table: CaptureTable,
    fit: Fit,
    select: Callable[[CaptureTable], Fit | None],
    nboot: int,
    seed: int | None,
    jackknife: bool,
    level: float,
    diagnostics: dict[str, object],
) -> tuple[float | None, float | None, FloatArray]:
    """The BCa interval over bootstrap samples that redo model selection, and the
    finite replicates."""
    boot = bootstrap_estimates(table, select, nboot, seed)
    acceleration = jackknife_acceleration(table, select) if jackknife else 0.0
    failed = int(np.isnan(boot).sum())
    if failed > nboot // 2:
        raise EstimationError(
            "most bootstrap samples could not be fitted; the lists are too sparse"
        )
    lower, upper = bca_interval(boot, fit.estimate, acceleration, level)
    finite = boot[np.isfinite(boot)]
    tail = (1 - level) / 2
    diagnostics["bootstrap"] = {
        "replicates": nboot,
        "failed": failed,
        "seed": seed,
        "acceleration": acceleration,
        "percentile_interval": [
            float(np.quantile(finite, tail)),
            float(np.quantile(finite, 1 - tail)),
        ],
        "histogram": _histogram(finite),
    }
    return lower, upper, finite


def _histogram(values: FloatArray) -> dict[str, list[float]]:
    counts, edges = np.histogram(values, bins=40)
    return {"counts": counts.tolist(), "edges": edges.tolist()}


def fixed_model(table: CaptureTable, pairs: Sequence[Sequence[str]]) -> Fit | None:
    """Fit the model with exactly these interactions (given as lists of list names)."""
    index = {name: j for j, name in enumerate(table.lists)}
    model: Model = ()
    for group in pairs:
        term = sum(1 << index[name] for name in group)
        model = with_term(model, term)
    return fit_model(table, model)


def is_estimable(table: CaptureTable, model: Model) -> bool:
    return check_model(table, model) is None
