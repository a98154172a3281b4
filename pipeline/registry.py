"""The models folder as a registry of versions: list them, make one the default, go back.

``models/<version>/`` holds one trained model (``manifest.json``, ``model.skops``, model card, training-set
keys); ``models/current`` names the default that ``blamine ingest`` and ``search`` use. Every change of the
default is appended to ``models/promotions.jsonl`` (when, from, to, forced or not, why, the comparison's
verdict): the audit trail a reviewer asks for, and the history :func:`rollback` walks back. ``current``
is replaced atomically, so a reader never sees a half-written name.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from .classify import MANIFEST_FILE, read_manifest
from .compare import Comparison
from .errors import E_MODEL, BlamineError
from .store import atomic_write_text

CURRENT_FILE = "current"
PROMOTIONS_FILE = "promotions.jsonl"


@dataclass
class ModelVersion:
    """One trained model of the folder, with the figures its training recorded."""

    version: str
    path: Path
    examples: int | None
    micro_f1: float | None
    """Grouped cross-validation micro-F1 on all its training data."""
    dev_micro_f1: float | None
    """The same restricted to the shared development set, when it was part of the data."""
    current: bool


def current_version(models_dir: Path) -> str | None:
    """The version ``models/current`` names, or ``None`` before any model was made the default."""
    pointer = Path(models_dir) / CURRENT_FILE
    return pointer.read_text(encoding="utf-8").strip() if pointer.is_file() else None


def versions(models_dir: Path) -> list[ModelVersion]:
    """Every model version in the folder, by name."""
    current = current_version(models_dir)
    found = []
    for directory in sorted(p for p in Path(models_dir).iterdir() if (p / MANIFEST_FILE).is_file()):
        manifest = read_manifest(directory)
        evaluation = manifest.get("evaluation", {})
        found.append(
            ModelVersion(
                version=str(manifest["version"]),
                path=directory,
                examples=manifest.get("training_data", {}).get("examples"),
                micro_f1=evaluation.get("grouped_cv_all", {}).get("micro_f1"),
                dev_micro_f1=evaluation.get("grouped_cv_shared_dev_only", {}).get("micro_f1"),
                current=directory.name == current,
            )
        )
    return found


def version_dir(models_dir: Path, version: str) -> Path:
    """The folder of ``version`` (a name in ``models_dir`` or a path to a version folder), checked."""
    directory = Path(version) if (Path(version) / MANIFEST_FILE).is_file() else Path(models_dir) / version
    if not (directory / MANIFEST_FILE).is_file():
        raise BlamineError(directory, "no such model version (blamine models list shows them)", E_MODEL)
    return directory


def set_current(
    models_dir: Path, version: str, *, action: str, forced: bool, reason: str, verdict: str | None
) -> dict[str, Any]:
    """Make ``version`` (a folder inside ``models_dir``) the default and log the change."""
    directory = version_dir(models_dir, version)
    if directory.parent.resolve() != Path(models_dir).resolve():
        raise BlamineError(
            directory, f"the model must be a folder of {models_dir} to become its default", E_MODEL
        )
    entry = {
        "at": datetime.now(UTC).isoformat(timespec="seconds"),
        "action": action,
        "from": current_version(models_dir),
        "to": directory.name,
        "forced": forced,
        "reason": reason,
        "verdict": verdict,
    }
    with open(Path(models_dir) / PROMOTIONS_FILE, "a", encoding="utf-8") as log:
        log.write(json.dumps(entry) + "\n")
    atomic_write_text(Path(models_dir) / CURRENT_FILE, directory.name + "\n")
    return entry


def history(models_dir: Path) -> list[dict[str, Any]]:
    """The logged changes of the default, oldest first."""
    path = Path(models_dir) / PROMOTIONS_FILE
    if not path.is_file():
        return []
    return [json.loads(line) for line in path.read_text(encoding="utf-8").splitlines() if line.strip()]


def rollback(models_dir: Path) -> dict[str, Any]:
    """Make the default what it was before the current one became it, and log that too. The log is
    replayed as a stack (a promotion pushes, a rollback pops), so rolling back twice goes back two
    promotions rather than undoing the first rollback."""
    stack: list[str] = []
    for entry in history(models_dir):
        if entry["action"] == "rollback":
            stack = stack[:-1]
        else:
            if not stack and entry["from"] is not None:
                stack.append(entry["from"])
            stack.append(entry["to"])
    if len(stack) < 2 or stack[-1] != current_version(models_dir):
        raise BlamineError(
            Path(models_dir) / PROMOTIONS_FILE,
            f"no earlier default than {current_version(models_dir)} is logged",
            E_MODEL,
        )
    return set_current(
        models_dir, stack[-2], action="rollback", forced=False, reason="rollback", verdict=None
    )


def promote(
    models_dir: Path, candidate: str, comparison: Comparison | None, *, force: bool = False, reason: str = ""
) -> dict[str, Any]:
    """Make ``candidate`` the default unless ``comparison`` (against the current default) shows it worse
    beyond noise on micro-F1 or on a well-supported label; ``force`` overrides that, and the log says
    so. Without a current default there is nothing to compare with, and ``comparison`` is ``None``."""
    blocking = comparison.blocking if comparison is not None else []
    if blocking and not force:
        raise BlamineError(
            candidate,
            f"worse than the current model beyond noise: {'; '.join(blocking)} (--force overrides)",
            E_MODEL,
        )
    return set_current(
        models_dir,
        candidate,
        action="promote",
        forced=bool(blocking),
        reason=reason,
        verdict=comparison.verdict if comparison is not None else None,
    )
