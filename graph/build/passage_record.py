"""Every passage address the graph has published, kept so that none stops leading somewhere.

A passage's IRI is made from its quote's words (:mod:`graph.build.provenance`), so a curated quote
that is edited (shortened, extended, corrected) makes a new address. ``graph/data/editions/
passages.tsv`` records every address a build has made, one a line, in document order:

    passage                                       start  end    items        words
    tpg/ensure-no-ambulance-patient-handover-…    23533  23591  kde-2-1-…    Ensure no ambulance …

``start`` and ``end`` are where the words were in the text the address was recorded from,
``items`` the items that cited it then, and ``words`` the quote's words as its IRI's hash reads
them (NFC, runs of white space as one space), so a line can be checked against its address. An
optional sixth column, ``successor``, names the address that stands for it when a maintainer says
so.

A build that no longer makes a recorded address gives it a successor: the passage of this build
that overlaps the recorded words most in the same document (the words are found again in the
current text, at the place nearest their recorded start), ties going to the passage the same
items cite. The successor records ``dcterms:replaces`` the old address, and its offset-style
address too where no passage of this build has that one, so the linked-data routes answer them
with a 308 to it. A recorded address with no passage overlapping its words, and no successor
named, stops the build. Addresses are never dropped from the record; a build lists those it made
that are not yet recorded, and ``policy-graph build --record-passages`` writes them in.
"""

from __future__ import annotations

import os
import re
from bisect import bisect_left, bisect_right
from dataclasses import dataclass
from pathlib import Path

from rdflib import Graph, URIRef
from rdflib.namespace import DCTERMS

from graph.build.provenance import Made, normalised, offset_iri
from graph.errors import BuildError, Problem
from graph.namespaces import entity

#: The record, relative to the curated data's folder.
RECORD = Path("editions") / "passages.tsv"
COLUMNS = ("passage", "start", "end", "items", "words", "successor")
PREFIX = "passage/"

_HEADER = """\
# Every passage address the graph has published (https://w3id.org/nhs-wales-planning/id/passage/…),
# one a line, so that none stops resolving when a curated quote is edited: a build that no longer
# makes an address gives it the passage overlapping its words most, which answers for it (308).
# Never remove a line. 'policy-graph build --record-passages' adds the addresses a build made that
# are not yet here. start and end: where the words were in the text the line was recorded from;
# items: the items that cited them; words: the quote's words, white space runs as one space.
# A sixth column, successor, names the address that stands for this one when no passage of the
# build overlaps its words (see docs/building.md, "IRIs").
"""


@dataclass(frozen=True)
class Recorded:
    """One recorded address (``passage`` without its ``passage/``) and the line it is on."""

    passage: str
    start: int
    end: int
    items: tuple[str, ...]
    words: str
    successor: str = ""
    line: int = 0

    @property
    def document(self) -> str:
        return self.passage.split("/", 1)[0]

    @property
    def iri(self) -> URIRef:
        return URIRef(entity(PREFIX + self.passage))

    def row(self) -> str:
        cells = [self.passage, str(self.start), str(self.end), ",".join(self.items), self.words]
        return "\t".join(cells + ([self.successor] if self.successor else [])) + "\n"


def record_name(path: Path, root: Path) -> str:
    """How problems name the record: relative to the project where it is inside it."""
    return path.relative_to(root).as_posix() if path.is_relative_to(root) else str(path)


def read_record(path: Path, root: Path) -> list[Recorded]:
    """The recorded addresses (none when there is no record yet); a malformed line stops the build."""
    if not path.exists():
        return []
    file = record_name(path, root)
    found: list[Recorded] = []
    problems: list[Problem] = []
    seen: dict[str, int] = {}
    for number, line in enumerate(path.read_text(encoding="utf-8").splitlines(), start=1):
        if not line or line.startswith("#") or line.startswith(COLUMNS[0] + "\t"):
            continue
        cells = line.split("\t")
        if len(cells) not in (5, 6) or not all(c.isdigit() for c in cells[1:3]) or "/" not in cells[0]:
            problems.append(Problem(f"not a recorded address: want the columns {', '.join(COLUMNS[:5])} "
                                    "(and optionally successor) separated by tabs", file, number))
            continue
        if cells[0] in seen:
            problems.append(Problem(f"{PREFIX}{cells[0]} is recorded twice (line {seen[cells[0]]} too)",
                                    file, number))
            continue
        seen[cells[0]] = number
        found.append(Recorded(cells[0], int(cells[1]), int(cells[2]), tuple(filter(None, cells[3].split(","))),
                              cells[4], cells[5] if len(cells) == 6 else "", number))
    if problems:
        raise BuildError("reading the passage record", problems)
    return found


