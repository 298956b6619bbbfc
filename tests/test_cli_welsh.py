"""The command line in Welsh: its catalogue is complete and compiled, ``--lang cy`` or a Welsh
locale gives Welsh help, headings, errors and messages (argparse's own words included), counts
take the Welsh plural forms, and English stays the default."""

from __future__ import annotations

import argparse
import csv
import io
import json
import os
import re
import subprocess
import sys
from pathlib import Path

import pytest
from babel.messages.extract import extract, extract_from_dir
from babel.messages.frontend import parse_mapping_cfg
from babel.messages.mofile import read_mo
from babel.messages.pofile import read_po

from graph.cli import language as cli_language
from graph.cli import main, make_parser
from graph.cli.language import language_from_environment, ngettext, speaking, split_language

ROOT = Path(__file__).resolve().parent.parent
LOCALE = ROOT / "graph/locale"
PO = LOCALE / "cy/LC_MESSAGES/cli.po"
KEYWORDS = {"_": None, "N_": None, "ngettext": (1, 2), "Nn_": (1, 2), "gettext": None}  # gettext: the ontology's terms
#: argparse messages a user of the command cannot meet: they report mistakes in the code that
#: builds a parser, not in a command line.
PROGRAMMER_ERRORS = {
    ".__call__() not defined", "conflicting subparser: %s", "conflicting subparser alias: %s",
    "cannot merge actions - two groups are named %r", "'required' is an invalid argument for positionals",
    "invalid option string %(option)r: must start with a character %(prefix_chars)r",
    "dest= is required for options like %r", "invalid conflict_resolution value: %r",
    "mutually exclusive arguments must be optional", "cannot have multiple subparser arguments",
    "%r is not callable", "conflicting option string: %s",
}


def _po():
    with PO.open("rb") as f:
        return read_po(f)


def _msgid(message):
    return message[0] if isinstance(message, tuple) else message


def test_every_cli_string_has_welsh():
    with (LOCALE / "babel.cfg").open(encoding="utf-8") as cfg:
        method_map, options_map = parse_mapping_cfg(cfg)
    extracted = {_msgid(m[2]) for m in extract_from_dir(str(ROOT), method_map, options_map, keywords=KEYWORDS)}
    assert len(extracted) > 80  # the help of every command, the messages, argparse's words
    catalogue = {_msgid(m.id): m for m in _po() if m.id}
    missing = sorted(extracted - set(catalogue))
    assert not missing, f"not in {PO.name} (run the extract and update commands in docs/welsh.md): {missing}"
    untranslated = sorted(m for m in extracted if catalogue[m].fuzzy or not all(
        s.strip() for s in (catalogue[m].string if isinstance(catalogue[m].string, tuple)
                            else (catalogue[m].string,))))
    assert not untranslated, f"no Welsh for: {untranslated}"


def test_the_compiled_cli_catalogue_matches_the_po_file():
    def plain(value):
        return tuple(value) if isinstance(value, (list, tuple)) else value

    with PO.with_suffix(".mo").open("rb") as f:
        mo = {plain(m.id): plain(m.string) for m in read_mo(f) if m.id}
    assert mo == {plain(m.id): plain(m.string) for m in _po() if m.id}, "run 'pybabel compile -D cli -d graph/locale'"


def test_the_catalogue_has_welshs_six_plural_forms():
    assert _po().num_plurals == 6
    with speaking("cy"):
        rows = {n: ngettext("(%(num)d row)", "(%(num)d rows)", n) % {"num": n} for n in (0, 1, 2, 3, 6, 25)}
    assert rows == {0: "(0 rhes)", 1: "(1 rhes)", 2: "(2 res)", 3: "(3 rhes)", 6: "(6 rhes)", 25: "(25 o resi)"}


def test_every_user_facing_argparse_message_is_in_the_catalogue():
    """argparse's words reach the catalogue through a list in cli_language (extraction cannot read
    the standard library); this checks the list against the argparse that is running."""
    with open(argparse.__file__, "rb") as f:
        used = {_msgid(m[1]) for m in extract("python", f, keywords={"_": None, "ngettext": (1, 2)})}
    listed = set(cli_language.ARGPARSE_MESSAGES) | {s for s, _p in cli_language.ARGPARSE_PLURALS}
    assert not (used - PROGRAMMER_ERRORS) - listed, sorted((used - PROGRAMMER_ERRORS) - listed)


