"""Every answer says what it was made from: a receipt (the build, the SHA-256 of each source
text, the project's version, the day the answer holds for) on every JSON answer of the service
and of the command line, in the headers of CSV downloads, and the build behind them at /build,
/build.json and /report.json."""

from __future__ import annotations

import csv
import datetime as dt
import hashlib
import io
import json

import pytest
from bs4 import BeautifulSoup

from graph import __version__
from graph.cli import main
from graph.paths import REPORT_NAME, default_layout
from graph.sources import load_sources
from tests.conftest import REAL
from web import create_app

KDE = "kde-2-1-ambulance-handover-45-minutes"
#: One JSON answer of each kind of page: home, an item, its trace and impact, what applies, a
#: text search, deadlines, a document, the named queries and one answer, plans, metrics, the
#: build, and an error.
JSON_ANSWERS = ["/index.json", f"/id/{KDE}.json", f"/id/{KDE}/trace.json", f"/id/{KDE}/impact.json",
                "/search.json?subject=hywel-dda-uhb", "/search.json?q=cancer", "/deadlines.json?body=wast",
                "/documents/ncf.json", "/queries.json", "/queries/label.json?node=wast", "/plans.json",
                "/metrics.json", "/build.json", "/id/no-such-item.json", "/deadlines.json?topic=nope"]
CSV_ANSWERS = ["/deadlines.csv", "/search.csv?subject=wast", "/search.csv?q=cancer", f"/id/{KDE}.csv",
               "/queries/label.csv?node=wast", "/metrics.csv", "/documents/tpg.csv"]


@pytest.fixture(scope="module")
def app(built):
    return create_app({"TESTING": True, "GRAPH_PATH": str(built.artefact)})


@pytest.fixture
def client(app):
    return app.test_client()  # one a test, so that no test's language cookie reaches another


