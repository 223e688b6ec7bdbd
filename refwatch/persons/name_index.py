"""Name search over encrypted names: an index built in the server's memory, never on disk.

Why: names are sealed field by field, so SQL cannot search them. A long-lived process (the
web server) decrypts the current mentions' names once (with the workspace's cipher), keeps
them and their search keys (`refwatch.linkage.search_keys`) in memory, and brings the
index up to date when the evidence version moves: mentions never change, so only new
mentions are decrypted and only the mention-to-person links are re-read. Nothing of it is
written to a file, a log or the database. Only callers allowed to see names may query it
(the web routes check, and audit each read).
"""

from __future__ import annotations

import bisect
import re
import threading
from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass

from sqlalchemy import Connection, select

from refwatch.linkage.search_keys import (
    SEPARATOR,
    exact_key,
    hangul_key,
    has_hangul,
    latin_keys,
    needs_exact,
    query_keys,
)
from refwatch.store.crypto import FieldCipher
from refwatch.store.queries import current_mentions, links, mentions

CHUNK = 900
START = "\x1e"
MIN_LATIN_QUERY = 2


@dataclass(frozen=True, slots=True)
class Names:
    hangul: str | None
    latin: str | None

    def written(self) -> list[str]:
        return [n for n in (self.hangul, self.latin) if n]


Entry = tuple[str | None, str | None, str, str, str]
"""A mention's names and its three key texts (Hangul, loose Latin, exact), precomputed
once: strings in a tuple, which the garbage collector does not need to track."""


def entry_of(hangul: str | None, latin: str | None) -> Entry:
    written = [n for n in (hangul, latin) if n]
    return (
        hangul,
        latin,
        START.join(hangul_key(n) for n in written if has_hangul(n)),
        START.join(k for n in written for k in latin_keys(n)),
        START.join(exact_key(n) for n in written if needs_exact(n)),
    )


class _Haystack:
    """Keys of many mentions in one string, so a search is a few scans of it."""

    def __init__(self) -> None:
        self._parts: list[str] = []
        self._starts: list[int] = []
        self._owners: list[str] = []
        self._length = 0
        self.text = ""

    def add(self, owner: str, keys: str) -> None:
        if not keys:
            return
        part = START + keys
        self._starts.append(self._length)
        self._owners.append(owner)
        self._parts.append(part)
        self._length += len(part)

    def seal(self) -> None:
        self.text = "".join(self._parts)
        self._parts = []

    def owner_at(self, position: int) -> str:
        return self._owners[bisect.bisect_right(self._starts, position) - 1]

    def find_all(self, key: str) -> set[str]:
        found: set[str] = set()
        start = self.text.find(key)
        while start != -1:
            found.add(self.owner_at(start))
            start = self.text.find(key, start + 1)
        return found

    def find_from_word_start(self, key: str) -> set[str]:
        """Matches that begin a word, letting word breaks fall anywhere inside the key and
        doubled letters meet single ones."""
        gap = re.escape(SEPARATOR) + "?"
        # Each letter may repeat across a word break ("myonk|kir" for "myonkir").
        body = gap.join(f"{re.escape(c)}(?:{gap}{re.escape(c)})*" for c in key)
        pattern = re.compile(f"(?:(?<={re.escape(START)})|(?<={re.escape(SEPARATOR)})){body}")
        return {self.owner_at(match.start()) for match in pattern.finditer(self.text)}


class NameIndex:
    """An immutable index of one evidence version: search, and names of a person."""

    def __init__(self, version: int, entries: dict[str, Entry], person_of: dict[str, str]) -> None:
        self.version = version
        self._entries = entries
        self._person_of = person_of
        grouped: dict[str, list[str]] = defaultdict(list)
        self._hangul, self._loose, self._exact = _Haystack(), _Haystack(), _Haystack()
        for mention_id in sorted(person_of):
            grouped[person_of[mention_id]].append(mention_id)
            entry = entries.get(mention_id)
            if entry is None:
                continue
            self._hangul.add(mention_id, entry[2])
            self._loose.add(mention_id, entry[3])
            self._exact.add(mention_id, entry[4])
        self._mentions_of = {person: tuple(ids) for person, ids in grouped.items()}
        for haystack in (self._hangul, self._loose, self._exact):
            haystack.seal()

    def search(self, query: str, limit: int = 200) -> list[str]:
        """Ids of the persons with a mention whose name matches, in id order."""
        keys = query_keys(query)
        found: set[str] = set()
        if keys.hangul:
            found |= self._hangul.find_all(keys.hangul)
        typed = sum(1 for c in query if c.isalpha())
        if keys.loose and (len(keys.loose) >= MIN_LATIN_QUERY or typed >= MIN_LATIN_QUERY):
            found |= self._loose.find_from_word_start(keys.loose)
        if keys.exact:
            found |= self._exact.find_all(keys.exact)
        persons = sorted({self._person_of[m] for m in found})
        return persons[:limit]

    def names_of(self, person_id: str) -> list[Names]:
        """The distinct names the person's current mentions give, in mention order."""
        given = self.names_of_mentions(self._mentions_of.get(person_id, ()))
        return list(dict.fromkeys(given.values()))

    def names_of_mention(self, mention_id: str) -> Names | None:
        entry = self._entries.get(mention_id)
        return None if entry is None else Names(entry[0], entry[1])

    def names_of_mentions(self, mention_ids: Iterable[str]) -> dict[str, Names]:
        """The names each of these mentions gives, by mention id (one that gives none is left
        out)."""
        found = {m: self.names_of_mention(m) for m in mention_ids}
        return {m: names for m, names in found.items() if names is not None}

    @property
    def mentions(self) -> int:
        return len(self._person_of)


def _decrypt(conn: Connection, cipher: FieldCipher, mention_ids: Iterable[str]) -> dict[str, Entry]:
    wanted = list(mention_ids)
    out: dict[str, Entry] = {}
    for start in range(0, len(wanted), CHUNK):
        chunk = wanted[start : start + CHUNK]
        rows = conn.execute(
            select(mentions.c.id, mentions.c.name_hangul_enc, mentions.c.name_latin_enc).where(
                mentions.c.id.in_(chunk)
            )
        )
        for row in rows:
            hangul = cipher.open("mentions", "name_hangul", row.id, row.name_hangul_enc)
            latin = cipher.open("mentions", "name_latin", row.id, row.name_latin_enc)
            if hangul or latin:
                out[row.id] = entry_of(hangul, latin)
    return out


class NameIndexCache:
    """Keeps the index of the latest evidence version; decrypts each mention once."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._index: NameIndex | None = None
        self._entries: dict[str, Entry] = {}
        self._seen: set[str] = set()

    def get(self, conn: Connection, cipher: FieldCipher, version: int) -> NameIndex:
        current = self._index
        if current is not None and current.version == version:
            return current
        with self._lock:
            current = self._index
            if current is None or current.version != version:
                current = self._index = self._rebuild(conn, cipher, version)
            return current

    def _rebuild(self, conn: Connection, cipher: FieldCipher, version: int) -> NameIndex:
        query = current_mentions().with_only_columns(mentions.c.id, links.c.person_id)
        person_of = {row.id: row.person_id for row in conn.execute(query)}
        new = [m for m in person_of if m not in self._seen]
        self._entries.update(_decrypt(conn, cipher, new))
        self._seen.update(new)
        current = {m: self._entries[m] for m in person_of if m in self._entries}
        return NameIndex(version, current, person_of)

    def clear(self) -> None:
        with self._lock:
            self._index = None
            self._entries.clear()
            self._seen.clear()
