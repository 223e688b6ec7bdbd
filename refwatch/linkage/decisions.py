"""Human decisions on pairs of mentions, stored as constraints with who, when and why.

"same" is a must-link, "different" a cannot-link; "skip" only keeps a pair out of the
review queue. A decision is never deleted: undoing it stamps `undone_at` and `undone_by`,
and both the decision and its undoing are in the audit trail. The reason a reviewer
gives is free text that may name the person, so it is sealed like a note; the audit
trail records ids and the kind of decision only.
"""

from __future__ import annotations

from dataclasses import asdict, dataclass
from datetime import UTC, datetime
from typing import Any, Literal

from sqlalchemy import Connection, insert, or_, select, update

from refwatch.domain.errors import ConflictError, RefWatchError
from refwatch.store import audit
from refwatch.store.crypto import FieldCipher
from refwatch.store.ids import new_id
from refwatch.store.queries import from_row
from refwatch.store.schema import Mention, table_of
from refwatch.store.schema_linkage import LinkageDecision

Kind = Literal["same", "different", "skip"]
KINDS: tuple[str, ...] = ("same", "different", "skip")

decisions = table_of(LinkageDecision)
mentions = table_of(Mention)


@dataclass(frozen=True)
class Decision:
    id: str
    mention_a: str
    mention_b: str
    kind: str
    actor: str
    decided_at: datetime
    run_id: str | None
    operation_id: str | None
    undone_at: datetime | None
    undone_by: str | None
    reason: str | None = None

    @property
    def active(self) -> bool:
        return self.undone_at is None

    def as_dict(self) -> dict[str, Any]:
        data = asdict(self)
        for key in ("decided_at", "undone_at"):
            if data[key] is not None:
                data[key] = data[key].isoformat()
        return data


def kind_of(same: bool | None) -> Kind:
    return "skip" if same is None else ("same" if same else "different")


def _ordered(a: str, b: str) -> tuple[str, str]:
    return (a, b) if a < b else (b, a)


def _decision(row: Any, cipher: FieldCipher | None) -> Decision:
    reason = None
    if cipher is not None and row.reason_enc is not None:
        reason = cipher.open("linkage_decisions", "reason", row.id, row.reason_enc)
    return from_row(Decision, row, reason=reason)


def record(
    conn: Connection,
    *,
    mention_a: str,
    mention_b: str,
    kind: str,
    actor: str,
    reason: str | None,
    cipher: FieldCipher | None,
    run_id: str | None = None,
    operation_id: str | None = None,
) -> Decision:
    """Store one decision (inside the caller's transaction) and audit it."""
    if kind not in KINDS:
        raise RefWatchError(f"unknown decision {kind!r}: choose same, different or skip")
    if mention_a == mention_b:
        raise RefWatchError("a decision needs two different mentions")
    found = conn.execute(
        select(mentions.c.id).where(mentions.c.id.in_((mention_a, mention_b)))
    ).all()
    if len(found) != 2:
        raise RefWatchError("no such mention: check the mention ids")
    a, b = _ordered(mention_a, mention_b)
    decision_id = new_id()
    now = datetime.now(UTC)
    sealed = None
    if reason:
        if cipher is None:
            raise RefWatchError("a reason is stored encrypted: unlock the workspace to give one")
        sealed = cipher.seal("linkage_decisions", "reason", decision_id, reason)
    conn.execute(
        insert(decisions).values(
            id=decision_id,
            mention_a=a,
            mention_b=b,
            kind=kind,
            actor=actor,
            decided_at=now,
            reason_enc=sealed,
            run_id=run_id,
            operation_id=operation_id,
            undone_at=None,
            undone_by=None,
        )
    )
    audit.log(
        conn,
        actor,
        "linkage.decide",
        table_name="linkage_decisions",
        record_id=decision_id,
        details={
            "kind": kind,
            "mention_a": a,
            "mention_b": b,
            "run": run_id,
            "operation": operation_id,
            "with_reason": bool(reason),
        },
    )
    return Decision(decision_id, a, b, kind, actor, now, run_id, operation_id, None, None, reason)


def undo(conn: Connection, decision_id: str, actor: str) -> Decision:
    """Mark a decision undone (inside the caller's transaction) and audit it."""
    row = conn.execute(select(decisions).where(decisions.c.id == decision_id)).first()
    if row is None:
        raise RefWatchError(f"no decision {decision_id}")
    if row.undone_at is not None:
        raise ConflictError(f"decision {decision_id} was already undone")
    now = datetime.now(UTC)
    conn.execute(
        update(decisions)
        .where(decisions.c.id == decision_id)
        .values(undone_at=now, undone_by=actor)
    )
    audit.log(
        conn,
        actor,
        "linkage.undo",
        table_name="linkage_decisions",
        record_id=decision_id,
        details={"kind": row.kind, "mention_a": row.mention_a, "mention_b": row.mention_b},
    )
    undone = _decision(row, None)
    return Decision(**{**asdict(undone), "undone_at": now, "undone_by": actor})


def load(
    conn: Connection,
    *,
    cipher: FieldCipher | None = None,
    mention_ids: set[str] | None = None,
    active_only: bool = False,
) -> list[Decision]:
    """Decisions in the order they were made (optionally those touching `mention_ids`)."""
    query = select(decisions).order_by(decisions.c.decided_at, decisions.c.id)
    if active_only:
        query = query.where(decisions.c.undone_at.is_(None))
    if mention_ids is not None:
        ids = sorted(mention_ids)
        query = query.where(or_(decisions.c.mention_a.in_(ids), decisions.c.mention_b.in_(ids)))
    return [_decision(row, cipher) for row in conn.execute(query)]
