"""Generated bad input never gets a 500: at least a thousand mutants of SPARQL queries, item
addresses, query strings, headers and uploads, from a fixed seed, each answered by a page or a
4xx that says what is wrong (or a 503 with its reason when the endpoint stops a query)."""

from __future__ import annotations

import io
import random
import string
import urllib.parse

import pytest

from graph.paths import ARTEFACT_NAME
from graph.queries import example_text, load_queries
from tests.conftest import REAL, copy_build
from web import create_app

SEED = 20261204
EXAMPLES = REAL.root / "examples"
#: Pieces that have broken parsers before: escapes, comments, deep nesting, odd numbers and text.
NASTY = ["\\'", "'", '"', "'''", '"""', "#", "\n", "\x00", "\ud800", "\udfff", "\\u0000", "\\uD800", "\\U0010FFFF",
         "{" * 200, "}" * 200, "(" * 200, "[" * 50, "1E+999999999", "9" * 5000, "-0", "NaN", "\u202e", "\ufeff",
         "SERVICE <http://127.0.0.1:9/>", "SERVICE SILENT ?x", "LOAD <http://127.0.0.1:9/>", "INSERT DATA {}",
         "<>", "<a b>", "ex:a\\'", "_:b", "?", "$", "@en", "^^<x>", "%ff", "%", "..", "/../", "\\", "\r\n",
         "é", "ŵ", "😀", "\u0301", "GROUP_CONCAT(", "REGEX(?o, '(a+)+$')", "<http://example.org/f>(1)"]


@pytest.fixture(scope="module")
def app(built, tmp_path_factory):
    folder = tmp_path_factory.mktemp("fuzz")
    copy_build(built, folder / ARTEFACT_NAME)
    app = create_app({"TESTING": True, "GRAPH_PATH": str(folder / ARTEFACT_NAME), "SPARQL_WORKERS": 2,
                      "SPARQL_TIMEOUT": 2.0, "ACCOUNTS_PATH": str(folder / "accounts.json"),
                      "PROPAGATE_EXCEPTIONS": False})  # a crash is a 500 to count, not an exception here
    yield app
    pool = app.extensions.get("sparql_pool")
    if pool is not None:
        pool.close()


def _mutate(rng: random.Random, text: str) -> str:
    """*text* changed by one to three random edits: a nasty piece put in, a slice cut or doubled,
    a character swapped."""
    for _ in range(rng.randint(1, 3)):
        at = rng.randrange(len(text) + 1)
        kind = rng.randrange(5)
        if kind == 0:
            text = text[:at] + rng.choice(NASTY) + text[at:]
        elif kind == 1:
            text = text[:at] + text[at + rng.randint(1, 20):]
        elif kind == 2:
            end = min(len(text), at + rng.randint(1, 40))
            text = text[:end] + text[at:end] * rng.randint(1, 3) + text[end:]
        elif kind == 3:
            text = text[:at] + rng.choice(string.printable) + text[at + 1:]
        else:
            text = text[:at]
    return text


def _sparql_cases(rng: random.Random, n: int) -> list[str]:
    seeds = [example_text(q) for q in load_queries(REAL.queries_dir).values()]
    return [_mutate(rng, rng.choice(seeds)) for _ in range(n)]


def _id_cases(rng: random.Random, n: int) -> list[str]:
    stems = ["duty-of-quality", "hywel-dda-uhb", "kde-2-1-ambulance-handover-45-minutes", "plan/x", "passage/tpg"]
    suffixes = ["", ".ttl", ".json", ".csv", ".nt", ".rdf", ".jsonld", "/trace", "/impact", "/trace.json"]
    out = []
    for _ in range(n):
        stem = _mutate(rng, rng.choice(stems))
        out.append("/id/" + urllib.parse.quote(stem, safe="/%", errors="surrogatepass") + rng.choice(suffixes))
    return out


