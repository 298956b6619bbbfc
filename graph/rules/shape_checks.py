"""A fast SHACL checker for the plan shapes: the SHACL Core constraints they use, compiled into
SPARQL and run on an in-memory Oxigraph store holding the data graph.

pySHACL stays the reference (``graph/build/validate.py``), and the two give the same findings (focus
node, path, shape, message, value) on the shapes this module implements; a test holds them to
it. pySHACL costs about two seconds on a plan of 8,000 triples, which makes loading hundreds of
plans take most of an hour; this checker answers the same plan in a few tens of milliseconds.

It implements only what it names in :data:`SUPPORTED`. A shapes graph that uses anything else
in the SHACL vocabulary (another constraint component, a complex path, a deactivated shape, an
``sh:or`` inside a property shape) is refused with :class:`UnsupportedShapeError` naming the
shape, so no constraint is ever silently left unchecked.

Semantics followed (SHACL 1.0, as pySHACL reads it): class targets and ``sh:class`` follow
``rdf:type/rdfs:subClassOf*`` in the data graph; ``sh:datatype`` also rejects an ill-formed
literal of the right datatype (for the XSD types SPARQL can cast); ``sh:pattern`` and
``sh:minLength`` reject blank nodes; count constraints report no value; node-level ``sh:or``
and ``sh:sparql`` report the focus node as the value. A SPARQL constraint is run once over the
data graph and its solutions kept for the shape's focus nodes, which for the queries SHACL
allows (no MINUS, VALUES or SERVICE; ``$this`` projected) equals running it per focus node
with ``$this`` pre-bound.
"""

from __future__ import annotations

import itertools
import json
import re
import threading
from collections.abc import Iterable
from dataclasses import dataclass, field
from typing import TYPE_CHECKING

from rdflib import Graph, Literal, URIRef
from rdflib.collection import Collection
from rdflib.namespace import OWL, RDF, RDFS, SH, XSD
from rdflib.term import Node

from graph.errors import PolicyGraphError
from graph.namespaces import short
from graph.store.scratch import ScratchStore, rdflib_term

if TYPE_CHECKING:
    from graph.build.validate import ValidationReport

#: The SHACL terms this checker understands; any other term of the SHACL namespace used as a
#: predicate of a shape is refused.
TARGETS = {SH.targetClass, SH.targetObjectsOf}
COMPONENTS = {SH.minCount, SH.maxCount, SH.datatype, SH.pattern, SH.flags, SH["class"], SH.minLength, SH["or"],
              SH.sparql}
NON_VALIDATING = {SH.property, SH.path, SH.message, SH.severity, SH.name, SH.description, SH.order, SH.group}
SUPPORTED = TARGETS | COMPONENTS | NON_VALIDATING
#: Datatypes whose lexical forms SPARQL can check, by casting the string to them.
CASTABLE = {XSD.string, XSD.boolean, XSD.decimal, XSD.integer, XSD.float, XSD.double, XSD.date, XSD.dateTime,
            XSD.time, XSD.duration, XSD.dayTimeDuration, XSD.yearMonthDuration}
_SPARQL_KEYS = {RDF.type, SH.select, SH.message}
_FORBIDDEN_IN_SPARQL = re.compile(r"\b(MINUS|VALUES|SERVICE)\b", re.IGNORECASE)


class UnsupportedShapeError(PolicyGraphError):
    """A shapes graph uses SHACL this checker does not implement; nothing was checked."""


@dataclass
class _Constraint:
    kind: str  # the component's local name: minCount, datatype, or, sparql, ...
    value: object
    flags: str = ""
    message: str = ""


@dataclass
class _Shape:
    node: Node
    name: str  # the named shape results are reported under
    path: URIRef | None
    message: str | None
    severity: str
    where: str = ""  # how a refusal names it
    targets: list[tuple[URIRef, Node]] = field(default_factory=list)
    constraints: list[_Constraint] = field(default_factory=list)
    properties: list[_Shape] = field(default_factory=list)


def _term(shapes: Graph, term: Node) -> str:
    """A term of the shapes graph as its author wrote it: a CURIE where a prefix is known."""
    shortened = short(str(term))
    if shortened != str(term) or not isinstance(term, URIRef):
        return shortened
    try:
        return shapes.namespace_manager.normalizeUri(term)
    except ValueError:
        return f"<{term}>"


def _describe(node: Node, name: str, shapes: Graph) -> str:
    return _term(shapes, node) if isinstance(node, URIRef) else f"a shape inside {_term(shapes, URIRef(name))}"


def _message(shapes: Graph, node: Node) -> str | None:
    messages = sorted(shapes.objects(node, SH.message), key=lambda m: (getattr(m, "language", "") != "en", str(m)))
    return str(messages[0]) if messages else None


