"""The provision labels blamine predicts and the scorecard criteria they evidence.

Both live as data files in ``pipeline/data/`` so the package works without ``../shared``: ``labels.csv``
(the 29 clause labels of the taxonomy, with our own one-line descriptions) and ``criteria.json`` (criteria →
labels, after Part C of the annotation guide).
"""

from __future__ import annotations

import csv
import functools
import json
from dataclasses import dataclass
from importlib import resources


@dataclass(frozen=True)
class Label:
    code: str
    id: str
    group: str
    description: str


@dataclass(frozen=True)
class Criterion:
    name: str
    labels: tuple[str, ...]


@functools.cache
def labels() -> tuple[Label, ...]:
    """The 29 clause-level provision labels, in taxonomy order."""
    text = resources.files("pipeline").joinpath("data/labels.csv").read_text(encoding="utf-8")
    return tuple(
        Label(r["code"], r["id"], r["group"], r["description"]) for r in csv.DictReader(text.splitlines())
    )


@functools.cache
def label_ids() -> tuple[str, ...]:
    return tuple(label.id for label in labels())


@functools.cache
def criteria() -> tuple[Criterion, ...]:
    """Scorecard criteria with the labels whose clauses evidence them."""
    data = json.loads(resources.files("pipeline").joinpath("data/criteria.json").read_text(encoding="utf-8"))
    return tuple(Criterion(c["criterion"], tuple(c["labels"])) for c in data["criteria"])
