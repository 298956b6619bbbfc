"""What every page shares: the catalogue and search index loaded at start, the security
headers, and error pages a person can act on."""

from __future__ import annotations

import difflib

from flask import Blueprint, current_app, render_template, request, send_from_directory
from werkzeug.exceptions import InternalServerError

from graph.errors import QueryError
from web.catalogue import install
from web.i18n import gettext
from web.pages import NotFound
from web.twins import json_response, split_suffix, wanted_format

bp = Blueprint("site", __name__)

#: Everything the pages use is served by the app itself; no inline script, no other host.
CONTENT_SECURITY_POLICY = ("default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' data:; "
                           "object-src 'none'; base-uri 'none'; frame-ancestors 'none'; form-action 'self'")


#: How long a browser may keep the icon without asking again (30 days): its address cannot change.
ICON_MAX_AGE = 30 * 24 * 3600


@bp.record_once
def _load(state) -> None:
    install(state.app)


@bp.get("/favicon.ico")
def favicon():
    """The site's icon where browsers look for it unasked (the pages also name it)."""
    response = send_from_directory(current_app.static_folder, "favicon.ico", mimetype="image/vnd.microsoft.icon",
                                   max_age=ICON_MAX_AGE)
    response.cache_control.public = True
    return response


@bp.after_app_request
def security_headers(response):
    # setdefault: a page that needs a different policy can set its own
    response.headers.setdefault("Content-Security-Policy", CONTENT_SECURITY_POLICY)
    response.headers.setdefault("X-Content-Type-Options", "nosniff")
    response.headers.setdefault("Referrer-Policy", "same-origin")
    return response


def suggestions(text: str) -> list[dict]:
    """Nodes whose id is close to *text*, then nodes a search for its words finds."""
    entries = current_app.extensions["policy_catalogue"].entries
    ident = text.strip("/").removeprefix("id/")
    close = difflib.get_close_matches(ident, [i for i in entries if not i.startswith("passage/")], n=5, cutoff=0.6)
    hits = [h.entry.id for h in current_app.extensions["policy_search"].search(ident.replace("-", " "), limit=8)
            if h.entry.kind != "passage"]
    chosen = list(dict.fromkeys(close + hits))[:8]
    return [{"id": i, "label": entries[i].label, "kind": entries[i].kind} for i in chosen]


def _error_page(status: int, title: str, message: str, ident: str = ""):
    found = suggestions(ident) if ident else []
    path = split_suffix(request.path)[1]
    if wanted_format(path) == "json":
        response = json_response({"error": title, "message": message, "suggestions": found})
        response.status_code = status
        return response
    return render_template("error.html", status=status, title=title, message=message, suggestions=found,
                           ident=ident), status


@bp.app_errorhandler(NotFound)
def not_found_item(error: NotFound):
    return _error_page(404, gettext("No such item"),
                       gettext("The graph has no item with the id “%(id)s”.", id=error.ident), error.ident)


@bp.app_errorhandler(404)
def not_found(_error):
    return _error_page(404, gettext("Page not found"), gettext("There is no page at %(path)s.", path=request.path),
                       request.path)


@bp.app_errorhandler(QueryError)
def bad_request(error: QueryError):
    return _error_page(400, gettext("Cannot answer that request"), str(error))


@bp.app_errorhandler(InternalServerError)
def server_error(_error):
    return _error_page(500, gettext("Something went wrong"),
                       gettext("The page could not be made. Try again, or start from the home page or a search."))
