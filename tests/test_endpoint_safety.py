"""The public SPARQL endpoint is safe on a network: no query can make it connect anywhere (the
query workers are sandboxed, whatever the text filter makes of a query), a query cannot crash
it or exhaust its memory for good (workers are limited, and replaced whatever happens to
them), it cannot take the threads the pages need, and every corner of the protocol gets a clear
answer rather than a 500. Each test started as a reproduction that broke the endpoint."""

from __future__ import annotations

import csv
import io
import json
import multiprocessing
import os
import signal
import socket
import subprocess
import sys
import threading
import time
import urllib.error
import urllib.parse
import urllib.request
from pathlib import Path

import pytest

from graph.paths import ARTEFACT_NAME
from web import create_app
from web.background import serving
from web.endpoint import sandbox
from web.endpoint.pool import WorkerPool
from web.endpoint.worker import Job, Reply
from web.wsgi_server import spare_a_thread

ROOT = Path(__file__).resolve().parent.parent
ASK = "ASK { ?s ?p ?o }"
CROSS_PRODUCT = "SELECT (COUNT(*) AS ?n) WHERE { ?a ?b ?c . ?d ?e ?f . ?g ?h ?i }"
MEMORY_HOG = ("SELECT (GROUP_CONCAT(CONCAT(STR(?a), STR(?b), STR(?c))) AS ?x) "
              "WHERE { ?a ?p ?o . ?b ?q ?r . ?c ?s ?t }")
#: deep enough to crash the engine's parser when it is not refused first
CRASHING = "SELECT * WHERE " + "{" * 10_000
TIMEOUT = 20.0


# --- helpers --------------------------------------------------------------------------------

def http(url: str, data: bytes | None = None, headers: dict | None = None, method: str | None = None):
    """(status, headers, body) of one request; error statuses are returned, not raised."""
    request = urllib.request.Request(url, data=data, headers=headers or {}, method=method)
    try:
        with urllib.request.urlopen(request, timeout=120) as response:
            return response.status, response.headers, response.read()
    except urllib.error.HTTPError as err:
        return err.code, err.headers, err.read()


def get(endpoint: str, query: str, accept: str | None = None):
    return http(endpoint + "?" + urllib.parse.urlencode({"query": query}), headers={"Accept": accept} if accept else {})


def refused_with_a_reason(status: int, body: bytes) -> bool:
    """A 4xx or a 503 saying why in words: never a 500, never an answer."""
    return (400 <= status < 500 or status == 503) and len(body.strip()) > 10 and b"Traceback" not in body


class Trap:
    """A listening socket on loopback that counts the connections made to it."""

    def __init__(self):
        self.listener = socket.socket()
        self.listener.bind(("127.0.0.1", 0))
        self.listener.listen(50)
        self.listener.settimeout(0.2)
        self.port = self.listener.getsockname()[1]
        self.connections = 0
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._accept, daemon=True)
        self._thread.start()

    def _accept(self) -> None:
        while not self._stop.is_set():
            try:
                conn, _ = self.listener.accept()
            except (TimeoutError, OSError):
                continue
            self.connections += 1
            conn.close()

    def close(self) -> None:
        self._stop.set()
        self._thread.join(5)
        self.listener.close()


@pytest.fixture(scope="module")
def trap():
    trap = Trap()
    yield trap
    trap.close()


@pytest.fixture(scope="module")
def server(built):
    app = create_app({"TESTING": True, "GRAPH_PATH": str(built.artefact), "SPARQL_TIMEOUT": TIMEOUT})
    with serving(app) as url:
        yield url, app
    pool = app.extensions.get("sparql_pool")
    if pool:
        pool.close()


@pytest.fixture(scope="module")
def endpoint(server):
    return server[0] + "/sparql"


@pytest.fixture(scope="module")
def pool(built):
    pool = WorkerPool(built.artefact, 2)
    yield pool
    pool.close()


# --- 1. no outbound request, by construction ------------------------------------------------

