"""Who is asking: signing in with an account's access key, the viewer of each request, and the
guards on anything that changes what is kept.

A request acts for an account when it carries the account's key as ``Authorization: Bearer``
(programs) or a signed session cookie from the sign-in page (people); otherwise it is
anonymous, sees only published plans and changes nothing. A change made through a session
also needs the form's CSRF token, and any change coming from a page of another site (its
``Origin`` or ``Referer``) is refused, whatever it carries.
"""

from __future__ import annotations

import hmac
import os
import secrets
from pathlib import Path
from urllib.parse import urlsplit

from flask import Blueprint, Flask, abort, current_app, g, redirect, render_template, request, session, url_for
from werkzeug.exceptions import Forbidden, Unauthorized

from graph.access import ANONYMOUS, Account, Accounts, Viewer
from web.i18n import gettext
from web.twins import json_response, split_suffix, wanted_format

bp = Blueprint("auth", __name__)
SAFE_METHODS = {"GET", "HEAD", "OPTIONS"}
#: Read-only POSTs other sites may send: SPARQL queries (the endpoint allows any origin).
CROSS_SITE_READS = {"sparql.endpoint"}


def viewer() -> Viewer:
    """The viewer of this request."""
    return g.get("viewer", ANONYMOUS)


def account() -> Account | None:
    return g.get("account")


def _accounts() -> Accounts:
    return current_app.extensions["policy_accounts"]


def _secret_key(app: Flask) -> str:
    """The key that signs session cookies: configured, or made once and kept beside the
    accounts so that every worker process and restart shares it."""
    if app.config.get("SECRET_KEY"):
        return app.config["SECRET_KEY"]
    path = Path(app.config["ACCOUNTS_PATH"]).with_name("secret-key")
    try:
        return path.read_text(encoding="utf-8").strip()
    except FileNotFoundError:
        pass
    path.parent.mkdir(parents=True, exist_ok=True)
    try:
        # exclusive: of two workers starting at once, one writes and both use its key
        handle = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    except FileExistsError:
        return path.read_text(encoding="utf-8").strip()
    with os.fdopen(handle, "w", encoding="utf-8") as out:
        out.write(secrets.token_urlsafe(48))
    return path.read_text(encoding="utf-8").strip()


def init_app(app: Flask) -> None:
    app.config.setdefault("SESSION_COOKIE_HTTPONLY", True)
    app.config["SESSION_COOKIE_SAMESITE"] = app.config.get("SESSION_COOKIE_SAMESITE") or "Lax"
    app.extensions["policy_accounts"] = Accounts(Path(app.config["ACCOUNTS_PATH"]))
    app.secret_key = _secret_key(app)
    app.register_blueprint(bp)
    app.before_request(_identify)
    app.before_request(_same_site_changes)

    @app.context_processor
    def signed_in() -> dict:
        return {"viewer": viewer(), "csrf_token": csrf_token}


def _identify() -> None:
    """Set the account and viewer of this request from its bearer key or its session."""
    header = request.headers.get("Authorization", "")
    found: Account | None = None
    if header:
        scheme, _sep, key = header.partition(" ")
        if scheme.lower() != "bearer" or not key.strip():
            abort(401, description=gettext("Send an account's access key as 'Authorization: Bearer <key>'."))
        found = _accounts().find(key.strip())
        if found is None:
            abort(401, description=gettext("The access key is not one of this service's accounts "
                                           "(or was renewed or removed)."))
        g.by_bearer = True
    elif current_app.config["SESSION_COOKIE_NAME"] in request.cookies and session.get("account"):
        # the session is read only when a cookie came: answers to anonymous requests do not vary by it
        candidate = next((a for a in _accounts().all() if a.name == session["account"]), None)
        # a renewed key or a removed account ends the sessions opened with the old one
        if candidate is not None and hmac.compare_digest(candidate.key_hash, session.get("key", "")):
            found = candidate
        else:
            session.clear()
    g.account = found
    g.viewer = found.viewer() if found else ANONYMOUS


