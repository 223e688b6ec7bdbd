"""The linkage model, declared: comparisons, blocking rules, training plan, thresholds.

Why declarative: a linkage result must be explainable and reproducible. Everything that
decides which mentions are one person is in the `LinkageConfig` and the Splink settings
built here; both are saved as JSON with every run (with the trained parameters), so a
run can be read, diffed against another and re-run. The SQL is plain enough to run on
Splink's DuckDB and Spark backends alike (string distance is Levenshtein, which both
have).

Each comparison starts from prior m and u probabilities (how often a level is seen
among true matches and among non-matches), so a workspace too small to train on still
links sensibly; training replaces them.
"""

from __future__ import annotations

import json
from dataclasses import asdict, dataclass, field
from typing import Any

import splink.comparison_level_library as cll
import splink.comparison_library as cl
from splink import SettingsCreator

SETTINGS_VERSION = 9
"""Version 9 (issue 12, time at a million mentions): expectation maximisation iterates
over the counts of each agreement pattern, not over every sampled pair, leaving term
frequencies out of its expectation step as Splink's `estimate_without_term_frequencies`
does (`LinkageConfig.em_without_tf`); runs saved before read with it False.
Version 8 (issue 12): a name whose family name could be first or last is compared in
its other reading also when one side has no apprehension date (four blocking rules);
runs saved before keep their own rules. Version 7 (issue 12): the name frequencies that
weigh "same Hangul name" and "same name under every spelling" count only the pairs that
can reach each level (`model.level_shares`, `LinkageConfig.tf_pair_shares`), and the
clustering threshold is 0.45; runs saved before read with `tf_pair_shares` False and
keep their own threshold.
Version 6 (issue 12): group co-membership as evidence, a step between scoring and
clustering (`groups`, `LinkageConfig.group_bar`); runs saved before have no `group_bar`
and read as None (the step off). Version 5 (issue 12, recall at scale): two pieces of
evidence that common names in one area and month lacked -- the same rare flag on both
mentions (pregnant, ill, guide, born in custody; `features.RARE_FLAGS`), and the same
outcome on the same day for two mentions of one name caught together. Version 4 (issue
12, recall on hard worlds): term frequencies leave out a person's own mentions
(`LinkageConfig.tf_own_mentions`); two real names a sound or two apart weigh against a
match (`features.known_names`); three blocking rules for glued names and wrong first
letters. Version 3: the looser blocking keys of version 2 capped
(`LinkageConfig.key_cap`), the weak "caught together" levels of origin and outcome
removed, and a level for apprehension dates both known to within two months. Saved runs
keep their own rules and model (a model saved before version 5 has no flags comparison,
so it scores as it did); a run's `refwatch.settings_version` says which (see
docs/linkage.md, "Linkage settings version 5")."""

_OVERLAP = "l.appr_lo <= r.appr_hi AND r.appr_lo <= l.appr_hi"

