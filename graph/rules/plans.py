"""Plans traced and gap-checked: what an organisation's plan answers, what it misses.

A plan is a list of commitments (CSV, YAML, JSON or Turtle), each with an ``id``, its ``text``,
the ``organisation`` it belongs to, and optionally ``references`` (ids of graph items it
answers), a ``justification`` (the references are then justified, not adopted: "adopt or
justify"), a ``due`` date and ``metrics``. The check

- verifies every explicit reference (an unknown id is an error naming the line, never ignored);
- suggests, for a commitment without references, the obligations its text is most like (TF-IDF
  cosine similarity over each obligation's label and quote), marked as suggestions with a score;
- lists every obligation that binds the organisation and that no commitment adopts or justifies,
  grouped by priority and enabling plan, the strongest first (must, is required to, is expected
  to, should), then the soonest due; committing to an item covers the items that are part of it
  and the targets that measure it;
- gives the share of the obligations covered (adopted or justified), overall, by priority and by
  enabling plan;
- lists the commitments that trace to nothing.

The organisation is the one the plan's commitments name, unless the one checking chooses one;
a choice the file contradicts is one error naming both, as a plan checked against another body's
obligations would report the wrong gaps.

Reading a plan never touches the graph; a plan with any bad line is refused whole.

Longer than 400 lines because the four formats a plan comes in (CSV, YAML, JSON, Turtle) are read
into one list of commitments here, beside the check that the list is made for.
"""

from __future__ import annotations

import datetime as dt
import math
import re
from collections import Counter
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING

from rdflib import Graph, Literal, URIRef
from rdflib.namespace import DCTERMS, PROV, RDF, RDFS, SKOS

from graph.errors import InputFileError, PolicyGraphError, Problem, QueryError
from graph.language import N_
from graph.namespaces import ID, NWP, short
from graph.queries import NamedQuery, bind_parameters, run_named
from graph.rules.applicability import Applicability, Body, Explanation, Obligation
from graph.rules.documents import DocumentError, csv_rows, load_json, load_yaml, named_twice
from graph.rules.limits import DEFAULT_LIMITS, Limits, bounded, shown, text_problem, too_many
from graph.store import Store

if TYPE_CHECKING:
    import networkx as nx

FIELDS = ("id", "text", "organisation", "references", "justification", "due", "metrics")
REQUIRED = ("id", "text", "organisation")
#: Suggestions below this cosine similarity share only incidental words ("hospital", "site")
#: with the obligation, so they are noise rather than a lead worth a reader's time.
MIN_SCORE = 0.35
SUGGESTIONS = 3
#: The heading of the obligations that serve no priority or enabling plan (PlanReport.groups()).
NO_GROUP = N_("(no priority or enabling plan)")
#: What an obligation serving no priority or enabling plan has in their place: where it is stated.
STATED_IN = N_("no priority or enabling plan; stated in %(section)s")
#: The words of a commitment's status and of a link's kind, as the data gives them; reports translate them.
STATUS_WORDS = (N_("traced"), N_("justified"), N_("suggested"), N_("untraced"), N_("adopted"), N_("uncovered"))
_WORD = re.compile(r"[a-z0-9]+(?:-[a-z0-9]+)*")
_SPLIT = re.compile(r"[;,\s]+")
#: The fields that hold ids, each bounded as an id rather than as text.
_IDS = ("id", "organisation")
_LISTS = ("references", "metrics")
#: A due date written as a day (a worded one, "Q4 2026/27", is kept as worded).
_DATE_LIKE = re.compile(r"^\d{4}-\d{1,2}-\d{1,2}$")


class PlanError(InputFileError):
    """A plan cannot be read or checked; carries every problem, each with its location."""

    what = "the plan"


class OrganisationMismatchError(PlanError):
    """The organisation chosen for a check is not the one the plan's commitments name.

    ``chosen`` is (id, name) of the chosen body; ``named`` holds (id, name, lines, every
    commitment names it) for each other body the commitments name, so a surface can word the
    problem in its own language; ``others`` are the plan's other problems."""

    def __init__(self, mismatches: list[Problem], others: list[Problem], chosen: tuple[str, str],
                 named: list[tuple[str, str, list[int], bool]]):
        super().__init__(mismatches + others)
        self.others = others
        self.chosen = chosen
        self.named = named


