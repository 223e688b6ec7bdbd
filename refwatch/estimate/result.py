"""What an estimate is: the number, its interval, how it was made and what to beware of.

Why one shape for both methods: the CLI's `--json`, the API, the web page and the number
ledger all store or show the same fields, whatever the method.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field
from typing import Any


def _clean(value: Any) -> Any:
    if isinstance(value, float):
        return None if math.isnan(value) else (None if math.isinf(value) else value)
    if isinstance(value, dict):
        return {str(k): _clean(v) for k, v in value.items()}
    if isinstance(value, list | tuple):
        return [_clean(v) for v in value]
    if hasattr(value, "item") and callable(value.item):
        return _clean(value.item())
    return value


@dataclass
class EstimateResult:
    """An estimate of the total number of people, seen and unseen.

    `lower`/`upper` bound the interval at `level`; `upper` is None when the data cannot
    rule out very large numbers.  `model` says what was fitted (terms or sampler settings),
    `diagnostics` holds the figures behind it, `warnings` what a reader must know, and
    `linkage` (linkage-aware estimates) how much of the interval comes from linkage.
    """

    method: str
    n_observed: int
    estimate: float
    lower: float | None
    upper: float | None
    level: float
    lists: list[str]
    model: dict[str, Any] = field(default_factory=dict)
    diagnostics: dict[str, Any] = field(default_factory=dict)
    warnings: list[str] = field(default_factory=list)
    stratum: str | None = None
    linkage: dict[str, Any] | None = None
    #: the posterior draws (LCMCR) or bootstrap replicates (log-linear) of the total,
    #: kept in memory for pooling over linkages; never part of the answer
    draws: Any = field(default=None, repr=False, compare=False)

    @property
    def unseen(self) -> float:
        return self.estimate - self.n_observed

    def as_dict(self) -> dict[str, Any]:
        data = {
            "method": self.method,
            "n_observed": self.n_observed,
            "estimate": self.estimate,
            "lower": self.lower,
            "upper": self.upper,
            "level": self.level,
            "model": self.model,
            "diagnostics": self.diagnostics,
            "warnings": list(self.warnings),
            "lists": list(self.lists),
        }
        if self.stratum is not None:
            data["stratum"] = self.stratum
        if self.linkage is not None:
            data["linkage"] = self.linkage
        cleaned = _clean(data)
        assert isinstance(cleaned, dict)
        return cleaned
