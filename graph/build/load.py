"""Read the curated YAML data into RDF, strictly: every error names file, line, item and field.

The YAML format is described in ``graph/data/README.md``. Field names are the local names of
the ontology's properties, so the ontology, not this module, decides what may be said; the
loader only knows the handful of reserved fields (id, type, label, quote, ...).
"""

from __future__ import annotations

import datetime as dt
import difflib
import re
from dataclasses import dataclass, field
from decimal import Decimal, InvalidOperation
from pathlib import Path
from typing import Any

from rdflib import Graph, Literal, URIRef
from rdflib.namespace import DCTERMS, OWL, RDF, RDFS, SKOS, XSD

from graph.errors import BuildError, Problem
from graph.namespaces import NWP, PREFIXES, entity
from graph.yamlfile import Located, read_yaml

ID_PATTERN = re.compile(r"^[a-z0-9][a-z0-9-]*$")

#: Reserved fields and the annotation property each becomes (English text).
TEXT_FIELDS = {
    "label": RDFS.label,
    "definition": SKOS.definition,
    "description": DCTERMS.description,
    "altLabel": SKOS.altLabel,
    "note": SKOS.note,
}
#: Other languages a text field may be given in, as ``<field>_<language>`` (``label_cy``); the
#: unsuffixed field is English. One value per language keeps shape S2 (one label per language).
TEXT_LANGUAGES = ("cy",)
TRANSLATED_FIELDS = {f"{name}_{lang}": (predicate, lang) for name, predicate in TEXT_FIELDS.items()
                     for lang in TEXT_LANGUAGES}
SOURCE_FIELDS = {"quote", "quotes", "occurrence", "section", "document", "externalSource"}
#: The words an obligation's modality rests on, when given rather than derived: checked against
#: its passages once they are located (graph/build/modality.py), so read apart from the others.
CUE_FIELD = "modalityCue"
RESERVED = {"id", "type", CUE_FIELD} | set(TEXT_FIELDS) | set(TRANSLATED_FIELDS) | SOURCE_FIELDS

#: Properties of other vocabularies that data files may use by CURIE, and whether their
#: values are references ("ref"), web addresses ("url") or text ("text").
EXTERNAL_PROPERTIES: dict[str, str] = {
    "skos:broader": "ref", "skos:narrower": "ref", "skos:related": "ref", "skos:inScheme": "ref",
    "skos:prefLabel": "text", "skos:notation": "plain", "skos:scopeNote": "text",
    "dcterms:title": "text", "dcterms:alternative": "text", "dcterms:publisher": "plain",
    "foaf:page": "url", "rdfs:seeAlso": "url", "schema:sameAs": "url", "org:subOrganizationOf": "ref",
    "org:hasSubOrganization": "ref",
    # the clocks (ontology/core.ttl): days, checked as days
    "dcterms:issued": "date", "eli:date_document": "date", "eli:first_date_entry_in_force": "date",
    "eli:date_no_longer_in_force": "date", "eli:date_applicability": "date",
}


@dataclass
class QuoteRef:
    """A quote cited by one item (and by nested items stated in the same words), still to be
    located in its document."""

    items: list[str]
    text: str
    document: str
    section: str | None
    occurrence: int | None
    file: str
    line: int


@dataclass
class Vocabulary:
    """What the ontology lets data files say: its classes and its properties' kinds."""

    classes: set[URIRef]
    object_properties: set[URIRef]
    datatype_ranges: dict[URIRef, URIRef]

    @classmethod
    def from_ontology(cls, ontology: Graph) -> Vocabulary:
        classes = {c for c in ontology.subjects(RDF.type, OWL.Class) if isinstance(c, URIRef)}
        objects = {p for p in ontology.subjects(RDF.type, OWL.ObjectProperty) if isinstance(p, URIRef)}
        ranges = {}
        for p in ontology.subjects(RDF.type, OWL.DatatypeProperty):
            ranges[p] = ontology.value(p, RDFS.range) or XSD.string
        return cls(classes, objects, ranges)

    def local_fields(self) -> list[str]:
        ns = str(NWP)
        return sorted(str(p)[len(ns):] for p in self.object_properties | set(self.datatype_ranges)
                      if str(p).startswith(ns))


@dataclass
class LoadedData:
    graph: Graph
    quotes: list[QuoteRef]
    external: dict[str, list[str]]
    locations: dict[str, tuple[str, int]]
    structure_files: list[tuple[str, Located]] = field(default_factory=list)
    #: item id -> (the recorded modality cue, file, line of the field)
    cues: dict[str, tuple[str, str, int]] = field(default_factory=dict)


