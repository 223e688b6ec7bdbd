"""The four roles of the web app and their order.

The order matters in one place: an API token is scoped to a role no higher than its user's,
and when the user's role later drops, the token acts with the lower of the two. What each
role may do is decided by the rule table in `refwatch.accounts.permissions`, not by this order.
"""

from __future__ import annotations

from refwatch.domain.enums import RankedEnum


class Role(RankedEnum):
    VIEWER = "viewer"
    ANALYST = "analyst"
    RESEARCHER = "researcher"
    ADMIN = "admin"

    @classmethod
    def parse(cls, text: str) -> Role:
        """The role named `text`; ValueError naming the four roles otherwise."""
        try:
            return cls(text.strip().lower())
        except ValueError:
            names = ", ".join(r.value for r in cls)
            raise ValueError(f"unknown role {text!r}: choose one of {names}") from None


def lower_of(a: Role, b: Role) -> Role:
    """The less powerful of two roles (a token never acts above its user)."""
    return a if a.rank <= b.rank else b
