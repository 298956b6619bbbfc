"""Serve the app over real HTTP on a free loopback port in a background thread, for the
browser tests and the page benchmark."""

from __future__ import annotations

import threading
from collections.abc import Iterator
from contextlib import contextmanager

from flask import Flask
from werkzeug.serving import WSGIRequestHandler, make_server


class QuietHandler(WSGIRequestHandler):
    """No line per request: a benchmark makes thousands."""

    def log_request(self, *args, **kwargs) -> None:
        pass


@contextmanager
def serving(app: Flask) -> Iterator[str]:
    """Serve *app* while the block runs; yields its base URL (http://127.0.0.1:PORT)."""
    server = make_server("127.0.0.1", 0, app, threaded=True, request_handler=QuietHandler)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{server.server_port}"
    finally:
        server.shutdown()
        thread.join(timeout=5)
