"""The deadlines page and its feeds: one answer of the library (:meth:`graph.api.PolicyGraph.deadlines`),
written as the page, its JSON twin, a CSV download, an iCalendar feed (RFC 5545, made with the
``icalendar`` library: folding and escaping are its) and an Atom feed (RFC 4287, from a template
that escapes). The filters are the same parameters on every one of them, so a page's subscribe
links give the dates the page shows."""

from __future__ import annotations

import datetime as dt

from flask import current_app, render_template, request, url_for
from markupsafe import Markup

from graph.errors import QueryError
from graph.rules.deadlines import Deadline
from web.catalogue import catalogue
from web.i18n import gettext, language, name_text, plain_name, term
from web.receipt import asked_day
from web.terms import N_

#: The filters, in the order addresses give them.
FILTERS = ("body", "topic", "priority", "plan", "from", "to")
#: The columns of the CSV download.
CSV_COLUMNS = ["date", "date_kind", "date_text", "date_assumed", "id", "label", "item", "item_label", "modality",
               "priority", "bearer", "section", "passage", "quote"]
#: A calendar event's title, by the kind of date.
TITLES = {"due by": N_("Due: %(what)s"), "from": N_("Applies from: %(what)s")}
#: What names the calendar in a calendar program (RFC 5545 PRODID).
PRODID = "-//NHS Wales planning policy graph//Deadlines//"


def filters() -> dict[str, str]:
    """The filters this request names, checked: a day that is not a real date YYYY-MM-DD is
    refused, naming its parameter (what a filter names is checked by the library). A priority
    may be given by its English name, as addresses made before ids were used give it."""
    chosen = {k: request.args.get(k, "").strip() for k in FILTERS}
    for key in ("from", "to"):
        if chosen[key]:
            try:
                dt.date.fromisoformat(chosen[key])
            except ValueError:
                raise QueryError(f"parameter '{key}': {chosen[key]!r} is not a date YYYY-MM-DD") from None
    if chosen["priority"] and chosen["priority"] not in catalogue().entries:
        named = [e.id for e in catalogue().entries.values()
                 if e.role in ("priority", "enabling plan") and e.label == chosen["priority"]]
        chosen["priority"] = named[0] if named else chosen["priority"]
    return chosen


def answer(chosen: dict[str, str]) -> list[Deadline]:
    graph = current_app.extensions["policy_graph"]
    day = {k: dt.date.fromisoformat(chosen[k]) if chosen[k] else None for k in ("from", "to")}
    return graph.deadlines(body=chosen["body"] or None, topic=chosen["topic"] or None,
                           priority=chosen["priority"] or None, plan=chosen["plan"] or None,
                           start=day["from"], end=day["to"], on=asked_day())


def row(d: Deadline) -> dict:
    """One date as the page, its JSON and its CSV give it."""
    entry = catalogue().entries.get(d.obligation)
    return {"date": d.date, "date_kind": d.date_kind, "date_text": d.date_text, "date_assumed": d.date_assumed,
            "id": d.id, "label": d.label,
            "item": d.item, "item_label": d.item_label, "obligation": d.obligation, "kind": d.kind,
            "modality": d.modality, "priority": entry.priorities if entry else [],
            "bearer": entry.bearers if entry else [], "section": d.section, "passage": d.passage, "quote": d.quote}


def page_data(chosen: dict[str, str], found: list[Deadline]) -> dict:
    cat = catalogue()

    def listed(*roles: str) -> list[dict]:
        chosen_entries = (e for e in cat.entries.values() if e.role in roles)
        return [{"id": e.id, "label": e.label, "role": e.role}
                for e in sorted(chosen_entries, key=lambda e: (roles.index(e.role), e.label.lower()))]

    return {"filters": chosen, "count": len(found), "deadlines": [row(d) for d in found],
            "bodies": listed("kind of body", "body"), "topics": listed("topic"),
            "priorities": listed("priority", "enabling plan"), "feeds": feed_links(chosen)}


def _address(chosen: dict[str, str], suffix: str = "", external: bool = False) -> str:
    # the language is named, so that a calendar or reader that sends no cookie gets this one
    return url_for("browse.deadlines", suffix=suffix, _external=external, lang=language(),
                   **{k: v for k, v in chosen.items() if v})


def feed_links(chosen: dict[str, str]) -> dict[str, str]:
    """The addresses to subscribe to these dates: in a calendar (webcal: opens one, and the
    https address is the same feed), or in a feed reader."""
    ics = _address(chosen, "ics", external=True)
    return {"webcal": "webcal://" + ics.split("://", 1)[1], "ics": ics, "atom": _address(chosen, "atom", external=True)}


