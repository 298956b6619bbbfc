"""Who an obligation binds, on what date, and why: the applicability rules, explained.

An obligation applies to a body when the text names the body as its bearer, or when it binds a
kind of body the body belongs to. Membership of a kind is what OWL-RL inference decided at build
time (rule cax-sco: a member of a class is a member of every broader class); the explanation
rebuilds that decision as a chain of stated facts (the body's stated kind, then one
``rdfs:subClassOf`` step at a time, from the ontology) so a reader sees each step, and checks
that the inferred type is really in the graph. An item's clocks (graph/rules/clocks.py) keep it
out of what applies before the day it starts to apply and after its last day in force (stated,
or the day before an item that replaces it applies); a deadline (``dueBy``) is reported with it.
Where the text gives one bearer, or one kind of bearer, a start of its own (``nwp:startsFor``,
named query ``bearer_starts``), that bearer's day replaces the obligation's for it: a start stated
for the body itself first, else the latest of those stated for its kinds, so that an obligation is
never said to apply to a body before the text says it does.

Every fact comes from the named queries ``body_facts``, ``class_hierarchy`` and
``obligation_bindings``; nothing about particular bodies or kinds is written here.

Longer than 400 lines because it is one engine: the reading of the binding facts, the rule for
each kind of subject and the sentences of its explanations share the same facts and wording, and
apart they would each need the others.
"""

from __future__ import annotations

import datetime as dt
import re
from dataclasses import asdict, dataclass, field, replace

from rdflib import URIRef
from rdflib.namespace import ORG

from graph.display import main_quote, with_lead_in
from graph.errors import QueryError
from graph.language import N_
from graph.namespaces import NWP, short
from graph.queries import NamedQuery, bind_parameters, run_named
from graph.rules.clocks import ENDED, IN_FORCE, NOT_YET, RULE_ENDED, Clock, ended_summary, read_clocks, standing
from graph.store import Store
from graph.wording import ENGLISH, Wording

#: The OWL 2 RL rules (W3C OWL 2 Profiles, section 4.3) that the explanations cite.
RULE_SUBCLASS = N_("OWL 2 RL cax-sco: a member of a class is a member of each class it is a subclass of")
RULE_SUBPROPERTY = N_("OWL 2 RL prp-spo1: a bearer of an obligation is one it applies to "
                      "(bearer is a sub-property of appliesTo)")
RULE_BINDS_KIND = N_("an obligation that binds a kind of body applies to every body of that kind")
RULE_NOT_IN_FORCE = N_("an obligation does not apply before the day it takes effect")
RULE_PART = N_("a part of an obligation that names no one of its own (an outcome of an enabling action) binds "
               "whom the whole binds")
#: Why an item concerns a subject other than a body, in plain words that name the subject
#: (``%(subject)s``) and what the item comes through (``%(via)s``): keyed by the reason the named
#: query ``concerning`` gives.
REASONS = {
    "tagged with this topic": N_("on the topic %(subject)s"),
    "tagged with a narrower topic": N_("on the topic %(via)s, which is part of %(subject)s"),
    "set for this priority": N_("set for the priority %(subject)s"),
    "part of something set for this priority": N_("part of %(via)s, which is set for %(subject)s"),
    "set for this enabling plan": N_("set for the enabling plan %(subject)s"),
    "part of something set for this enabling plan": N_("part of %(via)s, which is set for %(subject)s"),
}
#: Why an item involves a body that it does not bind (named query ``involving``).
INVOLVING_REASONS = {
    "names this body as a partner": N_("names %(subject)s as a partner"),
    "part of something that names this body as a partner": N_("part of %(via)s, which names %(subject)s as a partner"),
}
#: Why an item concerns a duty, statute or principle: it rests on it directly, or through a chain.
BASIS_REASONS = (N_("rests directly on %(subject)s"),
                 N_("rests on %(subject)s through another item that rests on it"))
