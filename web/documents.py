"""A source document as readable HTML: paragraphs as the text has them, headings where the
sections start, and every encoded passage highlighted, anchored (``#p-START-END``) and linked
to the items stated in it."""

from __future__ import annotations

import re
from collections import defaultdict
from collections.abc import Callable
from html import escape

from markupsafe import Markup

from graph.display import clean
from web.i18n import gettext, ngettext

#: A blank line, or several; a line of nothing but spaces is blank too.
PARAGRAPH_BREAK = re.compile(r"\n(?:[^\S\n]*\n)+")


#: A passage stating more items than this links to its own page, which lists them.
MAX_CHIPS = 3


def _chip(target: str, text: str, href: Callable[[str], str]) -> str:
    short = text if len(text) <= 48 else text[:47].rstrip() + "…"
    stated = gettext("Stated here:")
    return (f'<a class="chip" href="{escape(href(target))}" title="{escape(text)}">'
            f'<span class="visually-hidden">{escape(stated)} </span>{escape(short)}</a>')


def _chips(passage: dict, href: Callable[[str], str]) -> str:
    items = passage["items"]
    if not items or len(items) > MAX_CHIPS:
        return _chip(passage["id"], ngettext("%(num)d item", "%(num)d items", len(items)), href)
    return "".join(_chip(i["id"], i["label"], href) for i in items)


def _breaks(text: str, headings: list[dict]) -> list[tuple[int, int]]:
    """Where paragraphs end and the next begins, as (start, end) of the text between them: at
    blank lines, and around each heading's line, which the text may run into the lines before
    and after it (a heading over a list), so that every heading is a paragraph of its own."""
    spans = [(m.start(), m.end()) for m in PARAGRAPH_BREAK.finditer(text)]
    found = set(spans)

    def inside(point: int) -> bool:
        return any(a <= point < b for a, b in spans)

    for heading in headings:
        start = heading["start"]
        if start > 0 and not inside(start - 1):
            found.add((start - 1, start) if text[start - 1] == "\n" else (start, start))
        end = text.find("\n", start)
        if end >= 0 and not inside(end):
            found.add((end, end + 1))
    return sorted(found) + [(len(text), len(text))]


def render(text: str, passages: list[dict], headings: list[dict], href: Callable[[str], str]) -> Markup:
    """*text* as HTML with *passages* ({id, start, end, items}) marked and *headings* ({id, start,
    depth, label}) as heading elements; *href* gives the link of an id."""
    spans = _breaks(text, headings)
    gaps = [(a, b) for a, b in spans if b > a]

    def snap(point: int, forward: bool) -> int:
        """A point inside a paragraph break, moved to the paragraph it belongs with."""
        for a, b in gaps:
            if a < point < b:
                return b if forward else a
        return point

    starts: dict[int, list[dict]] = defaultdict(list)
    ends: dict[int, list[dict]] = defaultdict(list)
    for p in passages:
        starts[snap(p["start"], True)].append(p)
        ends[snap(p["end"], False)].append(p)
    heading_at = {h["start"]: h for h in headings}
    cuts = sorted(set(starts) | set(ends))
    out: list[str] = []
    active: set[str] = set()
    position = 0
    for gap_start, gap_end in spans:
        para_start, para_end = position, gap_start
        position = gap_end
        heading = heading_at.get(para_start)
        tag = f"h{min(2 + heading['depth'], 5)}" if heading else "p"
        attrs = f' id="{escape(heading["anchor"])}"' if heading else ""
        body: list[str] = []
        points = [c for c in cuts if para_start <= c <= para_end]
        cursor = para_start
        seen: set[int] = set()
        for point in [*points, para_end]:
            if point > cursor:
                # shown as people read it (graph/display.py); offsets stay those of the text
                chunk = escape(clean(text[cursor:point]))
                body.append(f"<mark>{chunk}</mark>" if active else chunk)
                cursor = point
            if point == para_end and point not in points:
                break
            if point in seen:
                continue
            seen.add(point)
            for p in ends.get(point, []):
                if p["id"] in active:
                    active.discard(p["id"])
                    body.append(_chips(p, href))
            for p in starts.get(point, []):
                if p["end"] > p["start"]:
                    active.add(p["id"])
                    body.append(f'<span class="anchor" id="p-{p["start"]}-{p["end"]}"></span>')
        cuts = [c for c in cuts if c > para_end]
        if para_end > para_start or heading:
            out.append(f"<{tag}{attrs}>{''.join(body)}</{tag}>")
    return Markup("\n".join(out))
