"""What falls due, and what starts to apply, on which day: every date the graph states (named
query ``due_between``), each with the obligation it belongs to, that obligation's modality, the
passage that states it, and the priorities and plans it serves.

Who and what a date concerns is not judged here: :meth:`graph.api.PolicyGraph.deadlines` keeps
the dates of the obligations that "what applies" (:meth:`graph.api.PolicyGraph.what_applies`)
gives for the body, topic, priority or plan asked about, so the deadlines page, its twins and
feeds agree with every other answer of what applies.
"""

from __future__ import annotations

import datetime as dt
import re
from dataclasses import dataclass, field

from graph.errors import QueryError
from graph.namespaces import entity, plain, short
from graph.queries import NamedQuery, run_named
from graph.rules.applicability import Applicability
from graph.store import Store

#: Days outside any plan period, bounding "every date".
ALL_DATES = (dt.date(1900, 1, 1), dt.date(2100, 12, 31))
#: What each filter may name: the roles of "what applies" subjects (named query ``subject``).
FILTER_ROLES = {"body": ("body", "kind of body"), "topic": ("topic",),
                "priority": ("priority", "enabling plan"), "plan": ("enabling plan",)}


@dataclass
class Deadline:
    """One date the graph states, with the obligation it belongs to and where the guidance says it."""

    date: str  # YYYY-MM-DD
    date_kind: str  # "due by" or "from"
    date_text: str  # the date as the guidance words it
    id: str  # the node that carries the date: an obligation, or a target that measures one
    label: str
    item: str = ""  # the obligation a target measures ("" when the node is the obligation)
    item_label: str = ""
    kind: str = ""  # the obligation's kind (requirement, delivery expectation …)
    modality: str = ""  # must, should, is required to …
    priorities: list[tuple[str, str]] = field(default_factory=list)  # (id, label), by label
    plans: list[tuple[str, str]] = field(default_factory=list)
    passage: str = ""  # the id of the passage that states it
    quote: str = ""  # its words, without the source's markup, on one line
    section: str = ""  # the heading of the section that holds the passage
    date_assumed: bool = False  # the text leaves out the year: it is read, not stated

    @property
    def obligation(self) -> str:
        """The id of the obligation the date belongs to."""
        return self.item or self.id

    @property
    def uid(self) -> str:
        """A name for this date that stays the same from build to build: the IRI of the node, the
        kind and day of the date (a node may both start and fall due), and for a target the
        obligation it measures (one target may measure two, and is listed under each)."""
        uid = f"{entity(self.id)}#{'due' if self.date_kind == 'due by' else 'from'}-{self.date}"
        return f"{uid}-{self.item}" if self.item else uid


_EMPHASIS = re.compile(r"\*+")
_LINK = re.compile(r"\[([^\]]*)\]\([^)]*\)")
_ESCAPED = re.compile(r"\\([\\`*_{}\[\]()#+\-.!])")


def clean_quote(text: str) -> str:
    """A quote as it reads, for a calendar or a feed reader: without the source text's markup
    (emphasis, links, escapes) and with its line breaks and runs of spaces as one space. The
    words exactly as the source has them are at the passage's own address."""
    text = _ESCAPED.sub(r"\1", _LINK.sub(r"\1", _EMPHASIS.sub("", text)))
    return " ".join(text.split())


def dated(store: Store, queries: dict[str, NamedQuery], rules: Applicability | None = None,
          start: dt.date | None = None, end: dt.date | None = None) -> list[Deadline]:
    """Every date from *start* to *end* (inclusive; every date when not given) in order of day
    and node; with the applicability *rules*, each with its obligation's kind, modality,
    passage and priorities (without them, the dates alone: the rules take a second to read)."""
    start, end = start or ALL_DATES[0], end or ALL_DATES[1]
    out = []
    rows = run_named(store, queries["due_between"], {"start": start.isoformat(), "end": end.isoformat()}).rows
    for row in rows:
        node = str(row["node"])
        owner = str(row["item"]) if row.get("item") is not None else ""
        deadline = Deadline(str(row["date"]), str(row["dateKind"]), str(row.get("dateText") or ""), short(node),
                            str(row["label"]), short(owner) if owner else "", str(row.get("itemLabel") or ""),
                            date_assumed=plain(row.get("dateAssumed")) is True)
        if rules is not None:
            _describe(deadline, rules, node, owner)
        out.append(deadline)
    return out


def _describe(deadline: Deadline, rules: Applicability, node: str, owner: str) -> None:
    ob = rules.obligations.get(owner or node)
    if ob is not None:
        deadline.kind, deadline.modality = ob.kind, ob.modality
        deadline.priorities = [(short(i), label) for i, label in ob.priorities]
        deadline.plans = [(short(i), label) for i, label in ob.plans]
    # a target may be stated in a passage of its own; else the obligation's is the source
    passage, quote, _section, section_label = rules.sources.get(node) or rules.sources.get(owner) or \
        ((ob.passage, ob.quote, ob.section, ob.section_label) if ob else ("", "", "", ""))
    deadline.passage, deadline.quote, deadline.section = short(passage) if passage else "", clean_quote(quote), \
        section_label


#: What each filter must name, as a refusal says it.
FILTER_WORDS = {"body": "an organisation or a kind of body", "topic": "a topic",
                "priority": "a priority or an enabling plan", "plan": "an enabling plan"}


def check_role(parameter: str, name: str, role: str, label: str) -> None:
    """Refuse a filter that names a node of the wrong kind, naming the parameter.

    :raise QueryError: when *role* is not one *parameter* may name."""
    if role not in FILTER_ROLES[parameter]:
        raise QueryError(f"parameter '{parameter}': '{name}' ({label}) is not {FILTER_WORDS[parameter]}")


__all__ = ["ALL_DATES", "Deadline", "FILTER_ROLES", "FILTER_WORDS", "check_role", "clean_quote", "dated"]
