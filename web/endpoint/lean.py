"""The lean path of the SPARQL endpoint: a WSGI layer in front of the Flask app that answers the
SPARQL protocol requests of programs itself, with the same functions as the Flask view
(:func:`web.endpoint.protocol.read_parts` reads the request, :func:`web.endpoint.sparql.answer_query`
checks and runs it in a query worker), so the answers, statuses, errors and headers are the
same; it only skips Flask's request machinery, which cost a lookup more than the engine did.

It takes a request only when nothing Flask does for it could differ: ``GET``, ``HEAD`` or
``POST`` on ``/sparql`` with a query, no ``Authorization`` (a bearer key is checked by the app,
and a bad one refused), no session cookie (which the app reads, and may clear), no ``lang``
parameter (which the app remembers in a cookie), no page asked for (``text/html`` in
``Accept``: the query page), and a body of a stated length within ``MAX_CONTENT_LENGTH``.
Everything else goes on to Flask, which answers it as before.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable, Iterable
from functools import lru_cache
from urllib.parse import parse_qs

from flask import Flask, Response, url_for
from werkzeug.http import HTTP_STATUS_CODES, parse_options_header
from werkzeug.wsgi import get_current_url

from web.endpoint.protocol import ProtocolError, parse_pairs, read_parts
from web.endpoint.sparql import CORS_HEADERS, answer_query
from web.endpoint.worker import Reply
from web.receipt import DATA_TYPES, headers_of

PATH = "/sparql"
METHODS = ("GET", "HEAD", "POST")
_CORS = list(CORS_HEADERS.items())


@lru_cache(maxsize=64)
def _status(code: int) -> str:
    # as werkzeug writes it, so that a client sees the same status line either way
    return f"{code} {HTTP_STATUS_CODES.get(code, 'UNKNOWN').upper()}"


class LeanSparql:
    """WSGI middleware: SPARQL protocol requests to *app* answered here, the rest by *app*'s
    own WSGI callable (*flask*)."""

    def __init__(self, app: Flask, flask: Callable):
        self.app = app
        self.flask = flask
        self.graph = app.extensions["policy_graph"]
        #: requests answered here (the rest went on to Flask)
        self.answered = 0
        self.session_cookie = app.config["SESSION_COOKIE_NAME"] + "="
        with app.test_request_context():
            # made once: the build report's address, as the receipt's Link names it
            self.report = url_for("receipt.build", suffix="json", lang=None)
        from web.views.site import security_headers

        # the headers the app gives every response, taken from the function that adds them
        self.always = [(k, v) for k, v in security_headers(Response()).headers.items()
                       if k not in ("Content-Type", "Content-Length")]

    def __call__(self, environ: dict, start_response: Callable) -> Iterable[bytes]:
        answered = self._answer(environ) if self.app.config.get("SPARQL_LEAN", True) else None
        if answered is None:
            return self.flask(environ, start_response)
        status, headers, body = answered
        self.answered += 1
        start_response(status, headers)
        return [] if environ["REQUEST_METHOD"] == "HEAD" else [body]

    def _takes(self, environ: dict, method: str) -> bool:
        """Whether this request may be one the lean path answers as Flask would (see the
        module); a ``lang`` parameter is looked for once the query string is read."""
        if environ.get("PATH_INFO") != PATH or method not in METHODS or "HTTP_AUTHORIZATION" in environ:
            return False
        if self.session_cookie in environ.get("HTTP_COOKIE", ""):
            return False
        return method == "POST" or "html" not in environ.get("HTTP_ACCEPT", "").lower()

    def _answer(self, environ: dict) -> tuple[str, list[tuple[str, str]], bytes] | None:
        """The status, headers and body of the answer, or None for Flask to answer."""
        method = environ.get("REQUEST_METHOD", "GET")
        if not self._takes(environ, method):
            return None
        body: Callable[[], bytes] = _no_body
        if method == "POST":
            length = environ.get("CONTENT_LENGTH", "")
            if not length.isdigit() or int(length) > (self.app.config.get("MAX_CONTENT_LENGTH") or float("inf")):
                return None
            stream = environ["wsgi.input"]
            read: list[bytes] = []

            def body() -> bytes:
                if not read:
                    read.append(stream.read(int(length)))
                return read[0]
        query_string = environ.get("QUERY_STRING", "").encode("latin-1")
        # the query string is read once: for its parameters, for "lang" and for the day ("on")
        in_address: dict[str, list[str]] = {}
        try:
            parse_pairs(query_string, in_address)
            if "lang" in in_address:
                return None
            params = read_parts(method, query_string, _mimetype(environ.get("CONTENT_TYPE", "")), body,
                                parsed=in_address)
        except ProtocolError as refused:
            if "lang" in parse_qs(environ.get("QUERY_STRING", ""), keep_blank_values=True):
                return None
            return self._reply(environ, Reply.error(refused.status, refused.message), in_address)
        text = params.query
        if text is None:
            return None  # the service description, or the query page: Flask's
        # what the Flask app does before every request: follow plans kept by other processes
        self.graph.refresh()
        if not text.strip():
            return self._reply(environ, Reply.error(400, "The query is empty."), in_address)
        reply = answer_query(self.app, text, environ.get("HTTP_ACCEPT"), params.get("format") or params.get("output"),
                             params, _address(environ))
        return self._reply(environ, reply, in_address)

    def _reply(self, environ: dict, reply: Reply, in_address: dict[str, list[str]]
               ) -> tuple[str, list[tuple[str, str]], bytes]:
        """The answer as the Flask view gives it; *in_address* the query string's parameters (read
        for the day a data answer's receipt holds for)."""
        headers = [("Content-Type", reply.content_type), ("Content-Length", str(len(reply.body))), *_CORS,
                   ("Vary", "Accept"), *self.always]
        if reply.retry_after is not None:
            headers.append(("Retry-After", str(reply.retry_after)))
        if reply.status < 400 and _mimetype(reply.content_type) in DATA_TYPES:
            on = in_address.get("on")
            headers += headers_of(self.app, _day(on[0] if on else ""), environ.get("SCRIPT_NAME", "") + self.report)
        return _status(reply.status), headers, reply.body


