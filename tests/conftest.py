"""Shared fixtures: one real build of the project's data per session, and a way to build
small throwaway projects (the real ontology and sources with data written by a test)."""

from __future__ import annotations

import shutil
import textwrap
from contextlib import contextmanager
from pathlib import Path

import pytest

from graph.build.pipeline import BuildResult, build
from graph.paths import Layout, default_layout
from graph.queries import load_queries
from graph.store import OxigraphStore, RdflibStore

REAL = default_layout()


def pytest_configure(config) -> None:
    # the tests' accounts (and session key) in a folder of their own, never the checkout's
    import os
    import tempfile

    if "POLICY_GRAPH_ACCOUNTS" not in os.environ:
        os.environ["POLICY_GRAPH_ACCOUNTS"] = str(Path(tempfile.mkdtemp(prefix="policy-graph-accounts-"))
                                                  / "accounts.json")


def account_key(organisation: str, role: str = "editor", name: str | None = None, path: Path | None = None) -> str:
    """A new access key of an account of *organisation* with *role* (in the tests' accounts file)."""
    import os

    from graph.access import Accounts

    accounts = Accounts(path or Path(os.environ["POLICY_GRAPH_ACCOUNTS"]))
    return accounts.add(name or f"{role}-{organisation}".lower(), organisation, role, replace=True)


def sign_in(client, organisation: str, role: str = "editor", name: str | None = None) -> str:
    """Make every request of the Flask test *client* carry an account's key; returns the key."""
    key = account_key(organisation, role, name, Path(client.application.config["ACCOUNTS_PATH"]))
    client.environ_base["HTTP_AUTHORIZATION"] = f"Bearer {key}"
    return key


@pytest.fixture(scope="session")
def built(tmp_path_factory) -> BuildResult:
    """The real graph, built once into a temporary folder."""
    return build(REAL, tmp_path_factory.mktemp("build"))


@pytest.fixture(scope="session")
def store(built) -> OxigraphStore:
    """The default embedded store on the real graph."""
    return OxigraphStore(built.artefact)


@pytest.fixture(scope="session")
def rdflib_store(built) -> RdflibStore:
    """The same graph in rdflib, the reference implementation the default is checked against."""
    return RdflibStore(built.artefact)


@pytest.fixture(scope="session")
def queries():
    return load_queries(REAL.queries_dir)


class MiniProject:
    """A project folder with the real ontology, shapes and sources, and test-written data."""

    def __init__(self, root: Path):
        self.root = root
        shutil.copytree(REAL.ontology_dir, root / "ontology")
        shutil.copytree(REAL.sources_dir, root / "graph" / "sources")
        shutil.copytree(REAL.queries_dir, root / "queries")
        (root / "graph" / "data").mkdir(parents=True)
        self.layout = Layout(root)

    def write(self, relative: str, text: str) -> Path:
        path = self.root / "graph" / "data" / relative
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(textwrap.dedent(text).lstrip(), encoding="utf-8")
        return path

    def copy_real(self, relative: str) -> None:
        target = self.root / "graph" / "data" / relative
        target.parent.mkdir(parents=True, exist_ok=True)
        shutil.copy(REAL.data_dir / relative, target)


#: A small valid data set: one structure, one priority, one requirement with a target.
MINI_STRUCTURE = """
document: tpg
sections:
  - {id: tpg-2, number: "2", title: Priorities, heading: "2. Cabinet Secretary's Key Strategic Priorities", level: 1}
  - {id: tpg-2-1, number: "2.1", title: Timely Access to Care, heading: "2.1 TIMELY ACCESS TO CARE", level: 2}
  - {id: tpg-2-2, number: "2.2", title: Population Health, heading: "2.2 POPULATION HEALTH AND PREVENTION", level: 2}
"""

MINI_ITEMS = """
document: tpg
section: tpg-2-1
items:
  - id: priority-timely-access-to-care
    type: StrategicPriority
    label: Timely Access to Care
    quote: "2.1 TIMELY ACCESS TO CARE"
    order: 1
  - id: metric-handovers-over-45
    type: Metric
    label: Ambulance handovers over 45 minutes
    unit: nwp:Count
  - id: req-handover
    type: Requirement
    label: No handover over 45 minutes
    quote: "Ensure no ambulance patient handover waits over 45 minutes"
    modality: nwp:Must
    bindsKind: nwp:HealthBoard
    servesPriority: priority-timely-access-to-care
    measuredBy:
      - type: Target
        label: Zero handovers over 45 minutes
        metric: metric-handovers-over-45
        comparator: nwp:EqualTo
        targetValue: 0
        unit: nwp:Count
        dueBy: 2027-03-31
"""


@pytest.fixture
def mini(tmp_path) -> MiniProject:
    project = MiniProject(tmp_path / "project")
    project.write("tpg/structure.yaml", MINI_STRUCTURE)
    project.write("tpg/items.yaml", MINI_ITEMS)
    return project


CHROMIUM = Path("/usr/bin/chromium")
CHROMIUM_ARGS = ["--headless=new", "--no-sandbox", "--disable-gpu", "--disable-background-networking",
                 "--disable-component-update", "--no-first-run", "--disable-sync"]


@pytest.fixture(scope="session")
def browser():
    """One headless Chromium (Debian's, driven by playwright) for every browser test."""
    if not CHROMIUM.exists():
        pytest.fail(f"{CHROMIUM} is missing: run 'python3 tasks.py test' as root, or 'apt-get install chromium'")
    from playwright.sync_api import sync_playwright

    with sync_playwright() as pw:
        chromium = pw.chromium.launch(executable_path=str(CHROMIUM), args=CHROMIUM_ARGS)
        yield chromium
        chromium.close()


def copy_build(built: BuildResult, target: Path) -> Path:
    """Copy the built artefact to *target*, with its build report beside it (which a store
    checks the artefact against); *target*."""
    from graph.paths import REPORT_NAME

    shutil.copy(built.artefact, target)
    shutil.copy(built.report_path, target.parent / REPORT_NAME)
    return target


@pytest.fixture
def build_dir(built, tmp_path) -> Path:
    """A build folder of its own holding a copy of the real artefact (plans kept beside it)."""
    from graph.paths import ARTEFACT_NAME

    folder = tmp_path / "build"
    folder.mkdir()
    copy_build(built, folder / ARTEFACT_NAME)
    return folder


@contextmanager
def local_page(browser, base_url: str, **options):
    """A page in a fresh browser context on *base_url* (JavaScript off unless *options* say
    otherwise); on leaving, it asserts that everything the page fetched came from the app."""
    context = browser.new_context(base_url=base_url, viewport={"width": 1280, "height": 900},
                                  **{"java_script_enabled": False, **options})
    requests: list[str] = []
    page = context.new_page()
    page.on("request", lambda r: requests.append(r.url))
    yield page
    context.close()
    assert requests and all(url.startswith(base_url) for url in requests), requests
