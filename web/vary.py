"""Responses whose form was chosen by the request's ``Accept`` header say so (``Vary: Accept``),
so that no cache hands one client the form that another asked for.

Whatever reads ``Accept`` to choose a form calls :func:`by_accept`; the header is added to the
response however it was made, a page, data or an error.
"""

from __future__ import annotations

from flask import Flask, Response, g


def by_accept() -> None:
    """Note that this request's response was chosen by its Accept header."""
    g.vary_accept = True


def init_app(app: Flask) -> None:
    @app.after_request
    def say_it_varies(response: Response) -> Response:
        if g.get("vary_accept"):
            response.vary.add("Accept")
        return response