# --- choosing the language ------------------------------------------------------------------

@pytest.mark.parametrize("environ, expected", [
    ({}, "en"), ({"LANG": "cy_GB.UTF-8"}, "cy"), ({"LC_ALL": "cy_GB.UTF-8", "LANG": "en_GB.UTF-8"}, "cy"),
    ({"LANGUAGE": "cy:en", "LANG": "en_GB.UTF-8"}, "cy"), ({"LANGUAGE": "en", "LANG": "cy_GB.UTF-8"}, "en"),
    ({"LANG": "C.UTF-8"}, "en"), ({"LC_MESSAGES": "cy_GB", "LANG": "en_GB"}, "cy"), ({"LANGUAGE": ""}, "en"),
])
def test_the_environment_chooses_the_language_as_gettext_does(environ, expected):
    assert language_from_environment(environ) == expected


def test_lang_is_taken_from_anywhere_on_the_command_line():
    assert split_language(["--lang", "cy", "trace", "x"]) == ("cy", ["trace", "x"])
    assert split_language(["trace", "x", "--lang=en"]) == ("en", ["trace", "x"])
    assert split_language(["query", "--", "--lang", "cy"]) == (None, ["query", "--", "--lang", "cy"])


def _help(capsys, *argv: str) -> str:
    with pytest.raises(SystemExit) as exit_:
        main(list(argv))
    assert exit_.value.code == 0
    return capsys.readouterr().out


def _words(text: str) -> str:
    return re.sub(r"\s+", " ", text)


def _english_help_strings() -> dict[str, list[str]]:
    """The help text of each command (and command of a command: 'plan load') and of its options,
    as the English parser holds it."""
    with speaking("en"):
        parser = make_parser()
    strings: dict[str, list[str]] = {}

    def walk(prefix: str, p: argparse.ArgumentParser) -> None:
        helps = [a.help for a in p._actions if a.help and a.help != argparse.SUPPRESS]
        for group in (a for a in p._actions if isinstance(a, argparse._SubParsersAction)):
            helps += [a.help for a in group._choices_actions if a.help]
            for name, sub in group.choices.items():
                walk(f"{prefix} {name}".strip(), sub)
        strings[prefix] = helps

    walk("", parser)
    return strings


def test_every_command_has_welsh_help(capsys):
    english = _english_help_strings()
    assert {"build", "query", "trace", "applies", "check-plan"} <= set(english)
    for command, strings in english.items():
        argv = command.split() + ["--help", "--lang", "cy"]
        text = _words(_help(capsys, *argv))
        assert text.startswith("defnydd: policy-graph"), command
        assert "opsiynau:" in text and "dangos y neges gymorth hon a gadael" in text, command
        left = [s for s in strings if len(s.split()) > 2 and _words(s) in text]
        assert not left, f"'{command} --help' in Welsh still has English: {left}"


def test_help_is_english_by_default_and_the_parser_is_restored(capsys, monkeypatch):
    for variable in ("LANGUAGE", "LC_ALL", "LC_MESSAGES", "LANG"):
        monkeypatch.delenv(variable, raising=False)
    _help(capsys, "--lang", "cy", "--help")
    text = _help(capsys, "--help")
    assert text.startswith("usage: policy-graph") and "show this help message and exit" in text
    assert "--lang {en,cy}" in text


def test_a_welsh_locale_gives_welsh_help(capsys, monkeypatch):
    monkeypatch.setenv("LANG", "cy_GB.UTF-8")
    monkeypatch.delenv("LANGUAGE", raising=False)
    monkeypatch.delenv("LC_ALL", raising=False)
    monkeypatch.delenv("LC_MESSAGES", raising=False)
    assert "Graff gwybodaeth rheolau-fel-cod o bolisi cynllunio GIG Cymru." in _help(capsys, "--help")
    # --lang wins over the environment
    assert _help(capsys, "--help", "--lang", "en").startswith("usage:")


