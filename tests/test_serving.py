"""``policy-graph serve`` serves with granian's worker processes where granian is installed
(answering concurrent requests on several processes, on the in-memory and the on-disk store, and
starting a worker again when one dies), falls back to werkzeug's server where it is not, and
refuses a bad worker count and an address it cannot listen on clearly."""

from __future__ import annotations

import os
import signal
import socket
import subprocess
import sys
import time
import urllib.request
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import pytest

from graph.store import current_version
from tests.conftest import copy_build
from web.wsgi_server import granian_available

ROOT = Path(__file__).resolve().parent.parent
LOOKUPS = ["/id/wast.json", "/id/hywel-dda-uhb.json", "/id/kde-2-1-rtt-104-weeks.json", "/metrics.json"]


def free_port() -> int:
    import socket

    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def children(pid: int) -> list[int]:
    """Every process *pid* started, and theirs."""
    found = children_of(pid)
    return found + [g for c in found for g in children(c)]


def start(artefact: Path, env: dict, prelude: str = "") -> tuple[subprocess.Popen, str]:
    port = free_port()
    code = f"{prelude}import sys; from graph.cli import main; sys.exit(main(sys.argv[1:]))"
    process = subprocess.Popen([sys.executable, "-c", code, "serve", "--port", str(port), "--graph", str(artefact)],
                               env={**os.environ, **env}, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, cwd=ROOT)
    base = f"http://127.0.0.1:{port}"
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline and process.poll() is None:
        try:
            with urllib.request.urlopen(base + "/id/wast.json", timeout=10) as response:
                if response.status == 200:
                    return process, base
        except OSError:
            time.sleep(0.1)
    process.kill()
    output = process.communicate()[0].decode(errors="replace")
    raise AssertionError(f"the server did not answer: {output[-2000:]}")


def stop(process: subprocess.Popen) -> str:
    process.terminate()
    try:
        return process.communicate(timeout=30)[0].decode(errors="replace")
    except subprocess.TimeoutExpired:
        process.kill()
        return process.communicate()[0].decode(errors="replace")


def hammer(base: str, rounds: int = 10) -> list[int]:
    def get(path: str) -> int:
        with urllib.request.urlopen(base + path, timeout=30) as response:
            response.read()
            return response.status

    with ThreadPoolExecutor(max_workers=16) as pool:
        return list(pool.map(get, LOOKUPS * rounds))


@pytest.fixture
def artefact(built, tmp_path) -> Path:
    target = tmp_path / built.artefact.name
    copy_build(built, target)
    return target


@pytest.mark.parametrize("store", ["oxigraph", "oxigraph-disk"])
def test_serve_answers_concurrent_requests_on_several_worker_processes(artefact, store):
    assert granian_available()  # a dependency of the project
    process, base = start(artefact, {"POLICY_GRAPH_STORE": store, "POLICY_GRAPH_WORKERS": "2"})
    try:
        assert set(hammer(base)) == {200}
        assert len(workers(process.pid)) == 2
        if store == "oxigraph-disk":
            assert (current_version(artefact) / "SOURCES.json").is_file()
    finally:
        output = stop(process)
    assert "Traceback" not in output, output
    # the server's advice against more workers and threads than cores, chosen on purpose, is left out
    assert "WARNING" not in output and "Serving the policy graph on" in output, output


def workers(pid: int) -> list[int]:
    """The web worker processes of the server *pid*: its children that serve (not the helper
    process Python's multiprocessing starts beside them)."""
    found = []
    for child in children_of(pid):
        try:
            command = Path(f"/proc/{child}/cmdline").read_bytes()
        except OSError:
            continue
        if b"resource_tracker" not in command:
            found.append(child)
    return found


def children_of(pid: int) -> list[int]:
    """The processes *pid* started itself."""
    try:
        return [int(c) for c in Path(f"/proc/{pid}/task/{pid}/children").read_text().split()]
    except OSError:
        return []


def test_a_worker_that_dies_is_started_again(artefact):
    process, base = start(artefact, {"POLICY_GRAPH_WORKERS": "2"})
    try:
        first = workers(process.pid)
        assert len(first) == 2
        os.kill(first[0], signal.SIGKILL)
        deadline = time.monotonic() + 60
        while time.monotonic() < deadline and (first[0] in workers(process.pid) or len(workers(process.pid)) < 2):
            time.sleep(0.2)
        again = workers(process.pid)
        assert first[0] not in again and first[1] in again and len(again) == 2
        assert set(hammer(base, rounds=5)) == {200}
        assert process.poll() is None
    finally:
        output = stop(process)
    assert "Traceback" not in output, output


def test_a_port_in_use_is_a_clear_error_before_anything_loads(artefact):
    with socket.socket() as taken:
        taken.bind(("127.0.0.1", 0))
        taken.listen()
        port = taken.getsockname()[1]
        code = "import sys; from graph.cli import main; sys.exit(main(sys.argv[1:]))"
        done = subprocess.run([sys.executable, "-c", code, "serve", "--port", str(port), "--graph", str(artefact)],
                              capture_output=True, text=True, cwd=ROOT, timeout=120)
    assert done.returncode == 2
    assert f"cannot listen on 127.0.0.1:{port}: it is in use; choose another address with --port" in done.stderr
    assert "Traceback" not in done.stderr and "Serving" not in done.stderr


def test_serve_falls_back_to_werkzeug_without_granian(artefact):
    # granian made unimportable in the server's process, as where it is not installed
    process, base = start(artefact, {}, prelude="import sys; sys.modules['granian'] = None; ")
    try:
        assert set(hammer(base, rounds=3)) == {200}
        assert children(process.pid) == []
    finally:
        output = stop(process)
    assert "Traceback" not in output, output


def test_a_bad_worker_count_is_a_clear_error(artefact):
    code = "import sys; from graph.cli import main; sys.exit(main(sys.argv[1:]))"
    done = subprocess.run([sys.executable, "-c", code, "serve", "--port", str(free_port()), "--graph", str(artefact)],
                          env={**os.environ, "POLICY_GRAPH_WORKERS": "many"}, capture_output=True, text=True,
                          cwd=ROOT, timeout=120)
    assert done.returncode != 0
    assert "POLICY_GRAPH_WORKERS must be a whole number of worker processes, not 'many'" in done.stderr
    assert "Traceback" not in done.stderr
