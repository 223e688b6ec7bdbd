"""The navigation bar: each entry shows only when its page exists and the role may open it."""

from __future__ import annotations

from dataclasses import dataclass

from refwatch.accounts.permissions import check_known


@dataclass(frozen=True, slots=True)
class NavItem:
    path: str
    label: str  # an English msgid; the template translates it
    permission: str


NAV: tuple[NavItem, ...] = (
    NavItem("/", "Dashboard", "dashboard.view"),
    NavItem("/persons", "Persons", "persons.view"),
    NavItem("/intake", "Intake", "evidence.write"),
    NavItem("/extract", "Paste text", "evidence.write"),
    NavItem("/reports", "Reports", "reports.view"),
    NavItem("/sources", "Sources", "sources.view"),
    NavItem("/context", "Context", "context.view"),
    NavItem("/claims", "Claims", "context.view"),
    NavItem("/alerts", "Alerts", "alerts.view"),
    NavItem("/counts", "Counts", "counts.view"),
    NavItem("/ledger", "Ledger", "counts.view"),
    NavItem("/factsheets", "Fact sheets", "factsheets.make"),
    NavItem("/releases", "Public data", "factsheets.make"),
    NavItem("/estimates", "Estimates", "estimates.run"),
    NavItem("/share", "Exchange", "share.link"),
    NavItem("/linkage", "Linkage", "linkage.review"),
    NavItem("/audit", "Audit", "audit.view"),
    NavItem("/users", "Users", "users.manage"),
)

for _item in NAV:
    check_known(_item.permission)
