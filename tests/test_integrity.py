"""What is built and kept stays whole: the built graph is checked against the checksum its build
recorded before anything serves it; a build is published in one step, as a version of its own;
keeping a plan is one compare-and-set; a damaged plan file is set aside and named while the rest
keeps working; and a disk that refuses a write gets one line that names the file and the reason."""

from __future__ import annotations

import contextlib
import hashlib
import json
import multiprocessing
import os
import subprocess
import sys
import threading
import time
from pathlib import Path

import pytest

from graph.api import PlanExistsError, PolicyGraph
from graph.build.pipeline import build
from graph.cli import main
from graph.files import STALE_SECONDS
from graph.paths import ARTEFACT_NAME, REPORT_NAME
from graph.rules.kept_plans import list_plans, read_saved_plan
from graph.rules.plans import PlanError, read_plan
from graph.store import ArtefactDamagedError, OxigraphStore, RdflibStore, dump, open_store, push
from tests.conftest import REAL, account_key, copy_build, sign_in

ROOT = Path(__file__).resolve().parent.parent
PLAN = REAL.root / "examples" / "illustrative-plan.csv"
ORG = "swansea-bay-uhb"
REFUSED = "does not match its build report"


def copied(built, folder: Path) -> Path:
    folder.mkdir(parents=True, exist_ok=True)
    return copy_build(built, folder / ARTEFACT_NAME)


def one_error_line(err: str) -> str:
    """The one line of an error on standard error; fails on a traceback or on more than one."""
    assert "Traceback" not in err, err
    errors = [line for line in err.splitlines() if line.startswith("error:")]
    assert len(errors) == 1, err
    return errors[0]


def dead_pid() -> int:
    """The id of a process that has ended."""
    done = subprocess.run([sys.executable, "-c", "import os; print(os.getpid())"], capture_output=True, text=True)
    return int(done.stdout)


def backdate(path: Path, seconds: float = STALE_SECONDS * 2) -> None:
    """Make *path* (and what a folder holds) look untouched for *seconds*."""
    then = time.time() - seconds
    for each in [*(path.iterdir() if path.is_dir() else []), path]:
        os.utime(each, (then, then), follow_symlinks=False)


# --- 1. the built graph carries its own checksum -------------------------------------------------

def test_the_report_records_the_artefacts_checksum_size_and_quads(built):
    data = built.artefact.read_bytes()
    checksum = json.loads(built.report_path.read_text(encoding="utf-8"))["checksum"]
    assert checksum == {"sha256": hashlib.sha256(data).hexdigest(), "bytes": len(data),
                        "quads": data.count(b"\n")}
    assert checksum["quads"] == built.report["triples"]["total"]