#: The roles a subject of "what applies" can play (named query ``subject``).
ROLES = (N_("body"), N_("kind of body"), N_("topic"), N_("priority"), N_("enabling plan"), N_("basis"))
#: Where each fact of an explanation comes from (the data keeps these words; reports translate them).
ORIGINS = (N_("stated"), N_("ontology"), N_("inferred"), N_("inferred (missing from the built graph)"))


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
    assumed_dates: set[dt.date] = field(default_factory=set)  # due dates whose year the text leaves out
    priorities: list[tuple[str, str]] = field(default_factory=list)  # (iri, label), by label
    plans: list[tuple[str, str]] = field(default_factory=list)
    passage: str = ""
    quote: str = ""
    section: str = ""
    section_number: str = ""
    section_label: str = ""
    modality_order: int | None = None  # the modality's strength, 1 the strongest (must)
    heading: str = ""  # its section as a reader cites it: "TPG 2.1 Timely Access to Care"
    through: tuple[str, str] | None = None  # (iri, label) of the whole it takes its binding from
    clock: Clock = field(default_factory=Clock)  # when it starts and ends
    #: the bearers or kinds the text gives a start of their own: (iri, label, day, passage)
    starts: list[tuple[str, str, dt.date, str]] = field(default_factory=list)

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
    priority: str = ""  # every priority it serves, "; " between them, in order of their names
    plan: str = ""  # every enabling plan it serves, likewise
    reasons: list[str] = field(default_factory=list)  # every way it concerns the subject
    due_assumed: bool = False  # the text leaves out the year of due_by
    state: str = IN_FORCE  # on the day asked: "in force", "not yet in force" or "ended" (clocks.py)
    in_force_until: str = ""  # its last day in force, stated or inferred from what replaces it
    end_inferred: bool = False  # the last day is read from a replacement, not stated
    replaced_by: str = ""  # the id of what replaces it
    replaced_by_label: str = ""

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


def item_sources(store: Store, queries: dict[str, NamedQuery]) -> dict[str, tuple[str, str, str, str]]:
    """For each item stated in a passage, its main passage (graph/display.py: not a lead-in) and
    the words shown for it: (passage IRI, its clean words after any lead-in, section IRI,
    section title)."""
    found: dict[str, dict[str, tuple[str, str, str]]] = {}
    starts: dict[str, int] = {}
    for row in run_named(store, queries["item_sources"]).rows:
        found.setdefault(str(row["item"]), {})[str(row["passage"])] = (
            str(row["exact"]), str(row["section"]), str(row["sectionLabel"]))
        starts[str(row["passage"])] = int(row["start"].toPython())
    out: dict[str, tuple[str, str, str, str]] = {}
    for item, passages in found.items():
        # in the order of the text: a passage's IRI no longer tells where it lies
        ordered = sorted(passages, key=lambda p: (p.rsplit("/", 2)[-2:-1], starts[p]))
        chosen = main_quote([passages[p][0] for p in ordered])
        passage = ordered[chosen.main]
        _exact, section, section_label = passages[passage]
        out[item] = (passage, with_lead_in([passages[p][0] for p in ordered]), section, section_label)
    return out


def section_headings(store: Store, queries: dict[str, NamedQuery]) -> dict[str, str]:
    """Each section as a reader cites it: its document's short name, then its nearest numbered
    section when it has no number of its own ("TPG 2.1 Timely Access to Care › Planned Care and
    Cancer"), then its heading."""
    found: dict[str, tuple[str, str, str, str]] = {}  # section: (document, heading, number, numbered ancestor)
    for row in run_named(store, queries["section_headings"]).rows:
        section = str(row["section"])
        document, label = short(str(row["document"])).upper(), str(row["label"])
        ancestor, number = str(row.get("ancestorLabel", "")), str(row.get("ancestorNumber", ""))
        known = found.get(section)
        # the nearest numbered ancestor has the longest number (2.1 within 2)
        if known is None or len(number) > len(known[2]):
            found[section] = (document, label, number, ancestor)
    out = {}
    for section, (document, label, _number, ancestor) in found.items():
        numbered = ancestor and not label[:1].isdigit()
        out[section] = f"{document} {ancestor} › {label}" if numbered else f"{document} {label}"
    return out