@dataclass
class Commitment:
    id: str
    text: str
    organisation: str
    references: list[str] = field(default_factory=list)
    justification: str = ""
    due: str = ""
    metrics: list[str] = field(default_factory=list)
    file: str = ""
    line: int | None = None

    def where(self) -> Problem:
        return Problem("", self.file, self.line, item=self.id)


def _listed(value) -> list[str]:
    if value is None or value == "":
        return []
    if isinstance(value, list):
        return [v.strip() for v in value if v is not None and v.strip()]
    return [v for v in _SPLIT.split(value.strip()) if v]


def _kind_problem(name: str, value) -> str | None:
    """Why *value* cannot be field *name* (a mapping, or a list where one text is wanted)."""
    if value is None or isinstance(value, str):
        return None
    if isinstance(value, list) and name in _LISTS:
        return None if all(v is None or isinstance(v, str) for v in value) else "a list of ids holds a list or mapping"
    return f"must be text, not a {'list' if isinstance(value, list) else 'mapping'}"


def _field_problems(keys: dict, file: str, lines: dict[str, int | None], limits: Limits) -> list[Problem]:
    """Each field too long, of the wrong kind, holding what no text may hold, or (the id lists)
    with too many ids; a date-like due date that is no day. *lines* gives each field's line."""
    problems = []
    for name, value in keys.items():
        line = lines[name]
        wrong = _kind_problem(name, value)
        if wrong:
            problems.append(Problem(wrong, file, line, name))
            continue
        if name in _LISTS:
            ids = _listed(value)
            if len(ids) > limits.references:
                problems.append(too_many(f"{name}", len(ids), limits.references, file, line, name))
                continue
            texts, limit = ids, limits.id_chars
        else:
            texts, limit = [value or ""], limits.id_chars if name in _IDS else limits.field_chars
        for text in texts:
            why = text_problem(text, limit)
            if why:
                problems.append(Problem(f"{shown(text)} {why}", file, line, name))
                break
    due = (keys.get("due") or "").strip() if isinstance(keys.get("due"), str) else ""
    if _DATE_LIKE.match(due):
        try:
            dt.date.fromisoformat(due)
        except ValueError:
            problems.append(Problem(f"not a date: {due} (a due date is YYYY-MM-DD, or worded)", file,
                                    lines["due"], "due"))
    return problems


def _commitment(record: dict, file: str, line: int | None, problems: list[Problem],
                limits: Limits = DEFAULT_LIMITS) -> Commitment | None:
    keys = {str(k).strip().lower(): v for k, v in record.items() if k is not None}
    # a YAML mapping knows the line of each of its keys; a CSV row is on one line
    key_lines = getattr(record, "key_lines", {})
    lines = {str(k).strip().lower(): key_lines.get(str(k), line) for k in record if k is not None}
    unknown = sorted(k for k in keys if k not in FIELDS)
    if unknown:
        names = ", ".join(shown(k)[1:-1] for k in unknown[:10]) + (f" and {len(unknown) - 10} more"
                                                                      if len(unknown) > 10 else "")
        problems.append(Problem(f"unknown field(s) {names}; a commitment has {', '.join(FIELDS)}", file, line))
        keys = {k: v for k, v in keys.items() if k in FIELDS}
    found = _field_problems(keys, file, lines, limits)
    if found:
        problems.extend(found)
        return None
    missing = [k for k in REQUIRED if not (keys.get(k) or "").strip()]
    if missing:
        problems.append(Problem(f"no {', '.join(missing)}", file, line, missing[0]))
        return None
    return Commitment(keys["id"].strip(), " ".join(keys["text"].split()),
                      keys["organisation"].strip(), _listed(keys.get("references")),
                      (keys.get("justification") or "").strip(), (keys.get("due") or "").strip(),
                      _listed(keys.get("metrics")), file, line)


