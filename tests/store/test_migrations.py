from __future__ import annotations

from datetime import UTC, date, datetime
from pathlib import Path

from alembic.autogenerate import compare_metadata
from alembic.runtime.migration import MigrationContext
from sqlalchemy import func, insert, inspect, select

from refwatch.intake.importer import import_file
from refwatch.store import migrate
from refwatch.store.crypto import FieldCipher
from refwatch.store.schema import Base, Observation, PersonLink, Source, table_of
from refwatch.store.workspace import Workspace
from tests.conftest import write_csv


def test_the_migrations_build_exactly_the_models(workspace: Workspace) -> None:
    with workspace.engine.connect() as conn:
        diff = compare_metadata(MigrationContext.configure(conn), Base.metadata)
    assert diff == []


def test_migrations_go_down_and_up_with_data_in_the_tables(workspace: Workspace) -> None:
    now = datetime.now(UTC)
    with workspace.write() as conn:
        conn.execute(
            insert(Source.__table__).values(
                id="s1", name="Northern rescue network", source_type="network", created_at=now
            )
        )
        conn.execute(
            insert(Observation.__table__).values(
                id="o1",
                source_id="s1",
                observed_on="2017-06",
                observed_earliest=date(2017, 6, 1),
                observed_latest=date(2017, 6, 30),
                kind="capacity_change",
                value=-80.0,
                unit="percent",
                description="capacity down",
                created_at=now,
            )
        )
    assert migrate.current_revision(workspace.engine) == migrate.head_revision()

    migrate.downgrade(workspace.engine, "0001")
    assert "observations" not in inspect(workspace.engine).get_table_names()
    with workspace.read() as conn:
        assert (
            conn.execute(select(Source.__table__.c.name)).scalar_one() == "Northern rescue network"
        )

    migrate.upgrade(workspace.engine)
    with workspace.read() as conn:
        assert conn.execute(select(func.count()).select_from(Source.__table__)).scalar_one() == 1
        assert (
            conn.execute(select(func.count()).select_from(Observation.__table__)).scalar_one() == 0
        )
    assert workspace.verify_audit().ok


def test_downgrading_to_nothing_removes_every_table(workspace: Workspace) -> None:
    migrate.downgrade(workspace.engine, "base")
    left = set(inspect(workspace.engine).get_table_names()) - {"alembic_version"}
    assert left == set()
    migrate.upgrade(workspace.engine)
    assert set(Base.metadata.tables) <= set(inspect(workspace.engine).get_table_names())


def test_person_links_move_out_of_mentions_and_back_with_their_data(
    tmp_path: Path, workspace: Workspace, cipher: FieldCipher, sample_rows: list[dict[str, str]]
) -> None:
    import_file(workspace, cipher, write_csv(tmp_path / "l.csv", sample_rows))
    links = table_of(PersonLink)
    with workspace.read() as conn:
        before = sorted(conn.execute(select(links.c.mention_id, links.c.person_id)).all())
    assert len(before) == 3

    migrate.downgrade(workspace.engine, "0002")
    assert "person_links" not in inspect(workspace.engine).get_table_names()
    with workspace.read() as conn:
        old_style = sorted(conn.exec_driver_sql("SELECT id, person_id FROM mentions").all())
    assert [tuple(r) for r in old_style] == [tuple(r) for r in before]

    migrate.upgrade(workspace.engine)
    with workspace.read() as conn:
        after = sorted(conn.execute(select(links.c.mention_id, links.c.person_id)).all())
    assert after == before
    assert "person_id" not in {c["name"] for c in inspect(workspace.engine).get_columns("mentions")}