BLOCKING_RULES: tuple[str, ...] = (
    # Same name, same area (a prefecture, or the town), overlapping apprehension dates.
    f"l.name_key = r.name_key AND l.appr_area = r.appr_area AND {_OVERLAP}",
    # The same when one side's place, or one side's date, is unknown.
    f"l.appr_area IS NULL AND l.name_key = r.name_key AND {_OVERLAP}",
    f"r.appr_area IS NULL AND l.name_key = r.name_key AND {_OVERLAP}",
    "l.appr_lo IS NULL AND l.name_key = r.name_key AND l.appr_area = r.appr_area",
    "r.appr_lo IS NULL AND l.name_key = r.name_key AND l.appr_area = r.appr_area",
    # Same name, birth year and home place, whatever the dates say.
    "l.name_key = r.name_key AND l.birth_lo = r.birth_lo AND l.origin_id = r.origin_id",
    # A rare name: every pair of its mentions.
    "l.name_key_rare = r.name_key_rare",
    # A name whose family name could be first or last, in the other reading.
    f"l.name_key = r.name_key_alt AND {_OVERLAP}",
    f"l.name_key_alt = r.name_key AND {_OVERLAP}",
    # The same when one side's date is unknown (since version 8): "Young Sook Park", read
    # the other way, is "Pak Young Suk" whatever the dates. Few pairs: 1,180 more
    # candidates than version 7's 978,224 on the world of 100,000 persons of seed 7.
    "l.appr_lo IS NULL AND l.name_key = r.name_key_alt",
    "r.appr_lo IS NULL AND l.name_key = r.name_key_alt",
    "l.appr_lo IS NULL AND l.name_key_alt = r.name_key",
    "r.appr_lo IS NULL AND l.name_key_alt = r.name_key",
    # Names a typing error, a glued word or another order split (since settings version
    # 2): the same letters of the sound key in any order; the whole sound key in the
    # other order; the same given name; the same family name and the same first or last
    # three sounds of the given name -- each with overlapping dates. These keys are far
    # less selective than a name, so since version 3 they join only where few mentions
    # share them (the `_c` columns, `features.CAPPED_KEYS`).
    f"l.ph_bag_c = r.ph_bag_c AND {_OVERLAP}",
    f"l.ph = r.ph_rev AND {_OVERLAP}",
    # Since version 4: the same sound key where one side's place is unknown (a glued or
    # unread family name gives no name key), and the sound key but its first letter.
    f"l.appr_area IS NULL AND l.ph = r.ph AND {_OVERLAP}",
    f"r.appr_area IS NULL AND l.ph = r.ph AND {_OVERLAP}",
    f"l.ph_tail_c = r.ph_tail_c AND {_OVERLAP}",
    f"l.ph_rev = r.ph AND {_OVERLAP}",
    f"l.given_c = r.given_c AND {_OVERLAP}",
    f"l.surname_head_c = r.surname_head_c AND {_OVERLAP}",
    f"l.surname_tail_c = r.surname_tail_c AND {_OVERLAP}",
    # Caught the same day in the same area, same sex; or overlapping dates in one area
    # and the first two sounds of the name alike.
    "l.day_area_sex_c = r.day_area_sex_c",
    f"l.area_ph2_c = r.area_ph2_c AND {_OVERLAP}",
    # One side without dates: the same sound key or letters, or the same family name,
    # sex and area; and the same Hangul name and sex, whatever else is missing. (One
    # equality per rule: a join on "a = b OR c = d" compares every pair.)
    "l.appr_lo IS NULL AND l.ph_c = r.ph_c",
    "r.appr_lo IS NULL AND l.ph_c = r.ph_c",
    "l.appr_lo IS NULL AND l.ph_bag_c = r.ph_bag_c",
    "r.appr_lo IS NULL AND l.ph_bag_c = r.ph_bag_c",
    "(l.appr_lo IS NULL OR r.appr_lo IS NULL) AND l.surname_sex_area_c = r.surname_sex_area_c",
    "l.hangul_c = r.hangul_c",
)
"""Which pairs are scored. Each rule is an equality join narrowed by a filter, so the
work grows with the pairs it finds, not with the square of the mentions: on the
synthetic world of 113,997 mentions (benchmarks/linkage_blocking.py) version 3's rules
find 99.8% of the true pairs among 1.09 million candidates (9.6 per mention; version 2's
rules made 22.7 million for 0.2% more true pairs); version 4's three rules add 3,578
candidates there (docs/linkage.md)."""


