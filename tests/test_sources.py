"""The build refuses a source text whose bytes differ from the recorded SHA-256."""

from __future__ import annotations

import pytest

from graph.build.pipeline import build
from graph.errors import SourceChangedError
from graph.sources import load_sources, sha256_of
from tests.conftest import REAL


def test_held_sources_are_byte_identical_to_their_records():
    sources = load_sources(REAL.sources_dir)
    assert set(sources.documents) == {"tpg", "ncf"}
    for doc in sources.documents.values():
        assert sha256_of(REAL.sources_dir / doc.file) == doc.sha256
    assert "Open Government Licence v3.0" in sources.attribution


def test_a_changed_byte_in_a_source_stops_the_build(mini):
    text = mini.root / "graph/sources/technical-planning-guidance-2026-29.txt"
    data = bytearray(text.read_bytes())
    data[500] = ord("X") if data[500] != ord("X") else ord("Y")
    text.write_bytes(bytes(data))
    with pytest.raises(SourceChangedError) as err:
        build(mini.layout, mini.root / "out")
    assert "technical-planning-guidance-2026-29.txt has SHA-256" in str(err.value)
    assert "graph/sources/sources.yaml" in str(err.value)
    assert not (mini.root / "out").exists()