class Applicability:
    """The applicability rules over one store; reads the binding facts once. The explanations
    are written in the language of *wording* (English unless told), the graph's names included."""

    def __init__(self, store: Store, queries: dict[str, NamedQuery], wording: Wording = ENGLISH):
        import networkx as nx  # when needed: it takes a tenth of a second to import

        self.store = store
        self.queries = queries
        self.w = wording
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
                if "modalityOrder" in row:
                    ob.modality_order = int(row["modalityOrder"].toPython())
            # the earliest deadline, of its own or of a target measuring it
            due = _date(row.get("dueBy"))
            if due is not None and (ob.due_by is None or due < ob.due_by):
                ob.due_by = due
            if due is not None and row.get("dueAssumed") is not None and row["dueAssumed"].toPython() is True:
                ob.assumed_dates.add(due)
            if "through" in row:
                whole = str(row["through"])
                ob.through = (whole, labels.setdefault(whole, self._label(whole)))
            bound = str(row["bound"])
            if bound not in labels:
                labels[bound] = self.class_labels.get(bound) or self._label(bound)
            target = ob.bearers if str(row["binding"]) == "bearer" else ob.kinds
            if (bound, labels[bound]) not in target:
                target.append((bound, labels[bound]))
            for key, listed in (("priority", ob.priorities), ("plan", ob.plans)):
                if key in row and (str(row[key]), str(row[key + "Label"])) not in listed:
                    listed.append((str(row[key]), str(row[key + "Label"])))
        for ob in found.values():
            ob.priorities.sort(key=lambda pair: (pair[1], pair[0]))
            ob.plans.sort(key=lambda pair: (pair[1], pair[0]))
        self.clocks = read_clocks(self.store, self.queries)
        for iri, ob in found.items():
            ob.clock = self.clocks.get(iri) or Clock(applies_from=ob.effective_from)
        for row in run_named(self.store, self.queries["bearer_starts"]).rows:
            ob = found.get(str(row["item"]))
            if ob is not None:
                bearer = str(row["bearer"])
                label = str(row["bearerLabel"]) if "bearerLabel" in row else self.label_of_class(bearer)
                ob.starts.append((bearer, label, row["day"].toPython(), str(row.get("passage") or "")))
        self.sources = item_sources(self.store, self.queries)
        self.headings = section_headings(self.store, self.queries)
        for iri, ob in found.items():
            if iri in self.sources:
                ob.passage, ob.quote, ob.section, ob.section_label = self.sources[iri]
                ob.heading = self.headings.get(ob.section, ob.section_label)
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
        import networkx as nx  # when needed: it takes a tenth of a second to import

        best = None
        for cls, _label in body.stated:
            if cls == kind:
                return [cls]
            if cls in self.hierarchy and kind in self.hierarchy and nx.has_path(self.hierarchy, cls, kind):
                path = nx.shortest_path(self.hierarchy, cls, kind)
                if best is None or len(path) < len(best):
                    best = path
        return best

    def binds(self, body: Body, item: str, on: dt.date | None = None) -> bool:
        """Whether the obligation *item* (an IRI) binds *body*, whenever it starts; when *on* is
        given, not if it has ended by that day."""
        ob = self.obligations.get(item)
        return ob is not None and self._explain(body, ob, None).applies and ob.clock.state(on) != ENDED

    def explain(self, body_name: str, item_name: str, on: dt.date | None = None) -> Explanation:
        """Whether the obligation *item_name* applies to the body *body_name* (on the day *on*,
        when given), with the chain of facts and the rules that decide it."""
        body = self.body(body_name)
        ob = self.obligation(item_name)
        return self._explain(body, ob, on)

    def _a(self, kind_label: str, kind: str | None = None) -> str:
        """A kind of body as a sentence names it: "a health board" in English; in Welsh the name
        alone, which the Welsh sentences set off so that it needs no mutation."""
        if self.w.lang == "en":
            return article(kind_label)
        return self.w.name(kind, kind_label)

    def _start_for(self, ob: Obligation, iri: str, classes: set[str]) -> tuple[str, str, dt.date, str] | None:
        """The start of its own the text gives the body or kind *iri* (a member of *classes*):
        one stated for it, else the latest of those stated for a kind it belongs to."""
        own = [s for s in ob.starts if s[0] == iri]
        kinds = [s for s in ob.starts if s[0] in classes]
        return own[0] if own else max(kinds, key=lambda s: s[2]) if kinds else None

    def _broader(self, kind: str) -> set[str]:
        """Every kind of body *kind* is part of, through the ontology's subclass steps."""
        import networkx as nx  # when needed: it takes a tenth of a second to import

        return set(nx.descendants(self.hierarchy, kind)) if kind in self.hierarchy else set()

    def _own_clock(self, ob: Obligation, start: tuple[str, str, dt.date, str] | None) -> Clock:
        return replace(ob.clock, applies_from=start[2]) if start else ob.clock

    def _start_fact(self, item: str, start: tuple[str, str, dt.date, str], fallback: str) -> Fact:
        return Fact(self.w._("%(item)s applies to %(bearer)s from %(date)s, a day of their own") % {
            "item": item, "bearer": self.w.name(start[0], start[1]), "date": start[2].isoformat()},
            "stated", short(start[3] or fallback))

    def _explain(self, body: Body, ob: Obligation, on: dt.date | None) -> Explanation:
        w = self.w
        where = ob.where()
        item, org = w.name(ob.iri, ob.label), w.name(body.iri, body.label)
        facts: list[Fact] = []
        rules: list[str] = []
        own, own_where, own_passage = item, where, ob.passage
        if ob.through is not None:
            # the binding is the whole's: the facts below name it and its passage
            item = w.name(*ob.through)
            facts.append(Fact(w._("%(part)s is part of %(whole)s (%(where)s)") % {
                "part": own, "whole": item, "where": where}, "stated", short(ob.passage)))
            rules.append(w._(RULE_PART))
            whole = self.obligations.get(ob.through[0])
            if whole is not None and whole.passage:
                where, ob = whole.where(), replace(ob, passage=whole.passage)
        applies = False
        summary = ""
        if any(iri == body.iri for iri, _ in ob.bearers):
            applies = True
            facts.append(Fact(w._("%(item)s names %(body)s as a bearer (%(where)s)")
                              % {"item": item, "body": org, "where": where}, "stated", short(ob.passage)))
            rules.append(w._(RULE_SUBPROPERTY))
            summary = w._("applies to %(body)s, which it names") % {"body": org}
        else:
            for kind, kind_label in ob.kinds:
                path = self.kind_path(body, kind)
                if path is None:
                    continue
                applies = True
                first = path[0]
                facts.append(Fact(w._("%(body)s is %(kind)s") % {"body": org, "kind": self._a(
                    self.label_of_class(first), first)}, "stated", body.source))
                for child, parent in zip(path, path[1:], strict=False):
                    facts.append(Fact(w._("every %(kind)s is %(broader)s") % {
                        "kind": w.name(child, self.label_of_class(child)),
                        "broader": self._a(self.label_of_class(parent), parent)},
                        "ontology", short(child) + " rdfs:subClassOf " + short(parent)))
                if len(path) > 1:
                    checked = "inferred" if kind in body.inferred else "inferred (missing from the built graph)"
                    facts.append(Fact(w._("so %(body)s is %(kind)s") % {"body": org, "kind": self._a(kind_label, kind)},
                                      checked, short(kind)))
                    rules.append(w._(RULE_SUBCLASS))
                facts.append(Fact(w._("%(item)s binds every %(kind)s (%(where)s)") % {
                    "item": item, "kind": w.name(kind, kind_label), "where": where}, "stated", short(ob.passage)))
                rules.append(w._(RULE_BINDS_KIND))
                if len(path) == 1:
                    summary = w._("applies to every %(kind)s, and %(body)s is one") % {
                        "kind": w.name(kind, kind_label), "body": org}
                else:
                    summary = w._("applies to every %(kind)s, which includes every %(stated_kind)s, such as "
                                  "%(body)s") % {
                        "kind": w.name(kind, kind_label), "body": org,
                        "stated_kind": w.name(first, self.label_of_class(first))}
                break
        if not applies:
            kinds = [w.name(iri, label) for iri, label in ob.kinds]
            bearers = [w.name(iri, label) for iri, label in ob.bearers]
            bound = w._(" and ").join(filter(None, [
                (w._("every %(kinds)s") % {"kinds": w._(" or ").join(kinds)}) if kinds else "",
                (w._("the bearer(s) %(bearers)s") % {"bearers": ", ".join(bearers)}) if bearers else ""]))
            facts.append(Fact(w._("%(item)s binds %(bound)s (%(where)s)") % {"item": item, "bound": bound,
                                                                              "where": where},
                              "stated", short(ob.passage)))
            stated_iris = {iri for iri, _label in body.stated}
            is_a = [self._a(label, c) for label, c in sorted({(self.label_of_class(c), c) for c in body.inferred
                                                              if c.startswith(str(NWP)) and c not in stated_iris})]
            stated = w._(" and ").join(self._a(label, iri) for iri, label in body.stated) or w._("of no stated kind")
            also = w._(" (and so %(kinds)s)") % {"kinds": ", ".join(is_a)} if is_a else ""
            nor = (w._(", none of which is %(kinds)s") % {"kinds": w._(" or ").join(
                self._a(label, iri) for iri, label in ob.kinds)} if kinds else w._(", not a named bearer"))
            facts.append(Fact(w._("%(body)s is %(kinds)s%(also)s%(nor)s") % {
                "body": org, "kinds": stated, "also": also, "nor": nor}, "stated", body.source))
            summary = w._("does not apply: it binds %(bound)s; %(body)s is %(kinds)s") % {
                "bound": bound, "body": org, "kinds": stated}
        if ob.through is not None and applies:
            summary = w._("%(summary)s, as part of %(whole)s") % {"summary": summary, "whole": item}
        if ob.through is not None:
            item, where, ob = own, own_where, replace(ob, passage=own_passage)
        start = self._start_for(ob, body.iri, body.inferred) if applies else None
        clock = self._own_clock(ob, start)
        if start:
            facts.append(self._start_fact(item, start, ob.passage))
        state = clock.state(on) if applies else IN_FORCE
        in_force = state == IN_FORCE
        if state == NOT_YET:
            facts.append(Fact(w._("%(item)s takes effect on %(date)s") % {
                "item": item, "date": clock.start.isoformat()}
                + (f" (“{ob.date_text}”)" if ob.date_text else ""), "stated", short(ob.passage)))
            rules.append(w._(RULE_NOT_IN_FORCE))
            summary = (w._("not yet in force on %(day)s: applies to %(body)s from %(date)s")
                       % {"day": on.isoformat(), "body": org, "date": clock.start.isoformat()})
        elif state == ENDED:
            facts.append(self._end_fact(item, clock, short(ob.passage)))
            rules.append(w._(RULE_ENDED))
            summary = self._ended_summary(on, clock)
        begins = start[2] if start else ob.effective_from
        return Explanation(
            body.id, org, ob.id, item, applies and in_force, in_force, facts, rules, summary,
            begins.isoformat() if begins else "",
            ob.due_by.isoformat() if ob.due_by else "", short(ob.passage) if ob.passage else "", where,
            "; ".join(w.name(*p) for p in ob.priorities), "; ".join(w.name(*p) for p in ob.plans), [summary],
            due_assumed=ob.due_by in ob.assumed_dates, **self._clock_fields(clock, state))

    def _clock_fields(self, clock: Clock, state: str) -> dict:
        last = clock.last_day
        by = clock.replaced_by
        return {"state": state, "in_force_until": last.isoformat() if last else "",
                "end_inferred": clock.end_inferred, "replaced_by": short(by[0]) if by else "",
                "replaced_by_label": self.w.name(*by) if by else ""}

    def _end_fact(self, item: str, clock: Clock, source: str) -> Fact:
        """Why an item has ended: its stated last day, or the item that replaces it."""
        w = self.w
        last = clock.last_day.isoformat()
        if clock.end_inferred:
            return Fact(w._("%(by)s replaces %(item)s from %(date)s, so %(item)s is in force until %(last)s")
                        % {"by": w.name(*clock.replaced_by), "item": item,
                           "date": clock.replaced_from.isoformat(), "last": last}, "inferred",
                        short(clock.replaced_by[0]) + " nwp:supersedes")
        return Fact(w._("%(item)s is in force until %(last)s") % {"item": item, "last": last}, "stated", source)

    def _ended_summary(self, on: dt.date, clock: Clock) -> str:
        return ended_summary(on, clock, self.w)

    def subject(self, name: str) -> tuple[str, str, str]:
        """The node *name* (an id, CURIE or IRI) as a subject of "what applies": its IRI, English
        name and role (one of :data:`ROLES`, or "" when nothing applies through it).

        :raise QueryError: when the graph has no such node."""
        query = self.queries["subject"]
        iri = str(bind_parameters(query, {"node": name})["node"])
        rows = run_named(self.store, query, {"node": iri}).rows
        if not rows:
            raise QueryError(f"no node '{name}' in the graph; give the id of an organisation (hywel-dda-uhb), a kind "
                             f"of body (nwp:HealthBoard), a topic, a priority, an enabling plan, a duty or a statute")
        return iri, str(rows[0]["label"]), str(rows[0]["role"])

    def applicable_to(self, name: str, on: dt.date | None = None,
                      include_not_in_force: bool = False) -> list[Explanation]:
        """What applies to the subject *name*, whatever it is (see :meth:`subject`), on the day
        *on* when given, each with every reason; in order of the items' IRIs. What has ended by
        *on* (its last day in force passed, or an item replacing it applies) is left out; what
        starts after *on* only with *include_not_in_force*."""
        iri, label, role = self.subject(name)
        if role == "body":
            return self.applicable(name, on, include_not_in_force)
        w = self.w
        reasons: dict[str, list[str]] = {}
        items: dict[str, tuple[str, str]] = {}
        if role == "kind of body":
            for ob in self.obligations.values():
                for kind, kind_label in ob.kinds:
                    path = self._class_path(iri, kind)
                    if path is None:
                        continue
                    why = (w._("applies to every %(kind)s") % {"kind": w.name(kind, kind_label)} if len(path) == 1
                           else w._("applies to every %(broader)s, which includes every %(kind)s") % {
                               "broader": w.name(kind, kind_label), "kind": w.name(iri, label)})
                    reasons.setdefault(ob.iri, []).append(why)
                    items[ob.iri] = (ob.label, ob.kind)
        elif role == "basis":
            for row in run_named(self.store, self.queries["underpinned_by"], {"basis": iri}).rows:
                direct = row.get("direct") is not None and row["direct"].toPython()
                why = w._(BASIS_REASONS[0 if direct else 1]) % {"subject": w.name(iri, label)}
                reasons.setdefault(str(row["item"]), []).append(why)
                items[str(row["item"])] = (str(row["label"]), str(row.get("kind", "")))
        elif role in ("topic", "priority", "enabling plan"):
            for row in run_named(self.store, self.queries["concerning"], {"subject": iri}).rows:
                via = w.name(str(row["via"]), str(row["viaLabel"])) if "viaLabel" in row else short(str(row["via"]))
                why = w._(REASONS[str(row["why"])]) % {"subject": w.name(iri, label), "via": via}
                listed = reasons.setdefault(str(row["item"]), [])
                if why not in listed:
                    listed.append(why)
                items[str(row["item"])] = (str(row["label"]), str(row["kind"]))
        else:
            raise QueryError(f"nothing applies through '{name}' ({label}): give an organisation, a kind of body, a "
                             f"topic, a priority, an enabling plan, a duty or a statute")
        subject = w.name(iri, label)
        out = []
        for item in sorted(reasons):
            ob = self.obligations.get(item)
            if ob is None:
                # not an obligation (a policy, a law, a target): its clocks alone say when it counts
                ob = Obligation(item, *items[item])
                ob.clock = self.clocks.get(item) or Clock()
                ob.effective_from = ob.clock.start
            if ob.passage == "" and item in self.sources:
                ob.passage, ob.quote, ob.section, ob.section_label = self.sources[item]
            whys = list(reasons[item])
            # a kind of body keeps the start the text gives it, or a broader kind, of its own
            start = self._start_for(ob, iri, self._broader(iri)) if role == "kind of body" else None
            if start:
                ob = replace(ob, clock=self._own_clock(ob, start), effective_from=start[2])
                whys.append(self._start_fact(w.name(ob.iri, ob.label), start, ob.passage).text)
            state = ob.clock.state(on)
            in_force = state == IN_FORCE
            # what has ended is left out; what starts later only when asked for
            if state == ENDED or (state == NOT_YET and not include_not_in_force):
                continue
            summary = "; ".join(whys)
            if not in_force:
                summary = (w._("not yet in force on %(day)s: applies from %(date)s")
                           % {"day": on.isoformat(), "date": ob.clock.start.isoformat()})
            out.append(self._listed((short(iri), subject), ob, in_force, in_force, whys, summary, whys, state))
        return out

    def involving(self, name: str, on: dt.date | None = None) -> list[Explanation]:
        """What the body *name* takes part in without being bound by it: the obligations that
        name it as a partner, or are part of one that does; on the day *on* when given, in order
        of the items' IRIs."""
        body = self.body(name)
        w = self.w
        reasons: dict[str, list[str]] = {}
        for row in run_named(self.store, self.queries["involving"], {"body": body.iri}).rows:
            why = str(row["why"])
            via = w.name(str(row["via"]), str(row["viaLabel"])) if "viaLabel" in row else short(str(row["via"]))
            text = w._(INVOLVING_REASONS[why]) % {"subject": w.name(body.iri, body.label), "via": via}
            listed = reasons.setdefault(str(row["item"]), [])
            if text not in listed:
                listed.append(text)
        out = []
        for item in sorted(reasons):
            ob = self.obligations.get(item)
            if ob is None or ob.clock.state(on) != IN_FORCE:
                continue
            kinds = [w.name(iri, label) for iri, label in ob.kinds] + [w.name(iri, label) for iri, label in ob.bearers]
            summary = "; ".join(reasons[item]) + (w._(" (it binds %(bound)s)") % {"bound": w._(" and ").join(kinds)}
                                                  if kinds else "")
            out.append(self._listed((body.id, w.name(body.iri, body.label)), ob, False, True, reasons[item], summary,
                                    [summary], IN_FORCE))
        return out

    def _listed(self, subject: tuple[str, str], ob: Obligation, applies: bool, in_force: bool, whys: list[str],
                summary: str, reasons: list[str], state: str) -> Explanation:
        """An item listed for *subject* (its id and name) for the reasons *whys*, each stated in
        the item's passage."""
        w, passage = self.w, short(ob.passage) if ob.passage else ""
        return Explanation(
            subject[0], subject[1], ob.id, w.name(ob.iri, ob.label), applies, in_force,
            [Fact(why, "stated", passage) for why in whys], [], summary,
            ob.effective_from.isoformat() if ob.effective_from else "",
            ob.due_by.isoformat() if ob.due_by else "", passage, ob.where(),
            "; ".join(w.name(*p) for p in ob.priorities), "; ".join(w.name(*p) for p in ob.plans),
            reasons, due_assumed=ob.due_by in ob.assumed_dates, **self._clock_fields(ob.clock, state))

    def standing(self, name: str, on: dt.date | None) -> dict:
        """When the item *name* counts and its state on the day *on* (:func:`graph.rules.clocks.standing`)."""
        return standing(self.store, self.queries, name, on, self.w)

    def _class_path(self, cls: str, kind: str) -> list[str] | None:
        """The chain of subclass steps from *cls* up to *kind*, or None when *cls* is not within it."""
        import networkx as nx  # when needed: it takes a tenth of a second to import

        if cls == kind:
            return [cls]
        if cls in self.hierarchy and kind in self.hierarchy and nx.has_path(self.hierarchy, cls, kind):
            return nx.shortest_path(self.hierarchy, cls, kind)
        return None

    def applicable(self, body_name: str, on: dt.date | None = None,
                   include_not_in_force: bool = False) -> list[Explanation]:
        """Every obligation that applies to the body (on the day *on*, when given), explained;
        with *include_not_in_force*, also those that bind it but take effect later."""
        body = self.body(body_name)
        out = []
        for ob in sorted(self.obligations.values(), key=lambda o: o.iri):
            ex = self._explain(body, ob, on)
            if ex.applies or (include_not_in_force and ex.state == NOT_YET):
                out.append(ex)
        return out


def on_topic(store: Store, queries: dict[str, NamedQuery], topic: str) -> tuple[str, set[str]]:
    """The topic named *topic* (``topic-mental-health`` or ``mental-health``) and the ids of the
    items tagged with it or with any narrower topic (named query ``topic_items``).

    :raise QueryError: when the graph has no such topic.
    """
    candidates = [topic] if topic.startswith("topic-") else [topic, f"topic-{topic}"]
    for name in candidates:
        rows = run_named(store, queries["subject"], {"node": name}).rows
        if rows and str(rows[0]["role"]) == "topic":
            return name, {short(str(r["item"])) for r in run_named(store, queries["topic_items"], {"topic": name}).rows}
    raise QueryError(f"no topic '{topic}' in the graph; 'policy-graph query nodes' lists the topics "
                     f"(ids starting topic-)")


__all__ = ["Applicability", "Explanation", "Fact", "Obligation", "on_topic"]
