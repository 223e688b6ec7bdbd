"""The warnings and notes an estimate carries, as `%(name)s` templates.

Why templates rather than f-strings: the CLI and the JSON API give these in English, and
the web app shows them in the reader's language by matching the filled-in English
against each template to find its message id (`refwatch.web.i18n`). Writing each text
once here keeps the two from drifting apart.
"""

from __future__ import annotations

FEW_OVERLAPS = (
    "only %(overlaps)s of %(n)s people are on two or more lists; estimates from so few "
    "overlaps are very uncertain"
)
FEW_PEOPLE = "only %(n)s people in total: treat any estimate as a rough guide"
CHAINS_DISAGREE = (
    "the %(chains)s chains disagree (R-hat %(rhat)s); run longer (more burn-in and samples) "
    "before using this estimate"
)
FEW_DRAWS = (
    "only about %(ess)s effectively independent draws; the interval ends are imprecise — "
    "run more samples"
)
TOO_LARGE = (
    "the estimate is more than ten times the number of people seen: the lists overlap too "
    "little to pin it down"
)
MODELS_DISAGREE = (
    "%(count)s models fit almost equally well but give totals from %(low)s to %(high)s: the "
    "choice of model matters; the bootstrap interval takes this into account, the profile "
    "interval does not"
)
NO_UPPER_END = (
    "under the chosen model the data cannot rule out very large numbers of unseen people "
    "(the interval has no upper end)"
)
STRATA_APART = "strata are estimated separately; their sum need not equal the total estimate"
UNDATED_LEFT_OUT = "%(n)s persons with no known apprehension date are left out of the period"
SPANS_TWO = (
    "%(n)s persons have an apprehension date that spans two %(stratify)ss; each is placed "
    "by the midpoint of its date"
)
#: the stratum of the persons whose value is not known
UNKNOWN_STRATUM_LABEL = "unknown"
UNKNOWN_STRATUM = (
    f"%(n)s persons have no known %(stratify)s and form the '{UNKNOWN_STRATUM_LABEL}' stratum"
)

NO_STRATUM_TODAY = "today's data has no stratum %(stratum)s"

LINKAGE_MOVES = (
    "the estimate moves from %(low)s to %(high)s over %(draws)s linkages drawn from the match "
    "probabilities, more than the width of its interval with the links taken as certain "
    "(%(width)s): which mentions are linked matters more here than which people the lists "
    "happened to record; review the uncertain links first"
)
ONE_LIST_LOOKALIKES = (
    "%(n)s of the %(single)s persons seen on only one list have a possible match (a pair "
    "scored at %(floor)s or more by the latest linkage run) with another person; if some are "
    "the same people counted twice, the estimate is too large"
)
LINKAGE_SHARE = (
    "about %(share)s of the interval's width comes from uncertainty in linkage "
    "(%(draws)s linkages drawn from the latest run's match probabilities)"
)
LINKAGE_NO_PAIRS = (
    "no linkage run has stored match probabilities for these persons: the links are taken "
    "as certain"
)

#: every template, for the translation catalogue's completeness test
ALL: tuple[str, ...] = (
    FEW_OVERLAPS,
    FEW_PEOPLE,
    CHAINS_DISAGREE,
    FEW_DRAWS,
    TOO_LARGE,
    MODELS_DISAGREE,
    NO_UPPER_END,
    STRATA_APART,
    UNDATED_LEFT_OUT,
    SPANS_TWO,
    UNKNOWN_STRATUM,
    NO_STRATUM_TODAY,
    LINKAGE_MOVES,
    ONE_LIST_LOOKALIKES,
    LINKAGE_SHARE,
    LINKAGE_NO_PAIRS,
)
#: the templates with a value in them, matched as patterns by the web app
WITH_VALUES: tuple[str, ...] = tuple(m for m in ALL if "%(" in m)
