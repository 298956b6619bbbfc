"""Quotes as people read them: the source's markdown marks dropped, and an item's lead-in told
apart from the words that state it.

The graph keeps every quote verbatim (``oa:exact``), since the build finds it by exact match and
counts offsets in it. Every surface shows the same quote through this module instead: emphasis
(``**bold**``, ``*italic*``) is dropped, a link keeps its words (``[Health Technology Wales](#)``
reads "Health Technology Wales") and a backslash escape keeps the character it escapes. The
build writes the same text as ``nwp:displayText`` beside each passage, so SPARQL clients read it
too.

A list item is often quoted with the sentence that introduces the list ("Health boards are
expected to:"). That lead-in is context, not the item's main quote: :func:`main_quote` picks the
words that state the item, and :func:`with_lead_in` joins the two for a one-line surface.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

#: A markdown link, its words kept: ``[words](address)``; words may hold escaped brackets.
_LINK = re.compile(r"\[((?:\\.|[^\]\\])*)\]\((?:[^()\s]|\([^()\s]*\))*\)")
#: What is left of a link cut off by the edge of a span of text: ``](address)``.
_LINK_TAIL = re.compile(r"\]\((?:[^()\s]|\([^()\s]*\))*\)")
#: Strong emphasis marks, and a single mark against a word (not a list's bullet ``* ``).
_STRONG = re.compile(r"\*\*|__")
_EMPHASIS = re.compile(r"(?<=\S)\*|\*(?=\S)")
_ESCAPE = re.compile(r"\\([\\`*_{}\[\]()#+\-.!|>])")
#: What joins a lead-in to the item it introduces, on one line.
JOIN = " … "


def clean(text: str) -> str:
    """*text* without markdown marks: emphasis dropped, links as their words, escapes undone."""
    text = _LINK.sub(r"\1", text)
    text = _LINK_TAIL.sub("", text)
    text = _STRONG.sub("", text)
    text = _EMPHASIS.sub("", text)
    return _ESCAPE.sub(r"\1", text)


def is_lead_in(text: str) -> bool:
    """Whether a quote only introduces what follows it (it ends with a colon)."""
    return clean(text).rstrip().endswith(":")


@dataclass(frozen=True)
class MainQuote:
    """An item's main quote and the lead-ins before it, as indexes into the quotes given."""

    main: int
    lead_ins: tuple[int, ...]


def main_quote(quotes: list[str]) -> MainQuote | None:
    """Which of an item's quotes (in document order) states it, and which only lead in to it.

    A quote ending with a colon that comes before another quote of the item is a lead-in; the
    first quote that is not one is the main quote. An item quoted only by lead-ins keeps its
    first quote as the main one.
    """
    if not quotes:
        return None
    main = next((i for i, q in enumerate(quotes) if not is_lead_in(q)), 0)
    return MainQuote(main, tuple(i for i in range(main) if is_lead_in(quotes[i])))


def with_lead_in(quotes: list[str]) -> str:
    """An item's quotes (in document order) as one clean line: "lead-in … main quote"."""
    chosen = main_quote(quotes)
    if chosen is None:
        return ""
    main = clean(quotes[chosen.main]).strip()
    leads = [clean(quotes[i]).strip() for i in chosen.lead_ins]
    return JOIN.join([*leads, main]) if leads else main