def service_variants(port: int) -> list[str]:
    """SERVICE written every way a text filter might misread, each aimed at the trap."""
    t = f"http://127.0.0.1:{port}/sparql"
    h = f"http://127.0.0.1:{port}"
    body = "{ ?x ?y ?z }"
    return [
        # the reproduction: an escaped quote in a prefixed name opens a "string" for a regex
        f"PREFIX ex: <http://example.org/>\nSELECT * WHERE {{ OPTIONAL {{ ?s ex:a\\' ?o }} "
        f"SERVICE <{t}> {body} # '\n}}",
        f"PREFIX ex: <http://example.org/>\nSELECT * WHERE {{ ?s ex:b\\\" ?o . SERVICE <{t}> {body} # \"\n}}",
        f"SELECT * WHERE {{ SERVICE <{t}> {body} }}",
        f"select * where {{ service <{t}> {body} }}",
        f"SELECT * WHERE {{ SeRvIcE <{t}> {body} }}",
        f"SELECT * WHERE {{ SERVICE SILENT <{t}> {body} }}",
        f"SELECT * WHERE {{ service silent <{t}> {body} }}",
        f"SELECT * WHERE {{ \\u0053ERVICE <{t}> {body} }}",
        f"SELECT * WHERE {{ \\u0073ervice <{t}> {body} }}",
        f"SELECT * WHERE {{ SERVICE # a comment }}\n <{t}> {body} }}",
        f"SELECT * WHERE {{ # it's a comment\n SERVICE <{t}> {body} }}",
        f"SELECT * WHERE {{ SERVICE\n\t<{t}>\r\n{body} }}",
        f"SELECT * WHERE {{ ?s ?p ?o OPTIONAL {{ SERVICE <{t}> {body} }} }} LIMIT 1",
        f"SELECT * WHERE {{ {{ ?s ?p ?o }} UNION {{ SERVICE <{t}> {body} }} }} LIMIT 1",
        f"SELECT * WHERE {{ {{ SELECT * WHERE {{ SERVICE <{t}> {body} }} }} }}",
        f"SELECT * WHERE {{ GRAPH ?g {{ SERVICE <{t}> {body} }} }}",
        f"SELECT * WHERE {{ ?s ?p ?o MINUS {{ SERVICE <{t}> {body} }} }} LIMIT 1",
        f"SELECT * WHERE {{ ?s ?p ?o FILTER EXISTS {{ SERVICE <{t}> {body} }} }} LIMIT 1",
        f"SELECT * WHERE {{ ?s ?p ?o FILTER NOT EXISTS {{ SERVICE <{t}> {body} }} }} LIMIT 1",
        f"PREFIX t: <{h}/>\nSELECT * WHERE {{ SERVICE t:sparql {body} }}",
        f"PREFIX : <{h}/>\nSELECT * WHERE {{ SERVICE :sparql {body} }}",
        f"BASE <{h}/>\nSELECT * WHERE {{ SERVICE <sparql> {body} }}",
        f"SELECT * WHERE {{ VALUES ?s {{ <{t}> }} SERVICE ?s {body} }}",
        f"SELECT * WHERE {{ BIND(<{t}> AS ?s) SERVICE ?s {body} }}",
        f"SELECT * WHERE {{ ?s ?p '''it's \"quoted\" }} SERVICE''' . SERVICE <{t}> {body} }}",
        f"SELECT * WHERE {{ ?s ?p \"\"\"a\"\"\" SERVICE <{t}> {body} }}",
        f"SELECT * WHERE {{ ?s ?p \"a\\\"b\" . SERVICE <{t}> {body} }}",
        f"SELECT * WHERE {{ ?s ?p '#' . SERVICE <{t}> {body} }}",
        f"SELECT * WHERE {{ SERVICE <{t}#fragment> {body} }}",
        f"SELECT * WHERE {{ SERVICE <{t}?query=ASK%7B%7D> {body} }}",
        f"SELECT * WHERE {{ SERVICE <\\u0068ttp://127.0.0.1:{port}/sparql> {body} }}",
        f"SELECT * WHERE {{ SERVICE <http://localhost:{port}/sparql> {body} }}",
        f"SELECT * WHERE {{ SERVICE <https://127.0.0.1:{port}/sparql> {body} }}",
        f"SELECT * WHERE {{ SERVICE <{t}> {{ SERVICE <{t}> {body} }} }}",
        f"ASK {{ SERVICE <{t}> {body} }}",
        f"CONSTRUCT {{ ?x ?y ?z }} WHERE {{ SERVICE <{t}> {body} }}",
        f"DESCRIBE ?x WHERE {{ SERVICE <{t}> {body} }}",
    ]


