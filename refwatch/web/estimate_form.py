"""The estimates page's form: its fields, their defaults and caps, and what they become.

Why a module of its own: the form must ask exactly what `refwatch estimate` asks from the
workspace (lists, stratum, period, method, selection, interval, seed, LCMCR settings) and
turn it into the same `EstimateOptions` the command builds, so a page and a command given
the same choices and seed compute, and record in the ledger, the same estimate.

Differences from the command, each for a reason:

- `from`/`to` take EDTF (`2017-07`, `2017`, `2017-07/2017-08`) like every other date field
  of the app: `from` is the first day the date allows, `to` the last.
- The page computes while the browser waits, so work is capped (`MAX_*` below): at most
  `MAX_NBOOT` bootstrap replicates and at most `MAX_SWEEPS` LCMCR sweeps per table
  (chains × (burn-in + samples × thinning)), for the total and again for each stratum.
  Larger runs belong to the command line. The defaults answer in seconds on the demo.
- LCMCR chains run one after another in the request's thread (`processes=1`): forking a
  threaded web server is unsafe. The chains' seeds, and therefore the draws, are the same
  as when the command runs them in parallel.
- An empty seed field gets a fresh seed on the form (never a silent "no seed"), so every
  estimate the page records can be recomputed.
- Lists to leave out (`--leave-out`) are checkboxes of the workspace's lists, one group
  for sources and one for types of source; only the group of the chosen `lists` counts,
  and boxes ticked in the other group are refused rather than quietly ignored.
"""

from __future__ import annotations

import secrets
from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import date
from typing import Literal, cast

from refwatch.domain.dates import parse_date
from refwatch.domain.errors import DateError
from refwatch.estimate import EstimateOptions, EstimationError, LcmcrSettings
from refwatch.estimate.asked import EstimateRequest
from refwatch.estimate.core import Linkage
from refwatch.estimate.histories import LIST_KEYS, STRATA, ListKey
from refwatch.estimate.loglinear import Selection

METHOD_CHOICES: tuple[str, ...] = ("loglinear", "lcmcr")
SELECTION_CHOICES: tuple[str, ...] = ("bic", "aic", "stepwise")
INTERVAL_CHOICES: tuple[str, ...] = ("bootstrap", "profile")
LINKAGE_CHOICES: tuple[str, ...] = ("aware", "fixed")
LEVEL_CHOICES: tuple[str, ...] = ("0.8", "0.9", "0.95", "0.99")
LIST_CHOICES: tuple[str, ...] = LIST_KEYS
STRATUM_CHOICES: tuple[str, ...] = STRATA

MAX_NBOOT = 1_000
"""Bootstrap replicates per table (the command's default; it redoes model selection each time)."""
MAX_SWEEPS = 1_000_000
"""LCMCR Gibbs sweeps per table, all chains together: a few seconds on one core."""
MAX_SEED = 2**32 - 1
MAX_TEXT = 200

# (lowest, highest) for the whole-number fields
BOUNDS: dict[str, tuple[int, int]] = {
    "nboot": (0, MAX_NBOOT),
    "maxorder": (1, 9),
    "seed": (0, MAX_SEED),
    "K": (2, 50),
    "burnin": (0, MAX_SWEEPS),
    "samples": (4, 20_000),
    "thinning": (1, 100),
    "chains": (1, 4),
}

DEFAULTS: dict[str, str] = {
    "lists": "source",
    "stratify": "",
    "from": "",
    "to": "",
    "method": "loglinear",
    "linkage": "aware",
    "select": "",
    "interval": "bootstrap",
    "nboot": "200",
    "level": "0.95",
    "maxorder": "",
    "seed": "",
    "K": "5",
    "burnin": "5000",
    "samples": "1000",
    "thinning": "10",
    "chains": "2",
    "purpose": "",
}
FIELDS: tuple[str, ...] = tuple(DEFAULTS)
LEAVE_OUT: dict[str, str] = {"source": "leave_out", "source_type": "leave_out_type"}
"""The checkbox field of the lists to leave out, for each way lists are made."""
MULTI: tuple[str, ...] = tuple(LEAVE_OUT.values())
MAX_LEFT_OUT = 50
"""Boxes read per group (a workspace has a few dozen lists at most)."""


@dataclass(frozen=True)
class Problem:
    """A field the user must change: an English message (translated by the page) and its
    variables."""

    name: str
    message: str
    variables: dict[str, object] = field(default_factory=dict)


def fresh_values() -> dict[str, str]:
    """The form as first shown: the defaults and a fresh seed."""
    return {**DEFAULTS, "seed": str(secrets.randbelow(1_000_000))}


def form_values(submitted: Mapping[str, object]) -> dict[str, str]:
    """The submitted fields, trimmed and cut to a sane length; missing ones empty, except
    an empty seed, which gets a fresh one (shown on the page and kept in the ledger)."""
    values = {}
    for name in FIELDS:
        raw = submitted.get(name)
        values[name] = raw.strip()[:MAX_TEXT] if isinstance(raw, str) else ""
    for name in MULTI:
        values[name] = "\n".join(_ticked(submitted.get(name)))
    if not values["seed"]:
        values["seed"] = fresh_values()["seed"]
    return values


def _ticked(raw: object) -> list[str]:
    """The ticked boxes of one group: list names, trimmed, without repeats (a name with a
    line break cannot be a list's and is dropped, since the values keep one per line)."""
    given = [raw] if isinstance(raw, str) else raw if isinstance(raw, list) else []
    names = {v.strip()[:MAX_TEXT] for v in given[:MAX_LEFT_OUT] if isinstance(v, str)}
    return sorted(n for n in names if n and "\n" not in n and "\r" not in n)


