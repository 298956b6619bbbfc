"""Who an obligation binds, on what date, and why: the applicability rules, explained.

An obligation applies to a body when the text names the body as its bearer, or when it binds a
kind of body the body belongs to. Membership of a kind is what OWL-RL inference decided at build
time (rule cax-sco: a member of a class is a member of every broader class); the explanation
rebuilds that decision as a chain of stated facts (the body's stated kind, then one
``rdfs:subClassOf`` step at a time, from the ontology) so a reader sees each step, and checks
that the inferred type is really in the graph. A start date (``effectiveFrom``) keeps an
obligation out of what applies before that day; a deadline (``dueBy``) is reported with it.

Every fact comes from the named queries ``body_facts``, ``class_hierarchy`` and
``obligation_bindings``; nothing about particular bodies or kinds is written here.
"""

from __future__ import annotations

import datetime as dt
import re
from dataclasses import asdict, dataclass, field

import networkx as nx
from rdflib import URIRef
from rdflib.namespace import ORG

from .errors import QueryError
from .namespaces import NWP, short
from .queries import NamedQuery, bind_parameters, run_named
from .store import Store

#: The OWL 2 RL rules (W3C OWL 2 Profiles, section 4.3) that the explanations cite.
RULE_SUBCLASS = "OWL 2 RL cax-sco: a member of a class is a member of each class it is a subclass of"
RULE_SUBPROPERTY = ("OWL 2 RL prp-spo1: a bearer of an obligation is one it applies to "
                    "(bearer is a sub-property of appliesTo)")
RULE_BINDS_KIND = "an obligation that binds a kind of body applies to every body of that kind"
RULE_NOT_IN_FORCE = "an obligation does not apply before the day it takes effect"


@dataclass
class Fact:
    """One step of an explanation: a statement and where it comes from."""

    text: str
    origin: str  # "stated", "ontology" or "inferred"
    source: str = ""  # a passage, an external source or a graph


@dataclass
class Obligation:
    """What the graph states about one obligation's binding, dates and source."""

    iri: str
    label: str
    kind: str
    modality: str = ""
    bearers: list[tuple[str, str]] = field(default_factory=list)  # (iri, label)
    kinds: list[tuple[str, str]] = field(default_factory=list)
    effective_from: dt.date | None = None
    due_by: dt.date | None = None
    date_text: str = ""
    priority: tuple[str, str] | None = None
    plan: tuple[str, str] | None = None
    passage: str = ""
    quote: str = ""
    section: str = ""
    section_number: str = ""
    section_label: str = ""

    @property
    def id(self) -> str:
        return short(self.iri)

    def where(self) -> str:
        """The section and passage that state the obligation, as a reader would cite them."""
        number = self.section_number
        section = self.section_label if not number or self.section_label.startswith(number) \
            else f"{number} {self.section_label}"
        return ", ".join(p for p in (section, short(self.passage) if self.passage else "") if p)


@dataclass
class Body:
    iri: str
    label: str
    stated: list[tuple[str, str]]  # the classes the data states, (iri, label)
    inferred: set[str]  # every class the built graph gives it, stated or inferred
    source: str = ""

    @property
    def id(self) -> str:
        return short(self.iri)


@dataclass
class Explanation:
    """Whether an obligation applies to a body on a day, and the facts and rules that decide it."""

    body: str
    body_label: str
    item: str
    item_label: str
    applies: bool
    in_force: bool
    facts: list[Fact]
    rules: list[str]
    summary: str
    effective_from: str = ""
    due_by: str = ""
    passage: str = ""
    section: str = ""
    priority: str = ""
    plan: str = ""

    def as_dict(self) -> dict:
        return asdict(self)


_VOWEL_SOUND = re.compile(r"[aeiouAEIOU]|NHS\b")


def article(label: str) -> str:
    """*label* with "a" or "an" before it, as it is read aloud ("an NHS trust", "a health board")."""
    return ("an " if _VOWEL_SOUND.match(label) else "a ") + label


def _date(term) -> dt.date | None:
    if term is None:
        return None
    value = term.toPython()
    return value if isinstance(value, dt.date) else None


def _offset(passage: str) -> int:
    """The start offset a passage IRI carries (…/passage/tpg/START-END)."""
    tail = passage.rsplit("/", 1)[-1]
    start = tail.split("-", 1)[0]
    return int(start) if start.isdigit() else 0


def item_sources(store: Store, queries: dict[str, NamedQuery]) -> dict[str, tuple[str, str, str, str]]:
    """For each item stated in a passage, its first passage in the document: (passage IRI,
    exact words, section IRI, section title)."""
    out: dict[str, tuple[str, str, str, str]] = {}
    for row in run_named(store, queries["item_sources"]).rows:
        item, passage = str(row["item"]), str(row["passage"])
        if item not in out or _offset(passage) < _offset(out[item][0]):
            out[item] = (passage, str(row["exact"]), str(row["section"]), str(row["sectionLabel"]))
    return out