def test_the_corpus_is_large(trap):
    assert len(service_variants(trap.port)) >= 30


def test_no_service_variant_connects_through_the_endpoint(endpoint, trap):
    answers = {}
    for query in service_variants(trap.port):
        answers[query] = get(endpoint, query)[::2]
        status, body = http(endpoint, query.encode(), {"Content-Type": "application/sparql-query"})[::2]
        answers[query + " (POST)"] = (status, body)
    assert trap.connections == 0
    assert {q: a for q, a in answers.items() if not refused_with_a_reason(*a)} == {}


def test_no_service_variant_connects_even_past_the_text_filter(pool, trap):
    replies = {query: pool.run(Job(query), TIMEOUT) for query in service_variants(trap.port)}
    assert trap.connections == 0
    # SERVICE SILENT turns the refused request into an empty solution, and a SERVICE joined
    # with nothing is never evaluated: those are answered, as the standard says; every other
    # variant is refused, saying why
    answered = {q for q, r in replies.items() if r.status == 200}
    refused = {q for q, r in replies.items() if refused_with_a_reason(r.status, r.body)}
    assert answered | refused == set(replies) and len(refused) >= 20
    assert all(" SILENT " in q.upper() or "?S ?P" in q.upper() for q in answered), answered
    refused = pool.run(Job(f"SELECT * WHERE {{ SERVICE <http://127.0.0.1:{trap.port}/sparql> {{ ?x ?y ?z }} }}"),
                       TIMEOUT)
    assert refused.status == 403 and b"makes no requests to other endpoints" in refused.body
    assert pool.run(Job(ASK), TIMEOUT).status == 200  # the workers still answer


def sandboxed_probe(conn) -> None:
    """In a fresh process, as a query worker starts: install the sandbox, then try sockets."""
    found = {}
    try:
        sandbox.install()
    except sandbox.SandboxError as exc:
        conn.send({"installed": str(exc)})
        return
    found["installed"] = True
    for name, family, kind in (("inet", socket.AF_INET, socket.SOCK_STREAM),
                               ("inet6", socket.AF_INET6, socket.SOCK_STREAM),
                               ("udp", socket.AF_INET, socket.SOCK_DGRAM),
                               ("unix", socket.AF_UNIX, socket.SOCK_STREAM)):
        try:
            socket.socket(family, kind).close()
            found[name] = "opened"
        except PermissionError:
            found[name] = "refused"
    left, right = socket.socketpair()
    left.sendall(b"x")
    found["socketpair"] = right.recv(1).decode()
    try:
        with socket.socket(socket.AF_UNIX) as unix:
            unix.connect("/nonexistent/socket")
        found["unix connect"] = "connected"
    except PermissionError:
        found["unix connect"] = "refused"
    except OSError as exc:
        found["unix connect"] = f"other: {exc}"
    in_thread = {}

    def later() -> None:
        try:
            socket.socket().close()
            in_thread["inet"] = "opened"
        except PermissionError:
            in_thread["inet"] = "refused"

    thread = threading.Thread(target=later)
    thread.start()
    thread.join()
    found["inet in a new thread"] = in_thread["inet"]
    found["status"] = [line.split()[1] for line in Path("/proc/self/status").read_text().splitlines()
                       if line.startswith("Seccomp:")][0]
    conn.send(found)


def test_a_sandboxed_process_opens_no_internet_socket_but_keeps_its_pipe():
    context = multiprocessing.get_context("spawn")
    parent, child = context.Pipe()
    process = context.Process(target=sandboxed_probe, args=(child,))
    process.start()
    assert parent.poll(60)
    found = parent.recv()
    process.join(10)
    assert found == {"installed": True, "inet": "refused", "inet6": "refused", "udp": "refused", "unix": "opened",
                     "socketpair": "x", "unix connect": "refused", "inet in a new thread": "refused", "status": "2"}
    socket.socket().close()  # this process is not in it