def sha256(path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


def expected_receipt(built, as_of: dt.date | None = None) -> dict:
    """The receipt worked out from the build's own files, not from the code that writes it."""
    report = json.loads((built.artefact.resolve().parent / REPORT_NAME).read_text(encoding="utf-8"))
    sources = load_sources(REAL.sources_dir)
    return {"build": sha256(built.artefact)[:12], "built_at": report["built_at"],
            "graph_sha256": sha256(built.artefact), "inputs_sha256": report["inputs"]["sha256"],
            "version": __version__, "as_of": (as_of or dt.date.today()).isoformat(),
            "sources": [{"id": d.id, "file": d.file, "sha256": sha256(REAL.sources_dir / d.file)}
                        for d in sources.documents.values()]}


@pytest.mark.parametrize("path", JSON_ANSWERS)
def test_every_json_answer_carries_its_receipt(client, built, path):
    response = client.get(path)
    assert response.mimetype == "application/json"
    receipt = response.get_json()["receipt"]
    assert receipt.pop("report") == "http://localhost/build.json"
    assert receipt == expected_receipt(built)


def test_the_receipt_holds_for_the_day_asked_about(client, built):
    answer = client.get("/search.json?subject=hywel-dda-uhb&on=2026-03-31").get_json()
    assert answer["receipt"]["as_of"] == "2026-03-31"
    response = client.get("/search.csv?subject=hywel-dda-uhb&on=2026-03-31")
    assert response.headers["Policy-Graph-As-Of"] == "2026-03-31"


def test_a_plan_check_and_a_named_query_in_welsh_carry_it_too(client, built):
    plan = (REAL.root / "examples" / "illustrative-plan.csv").read_bytes()
    checked = client.post("/plans/check", data={"org": "swansea-bay-uhb", "format": "json",
                                                "plan": (io.BytesIO(plan), "illustrative-plan.csv")})
    assert checked.status_code == 200 and checked.get_json()["receipt"]["build"] == expected_receipt(built)["build"]
    welsh = client.get("/queries/label.json?node=wast&lang=cy").get_json()
    assert welsh["lang"] == "cy" and welsh["receipt"]["sources"] == expected_receipt(built)["sources"]


@pytest.mark.parametrize("path", CSV_ANSWERS)
def test_a_csv_download_carries_its_receipt_in_headers_and_stays_plain_csv(client, built, path):
    response = client.get(path)
    assert response.status_code == 200 and response.mimetype == "text/csv"
    expected = expected_receipt(built)
    assert response.headers["Policy-Graph-Build"] == expected["build"]
    assert response.headers["Policy-Graph-Built-At"] == expected["built_at"]
    assert response.headers["Policy-Graph-Version"] == __version__
    assert response.headers["Policy-Graph-As-Of"] == expected["as_of"]
    assert response.headers["Policy-Graph-Sources"] == ", ".join(f"{s['id']}={s['sha256']}"
                                                                 for s in expected["sources"])
    assert '</build.json>; rel="describedby"' in ", ".join(response.headers.getlist("Link"))
    # the file itself is the table alone: its first line is the heading row, no comment before it
    first = next(csv.reader(io.StringIO(response.get_data(as_text=True))))
    assert first and not first[0].startswith("#")


def test_the_feeds_carry_it_in_headers(client, built):
    for path in ("/deadlines.ics", "/deadlines.atom"):
        assert client.get(path).headers["Policy-Graph-Build"] == expected_receipt(built)["build"]


def test_the_build_page_shows_the_build_and_its_sources(client, built):
    expected = expected_receipt(built)
    page = BeautifulSoup(client.get("/build").get_data(as_text=True), "html.parser")
    text = page.get_text(" ")
    assert expected["build"] in text and expected["graph_sha256"] in text and expected["inputs_sha256"] in text
    for source in expected["sources"]:
        assert source["sha256"] in text and source["file"] in text
    assert page.find("a", href="/report.json")
    data = client.get("/build.json").get_json()
    assert data["quotes_verified"] == built.report["quotes_verified"]
    assert {f["file"]: f["sha256"] for f in data["inputs"]} == built.report["inputs"]["files"]
    # every page names the build that answered it
    home = BeautifulSoup(client.get("/").get_data(as_text=True), "html.parser")
    assert home.find("footer").find("a", href="/build").get_text() == f"build {expected['build']}"
    welsh = BeautifulSoup(client.get("/build?lang=cy").get_data(as_text=True), "html.parser")
    assert welsh.find("h1").get_text() == "Yr adeiladiad"


def test_report_json_is_the_report_the_build_wrote(client, built):
    written = json.loads((built.artefact.resolve().parent / REPORT_NAME).read_text(encoding="utf-8"))
    assert client.get("/report.json").get_json() == written


def test_the_command_lines_json_answers_carry_it(capsys, built):
    expected = expected_receipt(built)
    for argv in (["trace", KDE], ["query", "label", "-p", "node=wast"], ["search", "hywel", "dda"],
                 ["impact", KDE]):
        assert main([*argv, "-f", "json", "--graph", str(built.artefact)]) == 0
        assert json.loads(capsys.readouterr().out)["receipt"] == expected


def test_every_command_with_an_answer_takes_the_day_of_its_receipt(capsys, built):
    """The commands whose answer is the same on every day take the day too: it is the receipt's."""
    day = dt.date(2026, 3, 31)
    for argv in (["search", "hywel", "dda"], ["coverage"], ["metrics"], ["impact", KDE], ["trace", KDE],
                 ["ask", "Hywel Dda mental health"], ["applies", "wast"], ["query", "label", "-p", "node=wast"]):
        assert main([*argv, "-f", "json", "--on", day.isoformat(), "--graph", str(built.artefact)]) == 0, argv
        assert json.loads(capsys.readouterr().out)["receipt"] == expected_receipt(built, day), argv
    with pytest.raises(SystemExit) as refused:
        main(["metrics", "--on", "31/03/2026", "--graph", str(built.artefact)])
    assert refused.value.code == 2 and "argument --on: not a day YYYY-MM-DD: '31/03/2026'" in capsys.readouterr().err


def _metadata_link(response) -> str:
    links = [part for value in response.headers.getlist("Link") for part in value.split(",")
             if 'rel="describedby"' in part and "application/csvm+json" in part]
    assert len(links) == 1, response.headers.getlist("Link")
    return links[0].split(">", 1)[0].strip().lstrip("<")


@pytest.mark.parametrize("path", CSV_ANSWERS)
def test_a_csv_download_names_its_metadata_which_a_csvw_processor_reads(client, built, path, tmp_path):
    """Beside each CSV is its CSV on the Web metadata: the table's address and columns, and the
    receipt in Dublin Core, PROV and schema.org terms; the csvw package reads the pair."""
    import csvw

    response = client.get(path)
    metadata = client.get(_metadata_link(response))
    assert metadata.status_code == 200 and metadata.mimetype == "application/csvm+json"
    data = metadata.get_json()
    expected = expected_receipt(built)
    assert data["url"] == "http://localhost" + path
    assert data["dc:temporal"] == expected["as_of"] and data["dc:created"] == expected["built_at"]
    assert data["prov:wasGeneratedBy"]["dc:identifier"] == expected["build"]
    assert data["prov:wasGeneratedBy"]["schema:sha256"] == expected["graph_sha256"]
    assert [(s["dc:identifier"], s["schema:sha256"]) for s in data["dc:source"]] == [
        (s["id"], s["sha256"]) for s in expected["sources"]]
    rows = list(csv.reader(io.StringIO(response.get_data(as_text=True))))
    assert [c["titles"] for c in data["tableSchema"]["columns"]] == rows[0]
    # the processor reads the table through its metadata (here with the table beside it)
    (tmp_path / "table.csv").write_bytes(response.get_data())
    (tmp_path / "table.csv-metadata.json").write_text(json.dumps({**data, "url": "table.csv"}), encoding="utf-8")
    read = list(csvw.Table.from_file(tmp_path / "table.csv-metadata.json").iterdicts())
    assert len(read) == len(rows) - 1 > 0
    assert list(read[0]) == [c["name"] for c in data["tableSchema"]["columns"]]
    assert ["" if v is None else str(v) for v in read[0].values()] == rows[1]  # an empty cell is null in CSVW


def test_the_metadata_holds_the_day_the_table_was_asked_for(client):
    response = client.get("/deadlines.csv?on=2026-03-31")
    assert client.get(_metadata_link(response)).get_json()["dc:temporal"] == "2026-03-31"


@pytest.mark.parametrize("target, named", [
    ("", "give the address"), ("http://elsewhere.example/x.csv", "give the address"),
    ("//elsewhere.example/x.csv", "give the address"), ("/search.json?q=cancer", "give the address"),
    ("/no-such-table.csv", "it answers 404"), ("/search.csv?q=cancer&sort=nonsense", "it answers 400")])
def test_metadata_for_anything_but_a_csv_answer_is_refused_naming_the_parameter(client, target, named):
    response = client.get("/csv-metadata.json", query_string={"for": target})
    assert response.status_code == 400
    message = response.get_json()["message"]
    assert message.startswith("Parameter 'for':") and named in message


def test_an_uploaded_plan_s_csv_names_no_metadata(client):
    plan = (REAL.root / "examples" / "illustrative-plan.csv").read_bytes()
    response = client.post("/plans/check", data={"format": "csv", "org": "swansea-bay-uhb",
                                                 "plan": (io.BytesIO(plan), "illustrative-plan.csv")})
    assert response.mimetype == "text/csv"
    assert not any("csvm" in value for value in response.headers.getlist("Link"))


@pytest.mark.parametrize("argv", [["applies", "wast"], ["query", "targets"], ["coverage"], ["metrics"],
                                  ["check-plan", "examples/illustrative-plan.csv", "--org", "swansea-bay-uhb"]])
def test_a_csv_answer_written_to_a_file_has_its_receipt_beside_it(capsys, built, tmp_path, argv):
    """On the command line too: ``--out FILE`` writes the table alone and FILE-metadata.json beside
    it, which a CSVW processor finds by its name and reads the table through."""
    import csvw

    from graph.cli.files import TO_FILE

    table = tmp_path / "answer.csv"
    if argv[0] == "check-plan":
        argv = [argv[0], str(default_layout().root / argv[1]), *argv[2:]]
    assert argv[0] in (*TO_FILE, "check-plan")
    code = main([*argv, "-f", "csv", "--on", "2026-03-31", "-o", str(table), "--graph", str(built.artefact)])
    out, err = capsys.readouterr()
    assert code == 0 and out == "" and "answer.csv-metadata.json" in err
    data = json.loads((tmp_path / "answer.csv-metadata.json").read_text(encoding="utf-8"))
    expected = expected_receipt(built, dt.date(2026, 3, 31))
    assert data["url"] == "answer.csv" and data["dc:temporal"] == "2026-03-31"
    assert data["prov:wasGeneratedBy"]["schema:sha256"] == expected["graph_sha256"]
    rows = list(csv.reader(io.StringIO(table.read_text(encoding="utf-8"))))
    assert [c["titles"] for c in data["tableSchema"]["columns"]] == rows[0]
    read = list(csvw.Table.from_file(tmp_path / "answer.csv-metadata.json").iterdicts())
    assert len(read) == len(rows) - 1 > 0


def test_out_to_a_folder_is_refused_naming_it(capsys, built, tmp_path):
    assert main(["metrics", "-f", "csv", "-o", str(tmp_path), "--graph", str(built.artefact)]) == 2
    assert "is a folder" in capsys.readouterr().err


def test_a_csv_answer_on_the_screen_has_its_receipt_on_standard_error(capsys, built):
    """The table stays a table a spreadsheet opens; the receipt goes beside it, on standard error."""
    expected = expected_receipt(built, dt.date(2026, 3, 31))
    assert main(["applies", "wast", "-f", "csv", "--on", "2026-03-31", "--graph", str(built.artefact)]) == 0
    out, err = capsys.readouterr()
    rows = list(csv.reader(io.StringIO(out)))
    assert rows[0][0] == "item" and len(rows) > 10
    assert err.startswith(f"receipt: build {expected['build']} of {expected['built_at']}, sources tpg=")
    assert "as of 2026-03-31" in err and err.count("\n") == 1