@dataclass(frozen=True)
class LinkageConfig:
    """The knobs of a run, saved with it.

    - `threshold`: two groups of mentions join when the average match weight of the pairs
      between them is at least that of this probability (see `cluster`).
    - `review_low`, `review_high`: pairs scored in this band are uncertain and go to the
      review queue.
    - `keep_pairs_min`: pairs scored below this are dropped; a dropped pair of mentions
      that share a name key counts as evidence against joining them.
    - `prior_match`: probability that two random mentions are one person before training
      (None: one over the number of mentions).
    - `u_max_pairs`, `em_max_pairs`: sample sizes for training; `seed` makes them repeatable.
    - `min_mentions_to_train`: below this, the priors are used as they are.
    - `min_labels_to_train`: "same person" decisions needed before they train m values.
    - `m_floor`: no trained m probability goes below this (see `model.regularise`).
    - `memory_limit`: DuckDB's memory ceiling (it never spills to disk; see run.py).
    - `rare_name_cap`: a name key held by at most this many mentions is rare enough to
      compare all its mentions, whatever their dates (see `BLOCKING_RULES`).
    - `key_cap`: the looser blocking keys (`features.CAPPED_KEYS`) join only mentions of
      a key held by at most this many mentions, so that the candidate pairs grow with
      the mentions, not with their square.
    - `max_review_pairs`: uncertain pairs between persons kept for the review queue.
    - `plausible_min`: every pair between two persons scored at least this is kept, so
      that counts can say which persons may be one human being (the identity part of
      "at least", see docs/counting.md); at least `keep_pairs_min`.
    - `calibrate_prior`: after scoring, set the prior to agree with the scored pairs
      (`model.calibrate_prior`); off, the prior from the deterministic rules stands.
    - `tf_own_mentions`: mentions taken off each name's count before it is used as a
      term frequency, for the person's own mentions (`model.term_frequencies`; 0 before
      settings version 4).
    - `tf_pair_shares`: since settings version 7, each name frequency is multiplied by
      the share of pairs that can reach the level it adjusts (`model.level_shares`);
      False for runs saved before.
    - `group_bar`: since settings version 6, a pair whose mentions' groups (people
      reported together) have other members linked across at this match probability or
      more gains the group evidence (`refwatch.linkage.groups`); None: off (runs saved
      before version 6).
    - `em_without_tf`: since settings version 9, EM's iterations run over the counts of
      each agreement pattern, term frequencies left out of the expectation step (they
      still weigh every scored pair); False for runs saved before.
    - `blocking`: which pairs are scored at all (SQL over the two sides, l and r).
    """

    threshold: float = 0.45
    review_low: float = 0.1
    review_high: float = 0.9
    keep_pairs_min: float = 0.01
    prior_match: float | None = None
    u_max_pairs: float = 2e6
    em_max_pairs: float = 2e6
    seed: int = 42
    min_mentions_to_train: int = 50
    min_labels_to_train: int = 20
    m_floor: float = 0.002
    memory_limit: str = "6GB"
    rare_name_cap: int = 50
    key_cap: int = 40
    max_review_pairs: int = 20_000
    plausible_min: float = 0.05
    calibrate_prior: bool = True
    tf_own_mentions: float = 2.0
    tf_pair_shares: bool = True
    group_bar: float | None = 0.9
    em_without_tf: bool = True
    blocking: tuple[str, ...] = field(default_factory=lambda: BLOCKING_RULES)

    def as_dict(self) -> dict[str, Any]:
        data = asdict(self)
        data["blocking"] = list(self.blocking)
        data["settings_version"] = SETTINGS_VERSION
        return data

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> LinkageConfig:
        values = {k: v for k, v in data.items() if k in cls.__dataclass_fields__}
        if int(data.get("settings_version") or 0) < 4:
            values.setdefault("tf_own_mentions", 0.0)  # counted as they were
        if int(data.get("settings_version") or 0) < 6:
            values.setdefault("group_bar", None)  # no group evidence before version 6
        if int(data.get("settings_version") or 0) < 7:
            values.setdefault("tf_pair_shares", False)  # frequencies as they were
        if int(data.get("settings_version") or 0) < 9:
            values.setdefault("em_without_tf", False)  # EM over every pair, as it was
        if "blocking" in values:
            values["blocking"] = tuple(values["blocking"])
        return cls(**values)


