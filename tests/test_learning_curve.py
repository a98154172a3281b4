"""``blamine evaluate-learning-curve`` end to end on small inputs: a few of our annotated agreements
play the held-out set (written as a shared folder in its real layout), a dozen others the annotations."""

from __future__ import annotations

import json
from pathlib import Path

from typer.testing import CliRunner

from pipeline.cli import app
from pipeline.learning_curve import agreement_share, as_documents
from pipeline.train import load_annotations
from tests.conftest import ROOT

runner = CliRunner()


def _groups(lines: list[str]) -> dict[str, list[dict]]:
    groups: dict[str, list[dict]] = {}
    for line in lines:
        row = json.loads(line)
        groups.setdefault(row["group"], []).append(row)
    return groups


def _fake_shared(folder: Path, groups: dict[str, list[dict]]) -> Path:
    """``groups`` as a ../shared folder: one text per agreement and gold units with their offsets."""
    (folder / "corpus" / "texts").mkdir(parents=True)
    (folder / "labels").mkdir()
    units = []
    for name, rows in groups.items():
        text, doc = "", f"{name}.txt"
        for row in rows:
            units.append(
                {
                    "doc": doc,
                    "start": len(text),
                    "end": len(text) + len(row["text"]),
                    "labels": row["labels"],
                    "kind": "article_body",
                }
            )
            text += row["text"] + "\n\n"
        (folder / "corpus" / "texts" / doc).write_text(text, encoding="utf-8")
    (folder / "labels" / "dev.jsonl").write_text(
        "".join(json.dumps(u) + "\n" for u in units), encoding="utf-8"
    )
    return folder


def test_learning_curve_command_prints_each_share_and_both_additions(tmp_path):
    lines = (ROOT / "annotations" / "clauses.jsonl").read_text(encoding="utf-8").splitlines()
    groups = list(_groups(lines).items())
    shared = _fake_shared(tmp_path / "shared", dict(groups[:3]))
    annotations = tmp_path / "annotations"
    annotations.mkdir()
    kept = [json.dumps(row) for _, rows in groups[3:15] for row in rows]
    (annotations / "clauses.jsonl").write_text("\n".join(kept) + "\n", encoding="utf-8")
    out = tmp_path / "curve.json"
    args = [
        "evaluate-learning-curve",
        "--from",
        annotations,
        "--shared",
        shared,
        "--added",
        "5",
        "--out",
        out,
    ]
    result = runner.invoke(app, [str(a) for a in args])
    assert result.exit_code == 0, result.output
    rows = json.loads(out.read_text(encoding="utf-8"))
    assert list(rows)[:4] == [
        "25% of annotations",
        "50% of annotations",
        "100% of annotations",
        "50% + 5 suggested",
    ]
    assert sum("random" in name for name in rows) == 3
    assert rows["25% of annotations"]["training_clauses"] < rows["100% of annotations"]["training_clauses"]
    assert all(0 <= r["micro_f1"] <= 1 for r in rows.values())
    assert "100% of annotations" in result.stdout


def test_shares_are_drawn_by_agreement_and_documents_keep_the_example_keys():
    examples = load_annotations(ROOT / "annotations")[:400]
    share, rest = agreement_share(examples, 0.5, seed=0)
    assert share and rest and not {e.group for e in share} & {e.group for e in rest}
    documents = as_documents(rest)
    assert {c.id for d in documents for c in d.clauses} == {e.key for e in rest}