def write_record(path: Path, rows: list[Recorded]) -> None:
    """Write *rows* in document order, replacing the record in one step."""
    ordered = sorted(rows, key=lambda r: (r.document, r.start, r.end, r.passage))
    path.parent.mkdir(parents=True, exist_ok=True)
    temporary = path.with_name(f".{path.name}.{os.getpid()}.tmp")
    with temporary.open("w", encoding="utf-8", newline="\n") as out:
        out.write(_HEADER)
        out.write("\t".join(COLUMNS) + "\n")
        out.writelines(r.row() for r in ordered)
    os.replace(temporary, path)


class _Words:
    """A document's words joined by single spaces, with the way back to its offsets."""

    def __init__(self, text: str):
        tokens = [(m.start(), m.end()) for m in re.finditer(r"\S+", text)]
        self.text = " ".join(text[s:e] for s, e in tokens)
        self.starts: list[int] = []  # where each token starts in self.text
        at = 0
        for s, e in tokens:
            self.starts.append(at)
            at += e - s + 1
        self.tokens = tokens

    def offset(self, at: int) -> int:
        """The document offset of position *at* of the joined words (a joining space maps to the
        end of the token before it)."""
        index = bisect_right(self.starts, at) - 1
        start, end = self.tokens[index]
        return min(start + at - self.starts[index], end)

    def find_all(self, words: str) -> list[tuple[int, int]]:
        spans, at = [], self.text.find(words)
        while at != -1:
            spans.append((self.offset(at), self.offset(at + len(words) - 1) + 1))
            at = self.text.find(words, at + 1)
        return spans


def keep_addresses(graph: Graph, record: list[Recorded], made: list[Made], texts: dict[str, str],
                   file: str) -> list[Made]:
    """Give every recorded address this build does not make its successor in *graph*; return the
    passages made that are not recorded yet.

    :raise BuildError: naming each recorded address that has no successor, with its line of *file*.
    """
    made_iris = {m.iri for m in made}
    recorded = {r.iri: r for r in record}
    by_document: dict[str, list[Made]] = {}
    for passage in sorted(made, key=lambda m: (m.document, m.start, m.end, m.iri)):
        by_document.setdefault(passage.document, []).append(passage)
    starts = {doc: [m.start for m in passages] for doc, passages in by_document.items()}
    longest = {doc: max(m.end - m.start for m in passages) for doc, passages in by_document.items()}
    indexes: dict[str, _Words] = {}
    problems: list[Problem] = []

    def overlapping(old: Recorded) -> URIRef | str:
        text = texts.get(old.document)
        if text is None:
            return f"its document '{old.document}' is not among the sources"
        if normalised(text[old.start:old.end]) == old.words:
            spans = [(old.start, old.end)]
        else:
            spans = indexes.setdefault(old.document, _Words(text)).find_all(old.words)
        if not spans:
            return f"its words are no longer in the text of {old.document} (“{_short(old.words)}”)"
        start, end = min(spans, key=lambda s: (abs(s[0] - old.start), s[0]))
        passages = by_document.get(old.document, [])
        low = bisect_left(starts.get(old.document, []), start - longest.get(old.document, 0))
        high = bisect_left(starts.get(old.document, []), end)
        best, best_key = None, (0,)
        for passage in passages[low:high]:
            overlap = min(end, passage.end) - max(start, passage.start)
            key = (overlap, bool(set(passage.items) & set(old.items)), -abs(passage.start - start),
                   -(passage.end - passage.start))
            if overlap > 0 and key > best_key:
                best, best_key = passage, key
        if best is None:
            return (f"no passage of this build overlaps its words in {old.document} (“{_short(old.words)}”, "
                    f"now at {start}-{end})")
        return best.iri

    def successor(old: Recorded, seen: frozenset[URIRef]) -> URIRef | str:
        if not old.successor:
            return overlapping(old)
        named = URIRef(entity(PREFIX + old.successor))
        if named in made_iris:
            return named
        if named in recorded and named not in seen:
            return successor(recorded[named], seen | {old.iri})
        return (f"its successor {PREFIX}{old.successor} is no passage of this build and leads to none")

    claimed = set(graph.objects(None, DCTERMS.replaces))
    for old in record:
        if old.iri in made_iris:
            continue
        found = successor(old, frozenset())
        if not isinstance(found, URIRef):  # why there is none
            problems.append(Problem(
                f"the published address {PREFIX}{old.passage} would stop resolving: {found}. Quote words that "
                "overlap it again, or name the address that now stands for it in the line's sixth column "
                "(successor); never remove the line", file, old.line, item=old.items[0] if old.items else None))
            continue
        graph.add((found, DCTERMS.replaces, old.iri))
        by_offsets = offset_iri(old.document, old.start, old.end)
        if by_offsets not in claimed:
            graph.add((found, DCTERMS.replaces, by_offsets))
            claimed.add(by_offsets)
    if problems:
        raise BuildError("keeping passage addresses", problems)
    return [m for m in made if m.iri not in recorded]


def _short(words: str, most: int = 60) -> str:
    return words if len(words) <= most else words[:most - 1].rstrip() + "…"