def _level(sql: str, label: str, m: float, u: float, **extra: Any) -> dict[str, Any]:
    return {
        "sql_condition": sql,
        "label_for_charts": label,
        "m_probability": m,
        "u_probability": u,
        **extra,
    }


# Levels whose m and u stay as declared: EM, in blocks full of people caught together,
# cannot tell a near name of one person from the near names of two group-mates.
_FIXED: dict[str, Any] = {"fix_m_probability": True}


def _null(sql: str, label: str) -> dict[str, Any]:
    return {"sql_condition": sql, "label_for_charts": label, "is_null_level": True}


def _else(m: float, u: float, label: str = "everything else") -> dict[str, Any]:
    return _level("ELSE", label, m, u)


def _overlap(lo: str, hi: str) -> str:
    return f"greatest({lo}_l, {lo}_r) <= least({hi}_l, {hi}_r)"


def _gap(lo: str, hi: str) -> str:
    return f"greatest({lo}_l, {lo}_r) - least({hi}_l, {hi}_r)"


NAME_NOISE_REFERENCE = 0.075
"""The share of romanised-only names whose family name cannot be read (`name_noise`) in
lists as noisy as the synthetic "hard" worlds, where the near-name levels' m values
were measured (benchmarks/linkage_recall.py, tuning seeds)."""


def name_noise(
    surnames: list[str | None], phonetic: list[str | None], hangul: list[str | None]
) -> float:
    """How noisy the romanised names of a workspace are: the share of mentions named in
    Latin letters only whose family name cannot be read (glued, misspelt, split wrongly).

    Typing errors make names one or two sounds apart among true matches; in clean lists
    such names are two people. The near-name levels' m values scale with this share.
    """
    latin = [s for s, p, h in zip(surnames, phonetic, hangul, strict=True) if p and not h]
    if not latin:
        return 0.0
    return sum(1 for s in latin if s is None or s.startswith("~")) / len(latin)


def name_comparison(noise: float = NAME_NOISE_REFERENCE) -> cl.CustomComparison:
    """Names through their keys: exact Hangul, same key, near key, family name only.

    `noise` (see `name_noise`) scales the m values of the levels for names one or two
    sounds apart, which only typing errors fill among true matches.
    """
    scale = min(1.0, max(0.02, noise / NAME_NOISE_REFERENCE))
    return cl.CustomComparison(
        output_column_name="name",
        comparison_description="Names, compared through Hangul and romanisation-insensitive keys",
        comparison_levels=[*_same_name_levels(), *_near_name_levels(scale)],
    )


# Two family names both read from the table and different (Kim, Im) are not a typing
# error of one name, however few letters they differ by.
_SURNAMES_AGREE = (
    "(surname_l = surname_r OR surname_l IS NULL OR surname_r IS NULL "
    "OR surname_l LIKE '~%' OR surname_r LIKE '~%')"
)
_DISTANCE = (
    "least(levenshtein(ph_l, ph_r), levenshtein(ph_l, ph_rev_r), levenshtein(ph_rev_l, ph_r))"
)


def _same_name_levels() -> list[Any]:
    """The levels of a missing name, the same Hangul, two Hangul names, and the same name
    under another spelling or order."""
    same_key = (
        "name_key_l = name_key_r OR name_key_l = name_key_alt_r OR name_key_alt_l = name_key_r"
    )
    any_order = "ph_l = ph_r OR ph_l = ph_rev_r OR ph_rev_l = ph_r"
    return [
        _null("ph_l IS NULL OR ph_r IS NULL", "a name is missing or unreadable"),
        _level(
            "hangul_l = hangul_r",
            "same Hangul name",
            0.3,
            0.0005,
            tf_adjustment_column="hangul",
            tf_adjustment_weight=1.0,
        ),
        # Hangul is the pivot: typing errors are in romanisations; two Hangul names
        # that differ (after 리 → 이 and the like) are two names.
        _level("hangul_l <> hangul_r", "two different Hangul names", 0.002, 0.9, **_FIXED),
        _level(
            "name_key_l = name_key_r",
            "same name under every spelling",
            0.3,
            0.001,
            tf_adjustment_column="name_key",
            tf_adjustment_weight=1.0,
        ),
        _level(same_key, "same name in another reading of the order", 0.05, 0.0005),
        _level(any_order, "same sounds in another order or spacing", 0.04, 0.001, **_FIXED),
    ]