def _compile(shapes: Graph, node: Node, name: str, seen: frozenset = frozenset()) -> _Shape:
    where = _describe(node, name, shapes)
    if node in seen:
        raise UnsupportedShapeError(f"shape {where} refers to itself; recursive shapes are not implemented")
    unknown = sorted(_term(shapes, p) for p in set(shapes.predicates(node, None))
                     if str(p).startswith(str(SH)) and p not in SUPPORTED)
    if unknown:
        raise UnsupportedShapeError(f"shape {where} uses {', '.join(unknown)}, which the fast checker does not "
                                    f"implement; check these shapes with pySHACL instead")
    if any((node, RDF.type, kind) in shapes for kind in (RDFS.Class, OWL.Class)):
        raise UnsupportedShapeError(f"shape {where} is also a class (an implicit class target), which the fast "
                                    f"checker does not implement")
    paths = list(shapes.objects(node, SH.path))
    if len(paths) > 1 or (paths and not isinstance(paths[0], URIRef)):
        raise UnsupportedShapeError(f"shape {where} has a path that is not one property; only predicate paths "
                                    f"are implemented")
    path = paths[0] if paths else None
    severity = shapes.value(node, SH.severity) or SH.Violation
    shape = _Shape(node, name, path, _message(shapes, node), str(severity).rsplit("#", 1)[-1], where)
    shape.targets = sorted((p, o) for p in TARGETS for o in shapes.objects(node, p))
    flags = [str(f) for f in shapes.objects(node, SH.flags)]
    for predicate, obj in sorted(shapes.predicate_objects(node)):
        kind = str(predicate).rsplit("#", 1)[-1]
        if predicate in (SH.minCount, SH.maxCount, SH.minLength):
            if not (isinstance(obj, Literal) and isinstance(obj.toPython(), int) and obj.toPython() >= 0):
                raise UnsupportedShapeError(f"shape {where}: {_term(shapes, predicate)} must be a whole number, "
                                            f"not {obj}")
            if predicate != SH.minLength and path is None:
                raise UnsupportedShapeError(f"shape {where}: {_term(shapes, predicate)} needs sh:path")
            shape.constraints.append(_Constraint(kind, obj.toPython()))
        elif predicate in (SH.datatype, SH["class"]):
            if not isinstance(obj, URIRef):
                raise UnsupportedShapeError(f"shape {where}: {_term(shapes, predicate)} must be an IRI")
            if predicate == SH.datatype and obj in (RDFS.Literal, RDFS.Datatype):
                raise UnsupportedShapeError(f"shape {where}: sh:datatype {_term(shapes, obj)} is not implemented")
            shape.constraints.append(_Constraint(kind, obj))
        elif predicate == SH.pattern:
            shape.constraints.append(_Constraint(kind, str(obj), flags[0] if flags else ""))
        elif predicate == SH["or"]:
            if path is not None:
                raise UnsupportedShapeError(f"shape {where}: sh:or inside a property shape is not implemented")
            members = [_compile(shapes, member, name, seen | {node}) for member in Collection(shapes, obj)]
            shape.constraints.append(_Constraint(kind, members))
        elif predicate == SH.sparql:
            shape.constraints.append(_sparql_constraint(shapes, obj, where, path))
    for child in sorted(shapes.objects(node, SH.property)):
        prop = _compile(shapes, child, name, seen | {node})
        if prop.path is None:
            raise UnsupportedShapeError(f"a property shape of {where} has no sh:path")
        shape.properties.append(prop)
    return shape


def _sparql_constraint(shapes: Graph, node: Node, where: str, path: URIRef | None) -> _Constraint:
    unknown = sorted(_term(shapes, p) for p in set(shapes.predicates(node, None)) if p not in _SPARQL_KEYS)
    if unknown:
        raise UnsupportedShapeError(f"shape {where}: its SPARQL constraint uses {', '.join(unknown)}, which the "
                                    f"fast checker does not implement")
    if path is not None:
        raise UnsupportedShapeError(f"shape {where}: a SPARQL constraint in a property shape is not implemented")
    selects = list(shapes.objects(node, SH.select))
    if len(selects) != 1:
        raise UnsupportedShapeError(f"shape {where}: a SPARQL constraint needs exactly one sh:select")
    text = str(selects[0])
    if _FORBIDDEN_IN_SPARQL.search(text) or re.search(r"\$(PATH|currentShape|shapesGraph)\b", text):
        raise UnsupportedShapeError(f"shape {where}: its SPARQL constraint uses MINUS, VALUES, SERVICE or a "
                                    f"pre-bound variable other than $this, which SHACL or this checker forbids")
    return _Constraint("sparql", text, message=_message(shapes, node) or "")


@dataclass
class CompiledShapes:
    """The shapes of one shapes graph with targets, ready to check data graphs against."""

    shapes: list[_Shape]


