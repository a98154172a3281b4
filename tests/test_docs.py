"""The documentation is tested like code: generated pages are current, every example runs, links resolve.

Conventions (also stated at the top of ``docs/index.md``): each page's examples run in order in a fresh
scratch folder holding ``corpus`` and ``.venv`` (links to the clone's) and ``annotations/`` (a copy of
the clone's, so imports never touch the repository); the README tour runs the same way. ``sh`` blocks run
with ``bash -e -o pipefail``, ``python`` blocks with the venv's Python, ``json`` blocks must parse,
``text``/``csv``/``xml`` blocks are output or file samples and are not run. ``BLAMINE_CLONE`` names the
clone and ``PATH`` starts with the venv's ``bin``. A fence with any other language, or none, fails, so no
example escapes by accident.
"""

from __future__ import annotations

import json
import os
import re
import shutil
import subprocess
import sys
from dataclasses import dataclass
from pathlib import Path

import pytest

from pipeline import docs
from pipeline.taxonomy import criteria, labels
from tests.conftest import ROOT

DOCS = ROOT / "docs"
README = ROOT / "README.md"
TOUR_START, TOUR_END = "<!-- tour:start -->", "<!-- tour:end -->"
RUN = {"sh", "python"}
INERT = {"text", "csv", "xml"}
BLOCK_TIMEOUT = 300
FENCE = re.compile(r"^```([^\n`]*)\n(.*?)^```[ \t]*$", re.MULTILINE | re.DOTALL)
LINK = re.compile(r"(?<!!)\[[^\]]*\]\(([^)\s]+)\)|!\[[^\]]*\]\(([^)\s]+)\)")


@dataclass(frozen=True)
class Block:
    language: str
    code: str
    line: int


def blocks(markdown: str) -> list[Block]:
    """The fenced blocks of a page, with the line their fence opens on (for error messages)."""
    return [
        Block(m.group(1).strip(), m.group(2), markdown.count("\n", 0, m.start()) + 1)
        for m in FENCE.finditer(markdown)
    ]


def pages() -> list[Path]:
    return sorted(DOCS.rglob("*.md"))


def _venv_bin() -> Path:
    venv = ROOT / ".venv" / "bin"
    return venv if (venv / "python").exists() else Path(sys.executable).parent


def scratch_folder(path: Path) -> Path:
    """The working folder examples run in, laid out like a clone for reading (the bundled corpus and the
    virtual environment linked) but with a copy of the annotations, so imports never reach the clone."""
    path.mkdir(parents=True, exist_ok=True)
    (path / "corpus").symlink_to(ROOT / "corpus", target_is_directory=True)
    if (ROOT / ".venv").is_dir():
        (path / ".venv").symlink_to(ROOT / ".venv", target_is_directory=True)
    shutil.copytree(ROOT / "annotations", path / "annotations")
    return path


def run_blocks(where: str, found: list[Block], workdir: Path) -> None:
    """Run ``found`` in order in ``workdir``; fail naming ``where``, the block and its line on error."""
    env = {
        **os.environ,
        "PATH": f"{_venv_bin()}{os.pathsep}{os.environ.get('PATH', '')}",
        "BLAMINE_CLONE": str(ROOT),
        "PYTHONDONTWRITEBYTECODE": "1",
    }
    for number, block in enumerate(found, 1):
        label = f"{where}, block {number} (```{block.language} at line {block.line})"
        if block.language in INERT:
            continue
        if block.language == "json":
            try:
                json.loads(block.code)
            except ValueError as exc:
                pytest.fail(f"{label} is not valid JSON: {exc}")
            continue
        if block.language not in RUN:
            pytest.fail(f"{label}: unknown fence language; use sh, python, json, or text for output")
        command = (
            ["bash", "-e", "-o", "pipefail", "-c", block.code]
            if block.language == "sh"
            else [str(_venv_bin() / "python"), "-c", block.code]
        )
        try:
            done = subprocess.run(
                command, cwd=workdir, env=env, capture_output=True, text=True, timeout=BLOCK_TIMEOUT
            )
        except subprocess.TimeoutExpired:
            pytest.fail(f"{label} took more than {BLOCK_TIMEOUT} s:\n{block.code}")
        if done.returncode != 0:
            pytest.fail(
                f"{label} failed with exit code {done.returncode}:\n{block.code}\n"
                f"--- stdout ---\n{done.stdout[-3000:]}\n--- stderr ---\n{done.stderr[-3000:]}"
            )