def test_the_sandbox_refuses_an_architecture_it_was_not_written_for():
    with pytest.raises(sandbox.SandboxError, match="riscv64"):
        sandbox.network_filter("riscv64")
    assert sandbox.network_filter()  # and has a filter for this machine's


#: A process that cannot install seccomp filters of its own, as under a container's policy: it
#: denies seccomp() and prctl(PR_SET_SECCOMP) itself, and the query workers it starts inherit that.
UNSANDBOXABLE = """
import ctypes, json, platform, sys
from web.endpoint import sandbox
arch, _, _, _, seccomp = sandbox.ARCHITECTURES[platform.machine()]
prctl = {"x86_64": 157, "aarch64": 167}[platform.machine()]
LD, JEQ, RET = 0x20, 0x15, 0x06
deny, allow = sandbox.SECCOMP_RET_ERRNO | 38, sandbox.SECCOMP_RET_ALLOW  # ENOSYS
sandbox.install_filter([
    (LD, 0, 0, 4), (JEQ, 0, 5, arch),
    (LD, 0, 0, 0), (JEQ, 4, 0, seccomp), (JEQ, 0, 2, prctl),
    (LD, 0, 0, 16), (JEQ, 1, 0, sandbox.PR_SET_SECCOMP),
    (RET, 0, 0, allow), (RET, 0, 0, deny),
])
from web import create_app
app = create_app({"TESTING": True, "GRAPH_PATH": sys.argv[1], "SPARQL_WORKERS": 1})
client = app.test_client()
answers = [client.get("/sparql", query_string={"query": "ASK { ?s ?p ?o }"}) for _ in range(2)]
print(json.dumps([[a.status_code, a.get_data(as_text=True), a.headers.get("Retry-After")] for a in answers]))
app.extensions["sparql_pool"].close()
"""


def test_a_worker_that_cannot_be_sandboxed_answers_nothing(built):
    done = subprocess.run([sys.executable, "-c", UNSANDBOXABLE, str(built.artefact)], capture_output=True, text=True,
                          cwd=ROOT, timeout=300)
    assert done.returncode == 0, done.stderr
    answers = json.loads(done.stdout.strip().splitlines()[-1])
    for status, body, retry_after in answers:
        assert status == 503 and "the query sandbox could not be started" in body, body
        assert "Function not implemented" in body and retry_after


# --- 2. worker robustness -------------------------------------------------------------------

@pytest.mark.parametrize("query, depth", [
    ("SELECT * WHERE " + "{ " * 5000 + "}" * 5000, 5000),
    ("SELECT * WHERE { ?s ?p ?o FILTER(" + "(" * 3000 + "1" + ")" * 3000 + ") }", 3002),
    ("SELECT * WHERE { ?s ?p " + "[ <http://example.org/p> " * 200 + "?o" + " ]" * 200 + " }", 201),
    ("SELECT * WHERE " + "{" * 10_000, 10_000),
])
def test_deep_nesting_is_refused_before_the_engine(endpoint, query, depth):
    status, _, body = get(endpoint, query)
    assert status == 400 and f"nested {depth} deep; this endpoint accepts at most 64".encode() in body


def test_nesting_within_the_limit_and_brackets_in_strings_are_answered(endpoint):
    nested = "SELECT * WHERE " + "{ " * 30 + "?s ?p ?o" + " }" * 30 + " LIMIT 1"
    assert get(endpoint, nested)[0] == 200
    assert get(endpoint, 'SELECT * WHERE { ?s ?p "' + "{" * 500 + '" }')[0] == 200


def test_a_crashed_worker_is_replaced_and_the_client_told_why(pool):
    reply = pool.run(Job(CRASHING), TIMEOUT)
    assert reply.status == 503 and b"stopped while answering" in reply.body and b"replaced" in reply.body
    assert reply.retry_after
    assert pool.run(Job(ASK), TIMEOUT).status == 200


def wait_for(condition, seconds: float = 240) -> bool:
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        if condition():
            return True
        time.sleep(0.5)
    return condition()


