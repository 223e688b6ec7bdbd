"""The demo's four sign-ins, one per role. Demo only: the passwords are printed by
`refwatch serve` for synthetic workspaces and written in the docs, so they protect nothing.
They are stored as Argon2id hashes like any other password."""

from __future__ import annotations

from argon2 import PasswordHasher

from refwatch.accounts.accounts import create_user
from refwatch.domain.roles import Role
from refwatch.store.workspace import Workspace

DEMO_USERS: tuple[tuple[str, Role, str], ...] = (
    ("admin", Role.ADMIN, "demo-admin-2017"),
    ("researcher", Role.RESEARCHER, "demo-researcher-2017"),
    ("analyst", Role.ANALYST, "demo-analyst-2017"),
    ("viewer", Role.VIEWER, "demo-viewer-2017"),
)


def add_demo_users(
    workspace: Workspace, *, actor: str, hasher: PasswordHasher | None = None
) -> int:
    for username, role, password in DEMO_USERS:
        create_user(workspace, username, password, role, actor=actor, hasher=hasher)
    return len(DEMO_USERS)
