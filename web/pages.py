"""The data behind each browser page, as plain dicts: the template renders them and the JSON
twin returns them unchanged. Views stay thin; everything that reads the graph is here."""

from __future__ import annotations

import re
from collections import defaultdict

from flask import current_app

from graph.display import clean, main_quote
from graph.errors import QueryError
from graph.namespaces import entity
from graph.rules.trace import trace
from web.catalogue import catalogue
from web.graphdata import run
from web.i18n import gettext, language, term

#: Context shown around a quoted passage, at most this many characters each side.
CONTEXT_CHARS = 700


class NotFound(LookupError):
    """No node of that id in the graph."""

    def __init__(self, ident: str):
        super().__init__(ident)
        self.ident = ident


def home() -> dict:
    """The home page's data: what is due next from the day the page answers for (``on``, today)."""
    from web.receipt import asked_day

    day = asked_day()
    due = [{"date": d.date, "date_kind": d.date_kind, "date_text": d.date_text, "id": d.id, "label": d.label,
            "item": d.item, "item_label": d.item_label}
           for d in current_app.extensions["policy_graph"].deadlines(start=day, details=False, on=day)[:10]]
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
    return {"id": passage, "exact": row["exact"], "display": clean(row["exact"]), "start": start, "end": end,
            "document": row["document"],
            "document_label": row["documentLabel"], "attribution": row.get("attribution", ""),
            "sections": [{"id": s["section"], "label": s["label"]} for s in headings],
            "before": clean(before), "after": clean(after), "anchor": f"p-{start}-{end}", "lead_in": False}


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
    date_assumed = False
    for row in run("literals", node=ident):
        if row["property"] == "nwp:dateAssumed":
            # shown beside the dates it qualifies, not as a value of its own
            date_assumed = date_assumed or row["value"] is True
            continue
        values[row.get("propertyLabel") or _words(row["property"])].append(row["value"])
    groups = relations(ident)
    passage_ids = [link["id"] for g in groups if g["relation"] == "nwp:hasSourcePassage" and g["direction"] == "out"
                   for link in g["links"]]
    if ident.startswith("passage/"):
        passage_ids = [ident]
    passages = [p for p in (passage_in_context(p) for p in passage_ids) if p]
    passages.sort(key=lambda p: (p["document"], p["start"]))
    chosen = main_quote([p["exact"] for p in passages])
    for index in chosen.lead_ins if chosen and not ident.startswith("passage/") else ():
        passages[index] = {**passages[index], "lead_in": True}
    entry = catalogue().entries.get(ident)
    kinds_found = [{"id": k["class"], "label": k["classLabel"], "inferred": bool(k["inferred"]),
                    "why": gettext("%(kind)s includes every %(narrower)s", kind=term(k["classLabel"]),
                                   narrower=term(k["fromLabel"])) if k.get("fromLabel") else ""}
                   for k in kinds]
    identifiers, same_as = _identifiers(ident)
    entry = catalogue().entries.get(ident)
    return {
        "id": ident, "label": label,
        # what it can be asked about: what applies to a body or kind, on a topic, for a priority...
        "role": entry.role if entry else "",
        "reading": _reading(ident),
        "kind": " / ".join(sorted({str(r["kind"]) for r in found if r.get("kind")})),
        "kinds": kinds_found,
        "values": dict(values),
        "date_assumed": date_assumed,
        "identifiers": identifiers,
        "same_as": same_as,
        "json_ld": _json_ld(ident, label, {k["id"] for k in kinds_found}, identifiers, same_as),
        "passages": passages,
        "relations": [g for g in groups if (g["relation"] != "nwp:hasSourcePassage" or g["direction"] != "out")
                      and g["relation"] != "nwp:modalityCue"],
        "facets": entry.facets() if entry and entry.obligation else {},
        "due": entry.due if entry else "",
        "due_assumed": entry.due_assumed if entry else False,
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


def _identifiers(ident: str) -> tuple[list[dict], list[str]]:
    """The node's identifiers in other schemes (each with the source it was taken from) and the
    addresses elsewhere of the same thing."""
    identifiers, same_as = [], []
    for row in run("identifiers", node=ident):
        if row.get("sameAs"):
            same_as.append(row["sameAs"])
        elif row.get("identifier"):
            identifiers.append({"id": row["identifier"], "notation": row["notation"], "scheme": row["scheme"],
                                "scheme_label": row.get("schemeLabel", row["scheme"]),
                                "source": row.get("source", ""), "source_label": row.get("sourceLabel", ""),
                                "source_page": row.get("sourcePage", "")})
    return identifiers, same_as


#: schema.org types for the graph's kinds, most specific first.
_SCHEMA_TYPES = (("nwp:Legislation", "Legislation"), ("nwp:PublicBody", "GovernmentOrganization"),
                 ("org:Organization", "Organization"))
#: How schema.org names an identifier's scheme (its PropertyValue's propertyID).
_SCHEMES = {"nwp:ODSCode": "ODS", "nwp:LegislationGovUkId": "legislation.gov.uk"}


def _json_ld(ident: str, label: str, kinds: set[str], identifiers: list[dict], same_as: list[str]) -> dict:
    """The node in schema.org terms, for the JSON-LD an item page embeds."""
    data: dict = {"@context": "https://schema.org", "@id": entity(ident), "name": label,
                  "@type": next((t for kind, t in _SCHEMA_TYPES if kind in kinds), "Thing")}
    if same_as:
        data["sameAs"] = same_as
    values = [{"@type": "PropertyValue", "propertyID": _SCHEMES.get(i["scheme"], i["scheme"]), "value": i["notation"]}
              for i in identifiers]
    if values:
        data["identifier"] = values
    legislation = [i["notation"] for i in identifiers if i["scheme"] == "nwp:LegislationGovUkId"]
    if data["@type"] == "Legislation" and legislation:
        data["legislationIdentifier"] = legislation[0]
    return data


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
