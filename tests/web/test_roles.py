"""The web app's permission types: one per permission, named after it, used everywhere.

A route's signature (`user: PersonsView`) is the whole of its access rule, so a type
named for one permission that asked for another would open a page to the wrong roles
without any route looking wrong. These tests read the types themselves, not the source.
"""

from __future__ import annotations

import re
import typing
from pathlib import Path

import refwatch.web.roles as roles
from refwatch.accounts.permissions import PERMISSIONS
from refwatch.web.deps import User

ROUTES = Path(roles.__file__).parent / "routes"


def _camel(permission: str) -> str:
    return "".join(word.capitalize() for word in re.split(r"[._]", permission))


def _declared() -> dict[str, str]:
    """Each type in roles, and the permission its dependency checks."""
    found: dict[str, str] = {}
    for name, value in vars(roles).items():
        if typing.get_origin(value) is not typing.Annotated:
            continue
        base, depends = typing.get_args(value)
        assert base is User, name
        closure = dict(
            zip(
                depends.dependency.__code__.co_freevars,
                (cell.cell_contents for cell in depends.dependency.__closure__ or ()),
                strict=True,
            )
        )
        found[name] = closure["permission"]
    return found


def test_each_type_asks_for_the_permission_it_is_named_after() -> None:
    declared = _declared()
    assert len(declared) >= 20
    for name, permission in declared.items():
        assert permission in PERMISSIONS, (name, permission)
        assert name == _camel(permission), (name, permission)


def test_one_type_per_permission() -> None:
    declared = _declared()
    assert len(set(declared.values())) == len(declared)


def test_routes_take_their_access_rule_from_roles_only() -> None:
    """A route that calls `require` itself keeps a second spelling of a permission."""
    offenders = [
        path.name
        for path in sorted(ROUTES.glob("*.py"))
        if re.search(r"\brequire\(", path.read_text(encoding="utf-8"))
    ]
    assert offenders == []
