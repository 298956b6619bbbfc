"""Look at a SPARQL request's text before any engine sees it: is it an update, does it ask
the engine to fetch from elsewhere (``SERVICE``)?

Keywords are only looked for outside strings, IRIs and comments, which are blanked first, so
a literal or an IRI that happens to contain the word ``SERVICE`` is not mistaken for one.
"""

from __future__ import annotations

import re

_OPAQUE = re.compile(
    r"'''(?:[^'\\]|\\.|'(?!''))*'''"
    r'|"""(?:[^"\\]|\\.|"(?!""))*"""'
    r"|'(?:[^'\\\n]|\\.)*'"
    r'|"(?:[^"\\\n]|\\.)*"'
    r'|<[^<>"{}|^`\\\x00-\x20]*>'
    r"|#[^\n]*",
    re.DOTALL,
)
_PROLOGUE = re.compile(r"^\s*(?:(?:PREFIX\s+[^\s:]*:\s*<\s*>|BASE\s+<\s*>)\s*)*", re.IGNORECASE)
UPDATE_KEYWORDS = {"INSERT", "DELETE", "LOAD", "CLEAR", "CREATE", "DROP", "COPY", "MOVE", "ADD", "WITH"}


def blank_opaque(text: str) -> str:
    """*text* with strings and comments blanked and IRIs emptied to ``< >``."""
    def blank(match: re.Match) -> str:
        token = match.group(0)
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
