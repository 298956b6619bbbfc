"""Locate every quote in its source text and describe it with the W3C Web Annotation model.

A passage is an ``oa:SpecificResource`` whose ``oa:hasSource`` is the document, with an
``oa:TextQuoteSelector`` (exact, prefix, suffix) and an ``oa:TextPositionSelector`` (start,
end) counted in Unicode code points: https://www.w3.org/TR/annotation-model/#selectors

A passage's IRI holds no offsets: it is made of its document, the first words of its quote and a
short hash of the quote's normalised words (``passage/tpg/ensure-no-ambulance-patient-handover-
waits-1c8e0f4a``), so a new edition that moves the text keeps every link. The same words quoted at
two places get ``-2``, ``-3`` in the order they occur. The offsets are the position selector's;
the address the passage had when IRIs carried them (``passage/tpg/23533-23591``) is recorded with
``dcterms:replaces``, and the linked-data routes redirect it to the passage.
"""

from __future__ import annotations

import difflib
import hashlib
import re
import unicodedata
from bisect import bisect_right
from collections.abc import Callable
from dataclasses import dataclass, replace

from rdflib import Graph, Literal, URIRef
from rdflib.namespace import DCTERMS, FOAF, RDF, RDFS, XSD

from graph.build.load import QuoteRef
from graph.display import clean, main_quote
from graph.errors import BuildError, Problem
from graph.namespaces import NWP, OA, entity
from graph.sources import Sources
from graph.yamlfile import Located

CONTEXT_CHARS = 32


@dataclass(frozen=True)
class Made:
    """A passage this build made: its IRI, place, the items citing it and its quote's words."""

    iri: URIRef
    document: str
    start: int
    end: int
    items: tuple[str, ...]
    words: str

    @property
    def key(self) -> str:
        """The IRI's path after ``passage/`` (``tpg/ensure-no-…-ebe149ee``)."""
        return self.iri[len(entity("passage/")):]


@dataclass(frozen=True)
class SectionSpan:
    id: str
    document: str
    title: str
    number: str | None
    level: int
    start: int
    end: int
    parent: str | None
    order: int


def line_and_column(text: str, offset: int) -> tuple[int, int]:
    line = text.count("\n", 0, offset) + 1
    return line, offset - (text.rfind("\n", 0, offset) + 1) + 1


def locate_sections(sources: Sources, structure: list[tuple[str, Located]]) -> dict[str, SectionSpan]:
    """Find each section heading as a whole line and compute the span it heads."""
    spans: dict[str, SectionSpan] = {}
    problems: list[Problem] = []
    for file, data in structure:
        doc_id = data.get("document")
        if doc_id not in sources.documents:
            problems.append(Problem(f"unknown document '{doc_id}'", file, data.line_of("document"),
                                    "document"))
            continue
        text = sources.documents[doc_id].text
        line_starts: dict[str, list[int]] = {}
        offset = 0
        for line in text.split("\n"):
            line_starts.setdefault(line.rstrip(), []).append(offset)
            offset += len(line) + 1
        found: list[tuple[Located, int]] = []
        for entry in data.get("sections", []):
            missing = [k for k in ("id", "title", "heading", "level") if k not in entry]
            if missing:
                problems.append(Problem(f"missing {', '.join(missing)}", file, entry.line, item=entry.get("id")))
                continue
            matches = line_starts.get(entry["heading"], [])
            occurrence = entry.get("occurrence", 1)
            if len(matches) < occurrence:
                close = difflib.get_close_matches(entry["heading"], list(line_starts), n=1)
                hint = f"; nearest line: {close[0]!r}" if close else ""
                problems.append(Problem(f"heading {entry['heading']!r} is not a line of {doc_id} "
                                        f"(found {len(matches)} time(s), occurrence {occurrence} wanted){hint}",
                                        file, entry.line_of("heading"), "heading", entry["id"]))
                continue
            if len(matches) > 1 and "occurrence" not in entry:
                problems.append(Problem(f"heading {entry['heading']!r} is a line {len(matches)} times in "
                                        f"{doc_id}; say which with 'occurrence'", file,
                                        entry.line_of("heading"), "heading", entry["id"]))
                continue
            start = matches[occurrence - 1]
            if found and start <= found[-1][1]:
                problems.append(Problem("sections must be listed in document order", file, entry.line,
                                        item=entry["id"]))
                continue
            found.append((entry, start))
        for index, (entry, start) in enumerate(found):
            level = int(entry["level"])
            end = next((s for e, s in found[index + 1:] if int(e["level"]) <= level), len(text))
            parent = next((e["id"] for e, _s in reversed(found[:index]) if int(e["level"]) < level), None)
            spans[entry["id"]] = SectionSpan(entry["id"], doc_id, entry["title"],
                                             str(entry["number"]) if "number" in entry else None,
                                             level, start, end, parent, index + 1)
    if problems:
        raise BuildError("locating sections", problems)
    return spans


