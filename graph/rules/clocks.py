"""The clocks of an item, and its state on a day: published, in force, applies from, due, ended.

Each clock is a day the graph states (named query ``item_clocks``): published
(``dcterms:issued``), in force from (``eli:first_date_entry_in_force``), applies from
(``nwp:effectiveFrom``, a sub-property of ``eli:date_applicability``), due (``nwp:dueBy``, read
with the obligations) and in force until (``eli:date_no_longer_in_force``, its last day). An item
applies from the day it applies from, or else the day it comes into force. It ends after its
stated last day; an item another replaces (``nwp:supersedes``) with no stated last day ends when
its replacement starts to apply, so its last day is the day before: inferred here, never stored,
and said to be inferred wherever it is shown. A replacement with no start day gives no end: the
text does not say when the change happens, so the replaced item still counts.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from graph.language import N_
from graph.namespaces import short
from graph.queries import NamedQuery, bind_parameters, run_named
from graph.store import Store
from graph.wording import ENGLISH, Wording

#: The states of an item on a day, as the data keeps them (reports translate them), with the
#: value of the ELI in-force table (eli:in_force) each stands for.
NOT_YET, IN_FORCE, ENDED = N_("not yet in force"), N_("in force"), N_("ended")
ELI_IN_FORCE = {NOT_YET: "eli:InForce-notInForce", IN_FORCE: "eli:InForce-inForce",
                ENDED: "eli:InForce-notInForce"}
RULE_ENDED = N_("an item no longer applies after its last day in force; an item another replaces ends "
                "the day before its replacement applies")


def _date(term) -> dt.date | None:
    if term is None:
        return None
    value = term.toPython()
    return value if isinstance(value, dt.date) and not isinstance(value, dt.datetime) else None


@dataclass
class Clock:
    """The days the graph states for one item, and the end the rules read from its replacement."""

    label: str = ""  # the item's English name
    issued: dt.date | None = None
    in_force: dt.date | None = None
    applies_from: dt.date | None = None
    last_day_stated: dt.date | None = None
    replaced_by: tuple[str, str] | None = None  # (iri, English label)
    replaced_from: dt.date | None = None  # the day the replacement starts to apply

    @property
    def start(self) -> dt.date | None:
        """The first day the item applies: its own applies-from day, else the day it comes into force."""
        return self.applies_from or self.in_force

    @property
    def last_day(self) -> dt.date | None:
        """The last day it applies: stated, or the day before its replacement applies."""
        if self.last_day_stated is not None:
            return self.last_day_stated
        if self.replaced_from is not None:
            return self.replaced_from - dt.timedelta(days=1)
        return None

    @property
    def end_inferred(self) -> bool:
        """Whether the last day is read from a replacement rather than stated."""
        return self.last_day_stated is None and self.replaced_from is not None

    def state(self, on: dt.date | None) -> str:
        """:data:`NOT_YET`, :data:`IN_FORCE` or :data:`ENDED` on the day *on* (in force when no day is given)."""
        if on is None:
            return IN_FORCE
        if self.start is not None and on < self.start:
            return NOT_YET
        if self.last_day is not None and on > self.last_day:
            return ENDED
        return IN_FORCE

    def as_dict(self, on: dt.date | None = None) -> dict:
        """The clocks as ISO days ("" when not stated), the state on *on* and its ELI value."""
        state = self.state(on)

        def iso(day):
            return day.isoformat() if day else ""

        return {"published": iso(self.issued), "in_force_from": iso(self.in_force),
                "applies_from": iso(self.start), "in_force_until": iso(self.last_day),
                "end_inferred": self.end_inferred,
                "replaced_by": self.replaced_by[0] if self.replaced_by else "",
                "replaced_from": iso(self.replaced_from), "state": state, "eli_in_force": ELI_IN_FORCE[state]}


def read_clocks(store: Store, queries: dict[str, NamedQuery], item: str | None = None) -> dict[str, Clock]:
    """Every item's clocks (or those of the item whose IRI is *item*), by IRI."""
    clocks: dict[str, Clock] = {}
    params = {"item": item} if item else None
    for row in run_named(store, queries["item_clocks"], params).rows:
        # a bound item may come back as the binding, not as a column
        clock = clocks.setdefault(str(row["item"]) if "item" in row else str(item), Clock())
        clock.label = clock.label or str(row.get("label", ""))
        clock.issued = clock.issued or _date(row.get("issued"))
        clock.in_force = clock.in_force or _date(row.get("inForce"))
        clock.applies_from = clock.applies_from or _date(row.get("appliesFrom"))
        clock.last_day_stated = clock.last_day_stated or _date(row.get("lastDay"))
        if "replacedBy" in row:
            start = _date(row.get("replacedFrom")) or _date(row.get("replacedInForce"))
            # the earliest replacement with a day ends it
            if clock.replaced_by is None or (start is not None and (clock.replaced_from is None
                                                                    or start < clock.replaced_from)):
                clock.replaced_by = (str(row["replacedBy"]), str(row["replacedByLabel"]))
                clock.replaced_from = start
    return clocks


