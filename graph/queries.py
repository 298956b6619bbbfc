"""Named SPARQL queries: one ``queries/*.rq`` file each, with declared parameters.

Each file opens with comment lines that describe it::

    # title: Obligations for a body or topic
    # description: What binds a body (named, or by its kind) or concerns a topic.
    # param: subject iri required -- a body, a kind of body or a topic
    # title@cy: Rhwymedigaethau corff neu bwnc
    # description@cy: Yr hyn sy'n rhwymo corff (wrth ei enw, neu drwy ei fath) neu'n ymwneud â phwnc.
    # param@cy: subject -- corff, math o gorff neu bwnc

The ``@cy`` lines give the Welsh that the browser and the command line show in Welsh; every
query has them (a test checks), and the English lines stay the reference.

A parameter may be list-valued (``# param: items iri list optional -- ...``): it is given as
several values (or one text of values separated by spaces or commas) and matches any of them.
A date parameter declared ``asked-day`` instead of ``required`` or ``optional`` (``# param: start
date asked-day -- ...``) takes, when it is not given, the day the answer is asked for: today, or
the day a caller names (``--on``, ``on=``), so that the same question asked on another day
answers for that day.

Parameters reach the query as RDF terms placed by the one binder (:mod:`graph.binding`), never as
text pasted into the query, so user input cannot change a query's shape.
"""

from __future__ import annotations

import datetime as dt
import functools
import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field, replace
from decimal import Decimal, InvalidOperation
from pathlib import Path

from rdflib import Literal, URIRef
from rdflib.namespace import XSD
from rdflib.term import Identifier

from graph.binding import Bound, inline_bindings
from graph.errors import QueryError
from graph.namespaces import PREFIXES, entity
from graph.paths import default_layout
from graph.store import QueryResult, Store

PARAM_TYPES = ("iri", "string", "date", "integer", "decimal")
_HEADER = re.compile(r"^#\s*(title|description|param)(?:@(cy))?:\s*(.*)$")
_PARAM_CY = re.compile(r"^(?P<name>[A-Za-z_][A-Za-z0-9_]*)\s*--\s*(?P<help>.+)$")
#: The languages other than English a header line may be given in (``# title@cy:``).
LANGUAGES = ("en", "cy")
_PARAM = re.compile(r"^(?P<name>[A-Za-z_][A-Za-z0-9_]*)\s+(?P<type>\w+)(?P<many>\s+list)?\s*"
                    r"(?P<required>required|optional|asked-day)?\s*(?:--\s*(?P<help>.*))?$")


@dataclass(frozen=True)
class Parameter:
    name: str
    type: str
    required: bool
    description: str = ""
    description_cy: str = ""
    many: bool = False  # list-valued: matches any of several values
    asked_day: bool = False  # a date that is the day asked for when not given

    def description_in(self, lang: str) -> str:
        """The parameter's help in *lang*, or in English where it has none."""
        return (self.description_cy if lang == "cy" else "") or self.description


@dataclass(frozen=True)
class NamedQuery:
    name: str
    title: str
    description: str
    parameters: tuple[Parameter, ...]
    text: str
    path: Path = field(compare=False)
    title_cy: str = ""
    description_cy: str = ""

    @property
    def cli_name(self) -> str:
        return self.name.replace("_", "-")

    def title_in(self, lang: str) -> str:
        """The title in *lang* ("en" or "cy"), or in English where it has none."""
        return (self.title_cy if lang == "cy" else "") or self.title

    def description_in(self, lang: str) -> str:
        return (self.description_cy if lang == "cy" else "") or self.description


def parse_query_file(path: Path) -> NamedQuery:
    """Read one ``.rq`` file and its header; a malformed header names the file and line."""
    text = path.read_text(encoding="utf-8")
    meta: dict[str, str] = {}
    params: list[Parameter] = []
    params_cy: dict[str, tuple[int, str]] = {}
    for number, line in enumerate(text.splitlines(), start=1):
        if not line.startswith("#"):
            if line.strip():
                break
            continue
        match = _HEADER.match(line)
        if not match:
            continue
        key, lang, value = match.groups()
        if lang:
            if key == "param":
                p = _PARAM_CY.match(value.strip())
                if not p:
                    raise QueryError(f"{path.name}:{number}: malformed parameter help {value!r}; expected "
                                     f"'name -- help' naming a parameter declared by '# param:'")
                params_cy[p["name"]] = (number, p["help"].strip())
            else:
                meta[f"{key}@{lang}"] = value.strip()
        elif key == "param":
            p = _PARAM.match(value.strip())
            if not p or p["type"] not in PARAM_TYPES:
                raise QueryError(f"{path.name}:{number}: malformed parameter {value!r}; expected "
                                 f"'name TYPE [list] [required|optional|asked-day] -- help' with TYPE one of "
                                 f"{', '.join(PARAM_TYPES)}")
            asked = p["required"] == "asked-day"
            if asked and (p["type"] != "date" or p["many"]):
                raise QueryError(f"{path.name}:{number}: parameter {p['name']!r} is 'asked-day', which only "
                                 f"one date may be")
            params.append(Parameter(p["name"], p["type"], p["required"] not in ("optional", "asked-day"),
                                    (p["help"] or "").strip(), many=bool(p["many"]), asked_day=asked))
        else:
            meta[key] = value.strip()
    for key in ("title", "description"):
        if not meta.get(key):
            raise QueryError(f"{path.name}: missing '# {key}:' header line")
    declared = {p.name for p in params}
    for name, (number, _help) in params_cy.items():
        if name not in declared:
            raise QueryError(f"{path.name}:{number}: '# param@cy:' names {name!r}, which no '# param:' line "
                             f"declares (parameters: {', '.join(sorted(declared)) or 'none'})")
    params = [replace(p, description_cy=params_cy[p.name][1]) if p.name in params_cy else p for p in params]
    return NamedQuery(path.stem, meta["title"], meta["description"], tuple(params), text, path,
                      meta.get("title@cy", ""), meta.get("description@cy", ""))