def _near_miss(scope: str, quote: str) -> tuple[int, int]:
    """The offset in *scope* of the window most like *quote*, and where they first differ."""
    matcher = difflib.SequenceMatcher(None, scope, quote, autojunk=False)
    match = matcher.find_longest_match(0, len(scope), 0, len(quote))
    start = max(0, match.a - match.b)
    window = scope[start:start + len(quote)]
    pairs = enumerate(zip(window, quote, strict=False))
    differ = next((i for i, (a, b) in pairs if a != b), min(len(window), len(quote)))
    return start, differ


def locate_quote(text: str, quote: str, start: int = 0, end: int | None = None,
                 occurrence: int | None = None) -> tuple[int, int] | str:
    """The ``(start, end)`` code-point offsets of *quote* in ``text[start:end]``, or why not.

    Only an exact match counts. When there is none, the reason names the nearest passage,
    its line and column, and the first character that differs.
    """
    end = len(text) if end is None else end
    hits = []
    at = text.find(quote, start, end)
    while at != -1:
        hits.append(at)
        at = text.find(quote, at + 1, end)
    if hits:
        if occurrence is None and len(hits) > 1:
            lines = ", ".join(str(line_and_column(text, h)[0]) for h in hits[:5])
            return f"quote occurs {len(hits)} times (lines {lines}); say which with 'occurrence'"
        index = (occurrence or 1) - 1
        if index >= len(hits):
            return f"occurrence {occurrence} wanted but the quote occurs {len(hits)} time(s)"
        return hits[index], hits[index] + len(quote)
    elsewhere = text.find(quote)
    if elsewhere != -1:
        line, _ = line_and_column(text, elsewhere)
        return f"quote is not in the given section but occurs at line {line}; check 'section'"
    offset, differ = _near_miss(text[start:end], quote)
    near = text[start + offset:start + offset + len(quote)]
    line, column = line_and_column(text, start + offset + differ)
    found_char = near[differ] if differ < len(near) else "end of text"
    want_char = quote[differ] if differ < len(quote) else "end of quote"
    return (f"quote not found; nearest passage (line {line}, column {column}) first differs at quote "
            f"character {differ + 1}: quote has {want_char!r}, text has {found_char!r}; "
            f"nearest text: {near!r}")


#: Words of a quote that go into its passage's IRI, and the most characters they take.
SLUG_WORDS, SLUG_CHARS = 6, 48


def normalised(quote: str) -> str:
    """A quote's words as its IRI's hash reads them: NFC, whitespace runs as one space."""
    return " ".join(unicodedata.normalize("NFC", quote).split())


def passage_key(quote: str) -> str:
    """The offset-free last step of a passage's IRI: the quote's first words, then a hash of
    its normalised words. It always holds a letter, so it never reads as ``START-END``."""
    words = re.findall(r"[a-z0-9]+", unicodedata.normalize("NFKD", clean(quote)).encode("ascii", "ignore")
                       .decode().lower())
    slug = "-".join(words[:SLUG_WORDS])[:SLUG_CHARS].strip("-")
    if not re.search(r"[a-z]", slug):
        slug = ("q-" + slug).strip("-")
    digest = hashlib.sha256(normalised(quote).encode("utf-8")).hexdigest()[:8]
    return f"{slug}-{digest}"


def passage_iri(document: str, quote: str, repeat: int = 1) -> URIRef:
    """The IRI of the *repeat*-th place (in document order) where *quote* is cited in *document*."""
    return URIRef(entity(f"passage/{document}/{passage_key(quote)}" + (f"-{repeat}" if repeat > 1 else "")))


def offset_iri(document: str, start: int, end: int) -> URIRef:
    """The address a passage had when IRIs carried offsets; kept so old links still lead to it."""
    return URIRef(entity(f"passage/{document}/{start}-{end}"))



def _innermost_section(spans: list[SectionSpan], starts: list[int], offset: int) -> SectionSpan | None:
    index = bisect_right(starts, offset) - 1
    best = None
    while index >= 0:
        span = spans[index]
        if span.start <= offset < span.end and (best is None or span.level > best.level):
            best = span
        index -= 1
    return best


