"""Multiple systems estimation: how many people no list recorded.

Two methods over the same capture histories: log-linear models (`loglinear`) and the
Bayesian latent-class model LCMCR (`lcmcr`).  Start from `estimate_from_table` or
`estimate_from_workspace`; docs/estimation.md explains the assumptions and the checks.
"""

from refwatch.estimate.api import (
    METHODS,
    EstimateOptions,
    WorkspaceEstimate,
    estimate_from_table,
    estimate_from_workspace,
)
from refwatch.estimate.errors import EstimationError
from refwatch.estimate.lcmcr import LcmcrSettings
from refwatch.estimate.result import EstimateResult
from refwatch.estimate.table import CaptureTable, read_histories_csv

__all__ = [
    "METHODS",
    "CaptureTable",
    "EstimateOptions",
    "EstimateResult",
    "EstimationError",
    "LcmcrSettings",
    "WorkspaceEstimate",
    "estimate_from_table",
    "estimate_from_workspace",
    "read_histories_csv",
]
