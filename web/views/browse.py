"""The browser's pages. Each page has a JSON twin (``.json`` or ``Accept: application/json``)
built from the same data, and each list a CSV download (``.csv``)."""

from __future__ import annotations

import datetime as dt
import re

from flask import Blueprint, Response, current_app, render_template, request, url_for

from graph.errors import QueryError
from graph.namespaces import short
from graph.reports.explanations import APPLIES_COLUMNS
from graph.search.ask import SORTS, order
from web import deadlines as deadline_feeds
from web import pages
from web.catalogue import catalogue
from web.diagram import render_svg
from web.documents import render
from web.i18n import gettext, language, plain_name, term
from web.receipt import asked_day
from web.search import FACETS, Row, applies_to, apply_filters, facet_counts
from web.twins import csv_response, json_response, split_suffix, wanted_format
from web.views import impact, rules

bp = Blueprint("browse", __name__)
DATE = re.compile(r"^\d{4}-\d{2}-\d{2}$")
#: Search results shown on one HTML page; the JSON and CSV twins hold them all.
PAGE_ROWS = 100
#: Commitments of kept plans an item or trace page lists before a link to them all.
COMMITMENT_ROWS = 20
#: Links of one relation an item page lists before a link to them all (a kind of body is bound
#: by hundreds of obligations).
LINK_ROWS = 50


def item_href(ident: str) -> str:
    return url_for("browse.node", rest=ident)


def _respond(fmt: str, template: str, data: dict, csv_rows=None, filename: str = "", **extra):
    if fmt == "json":
        return json_response(data)
    if fmt == "csv":
        if csv_rows is None:
            return pages_not_found()
        return csv_response(csv_rows, filename)
    return render_template(template, **data, **extra)


def pages_not_found():
    raise pages.NotFound(request.path)


@bp.get("/")
def home():
    """Home: the priorities with their counts, statutes and duties, enabling plans, what is due next."""
    return _respond(wanted_format(), "browse/home.html", pages.home())


@bp.get("/index.json")
def home_json():
    return json_response(pages.home())


@bp.get("/id/<path:rest>")
def node(rest: str):
    """An item page (``/id/<id>``) or its trace (``/id/<id>/trace``), with twins."""
    ident, suffix = split_suffix(rest)
    fmt = wanted_format(suffix)
    if ident.endswith("/trace"):
        return _trace(ident.removesuffix("/trace"), fmt)
    if ident.endswith("/impact"):
        return impact.impact_page(ident.removesuffix("/impact"), fmt)
    # commitments of loaded plans change while the app runs, so they are not part of the kept page
    data = {**pages.item(ident), **_commitments(fmt, ident), "standing": _standing(ident, fmt)}
    # its source's wording changed in the new edition the graph was built from, unreviewed
    data["suspect"] = current_app.extensions["policy_graph"].suspect_links().get(ident)
    rows = [{"direction": g["direction"], "relation": g["label"], "id": link["id"], "label": link["label"],
             "inferred": link["inferred"], "why": link["why"]} for g in data["relations"] for link in g["links"]]
    # a long group of links shows its first LINK_ROWS unless all are asked for; the twins hold all
    return _respond(fmt, "browse/item.html", data, rows, ident.replace("/", "-"),
                    link_rows=None if request.args.get("all") else LINK_ROWS)


def _standing(ident: str, fmt: str) -> dict:
    """When the item counts and its state on the day asked: on a page in its language; in the
    twins, data in the graph's own words (state: in force, not yet in force, ended)."""
    try:
        lang = language() if fmt == "html" else "en"
        return current_app.extensions["policy_graph"].standing(ident, asked_day(), lang)
    except QueryError:  # a node that is not an item (an ontology term) has no clocks
        return {}