def left_out(values: Mapping[str, str], group: str) -> list[str]:
    """The names ticked in one group of the form's values (`LEAVE_OUT[lists]`)."""
    return [name for name in values.get(group, "").split("\n") if name]


def _whole(values: dict[str, str], name: str, problems: list[Problem]) -> int | None:
    text = values[name].replace(",", "").replace("_", "")
    if not text:
        return None
    low, high = BOUNDS[name]
    try:
        number = int(text)
    except ValueError:
        number = None
    if number is None or not low <= number <= high:
        problems.append(
            Problem(
                name, "Write a whole number from %(low)s to %(high)s.", {"low": low, "high": high}
            )
        )
        return None
    return number


def _day(values: dict[str, str], name: str, end: bool, problems: list[Problem]) -> date | None:
    text = values[name]
    if not text:
        return None
    try:
        interval = parse_date(text)
    except DateError:
        problems.append(Problem(name, "Not an EDTF date; write e.g. 2017-07 or 2017-07-13."))
        return None
    return interval.latest if end else interval.earliest


def _choice(
    values: dict[str, str],
    name: str,
    choices: tuple[str, ...],
    message: str,
    problems: list[Problem],
) -> str | None:
    value = values[name]
    if value and value not in choices:
        problems.append(Problem(name, message))
        return None
    return value or None


def _lcmcr_settings(values: dict[str, str], method: str, problems: list[Problem]) -> dict[str, int]:
    """The sampler's settings (the defaults unless LCMCR is chosen), refused when they make
    more sweeps than the page runs."""
    defaults = LcmcrSettings()
    settings = {
        "K": defaults.K,
        "burnin": defaults.burnin,
        "samples": defaults.samples,
        "thinning": defaults.thinning,
        "chains": defaults.chains,
    }
    if method == "loglinear":
        return settings
    for name in settings:
        given = _whole(values, name, problems)
        if given is not None:
            settings[name] = given
    if not problems:
        sweeps = settings["chains"] * (
            settings["burnin"] + settings["samples"] * settings["thinning"]
        )
        if sweeps > MAX_SWEEPS:
            problems.append(
                Problem(
                    "burnin",
                    "These settings make %(sweeps)s sweeps (chains × (burn-in + samples × "
                    "thinning)); this page runs at most %(cap)s per table. Lower them, or "
                    "run longer chains with the refwatch estimate command.",
                    {"sweeps": f"{sweeps:,}", "cap": f"{MAX_SWEEPS:,}"},
                )
            )
    return settings


def parse_request(values: dict[str, str]) -> tuple[EstimateRequest | None, list[Problem]]:
    """The request the form describes, or the problems to show next to its fields."""
    problems: list[Problem] = []
    lists = _choice(
        values, "lists", LIST_CHOICES, "Choose lists by source or by source type.", problems
    )
    stratify = _choice(
        values, "stratify", STRATUM_CHOICES, "Choose a stratum from the list, or none.", problems
    )
    start = _day(values, "from", False, problems)
    end = _day(values, "to", True, problems)
    if start is not None and end is not None and end < start:
        problems.append(Problem("to", "The period ends before it starts."))
    method = _choice(values, "method", METHOD_CHOICES, "Choose log-linear or LCMCR.", problems)
    linkage = _choice(
        values,
        "linkage",
        LINKAGE_CHOICES,
        "Choose linkage-aware, or the latest linkage as it stands.",
        problems,
    )
    selection = _choice(
        values, "select", SELECTION_CHOICES, "Choose BIC, AIC or stepwise selection.", problems
    )
    interval = _choice(
        values, "interval", INTERVAL_CHOICES, "Choose a bootstrap or a profile interval.", problems
    )
    level = _choice(
        values, "level", LEVEL_CHOICES, "Choose an interval level from the list.", problems
    )
    seed = _whole(values, "seed", problems)
    method = method or "loglinear"
    nboot = maxorder = None
    if method == "loglinear":
        nboot = _whole(values, "nboot", problems)
        maxorder = _whole(values, "maxorder", problems)
    settings = _lcmcr_settings(values, method, problems)
    leave_out = _leave_out(values, cast(ListKey, lists or "source"), problems)
    if problems:
        return None, problems
    try:
        options = EstimateOptions(
            method=cast(Literal["loglinear", "lcmcr"], method),
            selection=cast(Selection | None, selection),
            maxorder=maxorder,
            level=float(level or DEFAULTS["level"]),
            interval=cast(Literal["bootstrap", "profile"], interval or "bootstrap"),
            nboot=int(DEFAULTS["nboot"]) if nboot is None else nboot,
            seed=seed,
            lcmcr=LcmcrSettings(**settings, seed=seed, processes=1),
            linkage=cast(Linkage, linkage or DEFAULTS["linkage"]),
        )
    except EstimationError as exc:
        return None, [Problem("K", str(exc))]
    request = EstimateRequest(
        lists=cast(ListKey, lists or "source"),
        stratify=stratify,
        period_from=start,
        period_to=end,
        options=options,
        purpose=values["purpose"] or None,
        leave_out=leave_out,
    )
    return request, []


def _leave_out(values: dict[str, str], lists: ListKey, problems: list[Problem]) -> tuple[str, ...]:
    """The lists to leave out, from the group of the chosen way of making lists."""
    other = LEAVE_OUT["source_type" if lists == "source" else "source"]
    if left_out(values, other):
        problems.append(
            Problem(
                "leave_out",
                "Tick lists of the kind chosen under Lists: sources for each source, types "
                "of source for each type of source.",
            )
        )
    return tuple(left_out(values, LEAVE_OUT[lists]))
