"""Chains of corrections: which current mention a superseded one became, and its origin.

A corrected report is a new mention that supersedes the old one (evidence is never
rewritten). Linkage clusters current mentions only, but decisions may name a mention that
was later corrected, and every mention, current or not, keeps a person link. So:
`current_of` follows a mention forward to the current version, `root_of` back to the
original report, whose identity does not change when the report is corrected.
"""

from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy import Connection, select

from refwatch.store.schema import Mention, table_of

mentions = table_of(Mention)


@dataclass
class Chains:
    successor: dict[str, str]
    predecessor: dict[str, str]

    def current_of(self, mention_id: str) -> str:
        seen = 0
        while mention_id in self.successor and seen < 10_000:
            mention_id = self.successor[mention_id]
            seen += 1
        return mention_id

    def root_of(self, mention_id: str) -> str:
        seen = 0
        while mention_id in self.predecessor and seen < 10_000:
            mention_id = self.predecessor[mention_id]
            seen += 1
        return mention_id

    def superseded(self) -> list[str]:
        return list(self.successor)


def load_chains(conn: Connection) -> Chains:
    successor: dict[str, str] = {}
    predecessor: dict[str, str] = {}
    query = select(mentions.c.id, mentions.c.supersedes_id).where(
        mentions.c.supersedes_id.is_not(None)
    )
    for newer, older in conn.execute(query):
        successor[older] = newer
        predecessor[newer] = older
    return Chains(successor, predecessor)