def _trace(ident: str, fmt: str):
    tr = pages.item_trace(ident)
    labels = {short(n.iri): n.label for n in tr.nodes()}
    # what a step comes through is named by its label on the page; its id stays in the twins
    steps = [{"depth": n.depth, "relation": n.relation, "id": short(n.iri), "label": n.label, "kind": n.kind,
              "via": short(n.via) if n.via else "", "via_label": labels.get(short(n.via), "") if n.via else "",
              "part": part}
             for part, nodes in (("chain", tr.chain), ("basis", tr.basis)) for n in nodes]
    # commitments of kept plans that answer the item or anything it traces through (read per
    # request: plans are kept and removed while the app runs)
    found = _commitments(fmt, *labels)
    found["commitments"] = [{**c, "item_label": labels.get(c["item"], c["item"])} for c in found["commitments"]]
    data = {"id": short(tr.item.iri), "label": tr.item.label, "kind": tr.item.kind, "trace": tr.as_dict(),
            "steps": steps, **found, "standing": _standing(ident, fmt)}
    if fmt == "html":
        extra = {"svg": render_svg(tr, item_href, plain_name, term), "tr": tr}
        return render_template("browse/trace.html", **data, **extra)
    return _respond(fmt, "", data, steps, f"{ident.replace('/', '-')}-trace")


def _commitments(fmt: str, *idents: str) -> dict:
    """The commitments of kept plans that answer the items: on a page the first
    COMMITMENT_ROWS of them unless all are asked for (``?all=1``), with how many there are; in
    the JSON and CSV twins, all."""
    if fmt != "html" or request.args.get("all"):
        found = rules.commitments_for(*idents)
        return {"commitments": found, "commitment_count": len(found)}
    found = rules.commitments_for(*idents, limit=COMMITMENT_ROWS)
    total = len(found) if len(found) < COMMITMENT_ROWS else rules.commitment_total(*idents)
    return {"commitments": found, "commitment_count": total}


def _search_args() -> dict:
    chosen = {f: [v for v in request.args.getlist(f) if v] for f in FACETS}
    due_from, due_to = (request.args.get(k, "").strip() for k in ("due_from", "due_to"))
    on = request.args.get("on", "").strip()
    sort = request.args.get("sort", "").strip()
    if sort and sort not in SORTS:
        raise QueryError(gettext("sort must be one of %(sorts)s, not “%(sort)s”", sorts=", ".join(SORTS), sort=sort))
    page = request.args.get("page", "1").strip()
    if not page.isdigit() or int(page) < 1:
        raise QueryError(gettext("page must be a whole number from 1, not “%(page)s”", page=page))
    without = []
    for part in request.args.getlist("without"):
        constraint, _sep, value = part.partition(":")
        if not value:
            raise QueryError(gettext("without must be a part of the reading such as subject:topic-mental-health, "
                                     "not “%(part)s”", part=part))
        without.append((constraint, value))
    return {"q": request.args.get("q", "").strip()[:200], "subject": request.args.get("subject", "").strip(),
            "chosen": chosen, "due_from": due_from if DATE.match(due_from) else "",
            "due_to": due_to if DATE.match(due_to) else "", "on": _day(on), "sort": sort,
            "page": int(page), "without": without}


def _day(text: str) -> str:
    """*text* when it is a real day YYYY-MM-DD, else ""."""
    try:
        return dt.date.fromisoformat(text).isoformat() if DATE.match(text) else ""
    except ValueError:
        return ""


def _chips(answer) -> list[dict]:
    """How the question was read, one removable part at a time (and its words, kept)."""
    reading, chips = answer.reading, []
    labels = {n.id: n for n in [*([answer.applies_to] if answer.applies_to else []), *answer.narrowed_by]}
    for constraint, value in reading.parts():
        if constraint == "subject":
            named = labels[value]
            text = (gettext("applies to: %(name)s", name=plain_name(named.id, named.label))
                    if named is answer.applies_to else
                    gettext("%(role)s: %(name)s", role=term(named.role), name=plain_name(named.id, named.label)))
        elif constraint in ("on", "due_from", "due_by"):
            text = {"on": gettext("as on: %(day)s"), "due_from": gettext("due from: %(day)s"),
                    "due_by": gettext("due by: %(day)s")}[constraint] % {"day": value}
        elif constraint == "modality":
            names = " / ".join(term(m) for m in reading.modalities)
            text = (gettext("modality: %(names)s, then stronger", names=names) if reading.stronger_too
                    else gettext("modality: %(names)s", names=names))
        else:
            text = gettext("kind: %(name)s", name=term(value))
        chips.append({"constraint": constraint, "value": value, "text": text})
    return chips