def compile_shapes(shapes: Graph) -> CompiledShapes:
    """The shapes of *shapes* that have targets, compiled.

    :raise UnsupportedShapeError: naming the first shape that uses SHACL this checker does not
        implement, or whose results would have no message.
    """
    targeted = sorted({s for p in TARGETS for s in shapes.subjects(p, None)})
    for node in targeted:
        if not isinstance(node, URIRef):
            raise UnsupportedShapeError(f"a shape with targets is a blank node ({node}); name it with an IRI")
    compiled = [_compile(shapes, node, str(node)) for node in targeted]
    # everything else that speaks SHACL: a shape nothing targets checks nothing (under pySHACL
    # either), but it must still be one this checker could check, and a target this checker
    # does not know (sh:targetNode, say) is refused here rather than ignored
    declared = ({s for s, p in shapes.subject_predicates() if str(p).startswith(str(SH))}
                | {s for kind in (SH.NodeShape, SH.PropertyShape) for s in shapes.subjects(RDF.type, kind)})
    declared -= set(shapes.objects(None, SH.sparql))  # SPARQL constraints, compiled with their shape
    reachable: set[Node] = set()

    def walk(shape: _Shape) -> None:
        reachable.add(shape.node)
        for prop in shape.properties:
            walk(prop)
        for constraint in shape.constraints:
            if constraint.kind == "or":
                for member in constraint.value:  # type: ignore[attr-defined]
                    walk(member)

    for shape in compiled:
        walk(shape)
        _check_messages(shape)
    for node in sorted(declared - reachable):
        _compile(shapes, node, str(node))
    return CompiledShapes(compiled)


def _check_messages(shape: _Shape, reported: bool = True) -> None:
    for constraint in shape.constraints:
        if constraint.kind == "or":
            for member in constraint.value:  # type: ignore[attr-defined]
                _check_messages(member, reported=False)
        if reported and not (constraint.message or shape.message):
            raise UnsupportedShapeError(f"shape {shape.where} has no sh:message; the fast "
                                        f"checker reports only the messages shapes give")
    for prop in shape.properties:
        _check_messages(prop, reported)


_CACHE: dict[int, tuple[Graph, int, CompiledShapes]] = {}
_CACHE_LOCK = threading.Lock()


def compiled_for(shapes: Graph) -> CompiledShapes:
    """:func:`compile_shapes`, remembered for this shapes graph while it is unchanged."""
    with _CACHE_LOCK:
        held = _CACHE.get(id(shapes))
        if held and held[0] is shapes and held[1] == len(shapes):
            return held[2]
    compiled = compile_shapes(shapes)
    with _CACHE_LOCK:
        if len(_CACHE) > 8:
            _CACHE.clear()
        _CACHE[id(shapes)] = (shapes, len(shapes), compiled)
    return compiled


# --- running ---------------------------------------------------------------------------------------


def _iri(term: Node) -> str:
    return f"<{term}>"


def _string(text: str) -> str:
    return json.dumps(text)  # a JSON string is a valid SPARQL string literal for these escapes


class _Names:
    """Fresh SPARQL variable names, so patterns nested in one query never share a variable."""

    def __init__(self) -> None:
        self._count = itertools.count()

    def __call__(self, stem: str) -> str:
        return f"?{stem}{next(self._count)}"


def _targets(shape: _Shape, this: str, names: _Names) -> str:
    branches = []
    for kind, obj in shape.targets:
        if kind == SH.targetClass:
            branches.append(f"{{ {this} <{RDF.type}>/<{RDFS.subClassOf}>* {_iri(obj)} }}")
        else:
            branches.append(f"{{ {names('s')} {_iri(obj)} {this} }}")
    return " UNION ".join(branches)


def _value_filter(constraint: _Constraint, value: str) -> str:
    """A FILTER that keeps the value nodes breaking *constraint*."""
    if constraint.kind == "datatype":
        datatype = constraint.value
        well_formed = (f" && COALESCE(STRLEN(STR({_iri(datatype)}(STR({value})))) >= 0, false)"
                       if datatype in CASTABLE else "")
        return f"FILTER(!(isLiteral({value}) && DATATYPE({value}) = {_iri(datatype)}{well_formed}))"
    if constraint.kind == "class":
        return f"FILTER NOT EXISTS {{ {value} <{RDF.type}>/<{RDFS.subClassOf}>* {_iri(constraint.value)} }}"
    if constraint.kind == "pattern":
        return (f"FILTER(isBlank({value}) || !REGEX(STR({value}), {_string(str(constraint.value))}, "
                f"{_string(constraint.flags)}))")
    if constraint.kind == "minLength":
        return f"FILTER(isBlank({value}) || STRLEN(STR({value})) < {constraint.value})"
    raise AssertionError(constraint.kind)