def _stamp() -> dt.datetime:
    """When the build was made: the time every entry of a feed is stamped with, so the same
    build gives the same feed, byte for byte."""
    built = current_app.extensions["policy_graph"].build_report().get("built_at")
    try:
        return dt.datetime.fromisoformat(built).astimezone(dt.UTC)
    except (TypeError, ValueError):
        return dt.datetime(1970, 1, 1, tzinfo=dt.UTC)


def _name(ident: str) -> str:
    entry = catalogue().entries.get(ident)
    if entry is not None and entry.role == "kind of body":
        return term(entry.label)
    return plain_name(ident, catalogue().label(ident))


def feed_title(chosen: dict[str, str]) -> str:
    """The feed's name, with what it is filtered by."""
    named = [_name(chosen[k]) for k in ("body", "topic", "priority", "plan") if chosen[k]]
    named += [gettext("from %(date)s", date=chosen["from"])] if chosen["from"] else []
    named += [gettext("to %(date)s", date=chosen["to"])] if chosen["to"] else []
    title = gettext("Deadlines")
    return f"{title}: {' · '.join(named)}" if named else title


def _entry(d: Deadline) -> dict:
    """What a calendar event and a feed entry say of one date, in this request's language: the
    obligation, its modality, the passage that states it (in English, as published) and a link
    to the page of what carries the date."""
    what, _fallback = name_text(d.obligation, d.item_label if d.item else d.label)
    target, _fallback = name_text(d.id, d.label)
    described = ", ".join(term(x) for x in (d.kind, d.modality) if x)
    facts = [gettext("Obligation: %(what)s", what=f"{what} ({described})" if described else what)]
    if d.item:
        facts.append(gettext("Target: %(what)s", what=target))
    if d.date_text:
        facts.append(gettext("As stated: %(words)s", words=d.date_text))
    if d.date_assumed:
        facts.append(gettext("(year assumed)"))
    served = [plain_name(i, label) for i, label in d.priorities + d.plans]
    if served:
        facts.append(gettext("Priority or plan: %(names)s", names="; ".join(served)))
    cited = ", ".join(x for x in (d.section, d.passage) if x)
    url = url_for("browse.node", rest=d.id, _external=True, lang=language())
    text = [*facts, *([f"“{d.quote}”", f"— {cited}"] if d.quote else []), url]
    html = Markup("<p>{}</p>").format(Markup("<br>").join(facts))
    if d.quote:
        html += Markup('<blockquote lang="en"><p>{}</p></blockquote><p>— {}</p>').format(d.quote, cited)
    html += Markup('<p><a href="{}">{}</a></p>').format(url, url)
    return {"uid": d.uid, "title": gettext(TITLES.get(d.date_kind, TITLES["due by"]), what=target),
            "date": d.date, "url": url, "text": "\n".join(text), "html": str(html),
            "categories": [{"id": i, "label": plain_name(i, label)} for i, label in d.priorities + d.plans]}


def ics(chosen: dict[str, str], found: list[Deadline]) -> bytes:
    """The dates as an iCalendar feed: one all-day event a date, its UID the node's IRI with the
    kind and day of the date, every stamp the build's time."""
    import icalendar

    stamp = _stamp()
    calendar = icalendar.Calendar()
    calendar.add("prodid", PRODID + language().upper())
    calendar.add("version", "2.0")
    calendar.add("calscale", "GREGORIAN")
    calendar.add("method", "PUBLISH")
    calendar.add("x-wr-calname", feed_title(chosen))
    calendar.add("name", feed_title(chosen))
    calendar.add("url", _address(chosen, "ics", external=True))
    for d in found:
        entry = _entry(d)
        event = icalendar.Event()
        day = dt.date.fromisoformat(d.date)
        event.add("uid", entry["uid"])
        event.add("dtstamp", stamp)
        event.add("dtstart", day)
        event.add("dtend", day + dt.timedelta(days=1))
        event.add("summary", entry["title"])
        event.add("description", entry["text"])
        event.add("url", entry["url"])
        if entry["categories"]:
            event.add("categories", [c["label"] for c in entry["categories"]])
        event.add("transp", "TRANSPARENT")  # a day something is due leaves the day free
        calendar.add_component(event)
    return calendar.to_ical()


def atom(chosen: dict[str, str], found: list[Deadline]) -> str:
    """The dates as an Atom feed: one entry a date, its id the node's IRI with the kind and day
    of the date, every entry updated when the build was made."""
    return render_template("feeds/deadlines.xml", title=feed_title(chosen), entries=[_entry(d) for d in found],
                           updated=_stamp().isoformat().replace("+00:00", "Z"),
                           self_url=_address(chosen, "atom", external=True),
                           page_url=_address(chosen, external=True),
                           build_url=url_for("receipt.build", suffix="json", _external=True, lang=None))


__all__ = ["CSV_COLUMNS", "FILTERS", "answer", "atom", "feed_links", "filters", "ics", "page_data", "row"]
