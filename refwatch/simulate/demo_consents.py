"""The demo's consents: some persons agreed to named advocacy, some to less, most to
nothing recorded, and one is held with a relative asking for action (an exception).

Why: so that the person page's case-file button works on some demo persons and is
refused on others, and the names export and person-level release have someone to
leave out. The consents are recorded on reports (as a source's case list would state
them), which record linkage cannot separate from the person; the exception is recorded
for a person, by a researcher, as the page does. Every basis is invented and says so.
The choice is deterministic: the same demo always gets the same consents.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from refwatch.domain.consent import ConsentLevel
from refwatch.store.consents import record_consent
from refwatch.store.crypto import FieldCipher
from refwatch.store.queries import current_mentions, links, mentions, reports, sources
from refwatch.store.workspace import Workspace

L = ConsentLevel
# (level, how many persons) in the order the persons still held are taken.
PLAN: tuple[tuple[ConsentLevel, int], ...] = (
    (L.ADVOCACY, 8),
    (L.PUBLICATION, 2),
    (L.STATISTICS, 3),
    (L.INTERNAL, 2),
    (L.NO_USE, 2),
)
BASIS = {
    L.ADVOCACY: "SYNTHETIC: the family agreed by phone to the case being taken to the UN",
    L.PUBLICATION: "SYNTHETIC: the person, after reaching safety, agreed in writing",
    L.STATISTICS: "SYNTHETIC: the source's list allows anonymised statistics only",
    L.INTERNAL: "SYNTHETIC: the family asked that nothing leave the organisation",
    L.NO_USE: "SYNTHETIC: the family withdrew their consent",
}
EXCEPTION = (
    "SYNTHETIC: the person is held in Tumen and cannot be asked; a relative asks for urgent action"
)


@dataclass(frozen=True)
class DemoConsents:
    by_level: dict[str, list[str]]  # level -> person ids
    exception: str | None  # the person id recorded with an exception

    def as_dict(self) -> dict[str, object]:
        return {"by_level": self.by_level, "exception": self.exception}


def _held_persons(workspace: Workspace) -> list[tuple[str, str]]:
    """(person id, one report id) for each person a report says is detained, in a stable
    order (source, record id)."""
    query = (
        current_mentions()
        .with_only_columns(links.c.person_id, mentions.c.report_id)
        .where(mentions.c.status == "detained")
        .order_by(sources.c.name, reports.c.record_id, mentions.c.id)
    )
    seen: dict[str, str] = {}
    with workspace.read() as conn:
        for row in conn.execute(query):
            seen.setdefault(str(row.person_id), str(row.report_id))
    return list(seen.items())


def add_demo_consents(
    workspace: Workspace, cipher: FieldCipher, *, actor: str = "demo"
) -> DemoConsents:
    """Record the demo's consents (see the module doc); return who got which."""
    held = _held_persons(workspace)
    by_level: dict[str, list[str]] = {}
    at = 0
    for level, count in PLAN:
        chosen: Sequence[tuple[str, str]] = held[at : at + count]
        at += count
        for person_id, report_id in chosen:
            record_consent(
                workspace,
                cipher,
                report_id=report_id,
                level=level,
                basis=BASIS[level],
                actor=actor,
            )
            by_level.setdefault(level.value, []).append(person_id)
    exception = None
    if at < len(held):
        exception = held[at][0]
        record_consent(
            workspace,
            cipher,
            person_id=exception,
            level=L.INTERNAL,
            basis="SYNTHETIC: the family, by phone, before the arrest",
            exception_level=L.ADVOCACY,
            exception=EXCEPTION,
            actor=actor,
        )
    return DemoConsents(by_level, exception)
