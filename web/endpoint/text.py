"""Look at a SPARQL request's text before any engine sees it: is it an update, does it ask
the engine to fetch from elsewhere (``SERVICE``), how deeply is it nested?

Keywords and brackets are only looked for outside strings, IRIs and comments, which are blanked
first, so a literal or an IRI that happens to contain the word ``SERVICE`` is not mistaken for one.

These are readings of the text, which can differ from the engine's: they give the common cases
a clear early answer, and are not what keeps the endpoint safe. Outbound requests are made
impossible by the query workers' sandbox (:mod:`web.endpoint.sandbox`), whatever the text says;
a query nested deeper than the engine can take stops only the worker that runs it.
"""

from __future__ import annotations

import re
from functools import lru_cache

_OPAQUE = re.compile(
    r"\\[_~.\-!$&'()*+,;=/?#@%]"  # an escaped character of a prefixed name (ex:a\'b), not a quote
    r"|'''(?:[^'\\]|\\.|'(?!''))*'''"
    r'|"""(?:[^"\\]|\\.|"(?!""))*"""'
    r"|'(?:[^'\\\n]|\\.)*'"
    r'|"(?:[^"\\\n]|\\.)*"'
    r'|<[^<>"{}|^`\\\x00-\x20]*>'
    r"|#[^\n]*",
    re.DOTALL,
)
_PROLOGUE = re.compile(r"^\s*(?:(?:PREFIX\s+[^\s:]*:\s*<\s*>|BASE\s+<\s*>)\s*)*", re.IGNORECASE)
_BRACKET = re.compile(r"[{}()\[\]]")
UPDATE_KEYWORDS = {"INSERT", "DELETE", "LOAD", "CLEAR", "CREATE", "DROP", "COPY", "MOVE", "ADD", "WITH"}


@lru_cache(maxsize=16)
def blank_opaque(text: str) -> str:
    """*text* with strings and comments blanked and IRIs emptied to ``< >`` (kept for the
    next few calls: each request's text is read three times)."""
    def blank(match: re.Match) -> str:
        token = match.group(0)
        if token.startswith("\\"):
            return "__"  # still part of the name around it
        return "< >" if token.startswith("<") else " " * len(token)
    return _OPAQUE.sub(blank, text)


def update_keyword(text: str) -> str | None:
    """The update operation *text* starts with (``INSERT``, ``LOAD`` ...), or None for a query."""
    body = _PROLOGUE.sub("", blank_opaque(text))
    match = re.match(r"\s*([A-Za-z]+)", body)
    word = match.group(1).upper() if match else ""
    return word if word in UPDATE_KEYWORDS else None


def uses_service(text: str) -> bool:
    """Whether *text* contains a ``SERVICE`` clause, which would make the engine fetch a URL."""
    return re.search(r"(?<![\w:?$])SERVICE(?![\w:])", blank_opaque(text), re.IGNORECASE) is not None


def nesting_depth(text: str) -> int:
    """How deeply the brackets (``{ ( [``) of *text* nest; an unclosed one counts as open."""
    depth = deepest = 0
    for match in _BRACKET.finditer(blank_opaque(text)):
        if match.group(0) in "{([":
            depth += 1
            deepest = max(deepest, depth)
        else:
            depth = max(depth - 1, 0)
    return deepest