def _near_name_levels(scale: float) -> list[Any]:
    """The levels of names a sound or a letter apart (m values scaled by the typing noise),
    of one shared part, and of different names."""
    return [
        _level(
            f"ph_known_l AND ph_known_r AND ph_flat_l <> ph_flat_r AND {_DISTANCE} <= 2",
            "two real names a sound or two apart (each written in Hangul somewhere)",
            0.0003,
            0.01,
            **_FIXED,
        ),
        _level(
            f"{_SURNAMES_AGREE} AND {_DISTANCE} <= 1",
            "names one sound apart, in any order",
            0.035 * scale,
            0.01,
            **_FIXED,
        ),
        cll.And(cll.ExactMatchLevel("surname"), cll.LevenshteinLevel("given", 1)).configure(
            label_for_charts="same family name, given name one letter apart",
            m_probability=0.01 * scale,
            u_probability=0.005,
            fix_m_probability=True,
        ),
        cll.Or(
            cll.And(cll.ExactMatchLevel("surname"), cll.LevenshteinLevel("given", 2)),
            cll.And(cll.ExactMatchLevel("given"), cll.CustomLevel(_SURNAMES_AGREE)),
        ).configure(
            label_for_charts="given names close, or same given name and a family name unread",
            m_probability=0.013 * scale,
            u_probability=0.02,
            fix_m_probability=True,
        ),
        _level(
            f"{_SURNAMES_AGREE} AND {_DISTANCE} <= 2",
            "names two sounds apart, in any order",
            0.005 * scale,
            0.02,
            **_FIXED,
        ),
        cll.ExactMatchLevel("surname").configure(
            label_for_charts="same family name only",
            m_probability=0.003,
            u_probability=0.1,
            fix_m_probability=True,
        ),
        _level("given_l = given_r", "same given name, another family name", 0.002, 0.02, **_FIXED),
        _level("ELSE", "different names", 0.003, 0.87, **_FIXED),
    ]