def dead(pid: int) -> bool:
    """Whether process *pid* has ended (a zombie not yet reaped counts)."""
    try:
        return Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()[0] in ("Z", "X")
    except OSError:
        return True


def test_the_pool_heals_after_the_graph_was_briefly_unreadable(build_dir):
    artefact = build_dir / ARTEFACT_NAME
    hidden = artefact.with_name("hidden.nq")
    pool = WorkerPool(artefact, 2)
    try:
        assert pool.run(Job(ASK), TIMEOUT).status == 200
        artefact.rename(hidden)
        crashed = pool.run(Job(CRASHING), TIMEOUT)  # one worker lost to a query
        for pid in pool.pids():  # and the other killed from outside
            os.kill(pid, signal.SIGKILL)
        replies = [pool.run(Job(ASK), TIMEOUT) for _ in range(4)]
        assert all(refused_with_a_reason(r.status, r.body) for r in [crashed, *replies])
        assert wait_for(lambda: pool.live == 0 and pool.problem and "could not load the graph" in pool.problem)
        broken = pool.run(Job(ASK), TIMEOUT)
        assert broken.status == 503 and b"could not load the graph" in broken.body and broken.retry_after
        hidden.rename(artefact)
        assert wait_for(lambda: pool.live == 2)
        assert [pool.run(Job(ASK), TIMEOUT).status for _ in range(12)] == [200] * 12
        assert pool.problem is None
    finally:
        pool.close()


def test_a_worker_killed_while_idle_is_replaced_without_failing_a_query(build_dir):
    pool = WorkerPool(build_dir / ARTEFACT_NAME, 1)
    try:
        pid = pool.pids()[0]
        os.kill(pid, signal.SIGKILL)
        assert wait_for(lambda: dead(pid))
        assert pool.run(Job(ASK), TIMEOUT).status == 200
        assert pool.lost == 1 and pool.live == 1
    finally:
        pool.close()


def test_a_query_past_the_memory_limit_is_stopped_and_the_next_answered(built):
    app = create_app({"TESTING": True, "GRAPH_PATH": str(built.artefact), "SPARQL_TIMEOUT": 120.0,
                      "SPARQL_WORKERS": 1, "SPARQL_WORKER_MEMORY_MB": 300})
    client = app.test_client()
    try:
        hog = client.get("/sparql", query_string={"query": MEMORY_HOG})
        assert hog.status_code == 503 and b"memory limit of 300 MB" in hog.data, hog.data
        pool = app.extensions["sparql_pool"]
        assert pool.killed == 0  # told apart from the time limit
        assert client.get("/sparql", query_string={"query": ASK}).status_code == 200
        assert wait_for(lambda: pool.live == 1)
        limits = Path(f"/proc/{pool.pids()[0]}/limits").read_text()
        line = next(ln for ln in limits.splitlines() if ln.startswith("Max address space"))
        assert line.split()[3] == str(300 * 2**20)
    finally:
        app.extensions["sparql_pool"].close()


def _priorities(pids: list[int]) -> dict[int, set[int]]:
    """The CPU priority (niceness) of each thread of each process, by whether it is the first."""
    found: dict[int, set[int]] = {0: set(), 1: set()}
    for pid in pids:
        for tid in (int(t) for t in os.listdir(f"/proc/{pid}/task")):
            try:
                found[int(tid != pid)].add(os.getpriority(os.PRIO_PROCESS, tid))
            except OSError:
                pass  # the thread ended meanwhile
    return found


#: A join that takes a few seconds of work and then answers.
LONG_BUT_ANSWERED = "SELECT (COUNT(*) AS ?n) WHERE { ?a ?b ?c . ?d ?e ?c }"