def _page_cases(rng: random.Random, n: int) -> list[str]:
    pages = ["/search", "/search.json", "/search.csv", "/deadlines", "/deadlines.json", "/queries/label.json",
             "/queries/obligations-for.json", "/plans.json", "/metrics.json", "/"]
    keys = ["q", "subject", "on", "from", "to", "lang", "format", "node", "body", "priority", "all", "topic"]
    values = ["2027-03-31", "Hywel Dda", "cy", "json", "wast"]
    out = []
    for _ in range(n):
        query = "&".join(f"{rng.choice(keys)}="
                         + urllib.parse.quote(_mutate(rng, rng.choice(values)), safe="%", errors="surrogatepass")
                         for _ in range(rng.randint(1, 4)))
        out.append(f"{rng.choice(pages)}?{query}")
    return out


def _header_cases(rng: random.Random, n: int) -> list[tuple[str, dict]]:
    names = ["Accept", "Accept-Language", "Content-Type", "Authorization", "Cookie", "Origin", "If-None-Match",
             "Range"]
    values = ["text/html", "application/sparql-results+json;q=2", "*/*;q=x", "text/csv", "cy", "en;q=0", "Bearer",
              "session=abc", "null", "bytes=0-1"]
    paths = ["/", "/id/duty-of-quality", "/sparql?query=ASK%7B%7D", "/search.json?q=handover", "/void",
             "/plans", "/queries/label.json?node=wast"]
    out = []
    for _ in range(n):
        headers = {rng.choice(names): _mutate(rng, rng.choice(values)).replace("\n", " ").replace("\r", " ")
                   for _ in range(rng.randint(1, 3))}
        # as the bytes a client would send: UTF-8 (surrogates and all) read back as Latin-1
        raw = {k: v.encode("utf-8", "surrogatepass").decode("latin-1") for k, v in headers.items()}
        out.append((rng.choice(paths), raw))
    return out


def _upload_cases(rng: random.Random, n: int) -> list[tuple[str, str, bytes]]:
    files = [("plan", p) for p in sorted(EXAMPLES.glob("*plan*"))] + \
            [("trajectory", p) for p in sorted(EXAMPLES.glob("*trajectory*.csv"))]
    out = []
    for _ in range(n):
        field, path = rng.choice(files)
        text = _mutate(rng, path.read_text(encoding="utf-8"))
        out.append((field, path.name, text.encode("utf-8", "surrogatepass")))
    return out


def _ok(response) -> bool:
    return response.status_code < 500 or (response.status_code == 503 and response.get_data(as_text=True).strip())


def test_a_thousand_bad_inputs_get_no_500(app):
    rng = random.Random(SEED)
    client = app.test_client()
    failures: list[str] = []
    tried = 0
    for query in _sparql_cases(rng, 400):
        for method in ("GET", "POST"):
            if method == "GET":
                response = client.get("/sparql", query_string={"query": query.encode("utf-8", "surrogatepass")},
                                      headers={"Accept": rng.choice(["application/sparql-results+json", "text/csv",
                                                                     "text/turtle", "application/rdf+xml", "*/*"])})
            else:
                response = client.post("/sparql", data=query.encode("utf-8", "surrogatepass"),
                                       content_type="application/sparql-query")
            tried += 1
            if not _ok(response):
                failures.append(f"SPARQL {method} {query[:120]!r}: {response.status_code}")
    for path in _id_cases(rng, 200) + _page_cases(rng, 200):
        for fmt in (None, "text/turtle"):
            response = client.get(path, headers={"Accept": fmt} if fmt else {})
            tried += 1
            if not _ok(response):
                failures.append(f"GET {path[:120]!r} ({fmt}): {response.status_code}")
    for path, headers in _header_cases(rng, 150):
        response = client.get(path, headers=headers)
        tried += 1
        if not _ok(response):
            failures.append(f"GET {path} {headers!r}: {response.status_code}")
    for field, name, data in _upload_cases(rng, 150):
        target = "/plans/check" if field == "plan" else "/targets/check"
        response = client.post(target, data={"org": "swansea-bay-uhb", "format": "json",
                                             field: (io.BytesIO(data), name)})
        tried += 1
        if not _ok(response):
            failures.append(f"POST {target} {name} {data[:80]!r}: {response.status_code}")
    assert tried >= 1000
    assert not failures, f"{len(failures)} of {tried} bad inputs got a 500:\n" + "\n".join(failures[:40])