def _read_csv(text: str, name: str, problems: list[Problem], limits: Limits) -> list[Commitment]:
    rows = list(csv_rows(text, name, limits.field_chars))
    if not rows:
        problems.append(Problem("the file is empty: expected a header line id,text,organisation,...", name))
        return []
    header_line, header = rows[0]
    if len(rows) - 1 > limits.plan_rows:
        problems.append(too_many("commitments (rows)", len(rows) - 1, limits.plan_rows, name))
        return []
    columns = [c.strip().lower() for c in header]
    missing = [c for c in REQUIRED if c not in columns]
    if missing:
        problems.append(Problem(f"missing column(s) {', '.join(missing)}; the header must name "
                                f"{', '.join(REQUIRED)} (and may name {', '.join(FIELDS[3:])})", name, header_line))
        return []
    twice = named_twice(columns)
    if twice:
        problems.append(Problem(f"column(s) {', '.join(shown(c)[1:-1] for c in twice[:10])} named twice",
                                name, header_line))
        return []
    out = []
    for number, row in rows[1:]:
        if len(row) > len(columns):
            problems.append(Problem(f"{len(row)} cells but the header names {len(columns)} columns "
                                    f"(quote text that contains commas)", name, number))
            continue
        # a spreadsheet's export may end each line with empty, unnamed columns
        record = {c: v for c, v in zip(columns, row, strict=False) if c or v.strip()}
        found = _commitment(record, name, number, problems, limits)
        if found:
            out.append(found)
    return out


def _read_records(records, name: str, problems: list[Problem], lines: bool, limits: Limits) -> list[Commitment]:
    if isinstance(records, dict) and "commitments" in records:
        records = records["commitments"]
    if not isinstance(records, list):
        problems.append(Problem("expected a list of commitments (or a mapping with a 'commitments' list)", name))
        return []
    if len(records) > limits.plan_rows:
        problems.append(too_many("commitments", len(records), limits.plan_rows, name))
        return []
    out = []
    for number, record in enumerate(records, start=1):
        line = getattr(record, "line", None) if lines else None
        if not isinstance(record, dict):
            problems.append(Problem(f"commitment {number} is not a mapping of fields", name, line))
            continue
        found = _commitment(record, name if lines else f"{name} (commitment {number})", line, problems, limits)
        if found:
            out.append(found)
    return out


def _read_turtle(text: str, name: str, problems: list[Problem], limits: Limits) -> list[Commitment]:
    """Commitments in Turtle, in W3C vocabularies so a plan needs nothing of this project's own:
    each is a ``prov:Plan`` with ``dcterms:description`` (its text), ``prov:wasAttributedTo``
    (the organisation), ``dcterms:references`` (the graph items it answers), ``skos:note`` (a
    justification), ``dcterms:date`` (due) and ``nwp:metric``; its id is the IRI's last segment."""
    graph = Graph()
    try:
        graph.parse(data=text, format="turtle")
    except Exception as exc:  # rdflib raises several unrelated types on bad Turtle
        problems.append(Problem(f"Turtle syntax error: {str(exc)[:500]}", name))
        return []
    nodes = sorted(graph.subjects(RDF.type, PROV.Plan))
    if len(nodes) > limits.plan_rows:
        problems.append(too_many("commitments (prov:Plan)", len(nodes), limits.plan_rows, name))
        return []
    out = []
    for node in nodes:
        ident = str(node).rsplit("/", 1)[-1].rsplit("#", 1)[-1]
        record = {
            "id": ident,
            "text": graph.value(node, DCTERMS.description) or graph.value(node, RDFS.label) or "",
            "organisation": short(str(graph.value(node, PROV.wasAttributedTo) or "")),
            "references": [short(str(o)) for o in graph.objects(node, DCTERMS.references)],
            "justification": graph.value(node, SKOS.note) or "",
            "due": graph.value(node, DCTERMS.date) or "",
            "metrics": [short(str(o)) for o in graph.objects(node, NWP.metric)],
        }
        found = _commitment({k: (str(v) if isinstance(v, (Literal, URIRef)) else v) for k, v in record.items()},
                            f"{name} <{shown(str(node))[1:-1]}>", None, problems, limits)
        if found:
            out.append(found)
    if not out and not problems:
        problems.append(Problem("no commitment (a prov:Plan) in the file", name))
    return out