def name_passages(located: list[tuple[str, int, int, str]]) -> dict[tuple[str, int, int], URIRef]:
    """The IRI of each located passage (document, start, end, curated quote): by its words, and
    for the same words at several places, by their order in the document."""
    iris: dict[tuple[str, int, int], URIRef] = {}
    seen: dict[tuple[str, str], int] = {}
    for document, start, end, quote in sorted(set(located)):
        if (document, start, end) in iris:
            continue
        key = (document, normalised(quote))
        seen[key] = seen.get(key, 0) + 1
        iris[(document, start, end)] = passage_iri(document, quote, seen[key])
    return iris


#: How a build finds a quote its edition no longer holds verbatim: given the quote, its
#: document and its section's span, the offsets it now lies at, or None.
Reanchor = Callable[[QuoteRef], "tuple[int, int] | None"]


def add_provenance(graph: Graph, sources: Sources, spans: dict[str, SectionSpan],
                   quotes: list[QuoteRef], external: dict[str, list[str]],
                   reanchor: Reanchor | None = None,
                   earlier: dict[tuple[str, int, int], tuple[int, int]] | None = None) -> list[Made]:
    """Add documents, sections, passages and source links to *graph*; return the passages made.

    *reanchor* places a quote that is not verbatim in the document (a build against a new
    edition); *earlier* gives, for a passage's place, its place in the edition before, whose
    offset-style address is recorded as replaced too."""
    for doc in sources.documents.values():
        subject = URIRef(entity(doc.id))
        graph.add((subject, RDF.type, NWP.PolicyDocument))
        graph.add((subject, RDFS.label, Literal(doc.title, lang="en")))
        graph.add((subject, DCTERMS.title, Literal(doc.title, lang="en")))
        if doc.title_cy:
            graph.add((subject, RDFS.label, Literal(doc.title_cy, lang="cy")))
            graph.add((subject, DCTERMS.title, Literal(doc.title_cy, lang="cy")))
            graph.add((subject, NWP.welshStatus, NWP.WelshPublished))  # the document's published title
        if doc.alternative:
            graph.add((subject, DCTERMS.alternative, Literal(doc.alternative, lang="en")))
        graph.add((subject, DCTERMS.publisher, Literal(doc.publisher)))
        graph.add((subject, DCTERMS.issued, Literal(doc.year, datatype=XSD.gYear)))
        graph.add((subject, DCTERMS.license, URIRef(doc.licence)))
        graph.add((subject, NWP.sha256, Literal(doc.sha256)))
        graph.add((subject, NWP.fileName, Literal(doc.file)))
        graph.add((subject, NWP.attribution, Literal(sources.attribution)))
    for ext in sources.external.values():
        subject = URIRef(entity(ext.id))
        graph.add((subject, RDF.type, NWP.ExternalSource))
        graph.add((subject, RDFS.label, Literal(ext.title, lang="en")))
        graph.add((subject, DCTERMS.title, Literal(ext.title, lang="en")))
        graph.add((subject, FOAF.page, URIRef(ext.url)))
        if ext.publisher:
            graph.add((subject, DCTERMS.publisher, Literal(ext.publisher)))

    by_document: dict[str, list[SectionSpan]] = {}
    for span in spans.values():
        subject = URIRef(entity(span.id))
        doc = URIRef(entity(span.document))
        graph.add((subject, RDF.type, NWP.Section))
        label = f"{span.number} {span.title}" if span.number else span.title
        graph.add((subject, RDFS.label, Literal(label, lang="en")))
        graph.add((subject, DCTERMS.title, Literal(span.title, lang="en")))
        if span.number:
            graph.add((subject, NWP.sectionNumber, Literal(span.number)))
        graph.add((subject, NWP.order, Literal(span.order)))
        graph.add((subject, NWP.partOf, URIRef(entity(span.parent)) if span.parent else doc))
        graph.add((subject, OA.hasSource, doc))
        selector = URIRef(f"{subject}#position")
        graph.add((subject, OA.hasSelector, selector))
        graph.add((selector, RDF.type, OA.TextPositionSelector))
        graph.add((selector, OA.start, Literal(span.start, datatype=XSD.nonNegativeInteger)))
        graph.add((selector, OA.end, Literal(span.end, datatype=XSD.nonNegativeInteger)))
        by_document.setdefault(span.document, []).append(span)
    for doc_spans in by_document.values():
        doc_spans.sort(key=lambda s: s.start)

    problems: list[Problem] = []
    passages: dict[URIRef, Made] = {}
    stated: dict[str, dict[URIRef, tuple[str, int, str]]] = {}
    found: list[tuple[QuoteRef, str, int, int]] = []
    for ref in quotes:
        doc = sources.documents.get(ref.document)
        if doc is None:
            problems.append(Problem(f"unknown document '{ref.document}'", ref.file, ref.line, "document",
                                    ref.items[0]))
            continue
        start, end = 0, len(doc.text)
        if ref.section:
            span = spans.get(ref.section)
            if span is None or span.document != ref.document:
                problems.append(Problem(f"unknown section '{ref.section}' of document '{ref.document}'",
                                        ref.file, ref.line, "section", ref.items[0]))
                continue
            start, end = span.start, span.end
        where = locate_quote(doc.text, ref.text, start, end, ref.occurrence)
        if isinstance(where, str) and reanchor is not None:
            where = reanchor(ref) or where
        if isinstance(where, str):
            problems.append(Problem(where, ref.file, ref.line, "quote", ref.items[0]))
            continue
        found.append((ref, doc.id, *where))
    iris = name_passages([(d, s, e, r.text) for r, d, s, e in found])
    for ref, doc_id, q_start, q_end in found:
        text = sources.documents[doc_id].text
        passage = iris[(doc_id, q_start, q_end)]
        for item in ref.items:
            graph.add((URIRef(entity(item)), NWP.hasSourcePassage, passage))
            stated.setdefault(item, {})[passage] = (doc_id, q_start, text[q_start:q_end])
        if passage in passages:
            made = passages[passage]
            passages[passage] = replace(made, items=tuple(dict.fromkeys(made.items + tuple(ref.items))))
            continue
        passages[passage] = Made(passage, doc_id, q_start, q_end, tuple(ref.items), normalised(ref.text))
        _describe_passage(graph, passage, doc_id, text, q_start, q_end,
                          by_document.get(doc_id, []))
        graph.add((passage, DCTERMS.replaces, offset_iri(doc_id, q_start, q_end)))
        before = (earlier or {}).get((doc_id, q_start, q_end))
        if before is not None and before != (q_start, q_end):
            graph.add((passage, DCTERMS.replaces, offset_iri(doc_id, *before)))
    for item, found in stated.items():
        _mark_lead_ins(graph, URIRef(entity(item)), found)
    for item, ext_ids in external.items():
        for ext in ext_ids:
            graph.add((URIRef(entity(item)), NWP.hasExternalSource, URIRef(entity(ext))))
        graph.add((URIRef(entity(item)), NWP.externallySourced, Literal(True)))
    if problems:
        raise BuildError("locating quotes", problems)
    return list(passages.values())


