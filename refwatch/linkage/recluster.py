"""What the persons would be at another match threshold, without changing anything.

Why: every estimate and count depends on where linkage draws its line. To show how much,
the estimation room re-clusters the mentions at stricter and looser thresholds and
estimates again. A full run would re-score every pair (and needs the names), so this
re-uses what the latest run stored: the scored pairs inside each person and the uncertain
pairs between persons (see `run.pairs_to_keep`), plus every active human decision, and
clusters them with the same average-link rule as a run (`cluster.cluster`). Nothing is
written and no name is decrypted.

What it cannot see: pairs the run scored below the review band and did not store. A run
counts those against a join between mentions that share a name key; here they are
simply unknown, so a looser threshold may join a little more readily than a real run
would. Mentions imported after the latest run are their own persons, as they are now.
"""

from __future__ import annotations

from sqlalchemy import Connection, select

from refwatch.linkage.chains import load_chains
from refwatch.linkage.cluster import cluster, weight_of
from refwatch.linkage.constraints import row_constraints, rows_by_id
from refwatch.store.queries import current_mentions
from refwatch.store.schema import table_of
from refwatch.store.schema_linkage import LinkagePair

pairs = table_of(LinkagePair)


def recluster(conn: Connection, threshold: float) -> dict[str, str]:
    """Each current mention's person at `threshold` (a match probability).

    A cluster is labelled with the current person id of its first mention (in id order),
    so a cluster that did not change keeps its person's id; when a person falls apart,
    its largest piece keeps the id and the others get `P-…/<mention id>`.
    """
    if not 0.0 < threshold < 1.0:
        raise ValueError(f"a match threshold is a probability between 0 and 1, not {threshold}")
    rows = conn.execute(current_mentions()).mappings().all()
    ordered = sorted(rows, key=lambda r: str(r["id"]))
    mention_ids = [str(r["id"]) for r in ordered]
    person_now = {str(r["id"]): str(r["person_id"]) for r in ordered}
    row_of = rows_by_id(mention_ids)
    a: list[int] = []
    b: list[int] = []
    weights: list[float] = []
    for pair in conn.execute(select(pairs.c.mention_a, pairs.c.mention_b, pairs.c.match_weight)):
        left, right = row_of.get(pair.mention_a), row_of.get(pair.mention_b)
        if left is None or right is None:
            continue  # a mention corrected or deleted since the run
        a.append(left)
        b.append(right)
        weights.append(float(pair.match_weight))
    decided = row_constraints(conn, row_of, load_chains(conn))
    line = weight_of(threshold)
    clustering = cluster(
        len(mention_ids),
        a,
        b,
        weights,
        threshold_weight=line,
        unseen_weight=line,
        same=decided.same,
        different=decided.different,
    )
    members: dict[int, list[int]] = {}
    for row, label in enumerate(clustering.labels):
        members.setdefault(label, []).append(row)
    result: dict[str, str] = {}
    taken: set[str] = set()
    # The largest piece of a person keeps its id; other pieces get a derived one.
    for label, rows_in in sorted(members.items(), key=lambda item: (-len(item[1]), item[0])):
        person = person_now[mention_ids[label]]
        if person in taken:
            person = f"{person}/{mention_ids[label]}"
        taken.add(person)
        for row in rows_in:
            result[mention_ids[row]] = person
    return result
