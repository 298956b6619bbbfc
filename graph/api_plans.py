"""The kept plans as the library answers for them: keeping, publishing and removing a plan, and
which plans (and which of their commitments) a viewer may see. :class:`graph.api.PolicyGraph`
is made of these and the rest of the questions."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from typing import TYPE_CHECKING

from graph.access import EVERYONE, Viewer
from graph.errors import PlanExistsError, PolicyGraphError

if TYPE_CHECKING:
    from rdflib import Graph

    from graph.rules.kept_plans import LoadedCommitment, PlanAccess
    from graph.rules.plan_graph import PlanInfo
    from graph.rules.plans import Commitment
    from graph.rules.targets import Figure
    from graph.store import Store


class ForbiddenError(PolicyGraphError):
    """The one asking may see this, but not change it."""


class PlanLimitError(PolicyGraphError):
    """An organisation keeps as many plans as it may."""

    def __init__(self, organisation: str, count: int):
        super().__init__(f"'{organisation}' keeps {count} plans already, as many as it may; remove one first")
        self.organisation = organisation
        self.count = count


class KeptPlans:
    """The kept plans' part of the library (needs ``store``, ``build_dir`` and ``refresh``)."""

    store: Store
    build_dir: Path
    refresh: Callable[[], bool]

    def keep_plan(self, plan_id: str, organisation: str, commitments: list[Commitment],
                  figures: list[Figure] | None = None, title: str = "", source: str = "",
                  replace: bool = False, *, viewer: Viewer = EVERYONE, published: bool = False,
                  max_per_organisation: int | None = None) -> tuple[Path, Graph]:
        """Validate a plan and keep it as named graph beside the built graph (and on the SPARQL
        server when the store is one); every process sees it from its next question. It is
        *organisation*'s alone unless *published*.

        :raise PlanExistsError: when a plan *plan_id* is kept and *replace* is not set (also when
            another process keeps one at the same moment: exactly one of them keeps it);
            ForbiddenError when *viewer* may not keep plans of *organisation* (or replace that
            plan); PlanLimitError when *organisation* keeps *max_per_organisation* plans already;
            PlanInvalidError with every problem; StoreError when it cannot be stored.
        """
        from graph.rules.kept_plans import keep_plan, plan_path
        from graph.rules.plan_graph import build_plan, check_plan_id
        from graph.store import plan_server

        check_plan_id(plan_id)
        if not viewer.may_change(organisation):
            raise ForbiddenError(f"{viewer.name or 'an anonymous visitor'} may not keep plans of '{organisation}'")
        kept = {p.id: p for p in self.plan_access()}
        if plan_id in kept:
            if not replace:
                raise PlanExistsError(plan_id)
            if not viewer.may_change(kept[plan_id].organisation):
                raise PlanExistsError(plan_id)
        elif plan_path(self.build_dir, plan_id).exists() and not replace:
            raise PlanExistsError(plan_id)
        if max_per_organisation is not None and plan_id not in kept:
            count = sum(1 for p in kept.values() if p.organisation == organisation)
            if count >= max_per_organisation:
                raise PlanLimitError(organisation, count)
        graph = build_plan(plan_id, organisation, commitments, self.store, figures, title, source, published)
        saved = keep_plan(self.build_dir, plan_id, graph, plan_server(self.store), replace=replace)
        self.refresh()
        return saved, graph

    def publish_plan(self, plan_id: str, published: bool, viewer: Viewer = EVERYONE) -> PlanInfo:
        """Make kept plan *plan_id* public, or its organisation's alone again.

        :raise PlanError: when *viewer* sees no such plan; ForbiddenError when they may not change it."""
        from graph.rules.kept_plans import keep_plan
        from graph.rules.plan_graph import plan_info, set_published
        from graph.store import plan_server

        graph = self.plan(plan_id, viewer)
        info = plan_info(graph)
        if not viewer.may_change(info.organisation):
            raise ForbiddenError(f"{viewer.name or 'an anonymous visitor'} may not change plans of "
                                 f"'{info.organisation}'")
        keep_plan(self.build_dir, plan_id, set_published(graph, published), plan_server(self.store))
        self.refresh()
        info.published = published
        return info

    def remove_plan(self, plan_id: str, viewer: Viewer = EVERYONE) -> Path:
        """Remove kept plan *plan_id* everywhere it is kept.

        :raise PlanError: when *viewer* sees no plan of that id; ForbiddenError when they may
            see it but not remove it."""
        from graph.rules.kept_plans import drop_plan
        from graph.store import plan_server

        if not viewer.everything:
            access = {p.id: p for p in self.plan_access()}.get(plan_id)
            if access is None or not viewer.sees(access.organisation, access.published):
                self._no_such_plan(plan_id, viewer)
            if not viewer.may_change(access.organisation):
                raise ForbiddenError(f"{viewer.name or 'an anonymous visitor'} may not remove plans of "
                                     f"'{access.organisation}'")
        removed = drop_plan(self.build_dir, plan_id, plan_server(self.store))
        self.refresh()
        return removed

    def plan_access(self) -> list[PlanAccess]:
        """Every kept plan's organisation and access rights, as the store holds them now (not
        kept between questions: over a SPARQL server another worker's keep shows only there)."""
        from graph.rules.kept_plans import plan_access

        return plan_access(self.store)

    def visible_plans(self, viewer: Viewer = EVERYONE) -> set[str] | None:
        """The ids of the kept plans *viewer* may see; None for every plan."""
        if viewer.everything:
            return None
        return {p.id for p in self.plan_access() if viewer.sees(p.organisation, p.published)}

    def plans(self, viewer: Viewer = EVERYONE) -> list[PlanInfo]:
        """Every kept plan *viewer* may see, by id."""
        from graph.rules.kept_plans import list_plans

        visible = self.visible_plans(viewer)
        return [p for p in list_plans(self.build_dir) if visible is None or p.id in visible]

    def plan(self, plan_id: str, viewer: Viewer = EVERYONE) -> Graph:
        """The graph of kept plan *plan_id*.

        :raise PlanError: when no plan of that id is kept, or *viewer* may not see it (told
            alike, so that a plan's existence is not given away)."""
        from graph.rules.kept_plans import read_saved_plan
        from graph.rules.plan_graph import plan_info

        graph = read_saved_plan(self.build_dir, plan_id)
        info = plan_info(graph)
        if not viewer.sees(info.organisation, info.published):
            self._no_such_plan(plan_id, viewer)
        return graph

    def _no_such_plan(self, plan_id: str, viewer: Viewer):
        from graph.errors import Problem
        from graph.rules.plans import PlanError

        known = ", ".join(p.id for p in self.plans(viewer)) or "none"
        raise PlanError([Problem(f"no loaded plan '{plan_id}' (loaded: {known})", field="id")])

    def commitments(self, items: set[str], limit: int | None = None,
                    viewer: Viewer = EVERYONE) -> list[LoadedCommitment]:
        """The commitments of kept plans *viewer* may see that answer one of *items* or justify
        not adopting it."""
        from graph.rules.kept_plans import loaded_commitments

        return loaded_commitments(self.store, items, limit=limit, plans=self.visible_plans(viewer))

    def commitment_count(self, items: set[str], viewer: Viewer = EVERYONE) -> int:
        from graph.rules.kept_plans import commitment_count

        return commitment_count(self.store, items, plans=self.visible_plans(viewer))


__all__ = ["ForbiddenError", "KeptPlans", "PlanExistsError", "PlanLimitError"]
