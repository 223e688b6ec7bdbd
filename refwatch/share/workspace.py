"""Encode the persons of a workspace for an exchange (`refwatch share encode`).

Why persons, not mentions: each organisation first links its own mentions (it can see
its names); what it shares is one encoding per person it believes distinct, which is
what a capture history counts. A person's fields are the union of its mentions' tokens
(several spellings of one name all count), so a partner's spelling matches any of them.

Names are decrypted with the workspace key, turned into tokens by the keys of
`refwatch.linkage.names` and hashed in memory; the decrypted names and the token cache
are dropped before the function returns. Every encode is audited, with counts and the
organisation label only.
"""

from __future__ import annotations

import secrets
from collections import Counter, defaultdict
from datetime import UTC, datetime

from refwatch.estimate.histories import load_persons, stratum_of
from refwatch.linkage.features import load_mentions
from refwatch.share.encoding import (
    Encoder,
    PersonTokens,
    Schema,
    day_tokens,
    default_schema,
    hangul_tokens,
    month_tokens,
    name_tokens,
    outcome_tokens,
    year_tokens,
)
from refwatch.share.errors import ShareError
from refwatch.share.fileformat import STRATA, EncodingFile, valid_label
from refwatch.store.crypto import FieldCipher
from refwatch.store.workspace import Workspace


def _salt_year(years: list[tuple[int | None, int | None]]) -> str:
    exact = Counter(lo for lo, hi in years if lo is not None and lo == hi)
    if not exact:
        return ""
    ranked = exact.most_common(2)
    if len(ranked) > 1 and ranked[0][1] == ranked[1][1]:
        return str(min(ranked[0][0], ranked[1][0]))
    return str(ranked[0][0])


def person_tokens(
    workspace: Workspace, cipher: FieldCipher
) -> tuple[list[str], list[PersonTokens]]:
    """(person ids, tokens of each person), from the workspace's current linkage."""
    with workspace.read() as conn:
        table = load_mentions(conn, cipher)
    columns = table.table.to_pydict()
    rows: dict[str, list[int]] = defaultdict(list)
    for index, person in enumerate(table.person_ids):
        rows[person].append(index)
    ids = sorted(rows)
    people = []
    for person in ids:
        tokens = PersonTokens()
        years: list[tuple[int | None, int | None]] = []
        for i in rows[person]:
            tokens.add("name", name_tokens(columns["ph"][i], columns["ph_rev"][i]))
            tokens.add("hangul", hangul_tokens(columns["hangul"][i]))
            lo, hi = columns["birth_lo"][i], columns["birth_hi"][i]
            years.append((lo, hi))
            tokens.add("birth", year_tokens(lo, hi))
            if columns["sex"][i]:
                tokens.add("sex", [str(columns["sex"][i])])
            for key in ("origin_province", "origin_id"):
                if columns[key][i]:
                    tokens.add("origin", [f"{key[7]}:{columns[key][i]}"])
            tokens.add("month", month_tokens(columns["appr_lo"][i], columns["appr_hi"][i]))
            tokens.add("day", day_tokens(columns["appr_lo"][i], columns["appr_hi"][i]))
            status = (columns["status"][i], columns["status_lo"][i], columns["status_hi"][i])
            tokens.add("outcome", outcome_tokens(*status))
            for key in ("appr_area", "appr_place_id"):
                if columns[key][i]:
                    tokens.add("place", [f"{key[5]}:{columns[key][i]}"])
        tokens.salts["birth"] = _salt_year(years)
        people.append(tokens)
    del columns, table
    return ids, people


def person_strata(workspace: Workspace) -> dict[str, dict[str, str]]:
    """Person id -> the clear strata (quarter of apprehension, province), by the same
    rules as `refwatch estimate --stratify quarter|region`."""
    with workspace.read() as conn:
        histories = load_persons(conn)
    return {
        h.person_id: {"period": stratum_of(h, "quarter")[0], "region": stratum_of(h, "region")[0]}
        for h in histories
    }


def encode_people(
    ids: list[str],
    people: list[PersonTokens],
    strata: dict[str, dict[str, str]],
    *,
    secret: bytes,
    organisation: str,
    schema: Schema | None = None,
) -> EncodingFile:
    """Encode tokens into a file object, in a random order with fresh record ids."""
    if not valid_label(organisation):
        raise ShareError(
            "share.bad_label",
            "the organisation label must be 1 to 80 plain characters (no comma, quote or "
            "control character, not 'count')",
        )
    chosen = schema or default_schema()
    encoder = Encoder(secret, chosen)
    try:
        bits = encoder.encode(people)
    finally:
        encoder.clear()
    order = list(range(len(ids)))
    secrets.SystemRandom().shuffle(order)
    unknown = {s: "unknown" for s in STRATA}
    return EncodingFile(
        organisation=organisation,
        schema=chosen,
        key_check=encoder.check,
        created=datetime.now(UTC).strftime("%Y-%m-%dT%H:%M:%SZ"),
        ids=[f"r{n + 1}" for n in range(len(ids))],
        strata={s: [strata.get(ids[i], unknown)[s] for i in order] for s in STRATA},
        bits=bits[order] if ids else bits,
        local_ids=[ids[i] for i in order],
    )


def encode_workspace(
    workspace: Workspace,
    cipher: FieldCipher,
    *,
    secret: bytes,
    organisation: str,
    actor: str,
    schema: Schema | None = None,
    purpose: str = "pprl",
) -> EncodingFile:
    """Encode every person of the workspace; audited before any name is read."""
    if not valid_label(organisation):
        raise ShareError("share.bad_label", "the organisation label is not a short plain label")
    workspace.audit_log(
        actor, "share.encode", details={"organisation": organisation, "purpose": purpose}
    )
    ids, people = person_tokens(workspace, cipher)
    strata = person_strata(workspace)
    file = encode_people(
        ids, people, strata, secret=secret, organisation=organisation, schema=schema
    )
    workspace.audit_log(
        actor,
        "share.encoded",
        details={"organisation": organisation, "persons": len(file), "key": file.key_check},
    )
    return file