def read_plan(path: Path, limits: Limits = DEFAULT_LIMITS) -> list[Commitment]:
    """Read a plan from a ``.csv``, ``.yaml``/``.yml``, ``.json`` or ``.ttl`` file, within *limits*.

    :raise PlanError: naming the file, line and field of every problem found.
    """
    problems: list[Problem] = []
    suffix = path.suffix.lower()
    if suffix not in (".csv", ".yaml", ".yml", ".json", ".ttl"):
        raise PlanError([Problem(f"unknown plan format '{path.suffix}'; use .csv, .yaml, .json or .ttl", path.name)])
    try:
        text = path.read_text(encoding="utf-8").lstrip("\ufeff")
    except (OSError, UnicodeDecodeError) as exc:
        raise PlanError([Problem(f"cannot read: {exc}", path.name)]) from None
    try:
        if suffix == ".csv":
            found = _read_csv(text, path.name, problems, limits)
        elif suffix in (".yaml", ".yml"):
            found = _read_records(load_yaml(text, path.name, limits.nesting), path.name, problems, True, limits)
        elif suffix == ".json":
            found = _read_records(load_json(text, path.name, limits.nesting), path.name, problems, False, limits)
        else:
            found = _read_turtle(text, path.name, problems, limits)
    except DocumentError as exc:
        raise PlanError([exc.problem]) from None
    seen: dict[str, Commitment] = {}
    for c in found:
        if c.id in seen:
            problems.append(Problem(f"commitment id '{c.id}' is used twice (first at line {seen[c.id].line})",
                                    c.file, c.line, "id", c.id))
        seen[c.id] = c
    if problems:
        raise PlanError(bounded(problems))
    if not found:
        raise PlanError([Problem("the plan has no commitments", path.name)])
    return found


# --- text similarity ---------------------------------------------------------------------------


def _tokens(text: str) -> list[str]:
    return [w for w in _WORD.findall(text.lower()) if len(w) > 2]


class Similarity:
    """TF-IDF vectors of documents, compared by cosine similarity. Inverse document frequency
    weighs down the words every obligation uses ("ensure", "services"), so no stop-word list is
    needed."""

    def __init__(self, documents: dict[str, str]):
        tokenised = {key: Counter(_tokens(text)) for key, text in documents.items()}
        frequency: Counter[str] = Counter()
        for counts in tokenised.values():
            frequency.update(counts.keys())
        total = len(tokenised) or 1
        self.idf = {w: math.log((1 + total) / (1 + n)) + 1 for w, n in frequency.items()}
        self.vectors = {key: self._vector(counts) for key, counts in tokenised.items()}
        # each word's documents and weights: a commitment is scored against the documents that
        # share a word with it only, not against every document (a plan at the row limit left
        # unreferenced took over a minute to rank the other way)
        self.postings: dict[str, list[tuple[str, float]]] = {}
        for key, vector in self.vectors.items():
            for word, weight in vector.items():
                self.postings.setdefault(word, []).append((key, weight))

    def _vector(self, counts: Counter) -> dict[str, float]:
        vector = {w: (1 + math.log(n)) * self.idf.get(w, 0.0) for w, n in counts.items() if w in self.idf}
        norm = math.sqrt(sum(v * v for v in vector.values())) or 1.0
        return {w: v / norm for w, v in vector.items()}

    def rank(self, text: str, among: set[str] | None = None, limit: int = SUGGESTIONS) -> list[tuple[str, float]]:
        query = self._vector(Counter(_tokens(text)))
        totals: dict[str, float] = {}
        # summed in the query's word order, as a dot product over the whole vector would be
        for word, weight in query.items():
            for key, other in self.postings.get(word, ()):
                totals[key] = totals.get(key, 0.0) + weight * other
        scores = [(key, round(score, 3)) for key, score in totals.items()
                  if score >= MIN_SCORE and (among is None or key in among)]
        return sorted(scores, key=lambda s: (-s[1], s[0]))[:limit]


# --- the check ---------------------------------------------------------------------------------


@dataclass
class Link:
    item: str
    label: str
    kind: str  # "adopted", "justified" or "suggested"
    score: float | None
    passage: str
    section: str
    applies: bool = True
    source: str = ""  # the section as a reader cites it, "TPG 2.1 Timely Access to Care"


@dataclass
class TracedCommitment:
    id: str
    text: str
    status: str  # "traced", "justified", "suggested" or "untraced"
    links: list[Link]
    notes: list[str]
    line: int | None
    due: str = ""


@dataclass
class Gap:
    item: str
    label: str
    kind: str
    modality: str
    status: str  # "uncovered" or "justified"
    priority: str
    plan: str
    passage: str
    section: str
    justification: str = ""
    by: list[str] = field(default_factory=list)
    due: str = ""  # its earliest deadline (or that of a target measuring it), ISO day
    source: str = ""  # the section as a reader cites it, "TPG 2.1 Timely Access to Care"
    serves: str = ""  # its priorities, else its enabling plans, else where it is stated (STATED_IN)


