"""The warnings, notes and refusals of an estimate, as message codes with `%(name)s`
templates.

Why codes rather than f-strings: the CLI and the JSON API give these in English, and the
web app shows them in the reader's language. A warning is a `Message` (a string that
keeps its code and values), so the web words it again from the code's catalogue entry
(`refwatch.web.i18n`) instead of matching English text.
"""

from __future__ import annotations

from refwatch.domain.errors import define

FEW_OVERLAPS = define(
    "estimate.few_overlaps",
    "only %(overlaps)s of %(n)s people are on two or more lists; estimates from so few "
    "overlaps are very uncertain",
)
FEW_PEOPLE = define(
    "estimate.few_people",
    "only %(n)s people in total: treat any estimate as a rough guide",
)
CHAINS_DISAGREE = define(
    "estimate.chains_disagree",
    "the %(chains)s chains disagree (R-hat %(rhat)s); run longer (more burn-in and samples) "
    "before using this estimate",
)
FEW_DRAWS = define(
    "estimate.few_draws",
    "only about %(ess)s effectively independent draws; the interval ends are imprecise — "
    "run more samples",
)
TOO_LARGE = define(
    "estimate.too_large",
    "the estimate is more than ten times the number of people seen: the lists overlap too "
    "little to pin it down",
)
MODELS_DISAGREE = define(
    "estimate.models_disagree",
    "%(count)s models fit almost equally well but give totals from %(low)s to %(high)s: the "
    "choice of model matters; the bootstrap interval takes this into account, the profile "
    "interval does not",
)
NO_UPPER_END = define(
    "estimate.no_upper_end",
    "under the chosen model the data cannot rule out very large numbers of unseen people "
    "(the interval has no upper end)",
)
STRATA_APART = define(
    "estimate.strata_apart",
    "strata are estimated separately; their sum need not equal the total estimate",
)
UNDATED_LEFT_OUT = define(
    "estimate.undated_left_out",
    "%(n)s persons with no known apprehension date are left out of the period",
)
SPANS_TWO = define(
    "estimate.spans_two",
    "%(n)s persons have an apprehension date that spans two %(stratify)ss; each is placed "
    "by the midpoint of its date",
)
#: the stratum of the persons whose value is not known
UNKNOWN_STRATUM_LABEL = "unknown"
UNKNOWN_STRATUM = define(
    "estimate.unknown_stratum",
    f"%(n)s persons have no known %(stratify)s and form the '{UNKNOWN_STRATUM_LABEL}' stratum",
)

NO_STRATUM_TODAY = define(
    "estimate.no_stratum_today",
    "today's data has no stratum %(stratum)s",
)

LINKAGE_MOVES = define(
    "estimate.linkage_moves",
    "the estimate moves from %(low)s to %(high)s over %(draws)s linkages drawn from the match "
    "probabilities, more than the width of its interval with the links taken as certain "
    "(%(width)s): which mentions are linked matters more here than which people the lists "
    "happened to record; review the uncertain links first",
)
ONE_LIST_LOOKALIKES = define(
    "estimate.one_list_lookalikes",
    "%(n)s of the %(single)s persons seen on only one list have a possible match (a pair "
    "scored at %(floor)s or more by the latest linkage run) with another person; if some are "
    "the same people counted twice, the estimate is too large",
)
LINKAGE_SHARE = define(
    "estimate.linkage_share",
    "about %(share)s of the interval's width comes from uncertainty in linkage "
    "(%(draws)s linkages drawn from the latest run's match probabilities)",
)
LINKAGE_NO_PAIRS = define(
    "estimate.linkage_no_pairs",
    "no linkage run has stored match probabilities for these persons: the links are taken "
    "as certain",
)

TOO_FEW_LISTS = define(
    "estimate.too_few_lists",
    "only %(n)s list(s): at least 3 are needed, because with two lists nothing in the data can "
    "show whether the lists depend on each other",
)
EMPTY_LISTS = define(
    "estimate.empty_lists",
    "these lists have no one in this selection: %(lists)s; leave them out or widen the selection",
)
LIST_APART = define(
    "estimate.list_apart",
    "no one on list %(name)s is on any other list, so the data say nothing about what %(name)s "
    "misses; merge it with a similar list or leave it out",
)
SEARCH_TOO_SLOW = define(
    "estimate.search_too_slow",
    "searching all models of %(n)s lists is too slow; use stepwise selection",
)
TOO_MANY_LISTS = define("estimate.too_many_lists", "at most %(n)s lists; merge some lists first")
LISTS_LEFT_OUT = define(
    "estimate.lists_left_out",
    "left out of this estimate: %(lists)s. A person on a left-out list is counted only if "
    "another list saw them (%(n)s persons were seen on left-out lists alone and are not "
    "counted), and the estimate rests on the other lists alone",
)
UNKNOWN_LIST = define(
    "estimate.unknown_list",
    "no list is called %(name)s; the lists are %(known)s",
)
ALL_LEFT_OUT = define(
    "estimate.all_left_out",
    "every list is left out: keep at least three",
)

#: every code, for the translation catalogue's completeness test
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
    TOO_FEW_LISTS,
    EMPTY_LISTS,
    LIST_APART,
    SEARCH_TOO_SLOW,
    TOO_MANY_LISTS,
    LISTS_LEFT_OUT,
    UNKNOWN_LIST,
    ALL_LEFT_OUT,
)