def test_argparse_errors_are_in_welsh(capsys):
    with pytest.raises(SystemExit) as exit_:
        main(["--lang", "cy", "trace"])
    assert exit_.value.code == 2
    assert "policy-graph trace: gwall: mae angen y dadleuon canlynol: item" in capsys.readouterr().err
    with pytest.raises(SystemExit):
        main(["--lang", "cy", "query", "--format", "xml"])
    assert "dewis annilys: 'xml'" in capsys.readouterr().err


def test_an_unknown_language_is_refused_clearly(capsys):
    with pytest.raises(SystemExit) as exit_:
        main(["--lang", "fr", "query"])
    assert exit_.value.code == 2
    assert "argument --lang: invalid choice: 'fr' (choose from en, cy)" in capsys.readouterr().err


def test_the_query_list_is_in_welsh(capsys):
    assert main(["query", "--lang", "cy"]) == 0
    out = capsys.readouterr().out
    assert "Enwau mewn iaith: Pob nod sydd ag enw mewn un iaith" in out
    assert "subject: corff (wast), math o gorff (nwp:HealthBoard) neu bwnc (topic-cancer)" in out


def test_library_errors_are_introduced_in_welsh(capsys, built):
    code = main(["--lang", "cy", "query", "obligations-for", "--graph", str(built.artefact)])
    err = capsys.readouterr().err
    assert code == 2 and err.startswith("gwall: ")


def test_counts_and_the_licence_line_in_welsh(capsys, built):
    assert main(["query", "priorities", "--graph", str(built.artefact), "--lang", "cy"]) == 0
    assert capsys.readouterr().out.rstrip().endswith("(6 rhes)")
    assert main(["trace", "kde-2-1-rtt-104-weeks", "--graph", str(built.artefact), "--lang", "cy"]) == 0
    assert capsys.readouterr().out.rstrip().endswith(
        "Yn cynnwys gwybodaeth y sector cyhoeddus a drwyddedir o dan y Drwydded Llywodraeth Agored v3.0.")
    assert main(["trace", "kde-2-1-rtt-104-weeks", "--graph", str(built.artefact), "-f", "json"]) == 0
    assert "Contains public sector information licensed under the Open Government Licence v3.0." in \
        capsys.readouterr().out


def test_the_installed_command_speaks_welsh_in_a_welsh_locale():
    env = {k: v for k, v in os.environ.items() if k not in ("LANGUAGE", "LC_ALL", "LC_MESSAGES")}
    env["LANG"] = "cy_GB.UTF-8"
    done = subprocess.run([str(Path(sys.executable).parent / "policy-graph"), "--help"], capture_output=True,
                          text=True, env=env, timeout=60)
    assert done.returncode == 0 and done.stdout.startswith("defnydd: policy-graph"), done.stderr


# --- the reports in Welsh -------------------------------------------------------------------

REPORT_MODULES = ("rules/trace", "rules/applicability", "rules/targets", "rules/plans", "rules/analysis", "wording")
EXAMPLES = ROOT / "examples"


def _english_fragments() -> set[str]:
    """The English words of every message the reports are written with, between their
    placeholders, three words or more: none of them may be left in a Welsh report."""
    fragments = set()
    for module in REPORT_MODULES:
        with (ROOT / f"graph/{module}.py").open("rb") as f:
            for _line, message, _comments, _context in extract("python", f, keywords=KEYWORDS):
                for text in (message if isinstance(message, tuple) else (message,)):
                    for part in re.split(r"%\(\w+\)[-+ #0-9.]*[sdf]", text):
                        if len(part.split()) >= 3:
                            fragments.add(part.strip(" ,;:()"))
    assert len(fragments) > 40
    return fragments


def _welsh_report(capsys, *argv: str) -> str:
    assert main(["--lang", "cy", *argv]) == 0
    text = capsys.readouterr().out
    left = sorted(f for f in _english_fragments() if f in text)
    assert not left, f"'{' '.join(argv)}' in Welsh still has English: {left}"
    return text


