"""A new edition of a source text against the one the curated quotes were taken from.

Every curated quote that cites the document is found again in the new edition and classed:
``unchanged`` (the same words at the same offsets), ``moved`` (the same words elsewhere),
``changed`` (no exact match; the closest span of the new text whose similarity reaches
:data:`THRESHOLD`, with the words that differ) or ``vanished`` (nothing that close). Each item
citing a quote is then reported with what happened to it: removed, wording changed, modality
changed (the modality reading rules of ``ontology/modality-rules.yaml`` read the new words
differently), date changed or target value changed (a date or a number among the differing
words). A sentence of the new edition that is in no form in the old one, carries a modality cue
and lies in no quote's span is reported as added.

The matching is plain :mod:`difflib`: candidate windows of the new text are first ranked by
how many of the quote's words they share (one pass over the text), and only the best few are
compared in full, so a quote costs one linear scan however long the document is.
"""

from __future__ import annotations

import difflib
import hashlib
import re
from collections import Counter
from dataclasses import asdict, dataclass, field, replace

from rdflib import Graph, Literal
from rdflib.namespace import RDF, RDFS

from graph.build.load import QuoteRef, load_data
from graph.build.modality import RULES_FILE, ReadingRule, load_rules
from graph.build.provenance import locate_quote, locate_sections, normalised
from graph.errors import BuildError
from graph.namespaces import NWP, short
from graph.paths import Layout
from graph.sources import Sources, load_sources

#: The least similarity (difflib's ratio over characters) at which a span of the new edition
#: is taken for a quote whose words changed; below it the quote has vanished.
THRESHOLD = 0.75
#: How many best-sharing windows of the new text are compared in full with a quote.
CANDIDATES = 6
#: The statuses of a quote, and the changes of an item, in the order reports list them.
STATUSES = ("unchanged", "moved", "changed", "vanished")
CHANGES = ("removed", "wording", "modality", "date", "target-value", "moved")

_MONTHS = ("January|February|March|April|May|June|July|August|September|October|November|December|"
           "Jan|Feb|Mar|Apr|Jun|Jul|Aug|Sep|Sept|Oct|Nov|Dec")
#: Words that state a date: a year (2026, 2026-27, 2026/27), a quarter, a month, a day of one.
DATE = re.compile(rf"\b(?:(?:19|20)\d\d(?:\s*[-/–]\s*\d{{2,4}})?|Q[1-4]|(?:{_MONTHS})|\d{{1,2}}(?:st|nd|rd|th))\b",
                  re.IGNORECASE)
NUMBER = re.compile(r"\d+(?:[.,]\d+)*\s*%?")
_WORD = re.compile(r"\S+")
_SENTENCE_END = re.compile(r"(?<=[.!?])\s+(?=\S)")


@dataclass
class Anchor:
    """One curated quote: where it was in the old edition and where it is in the new."""

    items: list[str]
    quote: str
    file: str
    line: int
    status: str
    old: tuple[int, int] | None = None
    new: tuple[int, int] | None = None
    new_text: str | None = None
    similarity: float | None = None
    #: the differing words, as (old words, new words) pairs
    differences: list[tuple[str, str]] = field(default_factory=list)
    old_reading: str | None = None
    new_reading: str | None = None


@dataclass
class ItemChange:
    """What a new edition changes for one item that cites the document."""

    item: str
    label: str
    kind: str
    changes: list[str]
    anchors: list[Anchor]


@dataclass
class Added:
    """A sentence of the new edition, new in it, that carries a modality cue no quote anchors."""

    start: int
    end: int
    text: str
    cue: str
    modality: str
    rule: str


