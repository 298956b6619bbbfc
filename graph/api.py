"""The library: one :class:`PolicyGraph` per process, opened over any store, that every surface
(the command line, the browser, the HTTP API, the tests) asks. Each question has one engine
here, so the same question on the same day gets the same answer on every surface and store.

The graph itself is read-only; what changes while a service runs are the organisations' plans
kept beside it. :meth:`PolicyGraph.refresh` follows them (a plan kept or removed by any process
is seen at once), and drops what was derived from the store before.

It is longer than 400 lines because it is the one entrance every surface shares: each engine's
front door (what applies, questions, plans, traces, named queries) sits here as a short method
over the module that does the work, and splitting the class would give the surfaces two doors.
"""

from __future__ import annotations

import datetime as dt
import threading
from collections.abc import Callable, Mapping, Sequence
from pathlib import Path
from typing import TYPE_CHECKING, TypeVar

from graph.access import EVERYONE, Viewer
from graph.api_asking import Asking
from graph.api_plans import ForbiddenError, KeptPlans, PlanExistsError, PlanLimitError
from graph.errors import QueryError
from graph.namespaces import entity
from graph.paths import ARTEFACT_NAME, Layout, default_layout
from graph.queries import NamedQuery, find_query, load_queries, on_the_day, run_named
from graph.rules.applicability import Applicability, Explanation, on_topic
from graph.rules.clocks import ENDED, Clock
from graph.sources import Sources, load_sources, with_kept_editions
from graph.store import QueryResult, Store, open_store
from graph.wording import ENGLISH, Wording, wording

if TYPE_CHECKING:
    import networkx as nx

    from graph.rules.analysis import Impact
    from graph.rules.consistency import Finding
    from graph.rules.deadlines import Deadline
    from graph.rules.limits import Limits
    from graph.rules.plans import Commitment, PlanReport
    from graph.rules.targets import Figure, MetricInfo, Rule, TargetReport
    from graph.rules.trace import Trace
    from graph.search.catalogue import Catalogue, Entry
    from graph.search.index import Hit, SearchIndex
    from graph.welsh import WelshReview

T = TypeVar("T")