def test_a_query_that_runs_long_gives_way_and_a_lookup_does_not(pool):
    own = os.getpriority(os.PRIO_PROCESS, 0)
    lowered = min(own + 10, 19)
    assert pool.run(Job(ASK), TIMEOUT).status == 200
    workers = sorted(pool.pids())
    assert _priorities(workers)[0] == {own}  # a lookup is answered at full priority
    outcome: list[Reply] = []
    runner = threading.Thread(target=lambda: outcome.append(pool.run(Job(LONG_BUT_ANSWERED), 120.0)))
    runner.start()
    seen: set[int] = set()
    while runner.is_alive() and lowered not in seen:
        seen |= _priorities(workers)[1]
        time.sleep(0.02)
    runner.join(240)
    assert lowered in seen  # the long query's thread was put below the pages
    assert outcome[0].status == 200 and b'"n"' in outcome[0].body
    # the same workers answer the next queries, each started at full priority again
    assert pool.run(Job(ASK), TIMEOUT).status == 200
    assert sorted(pool.pids()) == workers and _priorities(workers)[0] == {own}


# --- 3. the endpoint cannot starve the site -------------------------------------------------

SERVE = """
import sys
from web import create_app
from web.wsgi_server import serve
artefact, port = sys.argv[1], int(sys.argv[2])
serve(lambda: create_app({"GRAPH_PATH": artefact, "SPARQL_TIMEOUT": 90.0, "SPARQL_WORKERS": 2}),
      "127.0.0.1", port, workers=1)
"""


def test_a_saturated_endpoint_turns_queries_away_and_pages_are_still_served(built):
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port = sock.getsockname()[1]
    process = subprocess.Popen([sys.executable, "-c", SERVE, str(built.artefact), str(port)], cwd=ROOT,
                               stdout=subprocess.PIPE, stderr=subprocess.STDOUT)
    base = f"http://127.0.0.1:{port}"
    try:
        assert wait_for(lambda: process.poll() is None and _answers(base + "/"), 120)
        outcomes: list[tuple[int, str | None]] = []

        def slow() -> None:
            try:
                status, headers, _ = get(base + "/sparql", CROSS_PRODUCT)
                outcomes.append((status, headers.get("Retry-After")))
            except OSError:
                pass  # the server stopped at the end of the test

        clients = [threading.Thread(target=slow, daemon=True) for _ in range(8)]
        for client in clients:
            client.start()
        assert wait_for(lambda: len(outcomes) >= 5, 120), outcomes
        turned_away = list(outcomes)
        for path in ("/", "/id/wast", "/id/wast.json"):
            assert http(base + path)[0] == 200
        still_running = sum(client.is_alive() for client in clients)
        assert all(status == 503 and retry_after for status, retry_after in turned_away), turned_away
        assert still_running >= 2  # the pages were answered while the endpoint was full
        status, headers, body = get(base + "/sparql", ASK)
        assert status == 503 and headers["Retry-After"] and b"as many SPARQL queries as it takes" in body
    finally:
        process.terminate()
        output = process.communicate(timeout=60)[0].decode(errors="replace")
    assert "Traceback" not in output, output


def _answers(url: str) -> bool:
    try:
        return http(url)[0] == 200
    except OSError:
        return False


def test_queries_beyond_the_places_wait_for_one_and_are_answered(built):
    app = create_app({"TESTING": True, "GRAPH_PATH": str(built.artefact), "SPARQL_WORKERS": 1,
                      "SPARQL_QUEUE": 1, "SPARQL_WAITING": 3, "SPARQL_ADMIT_WAIT": 600.0, "SPARQL_TIMEOUT": 120.0})
    statuses: list[int] = []

    def ask() -> None:
        response = app.test_client().get("/sparql", query_string={"query": LONG_BUT_ANSWERED},
                                         headers={"Accept": "application/sparql-results+json"})
        statuses.append(response.status_code)

    try:
        clients = [threading.Thread(target=ask) for _ in range(4)]
        for client in clients:
            client.start()
        for client in clients:
            client.join(600)
    finally:
        app.extensions["sparql_pool"].close()
    assert statuses == [200] * 4  # one at a time, the other three waiting their turn


