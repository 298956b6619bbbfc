"""The data behind each browser page, as plain dicts: the template renders them and the JSON
twin returns them unchanged. Views stay thin; everything that reads the graph is here."""

from __future__ import annotations

import datetime as dt
import re
from collections import defaultdict

from flask import current_app

from graph.errors import QueryError
from graph.rules.trace import trace
from web.catalogue import catalogue
from web.graphdata import run
from web.i18n import gettext, language, term

#: Context shown around a quoted passage, at most this many characters each side.
CONTEXT_CHARS = 700
#: Dates outside any plan period, bounding "everything with a date".
ALL_DATES = ("1900-01-01", "2100-12-31")


class NotFound(LookupError):
    """No node of that id in the graph."""

    def __init__(self, ident: str):
        super().__init__(ident)
        self.ident = ident


def home() -> dict:
    today = dt.date.today().isoformat()
    due = [r for r in deadlines_rows() if r["date"] >= today][:10]
    return {
        "priorities": run("priorities"),
        "plans": run("of-kind", kind="nwp:EnablingPlan"),
        "statutes": run("of-kind", kind="nwp:Legislation"),
        "duties": run("of-kind", kind="nwp:StatutoryDuty"),
        "due_next": due,
        "documents": [{"id": d.id, "title": d.title} for d in catalogue().documents.values()],
    }


def sections_of(document: str) -> list[dict]:
    return catalogue().cached(("sections", document), lambda: run("document-sections", document=document))


def passage_in_context(passage: str) -> dict | None:
    """A passage with its text, its section path and the text around it in the source."""
    rows = run("passage", passage=passage)
    if not rows:
        return None
    row = rows[0]
    doc = catalogue().documents.get(row["document"])
    start, end = int(row["start"]), int(row["end"])
    headings = [s for s in sections_of(row["document"]) if s["start"] <= start < s["end"]]
    headings.sort(key=lambda s: s["depth"])
    before = after = ""
    if doc is not None:
        floor = headings[-1]["start"] if headings else 0
        ceiling = headings[-1]["end"] if headings else len(doc.text)
        lo = max(doc.text.rfind("\n\n", floor, start), floor, start - CONTEXT_CHARS)
        hi = doc.text.find("\n\n", end, ceiling)
        hi = min(ceiling if hi < 0 else hi, end + CONTEXT_CHARS)
        before, after = doc.text[lo:start].lstrip("\n"), doc.text[end:hi]
    return {"id": passage, "exact": row["exact"], "start": start, "end": end, "document": row["document"],
            "document_label": row["documentLabel"], "attribution": row.get("attribution", ""),
            "sections": [{"id": s["section"], "label": s["label"]} for s in headings],
            "before": before, "after": after, "anchor": f"p-{start}-{end}"}


def _explain(row: dict) -> str:
    if row.get("inverseLabel"):
        return gettext("inverse of “%(relation)s”, which the data states", relation=term(row["inverseLabel"]))
    if row.get("narrowerLabel"):
        return gettext("follows from “%(relation)s”, which the data states", relation=term(row["narrowerLabel"]))
    if row.get("transitive"):
        return gettext("“%(relation)s” is transitive: it holds through a chain of links",
                       relation=term(row.get("relationLabel", row["relation"])))
    return gettext("entailed by OWL 2 RL reasoning over the ontology")


def relations(ident: str) -> list[dict]:
    """Links to and from *ident*, grouped by relation and direction, each marked stated or inferred."""
    merged: dict[tuple, dict] = {}
    rows = run("relations", node=ident)
    labels = {r["relation"]: r["relationLabel"] for r in rows if r.get("relationLabel")}
    for row in rows:
        key = (row["direction"], row["relation"], row["other"])
        link = merged.setdefault(key, {"id": row["other"], "label": row.get("otherLabel", row["other"]),
                                       "inferred": bool(row["inferred"]), "why": []})
        if link["inferred"]:
            reason = _explain(row)
            if reason not in link["why"]:
                link["why"].append(reason)
    groups: dict[tuple, dict] = {}
    for (direction, relation, _other), link in merged.items():
        group = groups.setdefault((direction, relation), {
            "direction": direction, "relation": relation, "label": labels.get(relation) or _words(relation),
            "links": []})
        group["links"].append(link)
    for group in groups.values():
        group["links"].sort(key=lambda link: (link["inferred"], str(link["label"]).lower()))
    return sorted(groups.values(), key=lambda g: (g["direction"] != "out", g["label"]))


def _words(curie: str) -> str:
    """A property's local name as words (altLabel -> alt label), for properties without a label."""
    local = curie.split(":", 1)[-1]
    return re.sub(r"(?<=[a-z])(?=[A-Z])", " ", local).lower()


def item(ident: str) -> dict:
    """Everything the item page shows about one node (kept: the graph does not change while
    the app runs, and at most every node is kept once)."""
    # kept per language: the reasons for inferred links are in the reader's language
    return catalogue().cached(("item", _checked(ident), language()), lambda: _item(ident))


