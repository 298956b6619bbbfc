"""Read each obligation's modality from its words, and record the words and the rule.

An obligation's modality (must, is required to, is expected to, should) is a reading of the
text; a reading that cannot be audited could claim a force the words do not have. So for every
item with ``nwp:modality`` the build records the span of its passage the modality rests on (an
``oa:SpecificResource`` with a text quote and a text position selector, like a passage) and the
reading rule applied (a concept of ``nwp:modalityReadingRules``). The words each rule looks for
are in ``ontology/modality-rules.yaml``.

The cue is the data's ``modalityCue`` when given (it must occur verbatim in the obligation's
passages, or its lead-in's, and be words of a rule reading as its modality: otherwise the build
fails naming file, item and field), or else the words of the first pattern, of the first rule for
its modality, that matches its own passages (its lead-in's when none does).
An obligation with no cue is left without one: ``tests/test_modality.py`` lists those, and each
must carry a ``modalityJustification``.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from pathlib import Path

from rdflib import Graph, Literal, URIRef
from rdflib.namespace import DCTERMS, RDF, XSD

from graph.build.provenance import CONTEXT_CHARS
from graph.errors import BuildError, Problem
from graph.namespaces import ID, NWP, OA, PREFIXES, short
from graph.sources import Sources
from graph.yamlfile import Located, read_yaml

RULES_FILE = "modality-rules.yaml"


@dataclass(frozen=True)
class ReadingRule:
    rule: URIRef
    modality: URIRef
    patterns: tuple[re.Pattern, ...]

    def find(self, text: str) -> re.Match | None:
        """The first match of the first of the rule's patterns that matches: patterns are listed
        from the most telling words to the least."""
        return next((m for m in (p.search(text) for p in self.patterns) if m), None)


@dataclass(frozen=True)
class Cue:
    rule: ReadingRule
    passage: URIRef
    start: int
    end: int


def load_rules(path: Path, ontology: Graph, display: str) -> list[ReadingRule]:
    """The reading rules in the order of *path*, each with the modality the ontology gives it."""
    data = read_yaml(path, display)
    problems: list[Problem] = []
    rules: list[ReadingRule] = []
    entries = data.get("rules") if isinstance(data, Located) else None
    if not isinstance(entries, list):
        raise BuildError("reading modality rules", [Problem("expected a mapping with 'rules:'", display, 1)])
    for entry in entries:
        if not isinstance(entry, Located):
            problems.append(Problem("each rule must be a mapping {rule, patterns}", display, 1))
            continue
        name = str(entry.get("rule", ""))
        prefix, _, local = name.partition(":")
        rule = URIRef(str(PREFIXES[prefix]) + local) if prefix in PREFIXES and local else None
        modality = ontology.value(rule, NWP.readsAs) if rule is not None else None
        if modality is None:
            problems.append(Problem(f"'{name}' is not a reading rule of the ontology (nwp:readsAs)",
                                    display, entry.line_of("rule"), "rule"))
            continue
        patterns = []
        for pattern in entry.get("patterns") or []:
            try:
                patterns.append(re.compile(rf"\b{pattern}\b", re.IGNORECASE))
            except re.error as exc:
                problems.append(Problem(f"bad pattern {pattern!r}: {exc}", display,
                                        entry.line_of("patterns"), "patterns"))
        rules.append(ReadingRule(rule, URIRef(modality), tuple(patterns)))
    if problems:
        raise BuildError("reading modality rules", problems)
    return rules


def _passages(graph: Graph, item: URIRef) -> list[URIRef]:
    return sorted(graph.objects(item, NWP.hasSourcePassage))


def _lead_ins(graph: Graph, item: URIRef) -> list[URIRef]:
    """The passages of the items *item* is part of, nearest first: a bullet's lead-in."""
    found: list[URIRef] = []
    seen = {item}
    parents = sorted(graph.objects(item, NWP.partOf))
    while parents:
        parent = parents.pop(0)
        if parent in seen or not str(parent).startswith(str(ID)):
            continue
        seen.add(parent)
        found.extend(p for p in _passages(graph, parent) if p not in found)
        parents.extend(sorted(graph.objects(parent, NWP.partOf)))
    return found


def _span(graph: Graph, passage: URIRef) -> tuple[URIRef, str, int]:
    document = graph.value(passage, OA.hasSource)
    exact = str(graph.value(URIRef(f"{passage}#quote"), OA.exact))
    start = int(graph.value(URIRef(f"{passage}#position"), OA.start))
    return document, exact, start


