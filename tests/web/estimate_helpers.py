"""The demo's case lists in a workspace, linked by their answer key, for the estimate pages.

Why the answer key: estimating needs persons linked across lists, and record linkage is
another room's job (and still changing). The demo writes `truth.csv`, which says which
true person every (source, record id) is; `link_by_truth` puts every current mention on
one person per true person, as a perfect linkage run would rewrite person_links.
"""

from __future__ import annotations

import csv
from pathlib import Path

from sqlalchemy import bindparam, select, update

from refwatch.intake.importer import import_files
from refwatch.simulate.demo import DemoFiles, write_demo
from refwatch.store import audit
from refwatch.store.crypto import FieldCipher
from refwatch.store.queries import current_mentions, links
from refwatch.store.workspace import Workspace


def link_by_truth(workspace: Workspace, truth: Path) -> int:
    """Link every current mention to one person per true person; return how many persons."""
    with open(truth, encoding="utf-8", newline="") as handle:
        true_person = {
            (r["source"], r["record_id"]): r["true_person_id"] for r in csv.DictReader(handle)
        }
    cm = current_mentions().subquery()
    with workspace.write() as conn:
        found = conn.execute(
            select(cm.c.id, cm.c.person_id, cm.c.source, cm.c.record_id).order_by(cm.c.person_id)
        ).all()
        chosen: dict[str, str] = {}
        for r in found:
            chosen.setdefault(true_person[(r.source, r.record_id)], r.person_id)
        conn.execute(
            update(links)
            .where(links.c.mention_id == bindparam("m"))
            .values(person_id=bindparam("p"), run_id="answer-key", match_probability=0.97),
            [{"m": r.id, "p": chosen[true_person[(r.source, r.record_id)]]} for r in found],
        )
        audit.log(conn, "test", "linkage.answer_key", details={"persons": len(chosen)})
    return len(chosen)


def load_demo(workspace: Workspace, cipher: FieldCipher, folder: Path, *, link: bool) -> DemoFiles:
    """Import the demo's five case lists; link them by the answer key when `link`."""
    files = write_demo(folder)
    import_files(workspace, cipher, files.case_lists, actor="test")
    if link:
        link_by_truth(workspace, files.truth)
    return files