def load_queries(queries_dir: Path | None = None) -> dict[str, NamedQuery]:
    """Every named query in *queries_dir*, by file stem."""
    folder = queries_dir or default_layout().queries_dir
    return {q.name: q for q in (parse_query_file(p) for p in sorted(folder.glob("*.rq")))}


@functools.cache
def project_queries() -> dict[str, NamedQuery]:
    """The project's own named queries (``queries/``), read once: for the library's rules, which
    ask them whatever queries a caller has loaded."""
    return load_queries()


def find_query(queries: dict[str, NamedQuery], name: str) -> NamedQuery:
    key = name.replace("-", "_")
    if key not in queries:
        known = ", ".join(q.cli_name for q in queries.values())
        raise QueryError(f"unknown query '{name}'; known queries: {known}")
    return queries[key]


#: What an IRI may not hold (RFC 3987): spaces and controls, these delimiters, and a '%' not
#: followed by two hex digits; brackets are left to hosts, which a parameter never names.
_NOT_IRI = re.compile(r'[\x00-\x20\x7f<>"{}|\\^`\[\]\ud800-\udfff]|%(?![0-9A-Fa-f]{2})')


def _checked_iri(param: Parameter, iri: str) -> str:
    bad = _NOT_IRI.search(iri)
    if bad:
        raise QueryError(f"parameter '{param.name}': {iri!r} is not a valid IRI "
                         f"({bad.group(0)!r} at position {bad.start() + 1})")
    return iri


def to_term(param: Parameter, value: str) -> Identifier:
    """Convert a parameter's text value to the RDF term it stands for."""
    value = value.strip()
    if param.type == "iri":
        if re.match(r"^https?://", value):
            return URIRef(_checked_iri(param, value))
        prefix, sep, local = value.partition(":")
        if sep and prefix in PREFIXES and prefix != "id":
            return URIRef(_checked_iri(param, str(PREFIXES[prefix]) + local))
        if re.fullmatch(r"[a-z0-9][a-z0-9/-]*", value):
            return URIRef(entity(value))
        raise QueryError(f"parameter '{param.name}': {value!r} is not an item id, a CURIE or an IRI")
    if param.type == "date":
        try:
            return Literal(dt.date.fromisoformat(value), datatype=XSD.date)
        except ValueError:
            raise QueryError(f"parameter '{param.name}': {value!r} is not a date YYYY-MM-DD") from None
    if param.type == "integer":
        if not re.fullmatch(r"-?\d+", value):
            raise QueryError(f"parameter '{param.name}': {value!r} is not a whole number")
        return Literal(int(value), datatype=XSD.integer)
    if param.type == "decimal":
        try:
            return Literal(Decimal(value), datatype=XSD.decimal)
        except InvalidOperation:
            raise QueryError(f"parameter '{param.name}': {value!r} is not a number") from None
    return Literal(value)


def on_the_day(query: NamedQuery, values: Mapping[str, str | Sequence[str]],
               on: dt.date | None = None) -> dict[str, str | Sequence[str]]:
    """*values* with every ``asked-day`` parameter left unset given the day *on* (today when not
    given): the parameters a query is run with on that day."""
    day = (on or dt.date.today()).isoformat()
    return {**values, **{p.name: day for p in query.parameters if p.asked_day and not values.get(p.name)}}


def bind_parameters(query: NamedQuery, values: Mapping[str, str | Sequence[str]]) -> dict[str, Bound]:
    """Check *values* against the query's declared parameters and convert them to terms (a list
    of terms for a list-valued parameter)."""
    declared = {p.name: p for p in query.parameters}
    unknown = sorted(set(values) - set(declared))
    if unknown:
        names = ", ".join(declared) or "none"
        raise QueryError(f"query '{query.cli_name}' has no parameter {', '.join(map(repr, unknown))} "
                         f"(its parameters: {names})")
    missing = [p.name for p in query.parameters if p.required and not values.get(p.name)]
    if missing:
        raise QueryError(f"query '{query.cli_name}' needs parameter(s) {', '.join(missing)}")
    bound: dict[str, Bound] = {}
    for name, value in values.items():
        param = declared[name]
        if param.many:
            texts = [value] if isinstance(value, str) else list(value)
            bound[name] = [to_term(param, v) for text in texts for v in re.split(r"[\s,]+", text) if v]
        elif not isinstance(value, str):
            raise QueryError(f"parameter '{name}' of query '{query.cli_name}' takes one value, not {len(value)}")
        elif value != "":
            bound[name] = to_term(param, value)
    return bound


def example_value(param: Parameter) -> str | None:
    """The first example a parameter's help gives in its closing parentheses."""
    match = re.search(r"\(([^()]*)\)\s*$", param.description)
    return match.group(1).split(",")[0].strip() if match else None


def example_text(query: NamedQuery) -> str:
    """The query as plain SPARQL that runs anywhere: its parameters bound to their examples by
    a VALUES block at the head of the WHERE clause (for the SPARQL page's examples)."""
    if not query.parameters:
        return query.text
    values = {p.name: example_value(p) or "" for p in query.parameters}
    try:
        return inline_bindings(query.text, bind_parameters(query, values))
    except QueryError as exc:
        raise QueryError(f"{query.path.name}: {exc}") from None


def run_named(store: Store, query: NamedQuery, values: Mapping[str, str | Sequence[str]] | None = None) -> QueryResult:
    """Run *query* on *store* with its parameters bound from *values*."""
    return store.query(query.text, bind_parameters(query, values or {}))