class Applicability:
    """The applicability rules over one store; reads the binding facts once."""

    def __init__(self, store: Store, queries: dict[str, NamedQuery]):
        self.store = store
        self.queries = queries
        self.hierarchy = nx.DiGraph()
        self.class_labels: dict[str, str] = {}
        for row in run_named(store, queries["class_hierarchy"]).rows:
            child, parent = str(row["class"]), str(row["parent"])
            self.hierarchy.add_edge(child, parent)
            for iri, key in ((child, "classLabel"), (parent, "parentLabel")):
                if key in row:
                    self.class_labels[iri] = str(row[key])
        self.obligations = self._read_obligations()

    def _read_obligations(self) -> dict[str, Obligation]:
        found: dict[str, Obligation] = {}
        labels: dict[str, str] = {}
        for row in run_named(self.store, self.queries["obligation_bindings"]).rows:
            iri = str(row["item"])
            ob = found.get(iri)
            if ob is None:
                ob = found[iri] = Obligation(
                    iri, str(row["label"]), str(row["kind"]), str(row.get("modality", "")),
                    effective_from=_date(row.get("effectiveFrom")), due_by=_date(row.get("dueBy")),
                    date_text=str(row.get("dateText", "")))
            bound = str(row["bound"])
            if bound not in labels:
                labels[bound] = self.class_labels.get(bound) or self._label(bound)
            target = ob.bearers if str(row["binding"]) == "bearer" else ob.kinds
            if (bound, labels[bound]) not in target:
                target.append((bound, labels[bound]))
            if ob.priority is None and "priority" in row:
                ob.priority = (str(row["priority"]), str(row["priorityLabel"]))
            if ob.plan is None and "plan" in row:
                ob.plan = (str(row["plan"]), str(row["planLabel"]))
        self.sources = item_sources(self.store, self.queries)
        for iri, ob in found.items():
            if iri in self.sources:
                ob.passage, ob.quote, ob.section, ob.section_label = self.sources[iri]
        return found

    def _label(self, iri: str) -> str:
        rows = run_named(self.store, self.queries["label"], {"node": iri}).rows
        english = [r for r in rows if getattr(r["label"], "language", None) in (None, "en")]
        return str((english or rows)[0]["label"]) if rows else short(iri)

    def label_of_class(self, iri: str) -> str:
        return self.class_labels.get(iri, short(iri))

    def body(self, name: str) -> Body:
        """The body *name* (an id, CURIE or IRI) as the graph describes it.

        :raise QueryError: when the graph has no organisation of that name.
        """
        query = self.queries["body_facts"]
        iri = str(bind_parameters(query, {"body": name})["body"])
        rows = run_named(self.store, query, {"body": iri}).rows
        if not rows:
            raise QueryError(f"no organisation '{name}' in the graph; give the id of a body, e.g. swansea-bay-uhb")
        stated = [(str(r["class"]), str(r.get("classLabel", short(str(r["class"])))))
                  for r in rows if r["stated"].toPython() and URIRef(str(r["class"])) != ORG.Organization]
        # A passage is cited by its id, an external source by its title.
        source = next((short(str(r["source"])) if "/passage/" in str(r["source"])
                       else str(r.get("sourceLabel") or short(str(r["source"]))) for r in rows if "source" in r), "")
        return Body(iri, str(rows[0]["label"]), sorted(set(stated)), {str(r["class"]) for r in rows}, source)

    def obligation(self, name: str) -> Obligation:
        iri = str(bind_parameters(self.queries["obligation_bindings"], {"item": name})["item"])
        if iri not in self.obligations:
            raise QueryError(f"'{name}' is not an obligation that names a bearer or binds a kind of body")
        return self.obligations[iri]

    def kind_path(self, body: Body, kind: str) -> list[str] | None:
        """The shortest chain of stated subclass steps from one of the body's stated classes to
        *kind* (the stated class itself when it is the kind), or None when there is none."""
        best = None
        for cls, _label in body.stated:
            if cls == kind:
                return [cls]
            if cls in self.hierarchy and kind in self.hierarchy and nx.has_path(self.hierarchy, cls, kind):
                path = nx.shortest_path(self.hierarchy, cls, kind)
                if best is None or len(path) < len(best):
                    best = path
        return best

    def binds(self, body: Body, item: str) -> bool:
        """Whether the obligation *item* (an IRI) binds *body*, whatever its dates."""
        ob = self.obligations.get(item)
        return ob is not None and self._explain(body, ob, None).applies

    def explain(self, body_name: str, item_name: str, on: dt.date | None = None) -> Explanation:
        """Whether the obligation *item_name* applies to the body *body_name* (on the day *on*,
        when given), with the chain of facts and the rules that decide it."""
        body = self.body(body_name)
        ob = self.obligation(item_name)
        return self._explain(body, ob, on)

    def _explain(self, body: Body, ob: Obligation, on: dt.date | None) -> Explanation:
        where = ob.where()
        facts: list[Fact] = []
        rules: list[str] = []
        applies = False
        summary = ""
        if any(iri == body.iri for iri, _ in ob.bearers):
            applies = True
            facts.append(Fact(f"{ob.label} names {body.label} as a bearer ({where})", "stated", short(ob.passage)))
            rules.append(RULE_SUBPROPERTY)
            summary = f"applies: {body.label} is named as a bearer"
        else:
            for kind, kind_label in ob.kinds:
                path = self.kind_path(body, kind)
                if path is None:
                    continue
                applies = True
                first = path[0]
                facts.append(Fact(f"{body.label} is {article(self.label_of_class(first))}", "stated", body.source))
                for child, parent in zip(path, path[1:], strict=False):
                    facts.append(Fact(f"every {self.label_of_class(child)} is {article(self.label_of_class(parent))}",
                                      "ontology", short(child) + " rdfs:subClassOf " + short(parent)))
                if len(path) > 1:
                    checked = "inferred" if kind in body.inferred else "inferred (missing from the built graph)"
                    facts.append(Fact(f"so {body.label} is {article(kind_label)}", checked, short(kind)))
                    rules.append(RULE_SUBCLASS)
                facts.append(Fact(f"{ob.label} binds every {kind_label} ({where})", "stated", short(ob.passage)))
                rules.append(RULE_BINDS_KIND)
                summary = f"applies: {body.label} is {article(kind_label)}, the kind of body it binds"
                break
        if not applies:
            kinds = [label for _iri, label in ob.kinds]
            bearers = [label for _iri, label in ob.bearers]
            bound = " and ".join(filter(None, [
                ("every " + " or ".join(kinds)) if kinds else "",
                ("the bearer(s) " + ", ".join(bearers)) if bearers else ""]))
            facts.append(Fact(f"{ob.label} binds {bound} ({where})", "stated", short(ob.passage)))
            stated_iris = {iri for iri, _label in body.stated}
            is_a = sorted({self.label_of_class(c) for c in body.inferred
                           if c.startswith(str(NWP)) and c not in stated_iris})
            stated = " and ".join(article(label) for _iri, label in body.stated) or "of no stated kind"
            also = f" (and so {', '.join(article(k) for k in is_a)})" if is_a else ""
            nor = f", none of which is {' or '.join(article(k) for k in kinds)}" if kinds else ", not a named bearer"
            facts.append(Fact(f"{body.label} is {stated}{also}{nor}", "stated", body.source))
            summary = f"does not apply: it binds {bound}; {body.label} is {stated}"
        in_force = True
        if applies and on is not None and ob.effective_from is not None and ob.effective_from > on:
            in_force = False
            facts.append(Fact(f"{ob.label} takes effect on {ob.effective_from.isoformat()}"
                              + (f" (“{ob.date_text}”)" if ob.date_text else ""), "stated", short(ob.passage)))
            rules.append(RULE_NOT_IN_FORCE)
            summary = (f"not yet in force on {on.isoformat()}: applies to {body.label} "
                       f"from {ob.effective_from.isoformat()}")
        return Explanation(
            body.id, body.label, ob.id, ob.label, applies and in_force, in_force, facts, rules, summary,
            ob.effective_from.isoformat() if ob.effective_from else "",
            ob.due_by.isoformat() if ob.due_by else "", short(ob.passage) if ob.passage else "", where,
            ob.priority[1] if ob.priority else "", ob.plan[1] if ob.plan else "")

    def applicable(self, body_name: str, on: dt.date | None = None,
                   include_not_in_force: bool = False) -> list[Explanation]:
        """Every obligation that applies to the body (on the day *on*, when given), explained;
        with *include_not_in_force*, also those that bind it but take effect later."""
        body = self.body(body_name)
        out = []
        for ob in sorted(self.obligations.values(), key=lambda o: o.iri):
            ex = self._explain(body, ob, on)
            if ex.applies or (include_not_in_force and not ex.in_force):
                out.append(ex)
        return out


def format_explanation(ex: Explanation) -> str:
    """An explanation as indented text: the verdict, the numbered facts, then the rules."""
    lines = [f"{ex.item_label}  [{ex.item}]", f"  {ex.summary}"]
    for number, fact in enumerate(ex.facts, start=1):
        source = f" [{fact.source}]" if fact.source else ""
        lines.append(f"    {number}. {fact.text} — {fact.origin}{source}")
    for rule in dict.fromkeys(ex.rules):
        lines.append(f"    rule: {rule}")
    if ex.due_by:
        lines.append(f"    due by {ex.due_by}")
    return "\n".join(lines)


__all__ = ["Applicability", "Explanation", "Fact", "Obligation", "format_explanation"]
