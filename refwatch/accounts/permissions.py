"""Who may do what: a rule table, denied unless a rule allows it.

Each rule grants a set of permissions to a set of roles and says why. `explain(role,
permission)` names the rule that decided, or says that no rule granted it (default deny),
the way Datasette's permission debug view does; the admins' debug page shows the table.

Some permissions guard objects whose existence is itself confidential (a person, a report,
a source): refusing them answers 404, so a role that may not read a person cannot even
learn that the id exists. The rest answer 403.
"""

from __future__ import annotations

from dataclasses import dataclass

from refwatch.domain.roles import Role

ALL_ROLES = frozenset(Role)
READERS = frozenset({Role.ANALYST, Role.RESEARCHER, Role.ADMIN})
NAME_READERS = frozenset({Role.RESEARCHER, Role.ADMIN})


@dataclass(frozen=True, slots=True)
class Permission:
    name: str
    description: str
    hidden: bool = False  # refused as 404 (the object's existence is not revealed)


PERMISSIONS: dict[str, Permission] = {
    p.name: p
    for p in (
        Permission("dashboard.view", "open the dashboard and the workspace status"),
        Permission("counts.view", "read published figures and counts (pages and API)"),
        Permission("account.self", "change one's own password and second factor"),
        Permission("persons.view", "list persons and open a person page", hidden=True),
        Permission("reports.view", "list reports and open a report", hidden=True),
        Permission("sources.view", "list sources and their reliability", hidden=True),
        Permission("context.view", "read context observations and groups"),
        Permission("names.view", "see decrypted names and search by name", hidden=True),
        Permission("reports.text", "read decrypted report text and notes", hidden=True),
        Permission("sources.contacts", "read decrypted source contacts", hidden=True),
        Permission("evidence.write", "enter reports and mentions, import case lists"),
        Permission("context.write", "record context observations and groups"),
        Permission("linkage.run", "run record linkage"),
        Permission("estimates.run", "estimate the undocumented and record it in the ledger"),
        Permission("factsheets.make", "make fact sheets (recorded in the number ledger)"),
        Permission("linkage.review", "confirm or reject proposed links"),
        Permission("audit.view", "read the audit trail and its chain check"),
        Permission("users.manage", "create users, set roles, disable, reset, issue tokens"),
        Permission("permissions.debug", "see why each permission is granted or refused"),
        Permission("consent.write", "record or change a person's consent (audited)"),
        Permission("casefiles.make", "make case files naming a person, with consent (audited)"),
        Permission("share.encode", "encode every person for an exchange between organisations"),
        Permission("share.link", "link partners' encodings and estimate from the overlaps"),
        Permission("alerts.view", "see the alerts on persons still held (pseudonymous ids)"),
        Permission("alerts.ack", "acknowledge an alert: who handled it and what was done"),
        Permission("alerts.configure", "configure alert channels and rules (secrets sealed)"),
    )
}


@dataclass(frozen=True, slots=True)
class Rule:
    name: str
    roles: frozenset[Role]
    permissions: frozenset[str]
    why: str


RULES: tuple[Rule, ...] = (
    Rule(
        "signed-in",
        ALL_ROLES,
        frozenset({"dashboard.view", "counts.view", "account.self"}),
        "every signed-in role sees the dashboard and published figures",
    ),
    Rule(
        "structured-reading",
        READERS,
        frozenset({"persons.view", "reports.view", "sources.view", "context.view"}),
        "analysts and above read structured evidence under pseudonymous ids",
    ),
    Rule(
        "analysis",
        READERS,
        frozenset({"estimates.run", "factsheets.make"}),
        "analysts and above compute estimates and fact sheets under pseudonymous ids",
    ),
    Rule(
        "protected-values",
        NAME_READERS,
        frozenset({"names.view", "reports.text", "sources.contacts"}),
        "researchers and admins see names, notes, report text and contacts (audited)",
    ),
    Rule(
        "evidence-work",
        NAME_READERS,
        frozenset({"evidence.write", "context.write", "linkage.run", "linkage.review"}),
        "researchers and admins enter evidence and review links",
    ),
    Rule(
        "named-advocacy",
        NAME_READERS,
        frozenset({"consent.write", "casefiles.make"}),
        "researchers and admins record consent and make case files that name a person",
    ),
    Rule(
        "urgent-action",
        READERS,
        frozenset({"alerts.view"}),
        "analysts and above see the alerts, by pseudonymous id, as they see persons",
    ),
    Rule(
        "urgent-action-handling",
        NAME_READERS,
        frozenset({"alerts.ack"}),
        "researchers and admins act on alerts and record what they did (audited)",
    ),
    Rule(
        "alert-channels",
        frozenset({Role.ADMIN}),
        frozenset({"alerts.configure"}),
        "only admins choose where alerts go and hold the channels' secrets",
    ),
    Rule(
        "exchange-encoding",
        frozenset({Role.ADMIN}),
        frozenset({"share.encode"}),
        "only admins encode the whole workspace for another organisation (audited)",
    ),
    Rule(
        "exchange-linking",
        READERS,
        frozenset({"share.link"}),
        "analysts and above link encoded files: no name, no secret, histories only",
    ),
    Rule(
        "administration",
        frozenset({Role.ADMIN}),
        frozenset({"audit.view", "users.manage", "permissions.debug"}),
        "only admins manage users and read the audit trail",
    ),
)

DEFAULT_DENY = "default-deny"


@dataclass(frozen=True, slots=True)
class Decision:
    role: Role | None
    permission: str
    allowed: bool
    rule: str
    why: str


def check_known(permission: str) -> Permission:
    """The permission called `permission`; ValueError for a name no table lists (a typo)."""
    try:
        return PERMISSIONS[permission]
    except KeyError:
        raise ValueError(f"unknown permission {permission!r}") from None


def explain(role: Role | str | None, permission: str) -> Decision:
    """Whether `role` has `permission`, and the rule that decided."""
    check_known(permission)
    parsed = None if role is None else Role(role)
    if parsed is None:
        return Decision(None, permission, False, "anonymous", "sign in first")
    for rule in RULES:
        if parsed in rule.roles and permission in rule.permissions:
            return Decision(parsed, permission, True, rule.name, rule.why)
    return Decision(parsed, permission, False, DEFAULT_DENY, "no rule grants it")


def allowed(role: Role | str | None, permission: str) -> bool:
    return explain(role, permission).allowed


def granted(role: Role) -> frozenset[str]:
    """Every permission `role` holds."""
    return frozenset(p for p in PERMISSIONS if allowed(role, p))


def check_rules() -> None:
    """Every rule names known permissions (run at import: a typo fails loudly)."""
    for rule in RULES:
        for permission in rule.permissions:
            check_known(permission)


check_rules()