class PolicyGraph(KeptPlans, Asking):
    """The built policy graph and the plans kept beside it, with every question the project
    answers about them."""

    def __init__(self, store: Store, queries: dict[str, NamedQuery], artefact: Path, sources_dir: Path):
        self.store = store
        self.queries = queries
        self.artefact = artefact
        self.sources_dir = sources_dir
        # the version the store opened (the name leads to whichever build is published last),
        # so that a receipt names the build that answers, not one published since
        self._built = artefact.resolve() if artefact.exists() else artefact
        self.generation = 0
        self._derived: dict = {}
        self._lasting: dict = {}  # what depends on the built graph alone, not on the kept plans
        self._lock = threading.RLock()

    @classmethod
    def open(cls, artefact: Path | None = None, kind: str | None = None, server: str | None = None,
             store_url: str | None = None, root: Path | None = None, queries_dir: Path | None = None,
             sources_dir: Path | None = None) -> PolicyGraph:
        """Open the built graph *artefact* (default: ``build/policy-graph.nq`` of the project at
        *root*, else of this checkout) in the store *kind* (see :func:`graph.store.open_store`),
        with the named queries of *queries_dir* and the source texts of *sources_dir* (default:
        the project's)."""
        from graph.files import sweep

        layout = Layout(root) if root else default_layout()
        artefact = artefact or layout.build_dir / ARTEFACT_NAME
        sweep(artefact.parent / "plans")  # what a plan load killed while it wrote left behind
        queries = load_queries(queries_dir or layout.queries_dir)
        return cls(open_store(artefact, kind, server, store_url), queries, artefact, sources_dir or layout.sources_dir)

    @property
    def build_dir(self) -> Path:
        return self.artefact.parent

    # --- keeping up with the plans --------------------------------------------------------------

    def refresh(self) -> bool:
        """Follow the plans kept or removed since the last call, by this process or any other;
        whether anything changed (what was derived from the store is then read again)."""
        if not self.store.refresh():
            return False
        with self._lock:
            self._derived.clear()
            self.generation += 1
        return True

    def derived(self, key, compute: Callable[[], T]) -> T:
        """*compute()*, kept until the plans change: for answers that depend only on the store."""
        with self._lock:
            if key not in self._derived:
                self._derived[key] = compute()
            return self._derived[key]

    def lasting(self, key, compute: Callable[[], T]) -> T:
        """*compute()*, kept while the process runs: for what the kept plans do not change."""
        with self._lock:
            if key not in self._lasting:
                self._lasting[key] = compute()
            return self._lasting[key]

    # --- search ---------------------------------------------------------------------------------

    def catalogue(self) -> Catalogue:
        """Every named node with the facets a search filters on, kinds of body named in Welsh too."""
        from graph.language import translations
        from graph.search.catalogue import Catalogue

        def load() -> Catalogue:
            catalogue = Catalogue.load(self.store, self.queries, self.sources_dir, self.sources().documents)
            catalogue.name_kinds_in_welsh(translations("cy").gettext)
            return catalogue

        return self.lasting("catalogue", load)

    def search_index(self) -> SearchIndex:
        from graph.search.index import SearchIndex

        return self.lasting("search", lambda: SearchIndex(self.catalogue().entries.values()))

    def search(self, text: str, limit: int | None = None) -> list[Hit]:
        """The nodes that *text* names or describes, best first (typos tolerated; English or Welsh
        names)."""
        from graph.search.index import MAX_RESULTS

        return self.search_index().search(text, limit or MAX_RESULTS)

    def subjects(self, text: str) -> list[Entry]:
        """The nodes *text* names well enough to ask what applies to them, the best first."""
        index = self.search_index()
        return index.subjects(index.search(text))

    def welsh_review(self) -> WelshReview:
        """The Welsh names that await review by a Welsh speaker, and how many are published."""
        from graph.welsh import welsh_review

        return self.lasting("welsh-review", lambda: welsh_review(self.store, self.queries))

    # --- named queries ---------------------------------------------------------------------------

    def named_query(self, name: str) -> NamedQuery:
        return find_query(self.queries, name)

    def query(self, name: str, params: dict[str, str] | None = None, viewer: Viewer = EVERYONE,
              on: dt.date | None = None) -> QueryResult:
        """Run named query *name* (``obligations-for`` or ``obligations_for``) with its
        parameters bound from *params* (text, checked against the query's declared types),
        as *viewer* may see it, on the day *on* (:meth:`run`)."""
        return self.run(self.named_query(name), params or {}, viewer, on)

    def run(self, named: NamedQuery, params: Mapping[str, str | Sequence[str]],
            viewer: Viewer = EVERYONE, on: dt.date | None = None) -> QueryResult:
        """Run *named* with *params* on the day *on* (today when not given: a date parameter
        declared ``asked-day`` and left unset takes it), showing *viewer* nothing of the kept
        plans they may not see: a ``plans`` parameter is narrowed to the visible ones, a
        parameter naming a hidden plan (or anything in it) is answered as if nothing had that
        name, and no row or triple naming one is returned."""
        from graph.rules.plan_graph import plan_graph_iri, plan_iri

        params = on_the_day(named, params, on)
        visible = self.visible_plans(viewer)
        if visible is None:
            return run_named(self.store, named, params)
        hidden = [p.id for p in self.plan_access() if p.id not in visible]
        prefixes = tuple(str(plan_iri(h)) for h in hidden)
        graphs = {str(plan_graph_iri(h)) for h in hidden}

        def concealed(value: object) -> bool:
            text = str(value)
            return text in graphs or any(text == p or text.startswith(p + "/") for p in prefixes)

        params = dict(params)
        if any(p.name == "plans" for p in named.parameters):
            asked = params.get("plans")
            allowed = sorted(str(plan_iri(v)) for v in visible)
            if asked:
                words = asked.split() if isinstance(asked, str) else [str(a) for a in asked]
                allowed = [a for a in allowed if a in words]
            # a plan IRI no plan has, so that "none of them" is not read as "every plan"
            params["plans"] = " ".join(allowed) or str(plan_iri("none"))
        nothing = str(plan_iri("none"))
        for name, value in params.items():
            words = value.split() if isinstance(value, str) else [str(v) for v in value]
            if any(concealed(w) for w in words):
                params[name] = " ".join(nothing if concealed(w) else w for w in words)
        result = run_named(self.store, named, params)
        if not hidden:
            return result
        if result.graph is not None:
            for triple in [t for t in result.graph if any(concealed(term) for term in t)]:
                result.graph.remove(triple)
        result.rows = [row for row in result.rows if not any(concealed(term) for term in row.values())]
        return result

    def organisation_id(self, ident: str) -> str:
        """*ident* if the graph holds an organisation of that id.

        :raise QueryError: naming a few of the known ones when it does not."""
        from graph.namespaces import short

        known = self.derived("organisations", lambda: sorted(short(str(r["body"])) for r in
                                                             self.query("organisations").rows))
        if ident not in known:
            raise QueryError(f"'{ident}' is not an organisation in the graph (for example: "
                             f"{', '.join(known[:5])})")
        return ident

    # --- what an answer was made from ------------------------------------------------------------

    def build_report(self) -> dict:
        """The report of the build this graph was opened on: what was built, when, from which
        inputs; {} when there is none here (a graph served by a SPARQL server)."""
        from graph.errors import StoreError
        from graph.store import build_report

        def read() -> dict:
            try:
                return build_report(self._built)
            except StoreError:
                return {}

        return self.lasting("build report", read)

    def edition_changes(self) -> dict:
        """What the new editions this graph was built from change, by document (empty when it was
        built from the recorded texts): each edition's file, SHA-256, the SHA-256 of the text it
        replaces, and its diff (:mod:`graph.build.editions`), as the build recorded them."""
        return self.build_report().get("editions") or {}

    def suspect_links(self) -> dict[str, dict]:
        """The items whose source wording changed in the new edition this graph was built from,
        awaiting review, by id: the old and new words, the changes and the edition's SHA-256."""
        return {entry["item"]: entry for entry in self.build_report().get("suspect") or []}

    def receipt(self, as_of: dt.date | None = None) -> dict:
        """The receipt of an answer for the day *as_of* (today when not given): the build, the
        SHA-256 of each source text, the project's version (:func:`graph.receipt.receipt`)."""
        from graph.receipt import receipt

        return receipt(self.build_report(), as_of or dt.date.today())

    # --- words -----------------------------------------------------------------------------------

    def wording(self, lang: str = "en") -> Wording:
        """The words of reports in *lang*, the graph's own names included."""
        if lang == "en":
            return ENGLISH
        return self.derived(("wording", lang), lambda: wording(self.store, self.queries, lang))

    def sources(self) -> Sources:
        """The source texts the graph was built from: the recorded ones, or a new edition the
        build kept beside the graph (``policy-graph build --source``)."""
        return self.derived("sources", lambda: with_kept_editions(load_sources(self.sources_dir),
                                                                  self.build_report(), self._built.parent))

    # --- who an obligation binds ----------------------------------------------------------------

    def applicability(self, lang: str = "en") -> Applicability:
        """The applicability rules, their explanations in *lang*."""
        return self.derived(("applicability", lang), lambda: Applicability(self.store, self.queries,
                                                                            self.wording(lang)))

    def what_applies(self, subject: str, on: dt.date | None = None, pending: bool = False,
                     topic: str | None = None, lang: str = "en") -> list[Explanation]:
        """What applies to *subject* (an organisation, a kind of body, a topic, a priority, an
        enabling plan, a duty or a statute), each with why, on the day *on* when given (with
        *pending*, also what binds it from a later day); with *topic*, only obligations on that
        topic or a narrower one."""
        found = self.applicability(lang).applicable_to(subject, on, include_not_in_force=pending)
        if topic:
            _name, tagged = on_topic(self.store, self.queries, topic)
            found = [e for e in found if e.item in tagged]
        return found

    def what_involves(self, body: str, on: dt.date | None = None, lang: str = "en") -> list[Explanation]:
        """What the organisation *body* takes part in without being bound by it (on the day *on*
        when given): the obligations that name it as a partner, or are part of one that does;
        each with why and whom it binds. What binds it is :meth:`what_applies`."""
        return self.applicability(lang).involving(body, on)
    def standing(self, item: str, on: dt.date | None, lang: str = "en") -> dict:
        """When *item* counts (published, in force from, applies from, in force until, replaced
        by) and its state on the day *on*: in force, not yet in force or ended, with why."""
        from graph.rules.clocks import standing

        return standing(self.store, self.queries, item, on, self.wording(lang))

    def clocks(self) -> dict[str, Clock]:
        """When each item with days of its own counts: its clocks (:func:`graph.rules.clocks.read_clocks`)."""
        from graph.rules.clocks import read_clocks

        return self.derived("clocks", lambda: read_clocks(self.store, self.queries))

    def the_day(self, on: dt.date | None = None, lang: str = "en") -> dict:
        """What stands on the day *on* (today when not given): how many of the items with days
        of their own are in force, which are not yet in force and which have ended (each with its
        day), and how many due dates have passed and are to come (:func:`graph.rules.clocks.the_day`)."""
        from graph.rules.clocks import the_day

        clocks = self.clocks()
        due = [dt.date.fromisoformat(d.date) for d in self.deadlines(details=False) if d.date_kind == "due by"]
        return the_day(clocks, due, on or dt.date.today(), self.wording(lang))

    def deadlines(self, body: str | None = None, topic: str | None = None, priority: str | None = None,
                  plan: str | None = None, start: dt.date | None = None, end: dt.date | None = None,
                  details: bool = True, on: dt.date | None = None) -> list[Deadline]:
        """Every date from *start* to *end* (inclusive; all when not given), in order of day: what
        falls due and what starts to apply, each with its obligation, modality and passage.
        With *on*, the dates of what has ended by that day are left out.
        Each filter given keeps only the dates of what applies to it (:meth:`what_applies`):
        *body* an organisation or a kind of body, *topic* a topic (and so its narrower ones),
        *priority* a priority or an enabling plan, *plan* an enabling plan. Without *details*,
        the dates alone, without their obligation's kind, modality, passage and priorities (which
        read the applicability rules: a second the first time).

        :raise QueryError: naming the parameter, when a filter names no node or one of another kind."""
        from graph.rules.deadlines import ALL_DATES, check_role, dated

        if start and end and start > end:
            raise QueryError(f"parameter 'from': {start.isoformat()} is after 'to' ({end.isoformat()})")
        # every date is kept (a few hundred), and a range is cut from it, so no range asked for
        # makes what is kept grow
        every = self.derived(("deadlines", details), lambda: dated(
            self.store, self.queries, self.applicability() if details else None))
        first, last = (start or ALL_DATES[0]).isoformat(), (end or ALL_DATES[1]).isoformat()
        found = [d for d in every if first <= d.date <= last]
        for parameter, name in (("body", body), ("topic", topic), ("priority", priority), ("plan", plan)):
            if not name:
                continue
            try:
                iri, label, role = self.applicability().subject(name)
            except QueryError as exc:
                raise QueryError(f"parameter '{parameter}': {exc}") from None
            check_role(parameter, name, role, label)
            applying = self.derived(("applying", iri), lambda iri=iri: {e.item for e in self.what_applies(iri)})
            found = [d for d in found if d.obligation in applying]
        if on is not None:
            # as on that day: the dates of what has ended by then no longer fall due (the clocks
            # alone: the applicability rules they are part of take a second to read)
            clocks = self.clocks()
            found = [d for d in found if (c := clocks.get(entity(d.obligation))) is None or c.state(on) != ENDED]
        return found

    def explain(self, body: str, item: str, on: dt.date | None = None, lang: str = "en") -> Explanation:
        """Whether obligation *item* applies to *body* (on the day *on*), and why."""
        return self.applicability(lang).explain(body, item, on)

    # --- tracing and reliance --------------------------------------------------------------------

    def trace(self, item: str) -> Trace:
        """The chain from *item* up to its priorities, duties, statutes, passages and sections."""
        from graph.rules.trace import trace

        return trace(self.store, self.queries, item)

    def dependencies(self) -> nx.DiGraph:
        """The stated dependency links between items, as a directed graph."""
        from graph.rules.plans import dependency_graph

        return self.derived("dependencies", lambda: dependency_graph(self.store, self.queries))

    def impact(self, item: str, commitments: list[Commitment] | None = None, viewer: Viewer = EVERYONE) -> Impact:
        """Everything that depends on *item*, and the kept commitments resting on it that
        *viewer* may see (and the given ones)."""
        from graph.rules.analysis import impact

        return impact(self.store, self.queries, item, commitments, graph=self.dependencies(),
                      plans=self.visible_plans(viewer))

    # --- checks ---------------------------------------------------------------------------------

    def check_plan(self, commitments: list[Commitment], organisation: str | None = None,
                   lang: str = "en", on: dt.date | None = None) -> PlanReport:
        """Trace a plan's *commitments* and list the obligations binding *organisation* (by
        default the one the commitments name) that it does not answer, with the share covered;
        a plan looks ahead, so what starts after *on* counts and only what has ended by it does not.

        :raise OrganisationMismatchError: when the commitments name another organisation than
            the one chosen (a PlanError, with every other problem of the plan)."""
        from graph.rules.plans import check_plan

        return check_plan(self.store, self.queries, commitments, organisation, self.applicability(lang),
                          self.dependencies(), on=on)

    def metrics(self) -> dict[str, MetricInfo]:
        """The metric identifiers and units a trajectory may report on."""
        from graph.rules.targets import load_metrics

        return self.derived("metrics", lambda: load_metrics(self.store, self.queries))

    def target_rules(self) -> dict[str, Rule]:
        from graph.rules.targets import load_rules

        return self.derived("targets", lambda: load_rules(self.store, self.queries,
                                                          set(self.applicability().obligations)))

    def read_trajectory(self, text: str, name: str = "trajectory", limits: Limits | None = None) -> list[Figure]:
        """A trajectory's figures, read within *limits* (the defaults unless given)."""
        from graph.rules.limits import DEFAULT_LIMITS
        from graph.rules.targets import read_trajectory

        return read_trajectory(text, self.metrics(), name, limits or DEFAULT_LIMITS)

    def check_targets(self, organisation: str, figures: list[Figure], lang: str = "en",
                      on: dt.date | None = None) -> TargetReport:
        """Judge a trajectory's *figures* against every target that binds *organisation*, leaving
        out those whose obligation has ended by the day *on* (each period is judged on its own days)."""
        from graph.rules.targets import check_targets

        return check_targets(self.store, self.queries, organisation, figures, self.target_rules(),
                             self.applicability(lang), self.wording(lang), on=on)

    def consistency(self) -> list[Finding]:
        """Conflicting targets, contradicting modalities, dates out of order and obligations
        with no bearer or no passage (:mod:`graph.rules.consistency`)."""
        from graph.rules.consistency import check_consistency

        return self.lasting("consistency", lambda: check_consistency(self.store, self.queries))


__all__ = ["ForbiddenError", "PlanExistsError", "PlanLimitError", "PolicyGraph"]