def test_a_trace_in_welsh_names_its_relations_and_nodes_in_welsh(capsys, built):
    text = _welsh_report(capsys, "trace", "kde-2-1-rtt-104-weeks", "--graph", str(built.artefact))
    assert "\nCadwyn bolisi:\n" in text and "\nDyletswyddau, statudau ac egwyddorion y tu ôl iddo:\n" in text
    assert "  yn gwasanaethu blaenoriaeth → Mynediad Amserol at Ofal  [priority-timely-access-to-care] " \
           "(blaenoriaeth strategol)" in text
    assert "→ Dyletswydd Ansawdd  [duty-of-quality] (dyletswydd statudol), drwy planning-framework-2026-29" in text
    # the item's Welsh name (written for the graph); quotes stay as published
    assert text.startswith("Dim un claf yn aros mwy na 104 wythnos o'i atgyfeirio i'w driniaeth  "
                           "[kde-2-1-rtt-104-weeks] (disgwyliad cyflawni)")
    assert "“No patients waiting more than 104 weeks for referral to treatment.”" in text


def test_a_trace_is_english_by_default_and_json_keeps_its_words(capsys, built):
    assert main(["trace", "kde-2-1-rtt-104-weeks", "--graph", str(built.artefact)]) == 0
    english = capsys.readouterr().out
    assert "\nPolicy chain:\n  serves priority → Timely Access to Care  [priority-timely-access-to-care]" in english
    assert main(["--lang", "cy", "trace", "kde-2-1-rtt-104-weeks", "-f", "json", "--graph", str(built.artefact)]) == 0
    data = json.loads(capsys.readouterr().out)
    assert (data["chain"][0]["relation"], data["chain"][0]["label"]) == ("serves priority", "Timely Access to Care")


def test_why_an_obligation_does_not_apply_in_welsh(capsys, built):
    text = _welsh_report(capsys, "applies", "wast", "--item", "kde-2-1-ambulance-handover-45-minutes",
                         "--graph", str(built.artefact))
    assert "  nid yw'n berthnasol: mae'n rhwymo pob corff o'r math bwrdd iechyd; mae Ymddiriedolaeth GIG " \
           "Gwasanaethau Ambiwlans Cymru o'r math ymddiriedolaeth GIG\n" in text
    assert " — wedi'i nodi [passage/tpg/" in text


def test_why_an_obligation_applies_in_welsh_with_its_rules(capsys, built):
    text = _welsh_report(capsys, "applies", "swansea-bay-uhb", "--item", "req-2-6-implement-listening-to-people",
                         "--on", "2026-03-31", "--graph", str(built.artefact))
    assert "heb ddod i rym eto ar 2026-03-31: yn berthnasol i Bwrdd Iechyd Prifysgol Bae Abertawe o 2026-04-01" in text
    assert "3. Felly mae Bwrdd Iechyd Prifysgol Bae Abertawe o'r math sefydliad GIG — casgledig" in text
    assert text.count("    rheol: ") == 3 and "— ontoleg [nwp:HealthBoard rdfs:subClassOf nwp:NHSOrganisation]" in text
    listed = _welsh_report(capsys, "applies", "swansea-bay-uhb", "--explain", "--topic", "planned-care",
                           "--graph", str(built.artefact))
    # the plain reason names the kind of body it applies to, and the body
    assert "yn berthnasol i bob corff o'r math bwrdd iechyd, ac mae Bwrdd Iechyd Prifysgol Bae Abertawe yn un " \
           "ohonynt" in listed


def test_the_library_explains_in_welsh_only_when_asked(store, queries):
    from graph.rules.applicability import Applicability
    from graph.wording import wording

    english = Applicability(store, queries).explain("wast", "kde-2-1-ambulance-handover-45-minutes")
    welsh = Applicability(store, queries, wording(store, queries, "cy")).explain(
        "wast", "kde-2-1-ambulance-handover-45-minutes")
    assert english.summary.startswith("does not apply: it binds every health board; Welsh Ambulance Services")
    assert welsh.summary.startswith("nid yw'n berthnasol: mae'n rhwymo pob corff o'r math bwrdd iechyd")
    assert (english.applies, english.facts[0].origin) == (welsh.applies, welsh.facts[0].origin) == (False, "stated")


