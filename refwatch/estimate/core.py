"""What every estimate is made with: its options, the estimate from one capture table,
and the shape of a workspace's answer.

Why apart from `api`: the linkage-aware estimate (`linkage_aware`) estimates each drawn
clustering with `estimate_from_table`, and `api` calls the linkage-aware estimate; both
take these from here, so the imports run one way.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any, Literal

from refwatch.estimate.errors import EstimationError
from refwatch.estimate.histories import WorkspaceHistories
from refwatch.estimate.lcmcr import LcmcrSettings, estimate_lcmcr
from refwatch.estimate.loglinear import Selection, estimate_loglinear
from refwatch.estimate.models import Model
from refwatch.estimate.result import EstimateResult
from refwatch.estimate.table import CaptureTable

Method = Literal["loglinear", "lcmcr"]
METHODS: tuple[str, ...] = ("loglinear", "lcmcr")
Linkage = Literal["aware", "fixed"]
LINKAGES: tuple[str, ...] = ("aware", "fixed")


@dataclass(frozen=True)
class EstimateOptions:
    """Everything that shapes an estimate besides the data (kept with it in the ledger)."""

    method: Method = "loglinear"
    selection: Selection | None = None
    maxorder: int | None = None
    level: float = 0.95
    interval: Literal["bootstrap", "profile"] = "bootstrap"
    nboot: int = 1000
    seed: int | None = None
    lcmcr: LcmcrSettings = field(default_factory=LcmcrSettings)
    #: workspace estimates: "aware" integrates over clusterings drawn from the latest
    #: linkage run's match probabilities (`linkage_aware`); "fixed" takes the links as
    #: certain. Tables have no linkage and ignore these.
    linkage: Linkage = "aware"
    linkage_draws: int = 30
    linkage_temperature: float = 1.0
    #: logit shifts calibrating the stored pair probabilities: pairs inside a current
    #: person, pairs between persons (docs/estimation.md, "Linkage-aware estimates")
    linkage_shift_inside: float = 2.0
    linkage_shift_between: float = 0.0

    def as_dict(self) -> dict[str, Any]:
        data: dict[str, Any] = {"method": self.method, "level": self.level, "seed": self.seed}
        data["linkage"] = self.linkage
        if self.linkage == "aware":
            data["linkage_draws"] = self.linkage_draws
            data["linkage_temperature"] = self.linkage_temperature
            data["linkage_shift_inside"] = self.linkage_shift_inside
            data["linkage_shift_between"] = self.linkage_shift_between
        if self.method == "loglinear":
            data.update(
                selection=self.selection,
                maxorder=self.maxorder,
                interval=self.interval,
                nboot=self.nboot,
            )
        else:
            data.update(
                K=self.lcmcr.K,
                burnin=self.lcmcr.burnin,
                samples=self.lcmcr.samples,
                thinning=self.lcmcr.thinning,
                chains=self.lcmcr.chains,
            )
        return data


def estimate_from_table(
    table: CaptureTable,
    options: EstimateOptions | None = None,
    *,
    models: Sequence[Model] | None = None,
) -> EstimateResult:
    """Estimate the total from a capture table with the chosen method.

    `models` (log-linear only) limits the search to these candidates and skips the
    jackknife: what each clustering of a linkage-aware estimate does."""
    options = options or EstimateOptions()
    if options.method == "loglinear":
        return estimate_loglinear(
            table,
            selection=options.selection,
            maxorder=options.maxorder,
            level=options.level,
            interval=options.interval,
            nboot=options.nboot,
            seed=options.seed,
            models=models,
            jackknife=models is None,
        )
    if options.method == "lcmcr":
        from refwatch.estimate.diagnostics import table_problems, table_warnings

        problems = table_problems(table)
        if problems:
            raise EstimationError(reasons=problems)
        settings = options.lcmcr
        if options.seed is not None and settings.seed is None:
            settings = LcmcrSettings(**{**settings.__dict__, "seed": options.seed})
        result = estimate_lcmcr(table, settings, level=options.level)
        result.warnings[:0] = table_warnings(table)
        return result
    raise EstimationError(f"methods are {', '.join(METHODS)}, not {options.method!r}")


def estimate_strata(
    tables: Mapping[str, CaptureTable], options: EstimateOptions
) -> dict[str, EstimateResult | str]:
    """An estimate per stratum, or the reason a stratum has none (a `Message` that keeps
    its codes): one stratum's refusal does not stop the others."""
    strata: dict[str, EstimateResult | str] = {}
    for label, table in tables.items():
        try:
            result = estimate_from_table(table, options)
        except EstimationError as exc:
            strata[label] = exc.reason
            continue
        result.stratum = label
        strata[label] = result
    return strata


@dataclass
class WorkspaceEstimate:
    """The estimate over all selected persons and one per stratum (or why there is none)."""

    total: EstimateResult
    strata: dict[str, EstimateResult | str]
    histories: WorkspaceHistories
    options: EstimateOptions
    ledger_ids: dict[str, str] = field(default_factory=dict)

    def as_dict(self) -> dict[str, Any]:
        data = self.total.as_dict()
        data["notes"] = list(self.histories.notes)
        data["query"] = {**self.histories.query, **self.options.as_dict()}
        if self.strata:
            data["strata"] = {
                label: (r.as_dict() if isinstance(r, EstimateResult) else {"error": r})
                for label, r in self.strata.items()
            }
        if self.ledger_ids:
            data["ledger_ids"] = dict(self.ledger_ids)
        return data
