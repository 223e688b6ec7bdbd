"""Why a person's mentions were joined: the pairs, comparison by comparison.

Each kept pair of the latest run stores, per comparison, the level it reached and its
match weight (in bits: +1 doubles the odds that the two mentions are one person, -1
halves them). The labels of the levels come from the settings saved with that run, so
an explanation always describes the model that actually made the decision.
"""

from __future__ import annotations

import json
import math
from dataclasses import asdict, dataclass, field
from typing import Any

from sqlalchemy import Connection, and_, select

from refwatch.domain.errors import RefWatchError
from refwatch.linkage import decisions as decision_store
from refwatch.linkage.evidence import MentionEvidence, audit_name_read, mention_evidence
from refwatch.store.crypto import FieldCipher
from refwatch.store.queries import current_mentions, links
from refwatch.store.schema import Person, table_of
from refwatch.store.schema_linkage import LinkagePair, LinkageRun, PersonRetirement
from refwatch.store.workspace import Workspace

runs = table_of(LinkageRun)
pairs = table_of(LinkagePair)
persons = table_of(Person)
retirements = table_of(PersonRetirement)


GROUPS = "groups"
GROUPS_DESCRIPTION = (
    "People reported together: other members of the two mentions' groups linked across "
    "(settings version 6)"
)
GROUPS_LINKED = "group-mates linked across the two reports"
GROUPS_NOT_LINKED = "no group-mates linked across"
"""The words an explanation shows for the group evidence (`refwatch.linkage.groups`)."""


@dataclass
class ComparisonPart:
    comparison: str
    description: str
    level: str
    weight: float


@dataclass
class PairExplanation:
    mention_a: str
    mention_b: str
    match_probability: float
    match_weight: float
    prior_weight: float | None
    parts: list[ComparisonPart]


@dataclass
class PersonExplanation:
    person_id: str
    version: int
    run_id: str | None
    threshold: float | None
    retired: bool
    successor_id: str | None
    mentions: list[MentionEvidence] = field(default_factory=list)
    pairs: list[PairExplanation] = field(default_factory=list)
    decisions: list[dict[str, Any]] = field(default_factory=list)

    def as_dict(self) -> dict[str, Any]:
        return asdict(self)


class RunModel:
    """Level labels and descriptions of a run's saved settings."""

    def __init__(self, settings: dict[str, Any]) -> None:
        self.refwatch: dict[str, Any] = settings.get("refwatch", {})
        self.splink: dict[str, Any] = settings.get("splink", {})
        self.comparisons: list[tuple[str, str, dict[int, str]]] = []
        for comparison in self.splink.get("comparisons", []):
            levels = [lv for lv in comparison["comparison_levels"] if not lv.get("is_null_level")]
            labels = {
                len(levels) - 1 - i: str(lv.get("label_for_charts")) for i, lv in enumerate(levels)
            }
            labels[-1] = "not comparable (missing)"
            self.comparisons.append(
                (
                    str(comparison["output_column_name"]),
                    str(comparison.get("comparison_description") or ""),
                    labels,
                )
            )
        if self.refwatch.get("group_bar") is not None:
            # Settings version 6: the group evidence, stored after the comparisons.
            self.comparisons.append(
                (
                    GROUPS,
                    GROUPS_DESCRIPTION,
                    {0: GROUPS_LINKED, -1: GROUPS_NOT_LINKED},
                )
            )

    @property
    def prior_weight(self) -> float | None:
        prior = self.splink.get("probability_two_random_records_match")
        if not prior or prior >= 1:
            return None
        return math.log2(prior / (1 - prior))

    def parts(self, detail: str, tf_weight: float | None) -> list[ComparisonPart]:
        out = []
        for (name, description, labels), item in zip(
            self.comparisons, detail.split(";"), strict=False
        ):
            gamma_text, _, weight_text = item.partition(":")
            gamma = int(gamma_text)
            weight = float(weight_text)
            level = labels.get(gamma, f"level {gamma}")
            if name == "name" and tf_weight:
                weight += tf_weight
                level += " (adjusted for how common the name is)"
            out.append(ComparisonPart(name, description, level, round(weight, 2)))
        return out


def run_model(conn: Connection, run_id: str | None) -> tuple[RunModel, Any] | None:
    """The saved model of `run_id`, or of the latest finished run."""
    query = select(runs).where(runs.c.status == "done")
    query = (
        query.where(runs.c.id == run_id)
        if run_id
        else query.order_by(runs.c.finished_at.desc(), runs.c.id.desc())
    )
    row = conn.execute(query.limit(1)).first()
    if row is None or row.settings is None:
        return None
    return RunModel(json.loads(row.settings)), row


def explain_pair(model: RunModel, row: Any) -> PairExplanation:
    return PairExplanation(
        mention_a=row.mention_a,
        mention_b=row.mention_b,
        match_probability=round(float(row.match_probability), 6),
        match_weight=round(float(row.match_weight), 2),
        prior_weight=None if model.prior_weight is None else round(model.prior_weight, 2),
        parts=model.parts(row.detail, row.tf_weight),
    )


def explain_person(
    workspace: Workspace,
    cipher: FieldCipher | None,
    person_id: str,
    *,
    actor: str = "cli",
) -> PersonExplanation:
    """Why the mentions of `person_id` are one person (names only with a cipher)."""
    with workspace.read() as conn:
        person = conn.execute(select(persons).where(persons.c.id == person_id)).first()
        if person is None:
            raise RefWatchError(f"no person {person_id}")
        retired = conn.execute(
            select(retirements).where(retirements.c.person_id == person_id)
        ).first()
        ids = {
            row.id for row in conn.execute(current_mentions().where(links.c.person_id == person_id))
        }
        loaded = run_model(conn, None)
        found_pairs = []
        if ids and loaded is not None:
            model, _run = loaded
            query = select(pairs).where(
                and_(pairs.c.mention_a.in_(sorted(ids)), pairs.c.mention_b.in_(sorted(ids)))
            )
            found_pairs = [explain_pair(model, row) for row in conn.execute(query)]
    if cipher is not None and ids:
        with workspace.write() as conn:
            audit_name_read(conn, actor, "explain", len(ids))
    with workspace.read() as conn:
        evidence = mention_evidence(conn, ids, cipher)
        made = decision_store.load(conn, cipher=cipher, mention_ids=ids) if ids else []
    found_pairs.sort(key=lambda p: -p.match_weight)
    return PersonExplanation(
        person_id=person_id,
        version=int(person.version),
        run_id=None if loaded is None else loaded[1].id,
        threshold=None if loaded is None else loaded[0].refwatch.get("threshold"),
        retired=retired is not None,
        successor_id=None if retired is None else retired.successor_id,
        mentions=[evidence[i] for i in sorted(evidence)],
        pairs=found_pairs,
        decisions=[d.as_dict() for d in made],
    )