def _clone_state() -> dict[str, object]:
    """What examples must never change in the clone: models (versions, default, log) and annotations."""
    models = ROOT / "models"
    return {
        "models": sorted(p.name for p in models.iterdir()),
        "current": (models / "current").read_text(encoding="utf-8"),
        "promotions": (models / "promotions.jsonl").read_bytes(),
        "annotations": sorted(str(p.relative_to(ROOT)) for p in (ROOT / "annotations").rglob("*")),
    }


def test_generated_pages_are_up_to_date():
    stale = docs.stale_pages(DOCS)
    assert not stale, (
        f"generated docs out of date: {', '.join(stale)}; the CLI, the schema or the model changed. "
        "Run `python -m pipeline.docs` and commit the pages."
    )


def test_write_all_writes_every_generated_page_and_is_stable(tmp_path):
    assert sorted(p.relative_to(tmp_path).as_posix() for p in docs.write_all(tmp_path)) == sorted(docs.PAGES)
    assert docs.write_all(tmp_path) == []
    assert docs.main(["--check", str(tmp_path)]) == 0


@pytest.mark.parametrize("page", pages(), ids=lambda p: p.relative_to(DOCS).as_posix())
def test_every_example_on_the_page_runs(page: Path, tmp_path: Path):
    found = blocks(page.read_text(encoding="utf-8"))
    if not any(block.language in RUN for block in found):
        run_blocks(page.relative_to(ROOT).as_posix(), found, tmp_path)  # still checks languages and JSON
        return
    before = _clone_state()
    run_blocks(page.relative_to(ROOT).as_posix(), found, scratch_folder(tmp_path / "scratch"))
    assert _clone_state() == before, f"{page.name}: an example wrote into the clone's models/ or annotations/"


def test_the_readme_tour_runs_as_written(tmp_path):
    text = README.read_text(encoding="utf-8")
    if TOUR_START not in text or TOUR_END not in text:
        pytest.skip(f"README.md has no {TOUR_START} … {TOUR_END} section yet")
    tour = text.split(TOUR_START, 1)[1].split(TOUR_END, 1)[0]
    found = [block for block in blocks(tour) if block.language == "sh"]
    assert found, "the README tour has no ```sh block"
    before = _clone_state()
    run_blocks("README.md tour", found, scratch_folder(tmp_path / "scratch"))
    assert _clone_state() == before, "the README tour wrote into the clone's models/ or annotations/"


def test_relative_links_resolve():
    broken = []
    for page in [*pages(), README]:
        for match in LINK.finditer(page.read_text(encoding="utf-8")):
            target = (match.group(1) or match.group(2)).split("#", 1)[0]
            if not target or re.match(r"^[a-z][a-z0-9+.-]*:", target):
                continue
            if not (page.parent / target).exists():
                broken.append(f"{page.relative_to(ROOT)} → {target}")
    assert not broken, "broken relative links:\n" + "\n".join(broken)


def test_the_index_lists_every_page():
    index = (DOCS / "index.md").read_text(encoding="utf-8")
    linked = {(DOCS / m.group(1).split("#")[0]).resolve() for m in LINK.finditer(index) if m.group(1)}
    missing = [
        p.relative_to(DOCS).as_posix() for p in pages() if p.name != "index.md" and p.resolve() not in linked
    ]
    assert not missing, f"docs/index.md does not link to: {missing}"


def test_the_taxonomy_page_names_every_label_and_criterion():
    text = (DOCS / "taxonomy.md").read_text(encoding="utf-8")
    missing = [f"label {label.id}" for label in labels() if f"`{label.id}`" not in text]
    missing += [f"criterion {c.name}" for c in criteria() if f"`{c.name}`" not in text]
    assert not missing, f"docs/taxonomy.md is behind pipeline/data: {missing}"