@dataclass
class Share:
    """How many of the obligations under one heading are covered (adopted or justified)."""

    name: str  # the priority or enabling plan ("" for the obligations serving none)
    covered: int
    applicable: int

    @property
    def percent(self) -> float:
        return round(100 * self.covered / self.applicable, 1) if self.applicable else 0.0

    def as_dict(self) -> dict:
        return {"name": self.name, "covered": self.covered, "applicable": self.applicable, "percent": self.percent}


def _shares(tally: dict[str, list[int]]) -> list[Share]:
    """The shares by name, the obligations serving none last."""
    return [Share(name, c, a) for name, (c, a) in sorted(tally.items(), key=lambda kv: (not kv[0], kv[0]))]


@dataclass
class PlanReport:
    organisation: str
    organisation_label: str
    commitments: list[TracedCommitment]
    gaps: list[Gap]
    applicable: int
    adopted: int
    by_priority: list[Share] = field(default_factory=list)
    by_plan: list[Share] = field(default_factory=list)

    def coverage(self) -> Share:
        """The obligations that apply and how many the plan covers (adopts or justifies)."""
        justified = sum(g.status == "justified" for g in self.gaps)
        return Share("", self.adopted + justified, self.applicable)

    def counts(self) -> dict[str, int]:
        statuses = Counter(c.status for c in self.commitments)
        return {"commitments": len(self.commitments), "traced": statuses["traced"] + statuses["justified"],
                "suggested": statuses["suggested"], "untraced": statuses["untraced"],
                "obligations_applicable": self.applicable, "obligations_adopted": self.adopted,
                "obligations_justified": sum(g.status == "justified" for g in self.gaps),
                "obligations_uncovered": sum(g.status == "uncovered" for g in self.gaps)}

    def groups(self) -> dict[str, list[Gap]]:
        """The uncovered obligations grouped by priority or enabling plan."""
        out: dict[str, list[Gap]] = {}
        for gap in self.gaps:
            if gap.status == "uncovered":
                out.setdefault(gap.priority or gap.plan or NO_GROUP, []).append(gap)
        return dict(sorted(out.items()))

    def as_dict(self) -> dict:
        return {"organisation": self.organisation, "organisation_label": self.organisation_label,
                "counts": self.counts(), "commitments": [asdict(c) for c in self.commitments],
                "coverage": {"overall": self.coverage().as_dict(),
                             "by_priority": [s.as_dict() for s in self.by_priority],
                             "by_plan": [s.as_dict() for s in self.by_plan]},
                "gaps": [asdict(g) for g in self.gaps if g.status == "uncovered"],
                "justified": [asdict(g) for g in self.gaps if g.status == "justified"]}


def dependency_graph(store: Store, queries: dict[str, NamedQuery]) -> nx.DiGraph:
    """Items as nodes, an edge from each item to what it depends on (part of, measures, serves,
    supports, implements, underpinned by, imposed by), with labels and kinds on the nodes."""
    import networkx as nx  # when needed: it takes a tenth of a second to import

    graph = nx.DiGraph()
    for row in run_named(store, queries["dependency_edges"]).rows:
        source, target, relation = str(row["source"]), str(row["target"]), str(row["relation"])
        source_kind, target_kind = str(row.get("sourceKind", "")), str(row.get("targetKind", ""))
        if relation == str(NWP.measuredBy):  # stated on the item; the target depends on the item
            source, target = target, source
            source_kind, target_kind = target_kind, source_kind
            labels = (str(row.get("targetLabel", "")), str(row.get("sourceLabel", "")))
            relation = str(NWP.measures)
        else:
            labels = (str(row.get("sourceLabel", "")), str(row.get("targetLabel", "")))
        for node, label, kind in ((source, labels[0], source_kind), (target, labels[1], target_kind)):
            graph.add_node(node)
            data = graph.nodes[node]
            data.setdefault("label", label or short(node))
            if kind:
                data.setdefault("kinds", set()).add(kind)
        graph.add_edge(source, target, relation=relation)
    return graph


def _covered_by(graph: nx.DiGraph, item: str) -> set[str]:
    """What committing to *item* answers: the item, its parts (transitively) and its targets."""
    if item not in graph:
        return {item}
    reverse = graph.reverse(copy=False)
    covered = {item}
    frontier = [item]
    while frontier:
        node = frontier.pop()
        for child in reverse.successors(node):
            if graph.edges[child, node]["relation"] in (str(NWP.partOf), str(NWP.measures)) and child not in covered:
                covered.add(child)
                frontier.append(child)
    return covered