def search_data(args: dict, lang: str = "en") -> dict:
    """What applies to the subject a question names, narrowed and ranked as the library reads the
    question (PolicyGraph.ask), or else ranked matches of its words; filtered by facets."""
    graph, index, cat = current_app.extensions["policy_graph"], current_app.extensions["policy_search"], catalogue()
    hits = index.search(args["q"]) if args["q"] else []
    candidates = index.subjects(hits)
    sort = args["sort"] or "relevance"
    answer, subject, chips, relaxations = None, None, [], []
    if args["subject"]:
        subject = cat.entries.get(args["subject"])
    if subject is not None and subject.role:
        rows = applies_to(graph, cat, subject, asked_day(), lang)
        mode = "applies"
    elif args["q"]:
        answer = graph.ask(args["q"], asked_day(), sort, without=args["without"], lang=lang)
        matched = gettext("matches the words of the question")
        rows = [Row(cat.entries[f.entry.id], [f.answer.summary] if f.answer else [matched], f.answer, f.score)
                for f in answer.found if f.entry.id in cat.entries]
        subject = cat.entries.get(answer.applies_to.id) if answer.applies_to else None
        mode = "applies" if subject else "text"
        chips = _chips(answer)
        relaxations = [{**vars(r), "href": _search_url(args, {}, without=(r.constraint, r.value))}
                       for r in answer.relaxations]
    else:
        rows, mode = [], "text"
    rows.sort(key=order(sort, answer.reading.modalities if answer else ()))
    facets = facet_counts(rows, args["chosen"])
    shown = apply_filters(rows, args["chosen"], args["due_from"], args["due_to"])
    others = [{"id": e.id, "label": e.label, "kind": e.kind, "role": e.role}
              for e in candidates if subject is None or e.id != subject.id][:6]
    text_matches = [{"id": h.entry.id, "label": h.entry.label, "kind": h.entry.kind}
                    for h in hits[:10] if h.entry.kind != "passage" and not h.entry.obligation]
    return {"q": args["q"], "mode": mode,
            "subject": {"id": subject.id, "label": subject.label, "kind": subject.kind, "role": subject.role}
            if subject else None,
            "reading": {**answer.reading.as_dict(), "chips": chips} if answer else None,
            "as_words": {"id": answer.as_words.id, "label": plain_name(answer.as_words.id, answer.as_words.label)}
            if answer and answer.as_words else None,
            "relaxations": relaxations, "sort": sort,
            "filters": {**args["chosen"], "due_from": args["due_from"], "due_to": args["due_to"]},
            "on": asked_day().isoformat(),
            "total": len(rows), "count": len(shown), "results": [r.as_dict() for r in shown],
            "facets": {f: [{"value": v, "count": c} for v, c in counts] for f, counts in facets.items()},
            "other_subjects": others, "text_matches": text_matches}


