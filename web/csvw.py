"""A CSV download's receipt in a file beside it: every CSV answer to a GET names, in a
``Link: <…-metadata.json>; rel="describedby"`` header, its metadata as the W3C's *Metadata
Vocabulary for Tabular Data* (CSV on the Web) describes a table: its address, its columns, and
the receipt of the answer (the build, the SHA-256 of each source text, the project's version and
the day the answer holds for) in Dublin Core, PROV and schema.org terms. The CSV itself stays the
table alone, one a spreadsheet opens as it is.

The metadata of ``/search.csv?q=cancer`` is at ``/csv-metadata.json?for=/search.csv%3Fq%3Dcancer``:
a CSVW processor finds it through the Link header, which comes first among the ways CSVW locates
metadata (a file named after each table would clash with the item addresses, ``/id/<id>.csv``)."""

from __future__ import annotations

import csv
import io
from urllib.parse import urlsplit

from flask import Blueprint, Flask, Response, current_app, request, url_for

from graph.errors import QueryError
from graph.receipt import csv_metadata
from web.i18n import gettext
from web.receipt import answer_receipt

bp = Blueprint("csvw", __name__)

MEDIA_TYPE = "application/csvm+json"


def metadata_address(path: str, query: bytes) -> str:
    """Where the metadata of the CSV at *path* (with its query string) is."""
    target = path + ("?" + query.decode("latin-1") if query else "")
    return url_for("csvw.metadata", **{"for": target})


@bp.get("/csv-metadata.json")
def metadata():
    """The CSVW metadata of the CSV answer at the address ``for`` names (``/search.csv?q=cancer``)."""
    target = request.args.get("for", "")
    parts = urlsplit(target)
    if not target.startswith("/") or target.startswith("//") or parts.scheme or parts.netloc \
            or not parts.path.endswith(".csv"):
        raise QueryError(gettext("Parameter 'for': give the address of one of this service's CSV answers, starting "
                                 "with / and ending in .csv before any query (/search.csv?q=cancer)."))
    headers = {k: request.headers[k] for k in ("Accept-Language", "Cookie") if k in request.headers}
    # the table is made again from its own address, so that its columns and its day are its own
    with current_app.test_request_context(parts.path, base_url=request.host_url, query_string=parts.query,
                                          headers=headers):
        answer = current_app.full_dispatch_request()
        receipt = answer_receipt()
    if answer.status_code != 200 or answer.mimetype != "text/csv":
        raise QueryError(gettext("Parameter 'for': %(path)s is not a CSV answer of this service (it answers "
                                 "%(status)s), so it has no metadata.", path=target, status=answer.status_code))
    header = next(csv.reader(io.StringIO(answer.get_data(as_text=True))), [])
    data = csv_metadata(request.host_url.rstrip("/") + target, header, receipt, receipt["report"])
    response = current_app.json.response(data)
    response.mimetype = MEDIA_TYPE
    return response


def init_app(app: Flask) -> None:
    app.register_blueprint(bp)

    @app.after_request
    def describedby(response: Response) -> Response:
        if (request.method == "GET" and response.mimetype == "text/csv" and response.status_code == 200
                and request.path.endswith(".csv")):
            response.headers.add("Link", f'<{metadata_address(request.path, request.query_string)}>; '
                                         f'rel="describedby"; type="{MEDIA_TYPE}"')
        return response


__all__ = ["bp", "init_app", "metadata_address"]