class _Reader:
    def __init__(self, vocabulary: Vocabulary, known_external: set[str], root: Path):
        self.vocab = vocabulary
        self.known_external = known_external
        self.root = root
        self.graph = Graph()
        self.quotes: list[QuoteRef] = []
        self.external: dict[str, list[str]] = {}
        self.locations: dict[str, tuple[str, int]] = {}
        self.references: list[tuple[str, str, int, str, str]] = []
        self.problems: list[Problem] = []
        self.cues: dict[str, tuple[str, str, int]] = {}

    # -- helpers ---------------------------------------------------------------------------
    def problem(self, message: str, file: str, line: int | None, item: str | None = None,
                field_name: str | None = None) -> None:
        self.problems.append(Problem(message, file, line, field_name, item))

    def curie(self, text: str) -> URIRef | None:
        prefix, _, local = text.partition(":")
        ns = PREFIXES.get(prefix)
        return URIRef(str(ns) + local) if ns is not None and local and prefix != "id" else None

    def property_for(self, name: str) -> tuple[URIRef, str] | None:
        """The predicate a field names and the kind of its values."""
        if ":" in name:
            kind = EXTERNAL_PROPERTIES.get(name)
            iri = self.curie(name)
            if iri is not None and iri in self.vocab.object_properties:
                return iri, "ref"
            return (iri, kind) if iri is not None and kind else None
        iri = NWP[name]
        if iri in self.vocab.object_properties:
            return iri, "ref"
        if iri in self.vocab.datatype_ranges:
            return iri, "data"
        return None

    # -- items -----------------------------------------------------------------------------
    def read_file(self, path: Path) -> Located | None:
        display = path.relative_to(self.root).as_posix()
        data = read_yaml(path, display)
        if not isinstance(data, Located):
            self.problem("expected a mapping with 'items:' (or 'sections:')", display, 1)
            return None
        if "sections" in data:
            return data
        unknown = set(data) - {"document", "section", "defaults", "items"}
        for key in sorted(unknown):
            self.problem(f"unknown top-level key '{key}' (expected document, section, defaults, items)",
                         display, data.line_of(key))
        items = data.get("items")
        if not isinstance(items, list):
            self.problem("'items' must be a list of items", display, data.line_of("items"))
            return None
        defaults = data.get("defaults") or {}
        context = {"document": data.get("document"), "section": data.get("section")}
        for raw in items:
            if not isinstance(raw, Located):
                self.problem("each item must be a mapping", display, data.line_of("items"))
                continue
            merged = Located({**{k: v for k, v in defaults.items() if k not in raw}, **raw})
            merged.line, merged.key_lines = raw.line, {**getattr(defaults, "key_lines", {}), **raw.key_lines}
            self.read_item(merged, display, context, parent=None)
        return None

    def read_item(self, raw: Located, file: str, context: dict[str, Any], parent: str | None,
                  fallback_id: str | None = None) -> str | None:
        ident = raw.get("id", fallback_id)
        if not isinstance(ident, str) or not ID_PATTERN.match(ident):
            self.problem(f"'id' must be lower-case letters, digits and hyphens, got {ident!r}",
                         file, raw.line_of("id"), field_name="id")
            return None
        if ident in self.locations:
            first_file, first_line = self.locations[ident]
            self.problem(f"duplicate id; first defined at {first_file}:{first_line}", file,
                         raw.line_of("id"), ident, "id")
            return None
        self.locations[ident] = (file, raw.line)
        subject = URIRef(entity(ident))

        types = raw.get("type")
        if types is None:
            self.problem("missing 'type'", file, raw.line, ident, "type")
        for type_name in types if isinstance(types, list) else [types] if types else []:
            cls = self.curie(type_name) if ":" in str(type_name) else NWP[str(type_name)]
            if cls is None or (str(cls).startswith(str(NWP)) and cls not in self.vocab.classes):
                hint = self._hint(str(type_name), [str(c)[len(str(NWP)):] for c in self.vocab.classes])
                self.problem(f"unknown type '{type_name}'{hint}", file, raw.line_of("type"), ident, "type")
                continue
            self.graph.add((subject, RDF.type, cls))

        if "label" not in raw:
            self.problem("missing 'label'", file, raw.line, ident, "label")
        text_fields = {**{name: (predicate, "en") for name, predicate in TEXT_FIELDS.items()}, **TRANSLATED_FIELDS}
        for name, (predicate, lang) in text_fields.items():
            for value in self._as_list(raw.get(name)):
                if not isinstance(value, str) or not value.strip():
                    self.problem("must be non-empty text", file, raw.line_of(name), ident, name)
                    continue
                self.graph.add((subject, predicate, Literal(value.strip(), lang=lang)))

        context = {"document": raw.get("document", context.get("document")),
                   "section": raw.get("section", context.get("section")),
                   "quotes": context.get("quotes", [])}
        self._read_sources(raw, file, ident, context)
        if CUE_FIELD in raw:
            cue = raw[CUE_FIELD]
            if not isinstance(cue, str) or not cue.strip():
                self.problem("must be non-empty text: the words of the quote the modality rests on",
                             file, raw.line_of(CUE_FIELD), ident, CUE_FIELD)
            else:
                self.cues[ident] = (cue, file, raw.line_of(CUE_FIELD))

        counters: dict[str, int] = {}
        for name, value in raw.items():
            if name in RESERVED:
                continue
            prop = self.property_for(name)
            if prop is None:
                hint = self._hint(name, self.vocab.local_fields() + sorted(RESERVED))
                self.problem(f"unknown field '{name}'{hint}", file, raw.line_of(name), ident, name)
                continue
            predicate, kind = prop
            for value_item in self._as_list(value):
                obj = self._value(value_item, predicate, kind, file, raw.line_of(name), ident, name,
                                  context, counters)
                if obj is not None:
                    self.graph.add((subject, predicate, obj))
        return ident

    def _read_sources(self, raw: Located, file: str, ident: str, context: dict[str, Any]) -> None:
        quotes = self._as_list(raw.get("quote")) + self._as_list(raw.get("quotes"))
        occurrence = raw.get("occurrence")
        if occurrence is not None and (not isinstance(occurrence, int) or occurrence < 1):
            self.problem("'occurrence' must be a whole number from 1", file, raw.line_of("occurrence"),
                         ident, "occurrence")
            occurrence = None
        refs = []
        for entry in quotes:
            field_name = "quote" if "quote" in raw else "quotes"
            line = entry.line if isinstance(entry, Located) else raw.line_of(field_name)
            # A quote is text, or a mapping {text, section, document, occurrence} for a
            # passage elsewhere in the documents than the item's other quotes.
            where = entry if isinstance(entry, Located) else {}
            text = entry.get("text") if isinstance(entry, Located) else entry
            if not isinstance(text, str) or not text.strip():
                self.problem("a quote must be non-empty text", file, line, ident, field_name)
                continue
            document = where.get("document", context["document"])
            if not document:
                self.problem("no 'document' to look the quote up in (set it on the item or the file)",
                             file, line, ident, field_name)
                continue
            refs.append(QuoteRef([ident], text, document, where.get("section", context["section"]),
                                 where.get("occurrence", occurrence), file, line))
        external = raw.get("externalSource")
        for ext in self._as_list(external):
            if ext not in self.known_external:
                self.problem(f"unknown external source '{ext}' (see graph/sources/sources.yaml)",
                             file, raw.line_of("externalSource"), ident, "externalSource")
            else:
                self.external.setdefault(ident, []).append(ext)
        if not refs and not external and context.get("quotes"):
            # A nested item stated in its parent's words (a target under an outcome).
            for parent_ref in context["quotes"]:
                parent_ref.items.append(ident)
            return
        self.quotes.extend(refs)
        context["quotes"] = refs

    def _value(self, value: Any, predicate: URIRef, kind: str, file: str, line: int, ident: str,
               name: str, context: dict[str, Any], counters: dict[str, int]):
        if kind == "ref":
            if isinstance(value, Located):
                counters[name] = counters.get(name, 0) + 1
                child = self.read_item(value, file, context, ident, f"{ident}-{name.lower()}-{counters[name]}")
                return URIRef(entity(child)) if child else None
            if not isinstance(value, str):
                self.problem(f"expected an item id or CURIE, got {value!r}", file, line, ident, name)
                return None
            if ":" in value:
                iri = self.curie(value)
                if iri is None:
                    self.problem(f"unknown prefix in '{value}'", file, line, ident, name)
                elif str(iri).startswith(str(NWP)) and (iri, None, None) not in self._ontology_terms:
                    self.problem(f"'{value}' is not defined in the ontology", file, line, ident, name)
                return iri
            if not ID_PATTERN.match(value):
                self.problem(f"'{value}' is not a valid item id", file, line, ident, name)
                return None
            self.references.append((value, file, line, ident, name))
            return URIRef(entity(value))
        if kind == "url":
            if not isinstance(value, str) or not value.startswith(("http://", "https://")):
                self.problem(f"expected a web address, got {value!r}", file, line, ident, name)
                return None
            return URIRef(value)
        if kind == "text":
            return Literal(str(value), lang="en")
        if kind == "plain":
            return Literal(str(value))
        if kind == "date":
            return self._literal(value, XSD.date, file, line, ident, name)
        return self._literal(value, self.vocab.datatype_ranges[predicate], file, line, ident, name)

    def _literal(self, value: Any, datatype: URIRef, file: str, line: int, ident: str, name: str):
        try:
            if datatype == XSD.date:
                if isinstance(value, dt.datetime):
                    value = value.date()
                if isinstance(value, str):
                    value = dt.date.fromisoformat(value)
                if not isinstance(value, dt.date):
                    raise ValueError
                return Literal(value, datatype=XSD.date)
            if datatype == XSD.decimal:
                if isinstance(value, bool):
                    raise ValueError
                return Literal(Decimal(str(value)), datatype=XSD.decimal)
            if datatype == XSD.integer:
                if isinstance(value, bool) or not isinstance(value, int):
                    raise ValueError
                return Literal(value, datatype=XSD.integer)
            if datatype == XSD.boolean:
                if not isinstance(value, bool):
                    raise ValueError
                return Literal(value)
            if datatype == XSD.gYear:
                if not re.fullmatch(r"\d{4}", str(value)):
                    raise ValueError
                return Literal(str(value), datatype=XSD.gYear)
            if not str(datatype).startswith(str(XSD)):
                # a code of an external scheme (an ODS code): the datatype names the scheme
                return Literal(str(value), datatype=datatype)
            return Literal(str(value))
        except (ValueError, InvalidOperation):
            expected = {XSD.date: "a date YYYY-MM-DD", XSD.decimal: "a number", XSD.integer: "a whole number",
                        XSD.boolean: "true or false", XSD.gYear: "a four-digit year"}.get(datatype, "text")
            self.problem(f"expected {expected}, got {value!r}", file, line, ident, name)
            return None

    @staticmethod
    def _as_list(value: Any) -> list:
        if value is None:
            return []
        return value if isinstance(value, list) else [value]

    @staticmethod
    def _hint(name: str, candidates: list[str]) -> str:
        close = difflib.get_close_matches(name, candidates, n=1)
        return f"; did you mean '{close[0]}'?" if close else ""

    _ontology_terms: Graph = Graph()