def _origin_of(url: str) -> str:
    parts = urlsplit(url)
    return f"{parts.scheme}://{parts.netloc}".lower()


def _same_site_changes() -> None:
    """Refuse a state-changing request sent by a page of another site."""
    if request.method in SAFE_METHODS or request.endpoint in CROSS_SITE_READS:
        return
    sender = request.headers.get("Origin") or request.headers.get("Referer")
    if sender and sender != "null" and _origin_of(sender) != _origin_of(request.host_url):
        abort(403, description=gettext("Requests from other sites cannot change anything here."))
    if sender == "null":
        abort(403, description=gettext("Requests from other sites cannot change anything here."))


def csrf_token() -> str:
    """The token this session's forms carry (made on first use)."""
    if "csrf" not in session:
        session["csrf"] = secrets.token_urlsafe(32)
    return session["csrf"]


def check_csrf() -> None:
    """Refuse a change made through a session without its form's token (a bearer key is not
    sent by browsers on their own, so it needs none)."""
    if g.get("by_bearer"):
        return
    sent = request.form.get("csrf_token", "")
    if not sent or not hmac.compare_digest(sent, session.get("csrf", "")):
        abort(403, description=gettext("The form has expired or did not come from this site; "
                                       "open the page again and resend it."))


def require_signed_in() -> Viewer:
    """The viewer of this request, who must have signed in (else a 401 saying how)."""
    if account() is None:
        abort(401, description=gettext("Sign in with an account of the organisation to keep or change its plans; "
                                       "checking a plan needs no account."))
    check_csrf()
    return viewer()


def _safe_next(target: str) -> str:
    # only a path of this site, so the sign-in page cannot send anyone elsewhere
    if target.startswith("/") and not target.startswith("//") and "\\" not in target:
        return target
    return url_for("browse.home")


def _refused(status: int, title: str, message: str):
    if request.args.get("format") == "json" or request.form.get("format") == "json" or \
            wanted_format(split_suffix(request.path)[1]) == "json" or g.get("by_bearer") or \
            request.headers.get("Authorization"):
        response = json_response({"error": title, "message": message})
        response.status_code = status
    else:
        response = current_app.make_response((render_template(
            "error.html", status=status, title=title, message=message, suggestions=[], ident="",
            sign_in=url_for("auth.sign_in", next=request.full_path.rstrip("?")) if status == 401 else ""), status))
    if status == 401:
        response.headers["WWW-Authenticate"] = 'Bearer realm="policy-graph"'
    return response


@bp.app_errorhandler(Unauthorized)
def unauthorized(error: Unauthorized):
    return _refused(401, gettext("Sign in needed"), error.description)


@bp.app_errorhandler(Forbidden)
def forbidden(error: Forbidden):
    return _refused(403, gettext("Not allowed"), error.description)


@bp.route("/sign-in", methods=["GET", "POST"])
def sign_in():
    """Sign in with an account's name and access key."""
    status, error = 200, ""
    next_page = _safe_next(request.values.get("next", ""))
    if request.method == "POST":
        check_csrf()
        name = request.form.get("name", "").strip()
        found = _accounts().find(request.form.get("key", "").strip(), name)
        if found is not None:
            token = session.get("csrf")
            session.clear()
            session["account"], session["key"] = found.name, found.key_hash
            session["csrf"] = token or secrets.token_urlsafe(32)
            return redirect(next_page, 303)
        status, error = 401, gettext("No account has that name and access key.")
    return render_template("auth/sign_in.html", error=error, next_page=next_page,
                           name=request.form.get("name", "")), status


@bp.post("/sign-out")
def sign_out():
    check_csrf()
    session.clear()
    return redirect(url_for("browse.home"), 303)


__all__ = ["account", "check_csrf", "csrf_token", "init_app", "require_signed_in", "viewer"]
