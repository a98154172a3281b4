"""Shared fixtures: the bundled corpus (and a store the real ingest built from it), the optional
../shared data, a store per test, and a headless browser."""

from __future__ import annotations

import json
import os
import shutil
from collections.abc import Iterator
from pathlib import Path
from typing import Any

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


@pytest.fixture(scope="session")
def corpus_store(tmp_path_factory) -> Path:
    """The bundled PDFs ingested by the real command (shipped model), which also keeps the PDFs; built
    once per session and only read by the tests that share it (web page, report)."""
    from typer.testing import CliRunner

    from pipeline.cli import app as cli_app

    store = tmp_path_factory.mktemp("web-corpus") / "store"
    result = CliRunner().invoke(cli_app, ["ingest", str(CORPUS_PDFS), "--store", str(store)])
    assert result.exit_code == 0, result.output
    return store


CHROMIUM = shutil.which("chromium")
CHROMEDRIVER = shutil.which("chromedriver")


@pytest.fixture(scope="module")
def browser() -> Iterator[Any]:
    """Debian's headless Chromium through its chromedriver, both named explicitly, so Selenium Manager
    never runs and nothing is downloaded (``SE_OFFLINE`` forbids it too, in case it were asked)."""
    if not (CHROMIUM and CHROMEDRIVER):
        pytest.skip(
            "no chromium/chromedriver on PATH: install Debian chromium and chromium-driver "
            "(scripts/install-system-deps.sh)"
        )
    webdriver = pytest.importorskip(
        "selenium.webdriver", reason="selenium is not installed (pip install -e '.[dev]')"
    )
    from selenium.webdriver.chrome.service import Service

    options = webdriver.ChromeOptions()
    options.binary_location = CHROMIUM
    for argument in ("--headless=new", "--window-size=1366,860", "--disable-gpu", "--disable-dev-shm-usage"):
        options.add_argument(argument)
    if os.geteuid() == 0:
        options.add_argument("--no-sandbox")
    with pytest.MonkeyPatch.context() as patch:
        patch.setenv("SE_OFFLINE", "true")
        driver = webdriver.Chrome(service=Service(executable_path=CHROMEDRIVER), options=options)
    driver.implicitly_wait(5)
    try:
        yield driver
    finally:
        driver.quit()