def _lines(commitments: list[Commitment]) -> str:
    return ", ".join(str(c.line) for c in commitments if c.line is not None)


@dataclass
class _Mismatch:
    """The commitments that name other organisations than the one chosen, and the problems saying so."""

    problems: list[Problem]
    chosen: tuple[str, str]
    named: list[tuple[str, str, list[int], bool]]


def plan_body(rules: Applicability, commitments: list[Commitment],
              organisation: str | None = None) -> tuple[Body, list[Problem], _Mismatch | None]:
    """The body whose plan *commitments* are (*organisation* when chosen, else the one they
    name), the problems with the organisations they name, and whether they name others than the
    one chosen (one problem for each other body, naming both).

    :raise QueryError: when the chosen organisation is not in the graph; PlanError when nothing
        is chosen and they name none, several, or one the graph lacks.
    """
    w = rules.w
    named: dict[str, list[Commitment]] = {}
    for c in commitments:
        named.setdefault(c.organisation, []).append(c)
    bodies: dict[str, Body] = {}
    problems: list[Problem] = []
    for name, those in named.items():
        try:
            bodies[name] = rules.body(name)
        except QueryError:
            problems.append(Problem(w._("names the organisation '%(org)s', which is not in the graph (lines %(lines)s)")
                                    % {"org": name, "lines": _lines(those)}, those[0].file, those[0].line,
                                    "organisation", those[0].id))
    if not organisation:
        if problems:
            raise PlanError(problems)
        distinct = {b.id: b for b in bodies.values()}
        if len(distinct) == 1:
            return next(iter(distinct.values())), [], None
        if not distinct:
            raise PlanError([Problem(w._("the plan names no organisation: choose one"), field="organisation")])
        raise PlanError([Problem(w._("the plan names %(count)d organisations (%(orgs)s); a plan is one "
                                     "organisation's: choose the one to check it for")
                                 % {"count": len(distinct), "orgs": "; ".join(
                                     w.name(b.iri, b.label) for b in sorted(distinct.values(), key=lambda b: b.id))},
                                 field="organisation")])
    body = rules.body(organisation)
    others: dict[str, tuple[Body, list[Commitment]]] = {}
    for name, those in named.items():
        if name in bodies and bodies[name].id != body.id:
            other = others.setdefault(bodies[name].id, (bodies[name], []))
            other[1].extend(those)
    chosen = w.name(body.iri, body.label)
    mismatches: list[Problem] = []
    for other, those in others.values():
        named_by = w.name(other.iri, other.label)
        if len(those) == len(commitments):
            message = w._("every commitment of the plan names %(named)s, but %(chosen)s was chosen: choose "
                          "%(named)s, or leave the organisation for the file to name") % {"named": named_by,
                                                                                         "chosen": chosen}
        else:
            message = w.ngettext("%(count)d commitment (line %(lines)s) names %(named)s, not %(chosen)s, the "
                                 "organisation chosen",
                                 "%(count)d commitments (lines %(lines)s) name %(named)s, not %(chosen)s, the "
                                 "organisation chosen", len(those)) % {
                "count": len(those), "lines": _lines(those), "named": named_by, "chosen": chosen}
        mismatches.append(Problem(message, those[0].file, those[0].line, "organisation"))
    mismatch = _Mismatch(mismatches, (body.id, body.label),
                         [(o.id, o.label, [c.line for c in those if c.line is not None], len(those) == len(commitments))
                          for o, those in others.values()]) if others else None
    return body, problems, mismatch


def _gap_order(ob: Obligation, label: str) -> tuple:
    """The strongest modality first (none last), then the soonest due (none last), then by name."""
    return (ob.modality_order or 99, ob.due_by or dt.date.max, label.casefold(), ob.id)