@lru_cache(maxsize=64)
def _mimetype(content_type: str) -> str:
    """The media type of a ``Content-Type``, lower case, without parameters (a few kinds recur)."""
    return parse_options_header(content_type)[0].lower()


#: The addresses queries were sent to, by what werkzeug makes one of: kept, as a few recur.
_ADDRESSES: dict[tuple, str] = {}


def _address(environ: dict) -> str:
    """The address the request was sent to, without its query string, as the Flask view reads it
    (``request.base_url``): what relative IRIs in the query resolve against."""
    key = (environ.get("wsgi.url_scheme"), environ.get("HTTP_HOST"), environ.get("SERVER_NAME"),
           environ.get("SERVER_PORT"), environ.get("SCRIPT_NAME"), environ.get("PATH_INFO"))
    found = _ADDRESSES.get(key)
    if found is None:
        found = get_current_url(environ, strip_querystring=True)
        if len(_ADDRESSES) >= 256:  # a client names the host: bounded whatever it sends
            _ADDRESSES.clear()
        _ADDRESSES[key] = found
    return found


def _no_body() -> bytes:
    return b""


def _day(asked: str) -> dt.date:
    """The day the answer holds for, as :func:`web.receipt.as_of` reads it: ``on`` in the address."""
    try:
        return dt.date.fromisoformat(asked)
    except ValueError:
        return dt.date.today()


def install(app: Flask) -> Flask:
    """Put the lean path in front of *app* (``SPARQL_LEAN`` set false sends every request to Flask)."""
    app.wsgi_app = LeanSparql(app, app.wsgi_app)  # type: ignore[method-assign]
    return app


__all__ = ["LeanSparql", "install"]