def event_comparison() -> cl.CustomComparison:
    """Apprehension date and place, as one comparison.

    Date and place are compared together because they are not independent: people
    caught together share both, so counting a shared day and a shared town as two
    separate pieces of evidence would take any two members of one group for one person.
    Places compare by area (see `features`): a town and the region containing it, or two
    towns of one prefecture (Mengla and Jinghong in Xishuangbanna) count as the same
    place; an unknown place is kept apart from a different one.
    """
    both_dates = "appr_lo_l IS NOT NULL AND appr_lo_r IS NOT NULL"
    place_unknown = "appr_area_l IS NULL OR appr_area_r IS NULL"
    precise = (
        f"appr_hi_l - appr_lo_l <= 3 AND appr_hi_r - appr_lo_r <= 3 "
        f"AND {_overlap('appr_lo', 'appr_hi')}"
    )
    overlap = _overlap("appr_lo", "appr_hi")
    # Both dates known to within two months: sharing such a date says more than sharing
    # a year (in a dense world, many people with a common name were caught in one area
    # in one year, far fewer in one month).
    narrow = f"appr_hi_l - appr_lo_l <= 62 AND appr_hi_r - appr_lo_r <= 62 AND {overlap}"
    near = cll.CustomLevel("appr_area_l = appr_area_r")

    def sql(condition: str) -> cll.CustomLevel:
        return cll.CustomLevel(condition)

    def level(creator: Any, label: str, m: float, u: float) -> Any:
        return creator.configure(label_for_charts=label, m_probability=m, u_probability=u)

    return cl.CustomComparison(
        output_column_name="apprehended",
        comparison_description=(
            "Apprehension (or birth in custody): date interval and place (gazetteer, km)"
        ),
        comparison_levels=[
            _null(
                f"(appr_lo_l IS NULL OR appr_lo_r IS NULL) AND ({place_unknown})",
                "neither date nor place comparable",
            ),
            level(cll.And(sql(precise), near), "same day, same place", 0.3, 0.0002),
            level(
                cll.And(sql(narrow), near),
                "overlapping dates within two months, same place",
                0.45,
                0.002,
            ),
            level(cll.And(sql(overlap), near), "overlapping dates, same place", 0.05, 0.005),
            level(
                sql(f"({precise}) AND ({place_unknown})"), "same day, place unknown", 0.03, 0.0005
            ),
            level(
                sql(f"({overlap}) AND ({place_unknown})"),
                "overlapping dates, place unknown",
                0.07,
                0.005,
            ),
            level(sql(overlap), "overlapping dates, other place", 0.03, 0.05),
            level(sql(f"{_gap('appr_lo', 'appr_hi')} <= 31"), "dates within a month", 0.02, 0.05),
            level(
                cll.And(sql(f"NOT ({both_dates})"), near), "a date unknown, same place", 0.03, 0.02
            ),
            level(sql(f"NOT ({both_dates})"), "a date unknown, other place", 0.005, 0.02),
            _else(0.015, 0.8503, "dates more than a month apart"),
        ],
    )


# Two mentions caught on overlapping dates in one area.
_CAUGHT_TOGETHER = (
    "appr_area_l = appr_area_r AND greatest(appr_lo_l, appr_lo_r) <= least(appr_hi_l, appr_hi_r)"
)


# The same name under any spelling (the name comparison's "same" levels).
_SAME_NAME = "hangul_l = hangul_r OR name_key_l = name_key_r"

OUTCOME_DAY_M = 0.023
OUTCOME_DAY_U = 0.00035
"""m and u of "same outcome on the same day, same name, caught together", as shares of
the candidate pairs of one name caught together (true pairs: 822 of 35,346; pairs of two
people: 24 of 68,984), so that the level adds only what the name and the event have not
already counted: +6 bits (synthetic world of 100,000 persons, seed 7; settings version 5)."""

FLAG_SAME_M = 0.078
FLAG_SAME_U = 0.003
"""m and u of "the same rare flags" (+4.7 bits): 7.8% of true pairs carry the same rare
flags, 0.3% of random pairs (synthetic world of 100,000 persons, seed 7). Different rare
flags on the two sides weigh nothing: sources note different things."""


def comparisons(noise: float = NAME_NOISE_REFERENCE) -> list[Any]:
    """Every comparison of the model, in the order explanations list them."""
    return [
        name_comparison(noise),
        _sex_comparison(),
        _birth_comparison(),
        _origin_comparison(),
        event_comparison(),
        _outcome_comparison(),
        _source_comparison(),
        _flags_comparison(),
    ]


def _flags_comparison() -> cl.CustomComparison:
    """Rare flags (pregnant, ill, guide, born in custody), since settings version 5.

    Few people carry one, so two mentions carrying the same one are likely one person; a
    flag on one side only says nothing (one source notes an illness, another does not).
    """
    return cl.CustomComparison(
        output_column_name="flags",
        comparison_description=(
            "Rare flags both mentions carry (pregnant, ill, guide, born in custody)"
        ),
        comparison_levels=[
            _null(
                "flags_rare_l IS NULL OR flags_rare_r IS NULL",
                "a rare flag on one side or neither",
            ),
            _level(
                "flags_rare_l = flags_rare_r",
                "the same rare flags",
                FLAG_SAME_M,
                FLAG_SAME_U,
                fix_m_probability=True,
                fix_u_probability=True,
            ),
            _level(
                "ELSE",
                "other rare flags",
                0.005,
                0.005,
                fix_m_probability=True,
                fix_u_probability=True,
            ),
        ],
    )


