"""Reading a SPARQL 1.1 Protocol request exactly: its one query and its parameters, by GET,
POST form or POST body (https://www.w3.org/TR/sparql11-protocol/#query-operation).

The parameters are decoded here from the raw bytes, strictly: the usual decoding replaces bytes
that are not UTF-8 with U+FFFD, which would answer a query the client never sent. A request
the protocol does not allow (two queries, an update, a body of another type) is refused with
the status and a message naming what is wrong.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from urllib.parse import unquote_to_bytes

from flask import Request

READ_ONLY = "This endpoint is read-only: SPARQL Update ({}) is not accepted."


class ProtocolError(Exception):
    """A request the endpoint refuses: *status* and a message for the client."""

    def __init__(self, status: int, message: str):
        super().__init__(message)
        self.status = status
        self.message = message


@dataclass
class QueryRequest:
    """The query of a request (None when it sends none) and all its other parameters."""

    query: str | None
    params: dict[str, list[str]] = field(default_factory=dict)

    def get(self, name: str) -> str | None:
        values = self.params.get(name)
        return values[0] if values else None

    def all(self, name: str) -> list[str]:
        """Every non-empty value of *name*."""
        return [v for v in self.params.get(name, []) if v]


def decode(raw: bytes, what: str) -> str:
    """*raw* as UTF-8; *what* names it in the error.

    :raise ProtocolError: 400 at the first byte that is not UTF-8, counting from 1."""
    try:
        return raw.decode("utf-8")
    except UnicodeDecodeError as exc:
        raise ProtocolError(400, f"The {what} is not valid UTF-8 (byte {exc.start + 1}: "
                                 f"0x{raw[exc.start]:02x}).") from None


def parse_pairs(raw: bytes, params: dict[str, list[str]]) -> None:
    """Add the parameters of a query string or form body *raw* to *params*."""
    for pair in raw.split(b"&"):
        if not pair:
            continue
        name, _, value = pair.partition(b"=")
        key = decode(unquote_to_bytes(name.replace(b"+", b" ")), "name of a parameter")
        what = "query" if key == "query" else f"parameter '{key}'"
        params.setdefault(key, []).append(decode(unquote_to_bytes(value.replace(b"+", b" ")), what))


def read_request(request: Request) -> QueryRequest:
    """The query and parameters of *request* (GET and HEAD alike).

    :raise ProtocolError: 403 for an update, 415 for a body of another type, 400 for two
        queries or bytes that are not UTF-8."""
    return read_parts(request.method, request.query_string, request.mimetype, lambda: request.get_data(cache=True))


def read_parts(method: str, query_string: bytes, mimetype: str, body: Callable[[], bytes],
               parsed: dict[str, list[str]] | None = None) -> QueryRequest:
    """The query and parameters of a request made of *method*, *query_string*, the media type
    of its body (*mimetype*, lower case, without parameters) and *body*, read only when needed:
    what :func:`read_request` reads from a Flask request, and the lean path
    (:mod:`web.endpoint.lean`) from the WSGI environment, which has read the query string's
    parameters already (*parsed*, by :func:`parse_pairs`; they are added to, not copied).

    :raise ProtocolError: as :func:`read_request`."""
    params: dict[str, list[str]] = {}
    if parsed is None:
        parse_pairs(query_string, params)
    else:
        params = parsed
    body_query: str | None = None
    if method not in ("GET", "HEAD"):
        if mimetype == "application/sparql-update":
            raise ProtocolError(403, READ_ONLY.format("application/sparql-update"))
        if mimetype == "application/x-www-form-urlencoded":
            parse_pairs(body(), params)
        elif mimetype == "application/sparql-query":
            body_query = decode(body(), "query")
        else:
            raise ProtocolError(415, f"Unsupported content type '{mimetype or 'none'}': send a query as "
                                     "application/sparql-query or application/x-www-form-urlencoded.")
    if "update" in params:
        raise ProtocolError(403, READ_ONLY.format("update parameter"))
    queries = params.pop("query", []) + ([body_query] if body_query is not None else [])
    if len(queries) > 1:
        raise ProtocolError(400, f"The request carries {len(queries)} queries; the SPARQL protocol takes exactly "
                                 "one (one 'query' parameter, or the body of an application/sparql-query POST).")
    return QueryRequest(queries[0] if queries else None, params)
