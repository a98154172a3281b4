"""Shared fixtures: the bundled corpus, the optional ../shared data, and a store per test."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
CORPUS_PDFS = ROOT / "corpus" / "pdfs"
CORPUS_INDEX = ROOT / "corpus" / "src" / "index.jsonl"
SHARED = ROOT.parent / "shared"


def corpus_index() -> list[dict]:
    """The bundled sample agreements' metadata (written by us)."""
    return [
        json.loads(line) for line in CORPUS_INDEX.read_text(encoding="utf-8").splitlines() if line.strip()
    ]


def corpus_pdf(stem: str) -> Path:
    return CORPUS_PDFS / f"{stem}.pdf"


@pytest.fixture
def shared() -> Path:
    """The ../shared folder; tests using it skip cleanly on a user's clone, where it is absent."""
    if not (SHARED / "labels" / "dev.jsonl").is_file():
        pytest.skip("../shared is not present (it exists only on development machines and in CI)")
    return SHARED


@pytest.fixture
def store(tmp_path: Path) -> Path:
    return tmp_path / "store"


@pytest.fixture(scope="session")
def shipped_model():
    """The model shipped in models/ (loaded once per test session)."""
    from pipeline.classify import load_model

    return load_model()
