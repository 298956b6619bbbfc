"""Writing rdflib triples as N-Triples or N-Quads lines, fast.

rdflib's serializer spends most of its time in per-term machinery; this writes the same bytes
as its ``nt`` serializer (the same escapes: backslash, double quote, line feed and carriage
return; every other character as UTF-8) several times faster, and refuses an IRI that no
N-Triples reader would accept, rather than writing a file that cannot be read back.
"""

from __future__ import annotations

import re
from collections.abc import Iterable

from rdflib import BNode, Literal, URIRef
from rdflib.term import Node

from graph.errors import PolicyGraphError

_ESCAPES = str.maketrans({"\\": "\\\\", '"': '\\"', "\n": "\\n", "\r": "\\r"})
#: what N-Triples' IRIREF does not allow unescaped (control characters and space included)
_NOT_IN_IRI = re.compile(r'[\x00-\x20<>"{}|^`\\]')


class TermError(PolicyGraphError):
    """A term that cannot be written as N-Triples."""


def iri_nt(iri: str) -> str:
    """*iri* as an N-Triples IRI.

    :raise TermError: when it holds a character an IRI cannot (a space, ``<``, ``"``, …).
    """
    bad = _NOT_IN_IRI.search(iri)
    if bad:
        raise TermError(f"'{iri}' is not an IRI (it holds {bad.group()!r}); it cannot be written as N-Triples")
    return f"<{iri}>"


def literal_nt(literal: Literal) -> str:
    """*literal* as N-Triples: its lexical form quoted and escaped, then its language or datatype."""
    text = '"' + str(literal).translate(_ESCAPES) + '"'
    if literal.language:
        return f"{text}@{literal.language}"
    return f"{text}^^{iri_nt(literal.datatype)}" if literal.datatype else text


def term_nt(term: Node) -> str:
    """*term* (an IRI, literal or blank node) as N-Triples."""
    if isinstance(term, URIRef):
        return iri_nt(term)
    if isinstance(term, Literal):
        return literal_nt(term)
    if isinstance(term, BNode):
        return f"_:{term}"
    raise TermError(f"cannot write {term!r} as N-Triples")


def nquads_lines(triples: Iterable[tuple[Node, Node, Node]], graph: str | None = None) -> list[str]:
    """One line (without its line break) for each of *triples*, each in named graph *graph* (an
    IRI; none: N-Triples lines). IRIs recur (every commitment's predicates, the plan, the items
    it names), so each is written once and remembered."""
    tail = f" {iri_nt(graph)} ." if graph else " ."
    iris: dict[URIRef, str] = {}
    out = []
    for triple in triples:
        parts = []
        for term in triple:
            if type(term) is URIRef:
                text = iris.get(term)
                if text is None:
                    text = iris[term] = iri_nt(term)
            else:
                text = term_nt(term)
            parts.append(text)
        out.append(" ".join(parts) + tail)
    return out


__all__ = ["TermError", "iri_nt", "literal_nt", "nquads_lines", "term_nt"]