def check_plan(store: Store, queries: dict[str, NamedQuery], commitments: list[Commitment],
               organisation: str | None = None, applicability: Applicability | None = None,
               graph: nx.DiGraph | None = None, on: dt.date | None = None) -> PlanReport:
    """Trace *commitments* for *organisation* (by default the one they name) and find the
    obligations nothing answers.

    :raise PlanError: for a reference to an id the graph does not have, or a commitment of
        another organisation (OrganisationMismatchError); every such problem is listed.
    """
    rules = applicability or Applicability(store, queries)
    body, problems, mismatch = plan_body(rules, commitments, organisation)
    graph = graph if graph is not None else dependency_graph(store, queries)
    label_query = queries["label"]
    # what binds the body on the day or later: what has ended by *on* is no gap
    applying: dict[str, Explanation] = {e.item: e for e in rules.applicable(body.iri, on, include_not_in_force=True)}
    obligations: dict[str, Obligation] = {short(o.iri): o for o in rules.obligations.values()}

    known: dict[str, str] = {}
    for c in commitments:
        for ref in c.references:
            if ref in known:
                continue
            try:
                iri = str(bind_parameters(label_query, {"node": ref})["node"])
            except PolicyGraphError as exc:
                problems.append(Problem(str(exc), c.file, c.line, "references", c.id))
                continue
            rows = run_named(store, label_query, {"node": iri}).rows
            if not rows or not iri.startswith(str(ID)):
                problems.append(Problem(f"references '{ref}', which is not in the graph", c.file, c.line,
                                        "references", c.id))
                continue
            known[ref] = str(rows[0]["label"])
    if mismatch is not None:
        raise OrganisationMismatchError(mismatch.problems, problems, mismatch.chosen, mismatch.named)
    if problems:
        raise PlanError(problems)

    documents = {ident: f"{ob.label} {ob.quote}" for ident, ob in obligations.items() if ident in applying}
    similarity = Similarity(documents)
    adopted: dict[str, list[str]] = {}
    justified: dict[str, list[tuple[str, str]]] = {}
    traced: list[TracedCommitment] = []
    for c in commitments:
        links: list[Link] = []
        notes: list[str] = []
        kind = "justified" if c.justification else "adopted"
        for ref in c.references:
            iri = str(ID) + ref if not ref.startswith("http") else ref
            ob = obligations.get(short(iri))
            binds = short(iri) in applying or ob is None
            if ob is not None and not binds:
                notes.append(rules.w._("%(item)s does not bind %(body)s: %(why)s") % {
                    "item": ref, "body": rules.w.name(body.iri, body.label),
                    "why": rules.explain(body.id, ref).summary})
            links.append(Link(short(iri), known[ref], kind, None, short(ob.passage) if ob and ob.passage else "",
                              ob.where() if ob else "", binds, ob.heading if ob else ""))
            for covered in _covered_by(graph, iri):
                if kind == "adopted":
                    adopted.setdefault(short(covered), []).append(c.id)
                else:
                    justified.setdefault(short(covered), []).append((c.id, c.justification))
        if c.references:
            status = kind if kind == "justified" else "traced"
        else:
            for ident, score in similarity.rank(c.text):
                ob = obligations[ident]
                links.append(Link(ident, ob.label, "suggested", score, short(ob.passage) if ob.passage else "",
                                  ob.where(), source=ob.heading))
            status = "suggested" if links else "untraced"
        traced.append(TracedCommitment(c.id, c.text, status, links, notes, c.line, c.due))

    gaps: list[Gap] = []
    by_priority: dict[str, list[int]] = {}
    by_plan: dict[str, list[int]] = {}
    for ident, ex in sorted(applying.items(), key=lambda kv: _gap_order(obligations[kv[0]], kv[1].item_label)):
        ob = obligations[ident]
        covered = ident in adopted or ident in justified
        for tally, served in ((by_priority, ob.priorities), (by_plan, ob.plans)):
            for name in [rules.w.name(*p) for p in served] or [""]:
                counts = tally.setdefault(name, [0, 0])
                counts[0] += covered
                counts[1] += 1
        if ident in adopted:
            continue
        status = "justified" if ident in justified else "uncovered"
        reasons = justified.get(ident, [])
        serves = ex.priority or ex.plan or rules.w._(STATED_IN) % {"section": ob.heading or ob.where()}
        gaps.append(Gap(ident, ob.label, ob.kind, ob.modality, status, ex.priority, ex.plan,
                        short(ob.passage) if ob.passage else "", ob.where(),
                        "; ".join(dict.fromkeys(r for _c, r in reasons)), [c for c, _r in reasons],
                        ex.due_by, ob.heading, serves))
    return PlanReport(body.id, body.label, traced, gaps, len(applying), sum(1 for i in applying if i in adopted),
                      _shares(by_priority), _shares(by_plan))


# --- output ------------------------------------------------------------------------------------

















__all__ = ["Commitment", "Gap", "Link", "OrganisationMismatchError", "PlanError", "PlanReport", "Share",
           "Similarity", "TracedCommitment", "check_plan", "dependency_graph", "plan_body", "read_plan"]