@pytest.mark.parametrize("kind", ["oxigraph", "rdflib", "oxigraph-disk"])
def test_a_copy_cut_at_a_line_boundary_is_refused_by_every_store(built, tmp_path, kind):
    artefact = copied(built, tmp_path / "build")
    data = artefact.read_bytes()
    artefact.write_bytes(data[:data.index(b"\n", len(data) // 2) + 1])
    with pytest.raises(ArtefactDamagedError) as err:
        open_store(artefact, kind)
    message = str(err.value)
    assert REFUSED in message and "policy-graph build" in message and "\n" not in message
    assert not (tmp_path / "build" / "policy-graph.oxigraph").exists()  # nothing was made from it


def test_a_single_bit_flipped_anywhere_is_refused(built, tmp_path):
    data = built.artefact.read_bytes()
    positions = [round(i * (len(data) - 1) / 15) for i in range(16)]
    for n, position in enumerate(positions):
        artefact = copied(built, tmp_path / f"flip{n}")
        flipped = bytearray(data)
        flipped[position] ^= 1 << (n % 8)
        artefact.write_bytes(bytes(flipped))
        with pytest.raises(ArtefactDamagedError, match=REFUSED):
            OxigraphStore(artefact)
    with pytest.raises(ArtefactDamagedError, match=REFUSED):
        RdflibStore(artefact)


def test_without_its_report_or_its_checksum_the_graph_is_refused(built, tmp_path):
    artefact = copied(built, tmp_path / "build")
    report = artefact.parent / REPORT_NAME
    recorded = json.loads(report.read_text(encoding="utf-8"))
    del recorded["checksum"]
    report.write_text(json.dumps(recorded), encoding="utf-8")
    with pytest.raises(ArtefactDamagedError, match="records no checksum"):
        open_store(artefact, "oxigraph")
    report.unlink()
    with pytest.raises(ArtefactDamagedError, match="has no build report"):
        open_store(artefact, "oxigraph")


def test_a_whole_copy_opens_and_answers(built, tmp_path):
    artefact = copied(built, tmp_path / "build")
    for kind in ("oxigraph", "rdflib"):
        assert len(open_store(artefact, kind)) == built.report["triples"]["total"]


def test_the_command_line_the_server_push_and_dump_refuse_a_damaged_graph(built, tmp_path, capsys):
    from web import create_app

    artefact = copied(built, tmp_path / "build")
    data = artefact.read_bytes()
    artefact.write_bytes(data[:-1] + b" ")  # the last byte changed: same size
    for argv in (["query", "priorities"], ["serve", "--port", "0"],
                 ["push", "--query-url", "http://127.0.0.1:9/q", "--store-url", "http://127.0.0.1:9/s"]):
        assert main([*argv, "--graph", str(artefact)]) == 2, argv
        line = one_error_line(capsys.readouterr().err)
        assert REFUSED in line and "checksum" in line and str(artefact) in line, line
    with pytest.raises(ArtefactDamagedError):
        create_app({"TESTING": True, "GRAPH_PATH": str(artefact)})
    with pytest.raises(ArtefactDamagedError):
        push(artefact, "http://127.0.0.1:9/q", "http://127.0.0.1:9/s")
    with pytest.raises(ArtefactDamagedError):
        dump(artefact, "turtle")


# --- 2. a build is published in one step ---------------------------------------------------------

def test_each_build_is_a_version_of_its_own_and_readers_follow_the_current_one(mini):
    out = mini.root / "build"
    first = build(mini.layout, out)
    store = OxigraphStore(first.artefact)
    answered = len(store)
    versions = [build(mini.layout, out).version for _ in range(4)]
    assert (out / "current").resolve() == versions[-1] == first.artefact.resolve().parent
    assert (out / ARTEFACT_NAME).is_symlink() and (out / REPORT_NAME).resolve().parent == versions[-1]
    # the current version and the two before it stay; older ones are removed
    assert sorted(p.name for p in (out / "versions").iterdir() if p.is_dir()) == [v.name for v in versions[-3:]]
    # a store opened on an earlier version still answers from what it read
    assert len(store) == answered and store.query("ASK { ?s ?p ?o }").boolean
    assert len(OxigraphStore(out / ARTEFACT_NAME)) == answered


def test_a_build_over_files_of_the_earlier_layout_replaces_them_and_keeps_the_plans(mini, built, tmp_path):
    out = mini.root / "build"
    artefact = copied(built, out)
    (out / "plans").mkdir()
    (out / "plans" / "kept.nq").write_text("kept\n", encoding="utf-8")
    build(mini.layout, out)
    assert artefact.is_symlink() and (out / REPORT_NAME).is_symlink()
    assert (out / "plans" / "kept.nq").read_text(encoding="utf-8") == "kept\n"
    assert len(OxigraphStore(artefact, plans=False)) < built.report["triples"]["total"]  # the mini graph now


def test_a_build_sweeps_what_a_dead_build_left_and_leaves_a_working_ones(mini):
    out = mini.root / "build"
    build(mini.layout, out)
    versions = out / "versions"
    dead = versions / f".staging.{dead_pid()}.0000.tmp"
    working = versions / f".staging.{os.getpid()}.0001.tmp"
    earlier = out / ".policy-graph.nq.tmp"  # the temporary file of a build of the earlier layout
    for folder in (dead, working):
        folder.mkdir()
        (folder / ARTEFACT_NAME).write_text("half\n", encoding="utf-8")
        backdate(folder)
    earlier.write_text("half\n", encoding="utf-8")
    backdate(earlier)
    fresh = versions / f".staging.{dead_pid()}.0002.tmp"
    fresh.mkdir()
    (fresh / ARTEFACT_NAME).write_text("growing\n", encoding="utf-8")
    backdate(fresh)
    (fresh / ARTEFACT_NAME).write_text("still growing\n", encoding="utf-8")  # a writer elsewhere at work
    build(mini.layout, out)
    assert not dead.exists() and not earlier.exists()
    assert working.is_dir() and fresh.is_dir()


def test_a_failed_write_leaves_no_staging_behind_and_the_build_before_unchanged(mini, built):
    out = mini.root / "build"
    good = build(mini.layout, out)
    before = good.artefact.read_bytes()
    code, err = run_limited(["--root", str(mini.root), "build", "--out", str(out)], limit=20_000)
    assert code == 2
    line = one_error_line(err)
    assert "cannot write" in line and "File too large (errno 27)" in line, line
    assert good.artefact.read_bytes() == before
    assert [p.name for p in (out / "versions").iterdir() if p.name.startswith(".staging")] == []
    assert OxigraphStore(good.artefact) is not None


# --- 3. keeping a plan is one compare-and-set ----------------------------------------------------

def _keep(graph: PolicyGraph, n: int, replace: bool) -> str:
    try:
        graph.keep_plan("same", ORG, read_plan(PLAN), title=f"Plan of writer {n}", replace=replace)
    except PlanExistsError:
        return "exists"
    return f"Plan of writer {n}"


def test_eight_threads_keeping_one_name_keep_it_once(build_dir):
    graph = PolicyGraph.open(build_dir / ARTEFACT_NAME, kind="oxigraph")
    start = threading.Barrier(8)
    results: list[str] = [""] * 8

    def keep(n: int) -> None:
        start.wait()
        results[n] = _keep(graph, n, replace=False)

    threads = [threading.Thread(target=keep, args=(n,)) for n in range(8)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    winners = [r for r in results if r != "exists"]
    assert len(winners) == 1 and results.count("exists") == 7
    [info] = list_plans(build_dir)
    assert info.title == winners[0] and info.commitments == 12
    assert [p.name for p in (build_dir / "plans").iterdir()] == ["same.nq"]


def test_eight_browser_keeps_of_one_name_are_told_the_truth(build_dir):
    import io

    from web import create_app

    app = create_app({"TESTING": True, "GRAPH_PATH": str(build_dir / ARTEFACT_NAME), "SPARQL_WORKERS": 1})
    start = threading.Barrier(8)
    answers: list[tuple[int, str]] = [(0, "")] * 8
    key = account_key(ORG)  # one editor's key for all eight (renewing it in each would race)

    def keep(n: int) -> None:
        client = app.test_client()
        client.environ_base["HTTP_AUTHORIZATION"] = f"Bearer {key}"
        start.wait()
        response = client.post("/plans/check", data={"org": ORG, "keep": "yes", "name": "same",
                                                     "title": f"Plan of writer {n}",
                                                     "plan": (io.BytesIO(PLAN.read_bytes()), PLAN.name)})
        answers[n] = (response.status_code, response.get_data(as_text=True))

    threads = [threading.Thread(target=keep, args=(n,)) for n in range(8)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    kept = [n for n, (code, html) in enumerate(answers) if code == 200 and 'id="kept"' in html]
    told = [n for n, (code, html) in enumerate(answers) if code == 400 and "already kept" in html]
    assert len(kept) == 1 and len(told) == 7
    [info] = list_plans(build_dir)
    assert info.title == f"Plan of writer {kept[0]}"


def test_with_replace_every_writer_replaces_and_the_last_stays_whole(build_dir):
    graph = PolicyGraph.open(build_dir / ARTEFACT_NAME, kind="oxigraph")
    start = threading.Barrier(8)
    results: list[str] = [""] * 8

    def keep(n: int) -> None:
        start.wait()
        results[n] = _keep(graph, n, replace=True)

    threads = [threading.Thread(target=keep, args=(n,)) for n in range(8)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert "exists" not in results
    [info] = list_plans(build_dir)
    assert info.title in results and info.commitments == 12


def _keep_in_a_process(artefact: str, n: int, start, answers) -> None:
    graph = PolicyGraph.open(Path(artefact), kind="oxigraph")
    commitments = read_plan(PLAN)
    start.wait()
    try:
        saved, kept = graph.keep_plan("same", ORG, commitments, title=f"Plan of writer {n}")
        answers.put((n, "kept", len(kept)))
    except PlanExistsError as exc:
        answers.put((n, str(exc), 0))


def test_four_processes_keeping_one_id_keep_it_once(build_dir):
    spawn = multiprocessing.get_context("spawn")
    start, answers = spawn.Barrier(4), spawn.Queue()
    workers = [spawn.Process(target=_keep_in_a_process, args=(str(build_dir / ARTEFACT_NAME), n, start, answers))
               for n in range(4)]
    for w in workers:
        w.start()
    results = sorted(answers.get(timeout=600) for _ in workers)
    for w in workers:
        w.join()
    kept = [(n, triples) for n, what, triples in results if what == "kept"]
    refused = [what for _n, what, _t in results if what != "kept"]
    assert len(kept) == 1 and refused == ["a plan 'same' is already kept"] * 3
    [(winner, triples)] = kept
    assert list_plans(build_dir)[0].title == f"Plan of writer {winner}"
    assert len(read_saved_plan(build_dir, "same")) == triples


def test_two_command_line_loads_of_one_id_load_it_once(build_dir):
    graph = ["--graph", str(build_dir / ARTEFACT_NAME)]
    loads = [subprocess.Popen([sys.executable, "-m", "graph.cli", "plan", "load", str(PLAN), "--org", ORG,
                               "--id", "same", *graph], cwd=ROOT, stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                              text=True) for _ in range(2)]
    done = [(p.wait(), *p.communicate()) for p in loads]
    assert sorted(code for code, _out, _err in done) == [0, 2]
    [(_, _, err)] = [d for d in done if d[0] == 2]
    assert "already loaded" in one_error_line(err)
    assert [p.id for p in list_plans(build_dir)] == ["same"]


def test_a_killed_loads_temporary_file_is_swept_at_the_next_start(build_dir):
    plans = build_dir / "plans"
    plans.mkdir()
    dead = plans / f".same.nq.{dead_pid()}.0000.tmp"
    working = plans / f".other.nq.{os.getpid()}.0000.tmp"
    for path in (dead, working):
        path.write_text("half", encoding="utf-8")
        backdate(path)
    PolicyGraph.open(build_dir / ARTEFACT_NAME, kind="oxigraph")
    assert not dead.exists() and working.exists()


# --- 4. a damaged plan file is set aside ---------------------------------------------------------

def test_a_damaged_plan_is_set_aside_and_the_rest_keeps_working(build_dir, capsys):
    from web import create_app

    graph = PolicyGraph.open(build_dir / ARTEFACT_NAME, kind="oxigraph")
    graph.keep_plan("good", ORG, read_plan(PLAN), published=True)
    plans = build_dir / "plans"
    (plans / "broken.nq").write_bytes(b"<urn:a> <urn:b> \"unterminated .\n\x00\xff garbage\n")
    assert main(["plan", "list", "--graph", str(build_dir / ARTEFACT_NAME)]) == 0
    out, err = capsys.readouterr()
    assert "good" in out and "(1 plan loaded)" in out and "Traceback" not in err
    [aside] = (plans / "quarantine").iterdir()
    assert not (plans / "broken.nq").exists() and aside.name.startswith("broken.")
    assert "broken.nq was damaged" in err and str(aside) in err and "load the plan again" in err
    # the web app starts, and its pages answer, over another damaged plan
    (plans / "worse.nq").write_text("not N-Quads at all\n", encoding="utf-8")
    client = create_app({"TESTING": True, "GRAPH_PATH": str(build_dir / ARTEFACT_NAME)}).test_client()
    page = client.get("/plans")
    assert page.status_code == 200 and "good" in page.get_data(as_text=True)
    assert not (plans / "worse.nq").exists() and len(list((plans / "quarantine").iterdir())) == 2
    # and a store that follows the plans sets aside one damaged after it opened
    (plans / "later.nq").write_text("<urn:a> <urn:b> <urn:c\n", encoding="utf-8")
    assert client.get("/plans").status_code == 200
    assert not (plans / "later.nq").exists()
    (plans / "asked.nq").write_text("<urn:a> <urn:b> <urn:c\n", encoding="utf-8")
    asked = client.get("/plans/asked")
    assert asked.status_code == 404 and "asked" in asked.get_data(as_text=True)
    # asked for by name, a damaged plan is missing, with the reason and what to do
    (plans / "direct.nq").write_text("garbage\n", encoding="utf-8")
    with pytest.raises(PlanError, match="file was damaged and has been set aside as .*; load the plan again"):
        read_saved_plan(build_dir, "direct")
    assert [p.id for p in list_plans(build_dir)] == ["good"]


@pytest.mark.parametrize("kind", ["rdflib", "oxigraph-disk"])
def test_every_store_opens_beside_a_damaged_plan(build_dir, kind):
    plans = build_dir / "plans"
    plans.mkdir()
    (plans / "broken.nq").write_text("<urn:a> <urn:b> .\n", encoding="utf-8")
    store = open_store(build_dir / ARTEFACT_NAME, kind)
    assert store.query("ASK { ?s ?p ?o }").boolean
    assert not (plans / "broken.nq").exists() and len(list((plans / "quarantine").iterdir())) == 1


# --- 5. a disk that refuses a write gets one line ------------------------------------------------

def run_limited(argv: list[str], limit: int) -> tuple[int, str]:
    """The command line in a process that may write no file larger than *limit* bytes (the
    system refuses the rest of the write, as a full disk does); its exit code and standard error."""
    code = ("import resource, signal, sys\n"
            "signal.signal(signal.SIGXFSZ, signal.SIG_IGN)\n"
            f"resource.setrlimit(resource.RLIMIT_FSIZE, ({limit}, {limit}))\n"
            "from graph.cli import main\n"
            f"sys.exit(main({argv!r}))\n")
    done = subprocess.run([sys.executable, "-c", code], cwd=ROOT, capture_output=True, text=True)
    return done.returncode, done.stderr


def test_a_plan_load_the_disk_refuses_says_so_in_one_line_and_keeps_the_plans(build_dir):
    graph = ["--graph", str(build_dir / ARTEFACT_NAME)]
    assert main(["plan", "load", str(PLAN), "--org", ORG, "--id", "first", *graph]) == 0
    kept = (build_dir / "plans" / "first.nq").read_bytes()
    code, err = run_limited(["plan", "load", str(PLAN), "--org", ORG, "--id", "first", "--replace", *graph],
                            limit=1000)
    assert code == 2
    line = one_error_line(err)
    assert f"cannot write {build_dir / 'plans' / 'first.nq'}: File too large (errno 27)" in line, line
    assert (build_dir / "plans" / "first.nq").read_bytes() == kept
    assert sorted(p.name for p in (build_dir / "plans").iterdir()) == ["first.nq"]


def test_a_plans_folder_that_is_a_file_is_named(build_dir, capsys):
    (build_dir / "plans").write_text("not a folder", encoding="utf-8")
    assert main(["plan", "load", str(PLAN), "--org", ORG, "--id", "x", "--graph", str(build_dir / ARTEFACT_NAME)]) == 2
    line = one_error_line(capsys.readouterr().err)
    assert f"{build_dir / 'plans'} is a file" in line
    assert (build_dir / "plans").read_text(encoding="utf-8") == "not a folder"


def test_a_keep_the_disk_refuses_is_a_503_page_with_the_reason(build_dir):
    import io

    from web import create_app

    client = create_app({"TESTING": True, "GRAPH_PATH": str(build_dir / ARTEFACT_NAME)}).test_client()
    sign_in(client, ORG)
    (build_dir / "plans").write_text("not a folder", encoding="utf-8")
    response = client.post("/plans/check", data={"org": ORG, "keep": "yes", "name": "x",
                                                 "plan": (io.BytesIO(PLAN.read_bytes()), PLAN.name)})
    assert response.status_code == 503 and "is a file" in response.get_data(as_text=True)


@contextlib.contextmanager
def immutable(folder: Path):
    """*folder* made immutable (nothing in it can be removed or added, even by root), as a
    read-only disk would make it."""
    made = subprocess.run(["chattr", "+i", str(folder)], capture_output=True, text=True)
    assert made.returncode == 0, f"this test needs chattr on a file system that has it: {made.stderr}"
    try:
        yield folder
    finally:
        subprocess.run(["chattr", "-i", str(folder)], check=True)


def test_a_removal_the_disk_refuses_says_so_in_one_line_and_keeps_the_plan(build_dir, capsys):
    graph = ["--graph", str(build_dir / ARTEFACT_NAME)]
    assert main(["plan", "load", str(PLAN), "--org", ORG, "--id", "first", *graph]) == 0
    capsys.readouterr()
    with immutable(build_dir / "plans"):
        assert main(["plan", "remove", "first", *graph]) == 2
        line = one_error_line(capsys.readouterr().err)
    assert f"cannot remove {build_dir / 'plans' / 'first.nq'}: Operation not permitted" in line, line
    assert [plan.id for plan in list_plans(build_dir)] == ["first"]


def test_a_removal_the_disk_refuses_is_a_503_page_and_the_plan_stays(build_dir):
    from web import create_app

    assert main(["plan", "load", str(PLAN), "--org", ORG, "--id", "first",
                 "--graph", str(build_dir / ARTEFACT_NAME)]) == 0
    client = create_app({"TESTING": True, "GRAPH_PATH": str(build_dir / ARTEFACT_NAME)}).test_client()
    sign_in(client, ORG)
    with immutable(build_dir / "plans"):
        response = client.post("/plans/first/remove")
    assert response.status_code == 503, response.status_code
    assert "Operation not permitted" in response.get_data(as_text=True)
    assert client.get("/plans/first").status_code == 200