def ended_summary(on: dt.date, clock: Clock, w: Wording = ENGLISH) -> str:
    """Why an item no longer counts on the day *on*: replaced, or past its stated last day."""
    if clock.end_inferred:
        return (w._("no longer in force on %(day)s: replaced by %(by)s from %(date)s")
                % {"day": on.isoformat(), "by": w.name(*clock.replaced_by), "date": clock.replaced_from.isoformat()})
    return (w._("no longer in force on %(day)s: in force until %(last)s")
            % {"day": on.isoformat(), "last": clock.last_day.isoformat()})


def standing(store: Store, queries: dict[str, NamedQuery], name: str, on: dt.date | None,
             w: Wording = ENGLISH) -> dict:
    """When the item *name* (an id, CURIE or IRI) counts and its state on the day *on*: its
    clocks (:meth:`Clock.as_dict`), the day asked and a sentence saying why, in the words of *w*.
    Reads the one item's clocks only, so an item page needs none of the applicability rules."""
    iri = str(bind_parameters(queries["item_clocks"], {"item": name})["item"])
    clock = read_clocks(store, queries, iri).get(iri) or Clock()
    state = clock.state(on)
    if on is None:
        summary = ""
    elif state == NOT_YET:
        summary = (w._("not yet in force on %(day)s: applies from %(date)s")
                   % {"day": on.isoformat(), "date": clock.start.isoformat()})
    elif state == ENDED:
        summary = ended_summary(on, clock, w)
    else:
        summary = w._("in force on %(day)s") % {"day": on.isoformat()}
        if clock.start is not None:
            summary += w._(", from %(date)s") % {"date": clock.start.isoformat()}
        if clock.last_day is not None:
            summary += w._(", until %(date)s") % {"date": clock.last_day.isoformat()}
    by = clock.replaced_by
    return {"item": short(iri), "on": on.isoformat() if on else "", **clock.as_dict(on),
            "replaced_by": short(by[0]) if by else "", "replaced_by_label": w.name(*by) if by else "",
            "summary": summary}


def the_day(clocks: dict[str, Clock], due: list[dt.date], on: dt.date, w: Wording = ENGLISH) -> dict:
    """What stands on the day *on*, of the items with days of their own (*clocks*) and the due
    dates (*due*): how many items are in force; those not yet in force and those ended, each
    with its day; and how many due dates have passed and are to come, with the next one."""
    def listed(state: str, day_of) -> list[dict]:
        chosen = [(iri, c) for iri, c in clocks.items() if c.state(on) == state]
        return [{"item": short(iri), "label": w.name(iri, c.label), "day": day_of(c).isoformat(),
                 "end_inferred": c.end_inferred if state == ENDED else False}
                for iri, c in sorted(chosen, key=lambda pair: (day_of(pair[1]), pair[0]))]

    ahead = sorted(d for d in due if d >= on)
    return {"on": on.isoformat(), "items_with_days": len(clocks),
            "in_force": sum(1 for c in clocks.values() if c.state(on) == IN_FORCE),
            "not_yet_in_force": listed(NOT_YET, lambda c: c.start),
            "ended": listed(ENDED, lambda c: c.last_day),
            "due_passed": len(due) - len(ahead), "due_ahead": len(ahead),
            "next_due": ahead[0].isoformat() if ahead else ""}


__all__ = ["ENDED", "IN_FORCE", "NOT_YET", "Clock", "ended_summary", "read_clocks", "standing", "the_day"]
