"""Which Welsh names are published and which await review, counted by kind.

A Welsh name is either published (the official name of an Act, a body, a priority) or was
written for this graph and awaits review by a Welsh speaker (``nwp:welshStatus``, set by the
build from ``graph/data/cy``; see ``docs/welsh.md``). The browser's review page, its JSON twin
and the tests read this one answer.
"""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass, field

from graph.namespaces import plain
from graph.queries import NamedQuery, run_named
from graph.store import Store

AWAITING_REVIEW = "nwp:WelshAwaitingReview"
PUBLISHED = "nwp:WelshPublished"


@dataclass
class WelshName:
    id: str
    kind: str
    english: str
    welsh: str
    definition: str = ""


@dataclass
class WelshReview:
    """The Welsh names awaiting review (in order of kind and id) and how many are published."""

    awaiting: list[WelshName] = field(default_factory=list)
    published: int = 0

    def by_kind(self) -> list[tuple[str, int]]:
        """How many names of each kind await review, the most first."""
        counts = Counter(name.kind for name in self.awaiting)
        return sorted(counts.items(), key=lambda kv: (-kv[1], kv[0]))

    def as_dict(self) -> dict:
        return {"awaiting_review": len(self.awaiting), "published": self.published,
                "by_kind": [{"kind": k, "count": n} for k, n in self.by_kind()],
                "names": [vars(name) for name in self.awaiting]}


def welsh_review(store: Store, queries: dict[str, NamedQuery]) -> WelshReview:
    """Every Welsh name with its status, from the named query ``welsh-review``."""
    review = WelshReview()
    seen: dict[str, WelshName] = {}
    published: set[str] = set()
    for row in run_named(store, queries["welsh_review"]).rows:
        values = {k: plain(v) for k, v in row.items()}
        ident = values["node"]
        if values["status"] == PUBLISHED:
            published.add(ident)
        elif ident not in seen:
            # a node of two kinds (a programme that is also a body) is listed once, by its first
            seen[ident] = WelshName(ident, values.get("kind", ""), values.get("english", ""), values["welsh"],
                                    values.get("definition", ""))
    review.awaiting = sorted(seen.values(), key=lambda n: (n.kind, n.id))
    review.published = len(published)
    return review
