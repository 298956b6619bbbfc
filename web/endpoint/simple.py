"""Lookups answered in the web process: queries whose shape cannot run long, so they need no
query worker (which exists to be killed at the time limit) and skip its round trip.

A query qualifies only when its whole text is, exactly: ``PREFIX``/``BASE`` declarations;
``SELECT`` with ``*`` or a list of variables; an optional ``WHERE``; a group of ONE triple
pattern whose terms are variables (each used once), IRIs, prefixed names declared in the query,
``a`` as the predicate, or, as the object, a string literal with an optional language tag or
``^^<datatype>``; an optional ``LIMIT``. That is one lazy index scan in which every quad read
is a row, so the row and byte caps the engine's writer enforces (:func:`web.endpoint.worker.execute`)
bound its work. Recognition is a whitelist: anything else (comments, escapes other than a
string's own, FILTER, paths, blank nodes, OFFSET ...) goes to a worker as before.

It runs only on the engine the workers run (Oxigraph) and over the graphs a worker holds: the
built graph, and the kept plans only where the endpoint shows them and only those published.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from flask import Flask

from graph.namespaces import GRAPHS
from web.endpoint.worker import Job, Reply, engine_failure, execute

#: SPARQL's white space; ``\s`` would take other spaces too, which the grammar does not.
_WS = r"[ \t\r\n]"
#: A keyword ends where no name character follows (``SELECT?s`` is fine, ``LIMITx`` is not).
_END = r"(?![A-Za-z0-9_])"
#: IRIREF's characters: none of the excluded ones, and no backslash (so no \u escapes anywhere).
_IRI = r'<[^<>"{}|^`\\\x00-\x20]*>'
_PREFIX_NAME = r"(?:[A-Za-z](?:[A-Za-z0-9_.-]*[A-Za-z0-9_-])?)?"
#: A prefixed name in a plain ASCII subset; a local part never ends in "." (the pattern's end).
_PNAME = rf"(?P<{{g}}>{_PREFIX_NAME}):(?:[A-Za-z0-9_](?:[A-Za-z0-9_.-]*[A-Za-z0-9_-])?)?"
_VAR = r"[?$][A-Za-z_][A-Za-z0-9_]*+"
#: A one-line string with only the escapes strings have (\t \n " ...), then a tag or datatype.
_LITERAL = (r'(?:"(?:[^"\\\r\n]|\\[tbnrf"\'\\])*+"|\'(?:[^\'\\\r\n]|\\[tbnrf"\'\\])*+\')'
            rf"(?:@[A-Za-z]+(?:-[A-Za-z0-9]+)*+|\^\^{_IRI})?")


def _term(name: str, *, verb: bool = False, literal: bool = False) -> str:
    options = [rf"(?P<{name}_var>{_VAR})", _IRI, _PNAME.format(g=f"{name}_ns")]
    if verb:
        options.append(rf"a{_END}")
    if literal:
        options.append(_LITERAL)
    return "(?:" + "|".join(options) + ")"


_DECLARATION = re.compile(rf"{_WS}*+(?:(?i:PREFIX){_WS}*+(?P<ns>{_PREFIX_NAME}):{_WS}*+{_IRI}"
                          rf"|(?i:BASE){_WS}*+{_IRI})")
_LOOKUP = re.compile(
    rf"{_WS}*+(?i:SELECT){_END}{_WS}*+(?P<vars>\*|(?:{_VAR}{_WS}*+)++)"
    rf"(?:(?i:WHERE){_END})?{_WS}*+\{{{_WS}*+"
    rf"{_term('s')}{_WS}*+{_term('p', verb=True)}{_WS}*+{_term('o', literal=True)}"
    rf"{_WS}*+(?:\.{_WS}*+)?\}}{_WS}*+(?P<limit>(?i:LIMIT){_WS}*+[0-9]++{_WS}*+)?")


def is_lookup(text: str) -> bool:
    """Whether *text* is, as a whole, a lookup of the shape described in this module."""
    return recognise(text) is not None


def recognise(text: str) -> re.Match | None:
    """*text* read as a lookup of the shape described in this module, or None when it is not one."""
    declared, at = set(), 0
    while found := _DECLARATION.match(text, at):
        if found.group("ns") is not None:
            declared.add(found.group("ns"))
        at = found.end()
    found = _LOOKUP.fullmatch(text, at)
    if found is None:
        return None
    used = [found.group(f"{t}_var")[1:] for t in "spo" if found.group(f"{t}_var")]
    # a variable twice makes the engine read quads it then drops, unbounded by the row cap
    if len(set(used)) != len(used):
        return None
    if any(found.group(f"{t}_ns") is not None and found.group(f"{t}_ns") not in declared for t in "spo"):
        return None
    return found


@dataclass
class FastLookups:
    """How many queries this app answered in its own process."""
    answered: int = 0


def counter(app: Flask) -> FastLookups:
    return app.extensions.setdefault("sparql_fast", FastLookups())


#: Where the kept plans' named graphs are (graph.rules.plan_graph.plan_graph_iri).
PLAN_GRAPHS = f"{GRAPHS}plan/"


def _holds_what_workers_hold(app: Flask, store, version: int) -> bool:
    """Whether every graph of *store* is one a query worker holds (no plan hidden from the
    endpoint), and there is one. Kept while the store's graphs stay at *version*."""
    expose = bool(app.config.get("SPARQL_EXPOSE_PLANS"))
    kept = app.extensions.get("sparql_fast_dataset")
    if kept is not None and kept[:2] == (version, expose):
        return kept[2]
    published = set()
    if expose:
        published = {f"{PLAN_GRAPHS}{p.id}" for p in app.extensions["policy_graph"].plan_access() if p.published}
    names = store.graph_names()
    holds = bool(names) and all(not g.startswith(PLAN_GRAPHS) or g in published for g in names)
    app.extensions["sparql_fast_dataset"] = (version, expose, holds)
    return holds


def answer(app: Flask, job: Job) -> Reply | None:
    """The answer to *job*, whose query :func:`recognise` has read as a lookup, from this
    process's store, or None when it must go to a worker: the setting is off, the store is not
    Oxigraph in memory, graphs are named, or this store holds a plan the workers do not (its
    answer could come in another order)."""
    if not app.config.get("SPARQL_FAST_LOOKUPS", True) or job.default_graphs or job.named_graphs:
        return None
    store = app.extensions["policy_graph"].store
    if getattr(store, "engine", None) != "oxigraph":
        return None
    version = store.changes
    # only where the answer is the worker's to the byte: over a list of graphs (a plan hidden)
    # the engine reads them one after another, and on disk in the order of its indexes, not as a
    # worker's store in memory does: the same rows, in another order (and a LIMIT could keep others)
    if version % 2 or not store.in_memory or not _holds_what_workers_hold(app, store, version):
        return None
    try:
        reply = execute(store, job)
    except Exception as exc:  # noqa: BLE001 - as a worker answers an error it did not foresee
        reply = engine_failure(exc)
    if store.changes != version:
        return None  # a plan was kept or removed meanwhile: what this read may have seen is unsure
    counter(app).answered += 1
    return reply