@bp.get("/search", defaults={"suffix": ""})
@bp.get("/search.<any(json, csv):suffix>")
def search(suffix: str):
    """What applies to a body, kind of body, topic, statute or duty; or a free-text search."""
    args = _search_args()
    fmt = wanted_format(suffix)
    # the reasons in the page's language; the JSON and CSV twins are data, in the graph's own words
    data = search_data(args, language() if fmt == "html" else "en")
    if fmt == "csv" and data["mode"] == "applies":
        # what applies, in the columns and words of 'policy-graph applies --format csv', and the
        # words of the guidance a reader checks each row against
        rows = [{**r, "item": r["id"], "why": r["summary"], "priority": "; ".join(r["priority_names"]),
                 "applies": str(r["applies"]).lower(), "in_force": str(r["in_force"]).lower()}
                for r in data["results"]]
        return csv_response(rows, "search", [*APPLIES_COLUMNS, "quote"])
    if fmt == "csv":
        columns = ["id", "label", "kind", "modality", "priority", "bearer", "topic", "due", "why", "quote"]
        return csv_response(data["results"], "search", columns)
    if fmt == "html" and not request.args.get("all"):
        # a page stays quick to load and read; the others are a link (or the CSV) away
        pages_count = max(1, -(-len(data["results"]) // PAGE_ROWS))
        page = min(args["page"], pages_count)
        first = (page - 1) * PAGE_ROWS
        data = {**data, "results": data["results"][first:first + PAGE_ROWS], "truncated": pages_count > 1,
                "page": page, "pages": pages_count, "first": first + 1 if data["results"] else 0}
    return _respond(fmt, "browse/search.html", data, facet_names=FACETS, sorts=SORTS,
                    toggle=lambda **change: _search_url(args, data, **change))


def _search_url(args: dict, data: dict, fmt: str = "", subject: str = "", clear: bool = False,
                without: tuple[str, str] | None = None, sort: str = "", page: int = 0, **facet: str) -> str:
    """This search's URL with one facet value switched on or off, another subject, no filters,
    a part of the reading taken away, another order or page, or another format; so every
    filtered answer has a stable, shareable address."""
    params: dict[str, list[str] | str] = {"q": args["q"]}
    chosen_subject = subject or args["subject"]
    if chosen_subject:
        params["subject"] = chosen_subject
    taken = [*args.get("without", []), *([without] if without else [])]
    if taken and not subject:
        params["without"] = [f"{c}:{v}" for c, v in taken]
    if sort or args.get("sort"):
        params["sort"] = sort or args["sort"]
    if page > 1:
        params["page"] = str(page)
    if not clear:
        for name in FACETS:
            values = list(args["chosen"][name])
            if name in facet:
                values = [v for v in values if v != facet[name]] if facet[name] in values else values + [facet[name]]
            params[name] = values
        params.update({k: args[k] for k in ("due_from", "due_to", "on") if args[k]})
    endpoint = {"json": "browse.search", "csv": "browse.search"}.get(fmt, "browse.search")
    if fmt == "all":
        params["all"] = "1"
        fmt = ""
    return url_for(endpoint, suffix=fmt or "", **{k: v for k, v in params.items() if v})


@bp.get("/deadlines", defaults={"suffix": ""})
@bp.get("/deadlines.<any(json, csv, ics, atom):suffix>")
def deadlines(suffix: str):
    """Everything with a date, filterable by body, topic, priority or plan and date range; as a
    page, JSON, CSV, and iCalendar and Atom feeds (web/deadlines.py)."""
    chosen = deadline_feeds.filters()
    found = deadline_feeds.answer(chosen)
    if suffix in ("ics", "atom"):
        if suffix == "ics":
            response = Response(deadline_feeds.ics(chosen, found), mimetype="text/calendar")
            response.headers["Content-Disposition"] = 'inline; filename="deadlines.ics"'
        else:
            response = Response(deadline_feeds.atom(chosen, found), mimetype="application/atom+xml")
        # a calendar or reader that polls gets "not modified" until another build changes the feed
        response.add_etag()
        return response.make_conditional(request)
    fmt = wanted_format(suffix)
    if fmt == "csv":
        return csv_response([deadline_feeds.row(d) for d in found], "deadlines", deadline_feeds.CSV_COLUMNS)
    return _respond(fmt, "browse/deadlines.html", deadline_feeds.page_data(chosen, found))


@bp.get("/welsh-review", defaults={"suffix": ""})
@bp.get("/welsh-review.<any(json, csv):suffix>")
def welsh_review(suffix: str):
    """The Welsh names written for this graph that await review by a Welsh speaker, by kind."""
    review = current_app.extensions["policy_graph"].welsh_review()
    fmt = wanted_format(suffix)
    if fmt == "csv":
        return csv_response([vars(n) for n in review.awaiting], "welsh-review")
    return _respond(fmt, "browse/welsh_review.html", review.as_dict())


@bp.get("/documents/<doc>")
def document(doc: str):
    """A source document with every encoded passage highlighted and its headings' coverage."""
    ident, suffix = split_suffix(doc)
    fmt = wanted_format(suffix)
    data = pages.document(ident)
    if fmt == "csv":
        return csv_response(data["headings"], f"{ident}-headings")
    if fmt == "json":
        return json_response(data)
    cat = catalogue()
    text = cat.cached(("html", ident, language()), lambda: render(
        cat.documents[ident].text, data["passages"],
        [{**h, "start": s["start"]} for h, s in zip(data["headings"], pages.sections_of(ident), strict=True)],
        item_href))
    return render_template("browse/document.html", **data, text=text)