def load_data(data_dir: Path, ontology: Graph, known_external: set[str],
              extra_ids: set[str] | None = None, root: Path | None = None) -> LoadedData:
    """Read every ``*.yaml`` under *data_dir* into one graph of asserted triples.

    Structure files (those with ``sections:``) are returned for the provenance stage. All
    problems across all files are collected before failing, so one run shows them all.
    """
    vocab = Vocabulary.from_ontology(ontology)
    reader = _Reader(vocab, known_external, root or data_dir.parent.parent)
    reader._ontology_terms = ontology
    structure: list[tuple[str, Located]] = []
    # the Welsh translations (graph/build/welsh.py) are read after the items they translate
    # nor are the reviews of links a new edition of a source made suspect (graph/build/new_edition.py)
    files = sorted(p for p in data_dir.rglob("*.yaml") if p.relative_to(data_dir).parts[0] not in ("cy", "editions"))
    if not files:
        raise BuildError("reading data", [Problem(f"no data files (*.yaml) under {data_dir}")])
    for path in files:
        found = reader.read_file(path)
        if found is not None:
            structure.append((path.relative_to(reader.root).as_posix(), found))
    defined = set(reader.locations) | set(extra_ids or ()) | known_external
    for _file, data in structure:
        defined.add(str(data.get("document")))
        defined.update(s.get("id") for s in data.get("sections", []) if isinstance(s, dict))
    for ref, file, line, ident, name in reader.references:
        if ref not in defined:
            hint = _Reader._hint(ref, sorted(d for d in defined if d))
            reader.problem(f"refers to '{ref}', which no data file defines{hint}", file, line, ident, name)
    if reader.problems:
        raise BuildError("reading data", reader.problems)
    return LoadedData(reader.graph, reader.quotes, reader.external, reader.locations, structure, reader.cues)

