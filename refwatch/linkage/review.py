"""The review queue: uncertain pairs, most informative first, and reviewers' answers.

A pair is uncertain when the latest run scored it inside the review band (by default a
match probability between 0.1 and 0.9). The most informative pairs are those nearest the
line the clustering draws (the threshold's match weight): an answer there is most
likely to change a person. Pairs already answered — same, not the same, or skipped —
leave the queue until the answer is undone.

An answer is stored as a decision (must-link or cannot-link, with who, when and why) and
applied to the persons at once; every later run obeys it.
"""

from __future__ import annotations

from dataclasses import asdict, dataclass, field
from typing import Any

from sqlalchemy import func, select

from refwatch.linkage import decisions as decision_store
from refwatch.linkage.cluster import weight_of
from refwatch.linkage.decisions import Decision
from refwatch.linkage.edits import EditResult, apply_different, apply_same, check_same
from refwatch.linkage.evidence import MentionEvidence, audit_name_read, mention_evidence
from refwatch.linkage.explain import ComparisonPart, explain_pair, run_model
from refwatch.store import audit
from refwatch.store.crypto import FieldCipher
from refwatch.store.ids import new_id
from refwatch.store.schema import table_of
from refwatch.store.schema_linkage import LinkagePair
from refwatch.store.workspace import Workspace

pairs = table_of(LinkagePair)


@dataclass
class PairForReview:
    """One uncertain pair with both sides' evidence and the weights behind its score."""

    run_id: str
    mention_a: MentionEvidence
    mention_b: MentionEvidence
    match_probability: float
    match_weight: float
    prior_weight: float | None
    same_person_now: bool
    parts: list[ComparisonPart] = field(default_factory=list)

    def as_dict(self) -> dict[str, Any]:
        return asdict(self)


def review_queue(
    workspace: Workspace,
    cipher: FieldCipher | None,
    limit: int = 20,
    *,
    actor: str = "cli",
) -> list[PairForReview]:
    """Up to `limit` uncertain pairs of the latest run, most informative first."""
    with workspace.read() as conn:
        loaded = run_model(conn, None)
        if loaded is None:
            return []
        model, run = loaded
        low = float(model.refwatch.get("review_low", 0.1))
        high = float(model.refwatch.get("review_high", 0.9))
        line = weight_of(float(model.refwatch.get("threshold", 0.25)))
        answered = {(d.mention_a, d.mention_b) for d in decision_store.load(conn, active_only=True)}
        wanted_rows = max(limit, 0) * 2 + len(answered)
        candidates = [
            row
            for row in conn.execute(
                select(pairs)
                .where(pairs.c.match_probability >= low, pairs.c.match_probability <= high)
                .order_by(
                    func.abs(pairs.c.match_weight - line), pairs.c.mention_a, pairs.c.mention_b
                )
                .limit(wanted_rows)
            )
            if (row.mention_a, row.mention_b) not in answered
        ]
    candidates.sort(key=lambda r: (abs(float(r.match_weight) - line), r.mention_a, r.mention_b))
    chosen = candidates[: max(limit, 0) * 2]
    wanted = {m for row in chosen for m in (row.mention_a, row.mention_b)}
    with workspace.read() as conn:
        current = set(mention_evidence(conn, wanted))
    # Pairs whose mentions were corrected since the run are left to the next run.
    chosen = [r for r in chosen if r.mention_a in current and r.mention_b in current][:limit]
    shown = {m for row in chosen for m in (row.mention_a, row.mention_b)}
    if cipher is not None and shown:
        with workspace.write() as conn:
            audit_name_read(conn, actor, "review", len(shown))
    with workspace.read() as conn:
        evidence = mention_evidence(conn, shown, cipher)
    queue = []
    for row in chosen:
        a, b = evidence[row.mention_a], evidence[row.mention_b]
        explained = explain_pair(model, row)
        queue.append(
            PairForReview(
                run_id=run.id,
                mention_a=a,
                mention_b=b,
                match_probability=explained.match_probability,
                match_weight=explained.match_weight,
                prior_weight=explained.prior_weight,
                same_person_now=a.person_id == b.person_id,
                parts=explained.parts,
            )
        )
    return queue


def decide(
    workspace: Workspace,
    mention_a: str,
    mention_b: str,
    same: bool | None,
    actor: str,
    reason: str | None = None,
    *,
    cipher: FieldCipher | None = None,
    run_id: str | None = None,
) -> Decision:
    """Record a reviewer's answer (True: same person, False: not, None: skip) and apply it.

    Raises ConflictError, recording nothing, when an earlier active decision says the
    opposite (undo that one first). A reason is stored encrypted, so it needs `cipher`.
    """
    kind = decision_store.kind_of(same)
    with workspace.write() as conn:
        if kind == "same":
            check_same(conn, mention_a, mention_b)
        decision = decision_store.record(
            conn,
            mention_a=mention_a,
            mention_b=mention_b,
            kind=kind,
            actor=actor,
            reason=reason,
            cipher=cipher,
            run_id=run_id,
        )
        result = EditResult(operation_id=new_id())
        if kind == "same":
            apply_same(conn, mention_a, mention_b, result)
        elif kind == "different":
            apply_different(conn, mention_a, mention_b, result)
    return decision


def undo_decision(workspace: Workspace, decision_id: str, actor: str) -> Decision:
    """Withdraw a decision. The persons follow at the next run (`refwatch link`)."""
    with workspace.write() as conn:
        return decision_store.undo(conn, decision_id, actor)


def list_decisions(
    workspace: Workspace,
    cipher: FieldCipher | None = None,
    *,
    active_only: bool = False,
    actor: str = "cli",
) -> list[Decision]:
    """All decisions, oldest first; with a cipher, their reasons too (audited)."""
    if cipher is not None:
        with workspace.write() as conn:
            audit.log(
                conn,
                actor,
                "linkage.read_reasons",
                table_name="linkage_decisions",
                details={"active_only": active_only},
            )
    with workspace.read() as conn:
        return decision_store.load(conn, cipher=cipher, active_only=active_only)