def read_modalities(graph: Graph, sources: Sources, rules: list[ReadingRule],
                    cues: dict[str, tuple[str, str, int]], suspect: set[str] = frozenset()) -> dict[str, int]:
    """Record each obligation's modality cue and reading rule in *graph*; return counts.

    A *suspect* item (its words changed in a new edition, awaiting review) whose recorded cue is
    gone is left without one rather than stopping the build.

    :raise BuildError: a recorded cue that is not in the obligation's passages, or that no
        rule reading as its modality matches, naming file, item and field.
    """
    problems: list[Problem] = []
    counts = {"obligations": 0, "derived": 0, "recorded": 0, "from_lead_in": 0, "without_cue": 0}
    for item, modality in sorted(graph.subject_objects(NWP.modality)):
        ident = short(str(item))
        counts["obligations"] += 1
        own = _passages(graph, item)
        candidates = [(p, False) for p in own] + [(p, True) for p in _lead_ins(graph, item) if p not in own]
        readers = [r for r in rules if r.modality == modality]
        cue: Cue | None = None
        lead_in = False
        if ident in cues:
            words, file, line = cues[ident]
            for passage, is_lead_in in candidates:
                _doc, exact, _start = _span(graph, passage)
                at = exact.find(words)
                if at != -1:
                    rule = next((r for r in readers if r.find(words)), None)
                    if rule is None:
                        problems.append(Problem(
                            f"cue {words!r} is not words of a reading rule for {short(str(modality))} "
                            f"(see ontology/{RULES_FILE})", file, line, "modalityCue", ident))
                        break
                    cue, lead_in = Cue(rule, passage, at, at + len(words)), is_lead_in
                    break
            else:
                problems.append(Problem(f"cue {words!r} does not occur in the item's quote"
                                        + (" or its lead-in" if len(candidates) > len(own) else ""),
                                        file, line, "modalityCue", ident))
            if cue is not None:
                counts["recorded"] += 1
        else:
            # the item's own words before its lead-in's; within them, rules and their patterns
            # in the order of the rules file, so a telling cue is preferred to a weaker one
            for own_words in (True, False):
                texts = [(p, _span(graph, p)[1]) for p, is_lead_in in candidates if is_lead_in != own_words]
                found = next(((rule, passage, match) for rule in readers for pattern in rule.patterns
                              for passage, exact in texts if (match := pattern.search(exact))), None)
                if found:
                    rule, passage, match = found
                    cue, lead_in = Cue(rule, passage, match.start(), match.end()), not own_words
                    counts["derived"] += 1
                    break
        if cue is None:
            counts["without_cue"] += 1
            continue
        counts["from_lead_in"] += lead_in
        _record(graph, item, cue, sources)
    problems = [p for p in problems if p.item not in suspect]
    if problems:
        raise BuildError("reading modalities", problems)
    return counts


def _record(graph: Graph, item: URIRef, cue: Cue, sources: Sources) -> None:
    document, exact, offset = _span(graph, cue.passage)
    text = sources.documents[short(str(document))].text
    start, end = offset + cue.start, offset + cue.end
    node = URIRef(f"{item}#modality-cue")
    quote_sel, position_sel = URIRef(f"{node}-quote"), URIRef(f"{node}-position")
    graph.add((item, NWP.modalityCue, node))
    graph.add((item, NWP.readingRule, cue.rule.rule))
    graph.add((node, RDF.type, OA.SpecificResource))
    graph.add((node, OA.hasSource, document))
    graph.add((node, DCTERMS.isPartOf, cue.passage))
    graph.add((node, OA.hasSelector, quote_sel))
    graph.add((node, OA.hasSelector, position_sel))
    graph.add((quote_sel, RDF.type, OA.TextQuoteSelector))
    graph.add((quote_sel, OA.exact, Literal(exact[cue.start:cue.end])))
    graph.add((quote_sel, OA.prefix, Literal(text[max(0, start - CONTEXT_CHARS):start])))
    graph.add((quote_sel, OA.suffix, Literal(text[end:end + CONTEXT_CHARS])))
    graph.add((position_sel, RDF.type, OA.TextPositionSelector))
    graph.add((position_sel, OA.start, Literal(start, datatype=XSD.nonNegativeInteger)))
    graph.add((position_sel, OA.end, Literal(end, datatype=XSD.nonNegativeInteger)))