@dataclass
class EditionDiff:
    document: str
    old_sha256: str
    new_sha256: str
    anchors: list[Anchor]
    items: list[ItemChange]
    added: list[Added]

    def counts(self) -> dict[str, int]:
        counted = Counter(a.status for a in self.anchors)
        out = {status: counted.get(status, 0) for status in STATUSES}
        out["added"] = len(self.added)
        return out

    @property
    def changed(self) -> bool:
        """Whether the new edition changes any words the graph rests on, or adds an obligation
        (moves alone change nothing a reader relies on)."""
        counts = self.counts()
        return bool(counts["changed"] or counts["vanished"] or counts["added"])

    def as_dict(self) -> dict:
        return {"document": self.document, "old_sha256": self.old_sha256, "new_sha256": self.new_sha256,
                "counts": self.counts(), "items": [asdict(i) for i in self.items],
                "added": [asdict(a) for a in self.added]}


def _norm_word(word: str) -> str:
    return word.strip("“”\"'‘’()[]*,.;:!?").lower()


def _words(text: str, base: int = 0) -> list[tuple[int, int, str]]:
    return [(base + m.start(), base + m.end(), _norm_word(m.group())) for m in _WORD.finditer(text)]


def closest(quote: str, text: str, avoid: list[tuple[int, int]] = (),
            tokens: list[tuple[int, int, str]] | None = None) -> tuple[int, int, float] | None:
    """The span of *text* most like *quote* (start, end, similarity), overlapping no span of
    *avoid*, or None when *text* has no words."""
    tokens = tokens if tokens is not None else _words(text)
    wanted = [w for _s, _e, w in _words(quote)]
    n = len(wanted)
    if not tokens or not n:
        return None
    need = Counter(wanted)
    have: Counter[str] = Counter()
    shared = 0
    scores: list[tuple[int, int]] = []
    for i, (_s, _e, word) in enumerate(tokens):
        if have[word] < need[word]:
            shared += 1
        have[word] += 1
        if i >= n:
            gone = tokens[i - n][2]
            have[gone] -= 1
            if have[gone] < need[gone]:
                shared -= 1
        scores.append((shared, max(0, i - n + 1)))
    starts: list[int] = []
    for _shared, start in sorted(scores, key=lambda s: (-s[0], s[1])):
        if all(abs(start - s) > n // 2 for s in starts):
            starts.append(start)
        if len(starts) == CANDIDATES:
            break
    best: tuple[int, int, float] | None = None
    slack = min(8, max(3, n // 5))
    matcher = difflib.SequenceMatcher(None, [], wanted, autojunk=False)
    for start in starts:
        for i in range(max(0, start - slack), min(len(tokens), start + slack + 1)):
            for j in range(max(i + 1, i + n - slack), min(len(tokens), i + n + slack) + 1):
                matcher.set_seq1([w for _s, _e, w in tokens[i:j]])
                if best is not None and matcher.real_quick_ratio() < best[2]:
                    continue
                score = matcher.ratio()
                span = (tokens[i][0], tokens[j - 1][1])
                if any(span[0] < e and s < span[1] for s, e in avoid):
                    continue
                if best is None or score > best[2]:
                    best = (*span, score)
    if best is None:
        return None
    start, end, _score = best
    return start, end, round(difflib.SequenceMatcher(None, quote, text[start:end], autojunk=False).ratio(), 3)


def differences(old: str, new: str) -> list[tuple[str, str]]:
    """The words that differ between *old* and *new*, as (old words, new words) pairs."""
    a, b = old.split(), new.split()
    matcher = difflib.SequenceMatcher(None, [_norm_word(w) for w in a], [_norm_word(w) for w in b], autojunk=False)
    return [(" ".join(a[i1:i2]), " ".join(b[j1:j2]))
            for op, i1, i2, j1, j2 in matcher.get_opcodes() if op != "equal"]


def reading(text: str, rules: list[ReadingRule]) -> tuple[str, str, str] | None:
    """The modality the reading rules give *text*: (modality, rule, the words read), the first
    rule in the rules file's order that finds words in it."""
    for rule in rules:
        match = rule.find(text)
        if match:
            return short(str(rule.modality)), short(str(rule.rule)), match.group()
    return None


def _changes_of(anchor: Anchor) -> list[str]:
    if anchor.status == "vanished":
        return ["removed"]
    if anchor.status == "moved":
        return ["moved"]
    if anchor.status != "changed":
        return []
    found = ["wording"]
    if anchor.old_reading != anchor.new_reading:
        found.append("modality")
    words = " ".join(f"{old} {new}" for old, new in anchor.differences)
    if DATE.search(words):
        found.append("date")
    if NUMBER.search(DATE.sub(" ", words)):
        found.append("target-value")
    return found


def _hits(text: str, quote: str) -> list[int]:
    hits, at = [], text.find(quote)
    while at != -1:
        hits.append(at)
        at = text.find(quote, at + 1)
    return hits


def _sentences(text: str) -> list[tuple[int, int]]:
    spans: list[tuple[int, int]] = []
    offset = 0
    for line in text.split("\n"):
        start = 0
        for cut in [*_SENTENCE_END.finditer(line), None]:
            end = cut.start() if cut else len(line)
            piece = line[start:end]
            if piece.strip():
                lead = len(piece) - len(piece.lstrip())
                spans.append((offset + start + lead, offset + start + len(piece.rstrip())))
            start = cut.end() if cut else end
        offset += len(line) + 1
    return spans


def diff_editions(document: str, old_text: str, new_text: str, quotes: list[tuple[QuoteRef, tuple[int, int] | None]],
                  rules: list[ReadingRule], describe: dict[str, tuple[str, str]],
                  old_sha256: str = "", new_sha256: str = "") -> EditionDiff:
    """Re-anchor each quote of *document* (with its place in *old_text*, when found there) in
    *new_text*, and report per item (*describe* gives an item's label and kind)."""
    anchors: list[Anchor] = []
    pending: list[Anchor] = []
    for ref, old in quotes:
        anchor = Anchor(list(ref.items), ref.text, ref.file, ref.line, "vanished", old)
        anchors.append(anchor)
        new_hits = _hits(new_text, ref.text)
        if not new_hits:
            pending.append(anchor)
            continue
        old_hits = _hits(old_text, ref.text)
        index = old_hits.index(old[0]) if old and old[0] in old_hits else 0
        if len(new_hits) == len(old_hits):
            start = new_hits[index]
        else:  # the copies were added or dropped: the one at the nearest share of the text
            share = (old[0] / max(1, len(old_text))) if old else 0
            start = min(new_hits, key=lambda h: abs(h / max(1, len(new_text)) - share))
        anchor.new = (start, start + len(ref.text))
        anchor.new_text = ref.text
        anchor.status = "unchanged" if anchor.new == old else "moved"
    exact = {id(a): a.new for a in anchors if a.new}
    old_exact = {id(a): a.old for a in anchors if a.new and a.old}
    tokens = _words(new_text)
    for anchor in pending:
        # text another quote still holds verbatim is that quote's, unless the two overlapped before
        avoid = [span for key, span in exact.items()
                 if not (anchor.old and key in old_exact and old_exact[key][0] < anchor.old[1]
                         and anchor.old[0] < old_exact[key][1])]
        found = closest(anchor.quote, new_text, avoid, tokens)
        if found is None or found[2] < THRESHOLD:
            anchor.similarity = found[2] if found else None
            continue
        start, end, similarity = found
        anchor.status, anchor.new, anchor.similarity = "changed", (start, end), similarity
        anchor.new_text = new_text[start:end]
        anchor.differences = differences(anchor.quote, anchor.new_text)
        before, after = reading(anchor.quote, rules), reading(anchor.new_text, rules)
        anchor.old_reading, anchor.new_reading = (before[0] if before else None), (after[0] if after else None)

    by_item: dict[str, list[Anchor]] = {}
    for anchor in anchors:
        for item in anchor.items:
            by_item.setdefault(item, []).append(anchor)
    items = []
    for item, cited in sorted(by_item.items()):
        found = {c for a in cited for c in _changes_of(a)}
        if found:
            label, kind = describe.get(item, (item, ""))
            items.append(ItemChange(item, label, kind, [c for c in CHANGES if c in found], cited))

    held = sorted(a.new for a in anchors if a.new)
    old_flat = normalised(old_text)
    old_tokens = _words(old_text)
    added = []
    for start, end in _sentences(new_text):
        sentence = new_text[start:end]
        if normalised(sentence) in old_flat or any(s < end and start < e for s, e in held):
            continue
        read = reading(sentence, rules)
        if read is None:
            continue
        before = closest(sentence, old_text, tokens=old_tokens)
        if before is not None and before[2] >= THRESHOLD:
            continue  # a sentence the old edition had in other words, which no quote cites
        added.append(Added(start, end, sentence, read[2], read[0], read[1]))
    return EditionDiff(document, old_sha256, new_sha256, anchors, items, added)


def locate_old(quotes: list[QuoteRef], text: str, spans: dict) -> list[tuple[QuoteRef, tuple[int, int] | None]]:
    """Each quote with its place in the edition it was taken from (within its section, as the
    build finds it), or None where that edition does not hold it."""
    located = []
    for ref in quotes:
        span = spans.get(ref.section) if ref.section else None
        start, end = (span.start, span.end) if span is not None else (0, len(text))
        where = locate_quote(text, ref.text, start, end, ref.occurrence)
        if isinstance(where, str) and span is not None:
            where = locate_quote(text, ref.text, 0, len(text), ref.occurrence)
        located.append((ref, where if isinstance(where, tuple) else None))
    return located


def describe_items(graph: Graph) -> dict[str, tuple[str, str]]:
    """Each item's English label and kind (``obligation`` for what has a modality, else its
    classes' names)."""
    out: dict[str, tuple[str, str]] = {}
    for item, label in graph.subject_objects(RDFS.label):
        if not isinstance(label, Literal) or label.language not in ("en", None):
            continue
        if (item, NWP.modality, None) in graph:
            kind = "obligation"
        else:
            kind = " ".join(sorted(short(str(c)).removeprefix("nwp:") for c in graph.objects(item, RDF.type)))
        out[short(str(item))] = (str(label), kind)
    return out


@dataclass
class Inputs:
    """What a diff of one document's editions reads from the project."""

    quotes: list[QuoteRef]
    structure: list
    rules: list[ReadingRule]
    describe: dict[str, tuple[str, str]]
    sources: Sources


def read_inputs(layout: Layout) -> Inputs:
    """The curated quotes, the document structure, the reading rules and the items' names."""
    from graph.build.pipeline import load_ontology

    sources = load_sources(layout.sources_dir)
    ontology = load_ontology(layout)
    data = load_data(layout.data_dir, ontology, set(sources.external), set(sources.documents), layout.root)
    rules = load_rules(layout.ontology_dir / RULES_FILE, ontology,
                       (layout.ontology_dir / RULES_FILE).relative_to(layout.root).as_posix())
    return Inputs(data.quotes, data.structure_files, rules, describe_items(data.graph), sources)


def document_of(sources: Sources, old_text: str) -> str | None:
    """The document whose recorded edition *old_text* is, or None."""
    digest = hashlib.sha256(old_text.encode("utf-8")).hexdigest()
    return next((d.id for d in sources.documents.values() if d.sha256 == digest), None)


def compare(inputs: Inputs, document: str, old_text: str, new_text: str) -> EditionDiff:
    """Diff two editions of *document* for the quotes that cite it."""
    quotes = [q for q in inputs.quotes if q.document == document]
    try:
        spans = locate_sections(_with_text(inputs.sources, document, old_text), inputs.structure)
    except BuildError:
        spans = {}  # an old edition whose headings differ: quotes are looked for in all its text
    return diff_editions(document, old_text, new_text, locate_old(quotes, old_text, spans), inputs.rules,
                         inputs.describe, hashlib.sha256(old_text.encode("utf-8")).hexdigest(),
                         hashlib.sha256(new_text.encode("utf-8")).hexdigest())


def _with_text(sources: Sources, document: str, text: str) -> Sources:
    documents = dict(sources.documents)
    documents[document] = replace(documents[document], text=text)
    return replace(sources, documents=documents)