class _Run:
    """One check of one data graph."""

    def __init__(self, store: ScratchStore):
        self.store = store

    def select(self, sparql: str) -> list:
        return list(self.store.query(sparql))

    def violations(self, shape: _Shape, focus: str, names: _Names) -> list[tuple]:
        """(shape, constraint, focus node, value node or None, path or None) for every breach
        by the focus nodes that the group pattern *focus* binds to ``?this``, of *shape* and its
        property shapes."""
        out: list[tuple] = []
        for constraint in shape.constraints:
            for focus_node, value, path in self._breaches(shape, constraint, focus, names):
                out.append((shape, constraint, focus_node, value, path))
        for prop in shape.properties:
            out += self.violations(prop, focus, names)
        return out

    def _breaches(self, shape: _Shape, constraint: _Constraint, focus: str, names: _Names) -> list[tuple]:
        path = shape.path
        kind = constraint.kind
        if kind in ("minCount", "maxCount"):
            value = names("v")
            step = f"{{ ?this {_iri(path)} {value} }}"  # type: ignore[arg-type]
            body = f"{focus} OPTIONAL {step}" if kind == "minCount" else f"{focus} {step}"
            test = "<" if kind == "minCount" else ">"
            if kind == "maxCount" or constraint.value > 0:  # type: ignore[operator]
                sparql = (f"SELECT ?this WHERE {{ {body} }} GROUP BY ?this "
                          f"HAVING (COUNT(DISTINCT {value}) {test} {constraint.value})")
                return [(row["this"], None, path) for row in self.select(sparql)]
            return []
        if kind == "or":
            candidates = {row["this"] for row in self.select(f"SELECT DISTINCT ?this WHERE {{ {focus} }}")}
            for member in constraint.value:  # type: ignore[attr-defined]
                if not candidates:
                    break
                candidates &= {v[2] for v in self.violations(member, focus, names)}
            return sorted(((node, node, None) for node in candidates), key=lambda t: str(t[0]))
        if kind == "sparql":
            focused = {row["this"] for row in self.select(f"SELECT DISTINCT ?this WHERE {{ {focus} }}")}
            result = self.store.query(constraint.value)  # type: ignore[arg-type]
            variables = [v.value for v in result.variables]
            if "this" not in variables:
                raise UnsupportedShapeError(f"shape {shape.where}: its SPARQL constraint "
                                            f"must select $this")
            out, seen = [], set()
            for row in result:
                solution = tuple(row[name] for name in variables)
                if row["this"] in focused and solution not in seen:  # pySHACL drops repeated solutions too
                    seen.add(solution)
                    out.append((row["this"], row["value"] if "value" in variables and row["value"] is not None
                                else row["this"], row["path"] if "path" in variables else None))
            return out
        value = names("v")
        if path is None:
            sparql = f"SELECT DISTINCT ?this WHERE {{ {focus} {_value_filter(constraint, '?this')} }}"
            return [(row["this"], row["this"], None) for row in self.select(sparql)]
        sparql = (f"SELECT DISTINCT ?this {value} WHERE {{ {focus} ?this {_iri(path)} {value} "
                  f"{_value_filter(constraint, value)} }}")
        return [(row["this"], row[value[1:]], path) for row in self.select(sparql)]


def check_shapes(data: Iterable[tuple[Node, Node, Node]], shapes: Graph) -> ValidationReport:
    """Check the triples *data* (a graph, or any iterable of triples) against *shapes*, as
    :func:`graph.build.validate.validate` does with pySHACL.

    :raise UnsupportedShapeError: when *shapes* uses SHACL this checker does not implement.
    """
    # the report types live beside pySHACL's wrapper; imported here so that importing this
    # module (and so starting the web app) does not import pySHACL
    from graph.build.validate import Finding, ValidationReport

    compiled = compiled_for(shapes)
    run = _Run(ScratchStore(data))
    violations, warnings = [], []
    for shape in compiled.shapes:
        names = _Names()
        focus = _targets(shape, "?this", names)
        for source, constraint, focus_node, value, path in run.violations(shape, focus, names):
            value_term = None if value is None else rdflib_term(value)
            finding = Finding(source.severity, str(rdflib_term(focus_node)), shape.name,
                              short(str(rdflib_term(path))) if path is not None else None,
                              constraint.message or source.message or "",
                              None if value_term is None else str(value_term))
            (violations if source.severity == "Violation" else warnings).append(finding)
    key = lambda f: (f.focus, f.shape, f.message)  # noqa: E731
    return ValidationReport(not violations, sorted(violations, key=key), sorted(warnings, key=key))


__all__ = ["SUPPORTED", "CompiledShapes", "UnsupportedShapeError", "check_shapes", "compile_shapes",
           "compiled_for"]
