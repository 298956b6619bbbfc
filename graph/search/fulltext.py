"""Full-text ranking of obligations by the words of a question: SQLite's FTS5 (in the standard
library) with the Porter stemmer, so that "waits" finds "waiting" and "handovers" "handover",
over each obligation's names and the quotes it is stated in, ranked by BM25. Words are or-ed: a
word no obligation uses lowers no one's rank and never empties the answer."""

from __future__ import annotations

import sqlite3
import threading
from collections.abc import Iterable

from graph.search.catalogue import Entry
from graph.search.index import normalise


class FullText:
    def __init__(self, entries: Iterable[Entry], synonyms: dict[str, list[str]] | None = None):
        self.synonyms = {normalise(k): [normalise(v) for v in vs] for k, vs in (synonyms or {}).items()}
        # one connection, shared by the threads of a worker; a lock keeps its use one at a time
        self._db = sqlite3.connect(":memory:", check_same_thread=False)
        self._lock = threading.Lock()
        self._db.execute("CREATE VIRTUAL TABLE item USING fts5(id UNINDEXED, names, quotes, "
                         "tokenize = 'porter unicode61 remove_diacritics 2')")
        self._db.executemany("INSERT INTO item VALUES (?, ?, ?)", [
            (e.id, " ".join([e.label, *e.alt_labels, e.label_cy, *e.topics]), " ".join(e.quotes))
            for e in entries])

    def rank(self, words: list[str]) -> dict[str, float]:
        """Each obligation holding any of *words* (or a word they stand for), with how well it
        matches (higher is better; names count three times the quotes)."""
        terms = []
        for word in words:
            for term in [word, *self.synonyms.get(word, [])]:
                terms.append('"' + term.replace('"', "") + '"')
        if not terms:
            return {}
        with self._lock:
            rows = self._db.execute("SELECT id, bm25(item, 0, 3.0, 1.0) FROM item WHERE item MATCH ?",
                                    (" OR ".join(terms),)).fetchall()
        # BM25 in FTS5 is negative, lower is better
        return {ident: -score for ident, score in rows}