def _sex_comparison() -> cl.CustomComparison:
    """Sex, with fixed weights."""
    return cl.CustomComparison(
        output_column_name="sex",
        comparison_description=(
            "Sex (fixed weights: Korean given names mostly tell sex, so a shared sex "
            "says little once names agree, and a different sex says much)"
        ),
        comparison_levels=[
            _null("sex_l IS NULL OR sex_r IS NULL", "sex unknown"),
            _level(
                "sex_l = sex_r",
                "same sex",
                0.998,
                0.97,
                fix_m_probability=True,
                fix_u_probability=True,
            ),
            _level(
                "ELSE",
                "different sex",
                0.002,
                0.03,
                fix_m_probability=True,
                fix_u_probability=True,
            ),
        ],
    )


def _birth_comparison() -> cl.CustomComparison:
    """Birth year, given or derived from the age."""
    return cl.CustomComparison(
        output_column_name="birth",
        comparison_description="Birth year, given or derived from the age at apprehension",
        comparison_levels=[
            _null("birth_lo_l IS NULL OR birth_lo_r IS NULL", "birth year unknown"),
            _level(
                f"birth_hi_l - birth_lo_l <= 1 AND birth_hi_r - birth_lo_r <= 1 "
                f"AND {_overlap('birth_lo', 'birth_hi')}",
                "same birth year",
                0.7,
                0.03,
            ),
            _level(_overlap("birth_lo", "birth_hi"), "birth years compatible", 0.15, 0.05),
            _level(f"{_gap('birth_lo', 'birth_hi')} <= 2", "birth years within 2", 0.1, 0.1),
            _level(f"{_gap('birth_lo', 'birth_hi')} <= 5", "birth years within 5", 0.03, 0.15),
            _else(0.02, 0.67, "birth years far apart"),
        ],
    )


def _origin_comparison() -> cl.CustomComparison:
    """Home place in North Korea."""
    return cl.CustomComparison(
        output_column_name="origin",
        comparison_description="Home place in North Korea (gazetteer)",
        comparison_levels=[
            _null("origin_id_l IS NULL OR origin_id_r IS NULL", "origin unknown"),
            _level("origin_id_l = origin_id_r", "same home place", 0.8, 0.1),
            _level("origin_province_l = origin_province_r", "same home province", 0.15, 0.15),
            _else(0.05, 0.75, "different provinces"),
        ],
    )


def _outcome_comparison() -> cl.CustomComparison:
    """What became of the person, and when."""
    return cl.CustomComparison(
        output_column_name="outcome",
        comparison_description="What became of the person (returned, released ...) and when",
        comparison_levels=[
            _null("status_lo_l IS NULL OR status_lo_r IS NULL", "no dated outcome"),
            # Since version 5: the same outcome on the same day, both dated to the day,
            # for two mentions of one name caught together. Group-mates share their
            # outcome day too, but two group-mates rarely share a name: among mentions of
            # one name caught together, an outcome on the same day is one person far
            # more often than not (m and u measured among such pairs, `OUTCOME_DAY_M`).
            _level(
                f"status_l = status_r AND status_lo_l = status_lo_r "
                f"AND status_hi_l - status_lo_l <= 3 AND status_hi_r - status_lo_r <= 3 "
                f"AND {_CAUGHT_TOGETHER} AND ({_SAME_NAME})",
                "same outcome on the same day, same name, caught together",
                OUTCOME_DAY_M,
                OUTCOME_DAY_U,
                fix_m_probability=True,
                fix_u_probability=True,
            ),
            # People caught together often share their fate: among unrelated pairs
            # caught on overlapping dates in one area, 14% (100,000 persons) to 26-37%
            # (800 persons, hard noise) share a dated outcome, against 4-5% of random
            # pairs (benchmarks/linkage_blocking.py worlds). The apprehension
            # comparison has already counted the shared event, so here the outcome
            # weighs what it adds given that event (u measured, fixed).
            _level(
                f"status_l = status_r AND {_overlap('status_lo', 'status_hi')} "
                f"AND {_CAUGHT_TOGETHER}",
                "same outcome on the same dates, caught together",
                0.7,
                0.2,
                fix_m_probability=True,
                fix_u_probability=True,
            ),
            _level(
                f"status_l = status_r AND {_overlap('status_lo', 'status_hi')}",
                "same outcome on the same dates",
                0.7,
                0.01,
            ),
            _level(
                f"status_l = status_r AND {_gap('status_lo', 'status_hi')} <= 31",
                "same outcome within a month",
                0.15,
                0.05,
            ),
            _level(_overlap("status_lo", "status_hi"), "other outcome, same dates", 0.03, 0.01),
            _else(0.12, 0.93, "different outcomes or dates"),
        ],
    )