def test_sparql_never_takes_every_thread_of_a_served_process(built):
    app = create_app({"TESTING": True, "GRAPH_PATH": str(built.artefact), "SPARQL_QUEUE": 50})
    # queries in progress and those waiting for a place leave two threads to pages
    assert spare_a_thread(app, threads=4).config["SPARQL_QUEUE"] == 2 and app.config["SPARQL_WAITING"] == 0
    app.config["SPARQL_QUEUE"], app.config["SPARQL_WAITING"] = None, 2
    spare_a_thread(app, threads=8)
    assert app.config["SPARQL_QUEUE"] == app.config["SPARQL_WORKERS"] + 1 and app.config["SPARQL_WAITING"] == 2
    # by default every thread the pages do not need may wait for a place
    app.config["SPARQL_QUEUE"], app.config["SPARQL_WAITING"] = None, None
    spare_a_thread(app, threads=32)
    assert app.config["SPARQL_QUEUE"] + app.config["SPARQL_WAITING"] == 32 - 2


# --- 4. protocol corner cases ---------------------------------------------------------------

@pytest.mark.parametrize("accept, rows", [
    ("text/csv", [["_askResult"], ["true"]]),
    ("text/tab-separated-values", [["?_askResult"], ["true"]]),
])
def test_ask_answers_in_csv_and_tsv(endpoint, accept, rows):
    status, headers, body = get(endpoint, ASK, accept)
    assert status == 200 and headers["Content-Type"].startswith(accept)
    delimiter = "," if accept == "text/csv" else "\t"
    assert list(csv.reader(io.StringIO(body.decode()), delimiter=delimiter)) == rows
    _, _, no = get(endpoint, "ASK { ?s a <https://example.org/Nothing> }", accept)
    assert no.decode().split()[-1] == "false"


@pytest.mark.parametrize("query", [
    "SELECT (<http://example.org/f>(1) AS ?x) {}",
    "PREFIX ex: <http://example.org/> SELECT (ex:f(1) AS ?x) {}",
])
def test_an_unknown_function_is_400_naming_it(endpoint, query):
    status, _, body = get(endpoint, query)
    assert status == 400 and b"http://example.org/f" in body


@pytest.mark.parametrize("query", [None, ASK, "SELECT ?s WHERE { ?s ?p }", ""])
def test_head_answers_as_get_does_without_a_body(endpoint, query):
    url = endpoint + ("" if query is None else "?" + urllib.parse.urlencode({"query": query}))
    got = http(url)
    head = http(url, method="HEAD")
    assert head[0] == got[0] and head[2] == b""
    for name in ("Content-Type", "Content-Length", "Vary", "Access-Control-Allow-Origin"):
        assert head[1][name] == got[1][name], name
    assert got[0] == (200 if query in (None, ASK) else 400)


@pytest.mark.parametrize("how", ["get", "direct", "form"])
def test_a_query_that_is_not_utf8_is_400_naming_the_byte(endpoint, how):
    raw = b"ASK { ?s ?p \"\xff\" }"
    if how == "get":
        status, _, body = http(endpoint + "?query=" + urllib.parse.quote_from_bytes(raw))
    elif how == "direct":
        status, _, body = http(endpoint, raw, {"Content-Type": "application/sparql-query"})
    else:
        status, _, body = http(endpoint, b"query=" + urllib.parse.quote_from_bytes(raw).encode(),
                               {"Content-Type": "application/x-www-form-urlencoded"})
    assert status == 400 and b"The query is not valid UTF-8 (byte 14: 0xff)" in body


def test_an_encoded_surrogate_is_not_utf8(endpoint):
    status, _, body = http(endpoint + "?query=ASK%20%7B%7D%ED%A0%80")
    assert status == 400 and b"not valid UTF-8 (byte 7" in body


def test_an_empty_query_is_400_and_no_query_is_the_service_description(endpoint):
    for empty in ("", "   \n"):
        status, _, body = get(endpoint, empty)
        assert status == 400 and b"The query is empty" in body
    status, headers, _ = http(endpoint)
    assert status == 200 and headers["Content-Type"].startswith("text/turtle")