def _mark_lead_ins(graph: Graph, item: URIRef, found: dict[URIRef, tuple[str, int, str]]) -> None:
    """Mark the passages that only lead in to *item*'s main quote (graph/display.py decides)."""
    ordered = sorted(found, key=lambda p: found[p][:2])
    chosen = main_quote([found[p][2] for p in ordered])
    for index in chosen.lead_ins if chosen else ():
        graph.add((item, NWP.leadInPassage, ordered[index]))


def _describe_passage(graph: Graph, passage: URIRef, doc_id: str, text: str, start: int, end: int,
                      doc_spans: list[SectionSpan]) -> None:
    exact = text[start:end]
    line, _ = line_and_column(text, start)
    shown = " ".join(clean(exact).split())
    short = shown if len(shown) <= 60 else shown[:57].rstrip() + "..."
    graph.add((passage, RDF.type, NWP.Passage))
    graph.add((passage, RDFS.label, Literal(f"“{short}” ({doc_id}, line {line})", lang="en")))
    graph.add((passage, OA.hasSource, URIRef(entity(doc_id))))
    quote_sel = URIRef(f"{passage}#quote")
    position_sel = URIRef(f"{passage}#position")
    graph.add((passage, OA.hasSelector, quote_sel))
    graph.add((passage, OA.hasSelector, position_sel))
    graph.add((quote_sel, RDF.type, OA.TextQuoteSelector))
    graph.add((quote_sel, OA.exact, Literal(exact)))
    graph.add((passage, NWP.displayText, Literal(clean(exact))))
    graph.add((quote_sel, OA.prefix, Literal(text[max(0, start - CONTEXT_CHARS):start])))
    graph.add((quote_sel, OA.suffix, Literal(text[end:end + CONTEXT_CHARS])))
    graph.add((position_sel, RDF.type, OA.TextPositionSelector))
    graph.add((position_sel, OA.start, Literal(start, datatype=XSD.nonNegativeInteger)))
    graph.add((position_sel, OA.end, Literal(end, datatype=XSD.nonNegativeInteger)))
    section = _innermost_section(doc_spans, [s.start for s in doc_spans], start)
    if section is not None:
        graph.add((passage, NWP.inSection, URIRef(entity(section.id))))