def _source_comparison() -> cl.CustomComparison:
    """The reporting source."""
    return cl.CustomComparison(
        output_column_name="source",
        comparison_description="Reporting source (a source rarely lists one person twice)",
        comparison_levels=[
            _null("source_id_l IS NULL OR source_id_r IS NULL", "source unknown"),
            _level(
                "source_id_l = source_id_r AND group_id_l = group_id_r",
                "same source, same group label (a second report of the group)",
                0.05,
                0.05,
                fix_m_probability=True,
                fix_u_probability=True,
            ),
            _level("source_id_l = source_id_r", "same source", 0.04, 0.3),
            _else(0.96, 0.7, "different sources"),
        ],
    )


def settings_creator(config: LinkageConfig, noise: float = NAME_NOISE_REFERENCE) -> SettingsCreator:
    """Splink settings for deduplicating all mentions (dialect-neutral)."""
    return SettingsCreator(
        link_type="dedupe_only",
        unique_id_column_name="unique_id",
        comparisons=comparisons(noise),
        blocking_rules_to_generate_predictions=[{"blocking_rule": r} for r in config.blocking],
        probability_two_random_records_match=config.prior_match or 1e-4,
        retain_matching_columns=False,
        retain_intermediate_calculation_columns=True,
        max_iterations=25,
        em_convergence=0.0001,
    )


# Rules whose pairs train the m values by EM: each leaves some comparisons free to learn.
# Each block leaves the comparisons it does not block on free to learn, and holds enough
# true matches for EM to find them: same name and day (trains birth, origin, outcome),
# same day, place and birth year (trains the name), same name, birth year and origin
# (trains the apprehension). Blocks on one name alone hold too few matches among the
# many people who share a common name, and EM then learns something else.
EM_TRAINING_RULES: tuple[tuple[str, ...], ...] = (
    ("name_key", "appr_lo"),
    ("appr_lo", "appr_place_id", "birth_lo"),
    ("name_key", "birth_lo", "origin_id"),
)

# Pairs these rules find are almost surely the same person (used to estimate how many
# pairs match at all, with an assumed recall).
DETERMINISTIC_RULES: tuple[str, ...] = (
    "l.name_key = r.name_key AND l.appr_lo = r.appr_lo AND l.appr_hi - l.appr_lo <= 3 "
    "AND l.sex = r.sex",
)
DETERMINISTIC_RECALL = 0.6


def saved_settings(config: LinkageConfig, model: dict[str, Any]) -> str:
    """The JSON saved with a run: RefWatch's configuration and Splink's trained model."""
    return json.dumps(
        {"refwatch": config.as_dict(), "splink": model},
        ensure_ascii=False,
        sort_keys=True,
        default=str,
    )