@pytest.mark.parametrize("how", ["get", "form", "url and direct body", "url and form"])
def test_two_queries_are_400(endpoint, how):
    two = urllib.parse.urlencode([("query", ASK), ("query", ASK)])
    one = urllib.parse.urlencode({"query": ASK})
    form = {"Content-Type": "application/x-www-form-urlencoded"}
    if how == "get":
        status, _, body = http(endpoint + "?" + two)
    elif how == "form":
        status, _, body = http(endpoint, two.encode(), form)
    elif how == "url and direct body":
        status, _, body = http(endpoint + "?" + one, ASK.encode(), {"Content-Type": "application/sparql-query"})
    else:
        status, _, body = http(endpoint + "?" + one, one.encode(), form)
    assert status == 400 and b"carries 2 queries" in body and b"exactly one" in body


@pytest.mark.parametrize("query", [
    'SELECT ("\\uD800" AS ?x) {}',
    'SELECT ("\\uD83D\\uDE00" AS ?x) {}',
    "SELECT * WHERE { <http://example.org/\\uDFFF> ?p ?o }",
])
def test_escaped_lone_surrogates_are_refused_clearly(endpoint, query):
    status, _, body = get(endpoint, query)
    assert refused_with_a_reason(status, body) and status != 503


def test_a_lone_surrogate_past_the_http_layer_is_refused_clearly(pool):
    reply = pool.run(Job('SELECT ("\ud800" AS ?x) {}'), TIMEOUT)
    assert reply.status == 400 and refused_with_a_reason(reply.status, reply.body)


def test_relative_iris_resolve_against_the_endpoint(endpoint, server):
    status, headers, body = get(endpoint, "CONSTRUCT { <a> <b> <c> } WHERE {}", "application/n-triples")
    assert status == 200
    base = server[0]
    assert body.decode().strip() == f"<{base}/a> <{base}/b> <{base}/c> ."


#: Routes whose form is chosen by Accept, with two Accept headers that choose different forms.
NEGOTIATED = [
    ("/sparql", "text/html", "text/turtle"),
    ("/sparql?query=ASK%20%7B%7D", "text/html", "application/sparql-results+json"),
    ("/id/wast", "text/html", "text/turtle"),
    ("/id/wast", "text/html", "application/json"),
    ("/ontology", "application/rdf+xml", "text/turtle"),
    ("/", "text/html", "application/json"),
    ("/search?q=quality", "text/html", "application/json"),
    ("/deadlines", "text/html", "application/json"),
    ("/metrics", "text/html", "application/json"),
    ("/plans", "text/html", "application/json"),
    ("/queries", "text/html", "application/json"),
]


@pytest.mark.parametrize("path, one, other", NEGOTIATED)
def test_every_negotiated_response_varies_by_accept(server, path, one, other):
    client = server[1].test_client()
    first, second = (client.get(path, headers={"Accept": accept}) for accept in (one, other))
    assert first.status_code == second.status_code == 200
    assert first.mimetype != second.mimetype  # negotiated indeed
    assert "Accept" in first.vary and "Accept" in second.vary


def test_negotiated_errors_vary_by_accept_too(endpoint):
    status, headers, _ = get(endpoint, "SELECT ?s WHERE { ?s ?p }")
    assert status == 400 and "Accept" in headers["Vary"]


@pytest.mark.parametrize("path, code", [
    ("/id/duty-of-quality%00.ttl", "U+0000"), ("/id/duty-of-quality%00", "U+0000"),
    ("/id/duty%0Aof-quality.nt", "U+000A"), ("/id/duty-of-quality%7F.jsonld", "U+007F"),
    ("/id/%ED%A0%80.ttl", "U+FFFD"),  # bytes that are not UTF-8
])
@pytest.mark.parametrize("accept", ["text/turtle", "text/html"])
def test_characters_no_iri_can_hold_are_400_naming_them(server, path, code, accept):
    status, _, body = http(server[0] + path, headers={"Accept": accept})
    if accept == "text/html" and "." not in path.rsplit("/", 1)[-1]:
        # a person asking for a page gets the item pages' own 404, with its search
        assert status == 404 and b"No such item" in body
        return
    assert status == 400 and b"cannot be part of an IRI" in body and code.encode() in body


def test_an_id_beyond_ascii_is_still_looked_up(server):
    status, _, body = http(server[0] + "/id/%C3%A9t%C3%A9.ttl")
    assert status == 404 and "No resource https://w3id.org/nhs-wales-planning/id/été".encode() in body