def _item(ident: str) -> dict:
    found = run("label", node=_checked(ident))
    if not found:
        raise NotFound(ident)
    label = str(found[0]["label"])
    kinds = run("kinds", node=ident)
    values: dict[str, list] = defaultdict(list)
    for row in run("literals", node=ident):
        values[row.get("propertyLabel") or _words(row["property"])].append(row["value"])
    groups = relations(ident)
    passage_ids = [link["id"] for g in groups if g["relation"] == "nwp:hasSourcePassage" and g["direction"] == "out"
                   for link in g["links"]]
    if ident.startswith("passage/"):
        passage_ids = [ident]
    passages = [p for p in (passage_in_context(p) for p in passage_ids) if p]
    passages.sort(key=lambda p: (p["document"], p["start"]))
    entry = catalogue().entries.get(ident)
    return {
        "id": ident, "label": label,
        "reading": _reading(ident),
        "kind": " / ".join(sorted({str(r["kind"]) for r in found if r.get("kind")})),
        "kinds": [{"id": k["class"], "label": k["classLabel"], "inferred": bool(k["inferred"]),
                   "why": gettext("%(kind)s includes every %(narrower)s", kind=term(k["classLabel"]),
                                  narrower=term(k["fromLabel"])) if k.get("fromLabel") else ""}
                  for k in kinds],
        "values": dict(values),
        "passages": passages,
        "relations": [g for g in groups if (g["relation"] != "nwp:hasSourcePassage" or g["direction"] != "out")
                      and g["relation"] != "nwp:modalityCue"],
        "facets": entry.facets() if entry and entry.obligation else {},
        "due": entry.due if entry else "",
        "document": ident if ident in catalogue().documents else "",
        "section_anchor": _section_anchor(ident),
    }


def _reading(ident: str) -> dict | None:
    """The words an obligation's modality rests on and the rule that read them, or why none."""
    rows = run("modality-readings", item=ident) if not ident.startswith("passage/") else []
    if not rows:
        return None
    row = rows[0]
    return {"cue": row.get("cue") or "", "passage": row.get("cuePassage") or "",
            "rule": row.get("rule") or "", "rule_label": row.get("ruleLabel") or "",
            "justification": row.get("justification") or ""}


def _section_anchor(ident: str) -> dict | None:
    for document in catalogue().documents:
        for s in sections_of(document):
            if s["section"] == ident:
                return {"document": document, "anchor": f"s-{ident}"}
    return None


def _checked(ident: str) -> str:
    """*ident* if it can name a node; an id the graph cannot hold is simply not found."""
    if not re.fullmatch(r"[a-z0-9][a-z0-9/-]*|[a-z]+:[A-Za-z0-9_-]+", ident):
        raise NotFound(ident)
    return ident


def item_trace(ident: str):
    """The trace of one node (graph/rules/trace.py), or NotFound."""
    graph = current_app.extensions["policy_graph"]
    store, queries = graph.store, graph.queries

    def compute():
        try:
            return trace(store, queries, ident)
        except QueryError:
            raise NotFound(ident) from None

    return catalogue().cached(("trace", _checked(ident)), compute)


def deadlines_rows() -> list[dict]:
    """Everything with a date, with the obligation it belongs to and that obligation's facets."""

    def compute() -> list[dict]:
        entries = catalogue().entries
        rows = []
        for row in run("due-between", start=ALL_DATES[0], end=ALL_DATES[1]):
            owner = row.get("item") or row["node"]
            entry = entries.get(owner)
            rows.append({"date": row["date"], "date_kind": row["dateKind"], "date_text": row.get("dateText", ""),
                         "id": row["node"], "label": row["label"], "item": row.get("item", ""),
                         "item_label": row.get("itemLabel", ""),
                         "priority": entry.priorities if entry else [], "bearer": entry.bearers if entry else []})
        return rows

    return catalogue().cached("deadlines", compute)


def document(doc: str) -> dict:
    """A source document with its headings (and coverage counts) and its encoded passages."""
    source = catalogue().documents.get(doc)
    if source is None:
        raise NotFound(doc)
    headings = [{"id": s["section"], "label": s["label"], "depth": int(s["depth"]), "direct": int(s["direct"]),
                 "total": int(s["total"]), "anchor": f"s-{s['section']}"} for s in sections_of(doc)]
    passages: dict[str, dict] = {}
    for row in catalogue().cached(("passages", doc), lambda: run("document-passages", document=doc)):
        p = passages.setdefault(row["passage"], {"id": row["passage"], "start": int(row["start"]),
                                                  "end": int(row["end"]), "items": []})
        if row.get("item"):
            p["items"].append({"id": row["item"], "label": row["label"]})
    return {"id": doc, "title": source.title, "publisher": source.publisher, "year": source.year,
            "licence": source.licence, "headings": headings, "passages": list(passages.values())}
