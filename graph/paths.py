"""Where the project's files live: the ontology, curated data, sources, queries and build."""

from __future__ import annotations

import os
from dataclasses import dataclass
from pathlib import Path

PACKAGE_DIR = Path(__file__).resolve().parent


def project_root() -> Path:
    """The checkout that holds ``ontology/``, ``graph/`` and ``queries/``.

    ``POLICY_GRAPH_HOME`` overrides it, for running from somewhere other than a checkout.
    """
    home = os.environ.get("POLICY_GRAPH_HOME")
    return Path(home).resolve() if home else PACKAGE_DIR.parent


@dataclass(frozen=True)
class Layout:
    """The input and output locations of one build."""

    root: Path

    @property
    def ontology_dir(self) -> Path:
        return self.root / "ontology"

    @property
    def shapes_file(self) -> Path:
        return self.ontology_dir / "shapes.ttl"

    @property
    def data_dir(self) -> Path:
        return self.root / "graph" / "data"

    @property
    def sources_dir(self) -> Path:
        return self.root / "graph" / "sources"

    @property
    def queries_dir(self) -> Path:
        return self.root / "queries"

    @property
    def examples_dir(self) -> Path:
        """The illustrative plan and trajectory, which the check pages offer for download."""
        return self.root / "examples"

    @property
    def build_dir(self) -> Path:
        return self.root / "build"

    @property
    def accounts_file(self) -> Path:
        """Who may see and change organisations' plans (see :mod:`graph.access`): deployment
        settings, not build output, so a rebuild never touches them. ``POLICY_GRAPH_ACCOUNTS``
        names another file."""
        configured = os.environ.get("POLICY_GRAPH_ACCOUNTS")
        return Path(configured) if configured else self.root / "instance" / "accounts.json"


def default_layout() -> Layout:
    return Layout(project_root())


#: The built artefact, relative to the build directory (N-Quads: N-Triples lines carrying
#: the named graph of each triple, so asserted and inferred facts stay apart).
ARTEFACT_NAME = "policy-graph.nq"
REPORT_NAME = "report.json"
