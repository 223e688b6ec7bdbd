"""Build the demo workspace: the seed scenario's synthetic case lists, imported for real.

The demo goes through the same `init` and `import` as a user's data, so it exercises the
importer, the gazetteer and the encryption; it is marked synthetic in the database, and
every page that shows it says so.
"""

from __future__ import annotations

import csv
from collections.abc import Callable
from pathlib import Path
from typing import Any

from sqlalchemy import insert

from refwatch.intake.context import add_group, add_observation
from refwatch.intake.importer import import_files
from refwatch.simulate.demo import DEMO_GROUPS, DEMO_OBSERVATIONS, DEMO_SOURCES, write_demo
from refwatch.simulate.demo_consents import add_demo_consents
from refwatch.simulate.demo_users import add_demo_users
from refwatch.store.crypto import FieldCipher
from refwatch.store.keys import KdfParams, Secret
from refwatch.store.schema import WorkspaceMeta, table_of
from refwatch.store.workspace import Workspace, init_workspace


def build_demo(
    path: Path,
    secret: Secret,
    scratch: Path,
    *,
    db_url: str | None = None,
    actor: str = "demo",
    kdf: KdfParams | None = None,
    link: bool = False,
    add_alert_channel: Callable[[Workspace, FieldCipher, str], dict[str, Any]] | None = None,
) -> dict[str, Any]:
    """Create a workspace at `path` holding the demo; return what was loaded.

    `link=True` also runs record linkage (as `refwatch demo` does), so the demo's persons,
    counts and estimates are those of linked mentions; tests that exercise linkage itself
    start from the unlinked demo. `add_alert_channel` (the alerts room's, which sits above
    this one and so is passed in by `refwatch demo`) adds the demo's alert channel last,
    so it is sent the alerts that the import and linkage opened.
    """
    files = write_demo(scratch)
    with init_workspace(path, secret, db_url=db_url, actor=actor, kdf=kdf) as workspace:
        with workspace.write() as conn:
            conn.execute(insert(table_of(WorkspaceMeta)).values(key="synthetic", value="true"))
        cipher = FieldCipher(workspace.unlock(secret))
        summary = import_files(workspace, cipher, files.case_lists, actor=actor)
        with workspace.write() as conn:
            for group in DEMO_GROUPS:
                add_group(conn, actor=actor, **_typed(group))
            for observation in DEMO_OBSERVATIONS:
                add_observation(conn, actor=actor, **_typed(observation))
        users = add_demo_users(workspace, actor=actor)
        persons = None
        if link:
            from refwatch.linkage import run_linkage

            persons = run_linkage(workspace, cipher, actor).persons
        # After linkage, so the person recorded with an exception keeps a linked id.
        consents = add_demo_consents(workspace, cipher, actor=actor)
        channel = None if add_alert_channel is None else add_alert_channel(workspace, cipher, actor)
    with open(files.truth, encoding="utf-8", newline="") as handle:
        true_persons = len({row["true_person_id"] for row in csv.DictReader(handle)})
    return {
        "workspace": str(path),
        "synthetic": True,
        "sources": len(DEMO_SOURCES),
        "mentions": summary.total("new"),
        "true_persons": true_persons,
        "persons_linked": persons,
        "groups": len(DEMO_GROUPS),
        "observations": len(DEMO_OBSERVATIONS),
        "users": users,
        "unknown_places": summary.as_dict()["unknown_places"],
        "consents": consents.as_dict(),
        "alert_channel": channel,
    }


def _typed(values: dict[str, object]) -> dict[str, Any]:
    return dict(values)