def test_a_target_report_in_welsh_and_its_csv_unchanged(capsys, built):
    trajectory = str(EXAMPLES / "illustrative-trajectory.csv")
    text = _welsh_report(capsys, "check-targets", trajectory, "--org", "swansea-bay-uhb",
                         "--graph", str(built.artefact))
    first = text.splitlines()[0]
    assert re.fullmatch(r"Targedau Bwrdd Iechyd Prifysgol Bae Abertawe \[swansea-bay-uhb\]: \d+ wedi'u cyrraedd, "
                        r"\d+ heb eu cyrraedd, \d+ heb fodd eu hasesu", first), first
    assert "\nHEB EI GYRRAEDD " in text and "    rheol: " in text and "    ffigurau: " in text
    assert main(["--lang", "cy", "check-targets", trajectory, "--org", "swansea-bay-uhb", "-f", "csv",
                 "--graph", str(built.artefact)]) == 0
    rows = list(csv.DictReader(io.StringIO(capsys.readouterr().out)))
    assert set(rows[0]) >= {"target", "metric", "period", "verdict", "rule", "reason"}
    assert {r["verdict"] for r in rows} == {"met", "not met", "not assessable"}
    assert all(r["reason"].isascii() for r in rows)  # data stays in the graph's English


def test_a_plan_check_in_welsh_as_text_and_html(capsys, built, tmp_path):
    plan = str(EXAMPLES / "illustrative-plan.csv")
    text = _welsh_report(capsys, "check-plan", plan, "--org", "swansea-bay-uhb", "--graph", str(built.artefact))
    assert text.startswith("Gwirio cynllun Bwrdd Iechyd Prifysgol Bae Abertawe [swansea-bay-uhb]\n  12 o ymrwymiadau: ")
    assert "  [wedi'i olrhain] c01: " in text and "(awgrym, sgôr 0." in text
    assert ("\nRhwymedigaethau heb ymrwymiad (mabwysiadu neu gyfiawnhau), fesul blaenoriaeth neu gynllun galluogi, "
            "y cryfaf yn gyntaf, yna’r rhai sy’n ddyledus gyntaf:\n") in text
    assert "  Cwmpas (wedi’u mabwysiadu neu eu cyfiawnhau): 26 o 535 wedi’u cwmpasu, 5%\n" in text
    assert "\n  Mynediad Amserol at Ofal: 24 o 76 wedi’u cwmpasu, 32%\n" in text
    assert "    [rhaid, erbyn 2027-03-31] " in text
    assert "\n  Mynediad Amserol at Ofal (" in text  # the groups are named by priority, in Welsh
    out = tmp_path / "report.html"
    assert main(["--lang", "cy", "check-plan", plan, "--org", "swansea-bay-uhb", "-f", "html", "-o", str(out),
                 "--graph", str(built.artefact)]) == 0
    capsys.readouterr()
    from bs4 import BeautifulSoup

    page = BeautifulSoup(out.read_text(encoding="utf-8"), "html.parser")
    assert page.html["lang"] == "cy" and page.h1.get_text() == "Gwirio cynllun: Bwrdd Iechyd Prifysgol Bae Abertawe"
    assert [th.get_text() for th in page.find_all("th")] == ["ymrwymiad", "statws", "yn ateb", "ffynhonnell"]
    fallback = page.find("span", lang="en")
    assert fallback is not None and fallback.find_next_sibling("small").get_text() == "(yn Saesneg)"
    left = sorted(f for f in _english_fragments() if f in page.get_text())
    assert not left, left


def test_impact_in_welsh(capsys, built):
    text = _welsh_report(capsys, "impact", "nhs-complaints-amendment-regulations-2025", "--plan",
                         str(EXAMPLES / "illustrative-plan.csv"), "--graph", str(built.artefact))
    assert re.match(r"Pe bai Rheoliadau'r Gwasanaeth Iechyd Gwladol .* \[nhs-complaints-amendment-regulations-2025\] "
                    r"yn newid: mae \d+ o eitemau yn dibynnu arno:", text)
    assert "ymrwymiad cynllun sy'n dibynnu arno:" in text and "(yn cyfeirio at req-2-6-" in text
