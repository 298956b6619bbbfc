"""SHACL validation of the built graph with pySHACL, as a typed report."""

from __future__ import annotations

from dataclasses import dataclass

from pyshacl import validate as shacl_validate
from rdflib import Graph, URIRef
from rdflib.namespace import RDFS, SH

from graph.namespaces import short


@dataclass(frozen=True)
class Finding:
    """One SHACL result: which node broke which shape, and the shape's message."""

    severity: str
    focus: str
    shape: str
    path: str | None
    message: str
    value: str | None = None

    def __str__(self) -> str:
        where = f" ({self.path})" if self.path else ""
        return f"{short(self.focus)}{where} {self.message} [rule {short(self.shape)}]"


@dataclass(frozen=True)
class ValidationReport:
    conforms: bool
    violations: list[Finding]
    warnings: list[Finding]


def _shape_name(results: Graph, shapes: Graph, node) -> str:
    """The named shape a result came from (property shapes are blank nodes inside one)."""
    if isinstance(node, URIRef):
        return str(node)
    for parent in shapes.subjects(SH.property, node):
        if isinstance(parent, URIRef):
            return str(parent)
    for parent in shapes.subjects(None, node):
        return _shape_name(results, shapes, parent)
    return str(node)


def validate(data: Graph, shapes: Graph) -> ValidationReport:
    """Validate *data* (already closed under inference) against *shapes*."""
    conforms, results, _text = shacl_validate(data, shacl_graph=shapes, inference="none",
                                              advanced=True, allow_warnings=True)
    violations, warnings = [], []
    for result in results.subjects(SH.resultSeverity, None):
        severity = results.value(result, SH.resultSeverity)
        source = results.value(result, SH.sourceShape)
        path = results.value(result, SH.resultPath)
        message = results.value(result, SH.resultMessage)
        shape = _shape_name(results, shapes, source)
        if message is None:
            message = shapes.value(URIRef(shape), RDFS.label) or "breaks this shape"
        value = results.value(result, SH.value)
        finding = Finding(str(severity).rsplit("#", 1)[-1], str(results.value(result, SH.focusNode)),
                          shape, short(str(path)) if isinstance(path, URIRef) else None, str(message),
                          str(value) if value is not None else None)
        (violations if severity == SH.Violation else warnings).append(finding)
    key = lambda f: (f.focus, f.shape, f.message)  # noqa: E731
    return ValidationReport(bool(conforms) or not violations, sorted(violations, key=key),
                            sorted(warnings, key=key))


__all__ = ["Finding", "ValidationReport", "validate"]
