"""Annotations in and out: exports for Label Studio, Prodigy, doccano and the own format, imports of
hand-written exports of those tools (tests/fixtures/annotations, fictional clauses), all-or-nothing
validation, anchoring to the store, agreement and adjudication."""

from __future__ import annotations

import json
import xml.etree.ElementTree as ET
from dataclasses import replace
from pathlib import Path
from typing import Any

import pytest

from pipeline import annotations as ann
from pipeline.annotations import Annotation, ClauseRef, Conflict
from pipeline.errors import BlamineError
from pipeline.model import Clause, Document, LabelScore, ModelInfo, Page, Source
from pipeline.store import save
from pipeline.taxonomy import label_ids

FIXTURES = Path(__file__).parent / "fixtures" / "annotations"
DOC_ID = "5e1f0c2a9b7d3e48"
TITLE = (
    "MEMORANDUM OF UNDERSTANDING BETWEEN THE REPUBLIC OF NORVANIA AND THE STATE OF CALDERA ON SEASONAL "
    "ORCHARD WORKERS"
)
ART5 = (
    "Article 5. The employer shall pay the worker's wages in full at the end of each month by transfer to "
    "a bank account opened in the worker's own name."
)
ART6 = (
    "Article 6. No recruitment fee shall be charged to the worker; the employer shall reimburse the cost of "
    "the entry visa and of the medical examination."
)
ART9 = (
    "Article 9. This Memorandum shall enter into force on the date of the last notification and shall "
    "remain in force for five years."
)
CLAUSES = [("title", TITLE), ("art-5", ART5), ("art-6", ART6), ("art-9", ART9)]


def make_doc(clauses: list[tuple[str, str]] = CLAUSES, doc_id: str = DOC_ID) -> Document:
    """A two-page document of the given clauses, separated by blank lines; the last clause is on page 2."""
    text = "\n\n".join(t for _, t in clauses)
    split = len(text) - len(clauses[-1][1]) - 1
    doc = Document(
        doc_id=doc_id,
        source=Source("/x/orchard.pdf", "orchard.pdf", "0" * 64, 100, 2),
        text=text,
        pages=[Page(1, "text", split, 0, split), Page(2, "text", len(text) - split, split, len(text))],
    )
    start = 0
    for clause_id, clause_text in clauses:
        start = text.index(clause_text, start)
        end = start + len(clause_text)
        page = doc.page_at(start)
        doc.clauses.append(Clause(clause_id, "article", clause_text, start, end, page, page))
        start = end
    return doc


def refs() -> list[ClauseRef]:
    return ann.clause_refs([make_doc()])


def judgement(
    clause_id: str,
    labels: list[str],
    annotator: str,
    created_at: str | None = None,
    offered: list[str] | None = None,
) -> Annotation:
    ref = next(r for r in refs() if r.clause_id == clause_id)
    return Annotation(
        **ref.meta(),
        text=ref.text,
        labels=labels,
        annotator=annotator,
        source="test",
        created_at=created_at,
        offered=offered,
    )


def sample_annotations() -> list[Annotation]:
    """Two annotators on art-5, a "no label" judgement, one judgement of two offered labels only."""
    return [
        judgement("art-5", ["wage_protection"], "3", "2024-03-04T10:15:02Z"),
        judgement("art-5", ["wage_protection", "working_time_rest_leave"], "maria@example.org"),
        judgement("art-6", [], "3"),
        judgement(
            "art-9",
            ["duration_amendment_termination"],
            "7",
            offered=["joint_committee_monitoring", "duration_amendment_termination"],
        ),
    ]


PREDICTIONS = {
    (DOC_ID, "art-5"): [LabelScore("wage_protection", 0.91)],
    (DOC_ID, "art-6"): [
        LabelScore("recruitment_fees_costs", 0.8),
        LabelScore("health_medical_insurance", 0.6),
    ],
    (DOC_ID, "art-9"): [],
}
"""The model's labels of the annotated clauses (the unannotated title has none, so that doccano, where a
pre-label is indistinguishable from a label, round-trips too)."""

SUFFIX = {"labelstudio": ".json", "prodigy": ".jsonl", "doccano": ".jsonl", "own": ".jsonl"}


def write(tmp_path: Path, name: str, text: str) -> Path:
    path = tmp_path / name
    path.write_text(text, encoding="utf-8")
    return path


# --- round trips ----------------------------------------------------------------------------------------


@pytest.mark.parametrize("fmt", ann.FORMATS)
def test_export_import_export_is_lossless(tmp_path, fmt):
    first = tmp_path / f"first{SUFFIX[fmt]}"
    ann.write_tasks(
        first, refs(), fmt, annotations=sample_annotations(), predictions=PREDICTIONS, model_version="v2"
    )
    imported = ann.import_annotations(first)
    assert imported.fmt == fmt
    expected = (
        sample_annotations() if fmt == "own" else [replace(a, source=fmt) for a in sample_annotations()]
    )
    assert imported.annotations == expected
    assert imported.skipped == ({"unanswered": 1} if fmt == "prodigy" else {"unannotated": 1})

    second = ann.export_tasks(
        refs(), fmt, annotations=imported.annotations, predictions=PREDICTIONS, model_version="v2"
    )
    assert second == first.read_text(encoding="utf-8")
    again = write(tmp_path, f"second{SUFFIX[fmt]}", second)
    assert ann.read_annotations(again) == imported.annotations
    assert not list(tmp_path.glob(".*.tmp")), "temporary file left behind"


@pytest.mark.parametrize("fmt", ann.FORMATS)
def test_a_fixture_converts_to_every_format_without_loss(tmp_path, fmt):
    imported = ann.read_annotations(FIXTURES / "prodigy_db_out.jsonl")
    text = ann.export_tasks(ann.annotated_clauses(imported), fmt, annotations=imported)
    converted = ann.read_annotations(write(tmp_path, f"converted{SUFFIX[fmt]}", text))
    source = "prodigy" if fmt == "own" else fmt
    order = [ref.key for ref in ann.annotated_clauses(imported)]
    by_clause = sorted(imported, key=lambda a: order.index(a.key))
    assert converted == [replace(a, source=source) for a in by_clause], "grouped by clause, else the same"


# --- exports --------------------------------------------------------------------------------------------


def test_labelstudio_tasks_carry_ids_annotations_and_predictions():
    tasks = json.loads(
        ann.export_tasks(
            refs(),
            "labelstudio",
            annotations=sample_annotations()[:1],
            predictions=PREDICTIONS,
            model_version="v2-test",
        )
    )
    art5 = tasks[1]
    assert art5["data"]["text"] == ART5
    assert art5["data"]["meta"] == {
        "doc_id": DOC_ID,
        "clause_id": "art-5",
        "start": 115,
        "end": 263,
        "page": 1,
    }
    assert art5["annotations"][0]["completed_by"] == 3
    assert art5["annotations"][0]["result"][0]["value"] == {"choices": ["wage_protection"]}
    assert art5["predictions"] == [
        {
            "model_version": "v2-test",
            "score": 0.91,
            "result": [
                {
                    "id": "provision",
                    "from_name": "provision",
                    "to_name": "text",
                    "type": "choices",
                    "value": {"choices": ["wage_protection"]},
                }
            ],
        }
    ]
    art6 = tasks[2]["predictions"][0]
    assert art6["score"] == 0.6, "the least sure label's probability"
    assert art6["result"][0]["value"]["choices"] == ["recruitment_fees_costs", "health_medical_insurance"]
    assert "predictions" not in tasks[0] and tasks[0]["annotations"] == []


def test_prodigy_tasks_offer_every_label_and_preselect_the_model_labels():
    lines = [
        json.loads(line) for line in ann.export_tasks(refs(), "prodigy", predictions=PREDICTIONS).splitlines()
    ]
    assert [line["meta"]["clause_id"] for line in lines] == ["title", "art-5", "art-6", "art-9"]
    assert all(line["_view_id"] == "choice" and "answer" not in line for line in lines)
    assert [option["id"] for option in lines[2]["options"]] == list(label_ids())
    assert lines[2]["accept"] == ["recruitment_fees_costs", "health_medical_insurance"]
    assert lines[0]["accept"] == []


def test_doccano_and_own_lines_keep_the_ids_as_fields():
    doccano = json.loads(ann.export_tasks(refs(), "doccano", predictions=PREDICTIONS).splitlines()[1])
    assert doccano == {
        "text": ART5,
        "label": ["wage_protection"],
        "doc_id": DOC_ID,
        "clause_id": "art-5",
        "start": 115,
        "end": 263,
        "page": 1,
    }
    own = json.loads(ann.export_tasks(refs(), "own", annotations=sample_annotations()).splitlines()[0])
    assert own["annotator"] is None and own["clause_id"] == "title"


def test_export_refuses_unknown_formats_labels_and_clauses():
    with pytest.raises(ValueError, match="unknown annotation format"):
        ann.export_tasks(refs(), "brat")
    with pytest.raises(ValueError, match="unknown label 'WAGE'"):
        ann.export_tasks(refs(), "own", annotations=[judgement("art-5", ["WAGE"], "3")])
    with pytest.raises(ValueError, match="not exported"):
        ann.export_tasks(refs()[:1], "own", annotations=sample_annotations())


def test_labelstudio_config_has_one_choice_and_one_span_label_per_taxonomy_label():
    view = ET.fromstring(ann.labelstudio_config())
    text = view.find("Text")
    choices = view.find("Choices")
    spans = view.find("Labels")
    assert text is not None and text.get("name") == "text" and text.get("value") == "$text"
    assert choices is not None and spans is not None
    assert (choices.get("name"), choices.get("toName"), choices.get("choice")) == (
        "provision",
        "text",
        "multiple",
    )
    assert [c.get("value") for c in choices.findall("Choice")] == list(label_ids())
    assert choices.findall("Choice")[2].get("hint", "").startswith("A3: ")
    assert (spans.get("name"), spans.get("toName")) == ("span", "text")
    assert [s.get("value") for s in spans.findall("Label")] == list(label_ids())


def test_clause_refs_skip_parallel_versions_and_predictions_need_a_model():
    doc = make_doc()
    doc.clauses[3].parallel_of = "art-5"
    doc.clauses[1].labels = [LabelScore("wage_protection", 0.9)]
    assert [r.clause_id for r in ann.clause_refs([doc])] == ["title", "art-5", "art-6"]
    assert ann.stored_predictions([doc]) == {}
    doc.model = ModelInfo("blamine", "v2")
    predictions = ann.stored_predictions([doc])
    assert predictions[(DOC_ID, "art-5")] == [LabelScore("wage_protection", 0.9)]
    assert predictions[(DOC_ID, "title")] == [] and (DOC_ID, "art-9") not in predictions


# --- hand-written fixtures ------------------------------------------------------------------------------


def test_labelstudio_fixture_choices_spans_two_annotators_and_a_cancelled_annotation():
    result = ann.import_annotations(FIXTURES / "labelstudio_export.json")
    assert result.fmt == "labelstudio"
    assert result.skipped == {"cancelled": 1, "unannotated": 1}
    got = [(a.clause_id, a.annotator, a.labels) for a in result.annotations]
    assert got == [
        ("art-5", "3", ["wage_protection"]),
        ("art-5", "7", ["wage_protection", "working_time_rest_leave"]),
        ("art-6", "3", ["recruitment_fees_costs", "health_medical_insurance"]),  # two spans, one by code A10
        ("art-9", "7", ["duration_amendment_termination"]),
        ("art-9", "3", []),
    ]
    first = result.annotations[0]
    assert (first.doc_id, first.start, first.end, first.page, first.text) == (DOC_ID, 115, 263, 1, ART5)
    assert first.created_at == "2024-03-04T10:15:02.114520Z"
    assert all(a.source == "labelstudio" and a.offered is None for a in result.annotations)


def test_prodigy_fixture_choice_and_classification_views():
    result = ann.import_annotations(FIXTURES / "prodigy_db_out.jsonl")
    assert result.fmt == "prodigy"
    assert result.skipped == {"ignored": 1}
    options = ["wage_protection", "working_time_rest_leave", "employment_contract", "recruitment_fees_costs"]
    got = [(a.clause_id, a.annotator, a.labels, a.offered) for a in result.annotations]
    assert got == [
        ("art-5", "orchard-alice", ["wage_protection"], options),
        ("art-5", "orchard-bob", ["wage_protection", "working_time_rest_leave"], options),
        ("art-6", "orchard-alice", [], options),  # reject: none of the options, whatever was ticked
        # two classification lines merged; A18 rejected, so judged absent
        (
            "art-9",
            "orchard-alice",
            ["duration_amendment_termination"],
            ["joint_committee_monitoring", "duration_amendment_termination"],
        ),
        ("art-6", "orchard-carol", ["recruitment_fees_costs"], ["recruitment_fees_costs"]),  # _session_id
    ]
    assert result.annotations[0].created_at == "2024-03-04T10:00:00+00:00"
    assert result.annotations[2].page == 1 and result.annotations[3].page == 2


def test_doccano_fixture_without_user_is_named_after_the_file():
    result = ann.import_annotations(FIXTURES / "doccano_export.jsonl")
    assert result.fmt == "doccano"
    assert result.skipped == {"unannotated": 1}
    got = [(a.clause_id, a.annotator, a.labels) for a in result.annotations]
    assert got == [
        ("title", "doccano_export", ["duration_amendment_termination"]),  # given as code A28
        ("art-5", "doccano_export", ["wage_protection"]),
        ("art-6", "doccano_export", ["recruitment_fees_costs", "health_medical_insurance"]),
    ]


def test_the_projects_labelled_clauses_read_as_own_format(tmp_path):
    lines = [
        {
            "id": "blm-9001",
            "group": "en-test-01",
            "language": "en",
            "text": ART5,
            "labels": ["A3"],
            "kind": "article",
            "preamble": False,
            "in_annex": False,
        },
        {
            "id": "blm-9002",
            "group": "en-test-01",
            "language": "en",
            "text": ART9,
            "labels": [],
            "kind": "article",
            "preamble": False,
            "in_annex": False,
        },
    ]
    path = write(tmp_path, "clauses.jsonl", "".join(json.dumps(line) + "\n" for line in lines))
    got = ann.read_annotations(path)
    assert [(a.doc_id, a.clause_id, a.labels, a.annotator, a.start) for a in got] == [
        ("en-test-01", "blm-9001", ["wage_protection"], "clauses", None),
        ("en-test-01", "blm-9002", [], "clauses", None),
    ]


# --- validation -----------------------------------------------------------------------------------------


def prodigy_line(label: str = "wage_protection", annotator: str = "alice", clause_id: str = "art-5") -> str:
    meta = {"doc_id": DOC_ID, "clause_id": clause_id}
    record = {"text": ART5, "meta": meta, "label": label, "answer": "accept", "_annotator_id": annotator}
    return json.dumps(record) + "\n"


def doccano_line(labels: list[Any], clause_id: str = "art-5", user: str | None = None) -> str:
    record = {"text": ART5, "label": labels, "doc_id": DOC_ID, "clause_id": clause_id}
    return json.dumps(record if user is None else {**record, "user": user}) + "\n"


def labelstudio_task(task_id: int, *completed: tuple[int, list]) -> dict:
    meta = {"doc_id": DOC_ID, "clause_id": f"c{task_id}"}
    annotations = [
        {"id": n, "completed_by": user, "result": result, "was_cancelled": False}
        for n, (user, result) in enumerate(completed, 1)
    ]
    return {"id": task_id, "data": {"text": ART5, "meta": meta}, "annotations": annotations}


def choices(*values: str) -> list[dict]:
    return [
        {"from_name": "provision", "to_name": "text", "type": "choices", "value": {"choices": list(values)}}
    ]


SPAN_OUTSIDE = [{"type": "labels", "value": {"start": 5, "end": 900, "labels": []}}]
TWO_LS_TASKS = [
    labelstudio_task(11, (1, choices("wage_protection"))),
    labelstudio_task(12, (1, choices("Pay"))),
]
TWICE_BY_ANA = (
    doccano_line(["wage_protection"], user="ana")
    + doccano_line([], "art-6", "ana")
    + doccano_line([], user="ana")
)
INVALID = {
    "unknown prodigy label": (
        "p.jsonl",
        prodigy_line() + prodigy_line("WAGE", "bob"),
        None,
        "line 2: unknown label",
    ),
    "unknown Label Studio label": (
        "ls.json",
        json.dumps(TWO_LS_TASKS),
        None,
        "task 2 (id 12) annotation 1 (id 1): unknown label 'Pay'",
    ),
    "same annotator twice on a Label Studio task": (
        "ls.json",
        json.dumps([labelstudio_task(5, (4, choices("wage_protection")), (4, []))]),
        None,
        "task 1 (id 5) annotation 2 (id 2): 4 already judged clause 5e1f0c2a9b7d3e48/c5 at task 1 (id 5) "
        "annotation 1 (id 1)",
    ),
    "same user twice on a doccano clause": (
        "d.jsonl",
        TWICE_BY_ANA,
        None,
        "line 3: ana already judged clause 5e1f0c2a9b7d3e48/art-5 at line 1",
    ),
    "same Prodigy question answered twice": (
        "p.jsonl",
        prodigy_line() + prodigy_line(),
        None,
        "line 2: alice already answered this task at line 1",
    ),
    "truncated JSONL": (
        "d.jsonl",
        (doccano_line(["wage_protection"]) + doccano_line([], "art-6", "x"))[:-25],
        None,
        "line 2: invalid JSON",
    ),
    "truncated Label Studio JSON": (
        "ls.json",
        json.dumps([labelstudio_task(1, (1, choices("wage_protection")))], indent=1)[:-30],
        None,
        "column",
    ),
    "wrong format asked for": (
        "d.jsonl",
        doccano_line([]),
        "prodigy",
        "line 1: this is a doccano file, not prodigy",
    ),
    "unknown format": ("x.jsonl", '{"sentence": "hello"}\n', None, "line 1: cannot tell the format"),
    "no clause ids": (
        "d.jsonl",
        doccano_line([]) + '{"text": "x", "label": []}\n',
        None,
        "line 2: no doc_id",
    ),
    "span outside the clause": (
        "ls.json",
        json.dumps([labelstudio_task(1, (1, SPAN_OUTSIDE))]),
        None,
        "task 1 (id 1) annotation 1 (id 1): span [5, 900) does not lie inside the clause text",
    ),
    "sequence-labelling doccano export": (
        "d.jsonl",
        doccano_line([[0, 9, "wage_protection"]]),
        None,
        "line 1: 'label' must be a list of category names",
    ),
    "empty file": ("e.jsonl", "\n", None, "empty file"),
}


@pytest.mark.parametrize("case", INVALID, ids=list(INVALID))
def test_invalid_files_are_refused_whole_naming_file_and_line(tmp_path, case):
    name, text, fmt, message = INVALID[case]
    path = write(tmp_path, name, text)
    with pytest.raises(BlamineError) as refused:
        ann.read_annotations(path, fmt or "auto")
    assert refused.value.code == "E_ANNOTATIONS"
    assert refused.value.path == str(path)
    assert message in refused.value.reason
    assert refused.value.one_line().startswith(f"ERROR {path}: ")


def test_a_truncated_file_imports_nothing_even_with_good_lines_before(tmp_path):
    good = (FIXTURES / "prodigy_db_out.jsonl").read_text(encoding="utf-8")
    path = write(tmp_path, "cut.jsonl", good[: len(good) - 40])
    with pytest.raises(BlamineError, match="line 7: invalid JSON"):
        ann.read_annotations(path)


def test_an_unknown_format_name_is_a_programming_error(tmp_path):
    with pytest.raises(ValueError, match="unknown annotation format"):
        ann.read_annotations(FIXTURES / "doccano_export.jsonl", "brat")


def test_a_missing_file_is_a_clear_error(tmp_path):
    with pytest.raises(BlamineError, match="cannot read the annotation file"):
        ann.read_annotations(tmp_path / "absent.json")


# --- anchoring ------------------------------------------------------------------------------------------


def test_anchor_by_id_when_the_clause_is_unchanged(store):
    save(make_doc(), store)
    report = ann.anchor(ann.read_annotations(FIXTURES / "labelstudio_export.json"), store)
    assert report.unanchored == []
    assert [(a.clause.id, a.method) for a in report.anchored] == [
        ("art-5", "id"),
        ("art-5", "id"),
        ("art-6", "id"),
        ("art-9", "id"),
        ("art-9", "id"),
    ]


def test_anchor_by_text_after_reextraction_changed_ids_and_reports_the_rest(store):
    reextracted = [
        ("c-001", TITLE),
        ("c-002", ART5.replace(" in full ", "  in full\n")),  # only whitespace differs
        ("c-003", ART6.replace("medical examination", "medical examinatlon")),  # an OCR slip
        ("c-004", "Article 9. This Memorandum may be amended at any time by mutual written consent."),
    ]
    save(make_doc(reextracted), store)
    annotations = ann.read_annotations(FIXTURES / "labelstudio_export.json")
    elsewhere = replace(annotations[0], doc_id="ffffffffffffffff")
    report = ann.anchor([*annotations, elsewhere], store)
    assert [(a.annotation.clause_id, a.clause.id, a.method) for a in report.anchored] == [
        ("art-5", "c-002", "text"),
        ("art-5", "c-002", "text"),
        ("art-6", "c-003", "similar"),
    ]
    assert 0.9 <= report.anchored[2].ratio < 1
    assert [(u.annotation.clause_id, u.annotation.annotator) for u in report.unanchored] == [
        ("art-9", "7"),
        ("art-9", "3"),
        ("art-5", "3"),
    ]
    assert "clause art-9 is gone" in report.unanchored[0].reason
    assert report.unanchored[2].reason == "document ffffffffffffffff is not in the store"


def test_anchor_reports_a_changed_clause_under_the_same_id(store):
    save(make_doc([("art-5", ART5), ("art-9", "Article 9. Amendments require written consent.")]), store)
    annotations = [judgement("art-9", [], "3")]
    report = ann.anchor(annotations, store)
    assert report.anchored == []
    assert "clause art-9 has other text" in report.unanchored[0].reason


def test_anchor_picks_the_nearest_of_clauses_with_the_same_text(store):
    save(make_doc([("a", ART5), ("b", ART6), ("c", ART5)]), store)
    far = replace(judgement("art-5", [], "3"), start=300)
    report = ann.anchor([far, replace(far, start=None)], store)
    assert [a.clause.id for a in report.anchored] == ["c"]
    assert "2 clauses have this text" in report.unanchored[0].reason


# --- agreement and adjudication -------------------------------------------------------------------------


def test_cohen_kappa_known_values():
    assert ann.cohen_kappa([(True, True), (True, False), (False, False), (False, False)]) == pytest.approx(
        0.5
    )
    assert ann.cohen_kappa([(True, True), (False, False)]) == pytest.approx(1.0)
    assert ann.cohen_kappa([(False, False), (False, False)]) is None
    assert ann.cohen_kappa([]) is None


def test_agreement_per_label_over_clauses_seen_by_two_annotators():
    stats = ann.agreement(ann.read_annotations(FIXTURES / "labelstudio_export.json"))
    assert stats["annotators"] == ["3", "7"]
    assert stats["clauses"] == 2, "art-6 has one annotation left after the cancelled one"
    labels = stats["labels"]
    assert labels["wage_protection"] == {"kappa": 1.0, "observed": 1.0, "pairs": 1, "items": 2}
    assert labels["working_time_rest_leave"]["kappa"] == pytest.approx(0.0)
    assert labels["duration_amendment_termination"]["observed"] == 0.5
    assert labels["social_security"] == {"kappa": None, "observed": 1.0, "pairs": 1, "items": 2}
    assert stats["mean_kappa"] == pytest.approx(1 / 3)


def test_agreement_of_three_annotators_is_the_mean_pairwise_kappa():
    said = {
        "a": [True, True, False, False],
        "b": [True, False, False, False],
        "c": [True, True, True, False],
    }
    annotations = [
        replace(judgement("art-5", ["wage_protection"] if yes else [], who), clause_id=f"c{n}")
        for who, answers in said.items()
        for n, yes in enumerate(answers)
    ]
    expected = [
        ann.cohen_kappa(list(zip(said[x], said[y], strict=True)))
        for x, y in (("a", "b"), ("a", "c"), ("b", "c"))
    ]
    entry = ann.agreement(annotations)["labels"]["wage_protection"]
    assert entry["pairs"] == 3 and entry["items"] == 12
    assert entry["kappa"] == pytest.approx(sum(k for k in expected if k is not None) / 3)


def test_conflicts_name_who_said_yes_and_who_said_no():
    found = ann.conflicts(ann.read_annotations(FIXTURES / "labelstudio_export.json"))
    assert found == [
        Conflict(DOC_ID, "art-5", "working_time_rest_leave", ["7"], ["3"]),
        Conflict(DOC_ID, "art-9", "duration_amendment_termination", ["7"], ["3"]),
    ]


def test_only_offered_labels_are_compared():
    found = ann.conflicts(ann.read_annotations(FIXTURES / "prodigy_db_out.jsonl"))
    assert found == [
        Conflict(DOC_ID, "art-5", "working_time_rest_leave", ["orchard-bob"], ["orchard-alice"]),
        # alice rejected all four options, carol was asked about this one label only
        Conflict(DOC_ID, "art-6", "recruitment_fees_costs", ["orchard-carol"], ["orchard-alice"]),
    ]
    stats = ann.agreement(ann.read_annotations(FIXTURES / "prodigy_db_out.jsonl"))
    assert set(stats["labels"]) == {
        "wage_protection",
        "working_time_rest_leave",
        "employment_contract",
        "recruitment_fees_costs",
    }


def test_adjudicate_majority_with_ties_absent_or_the_adjudicator():
    annotations = ann.read_annotations(FIXTURES / "labelstudio_export.json")
    assert ann.adjudicate(annotations) == {
        (DOC_ID, "art-5"): ["wage_protection"],
        (DOC_ID, "art-6"): ["recruitment_fees_costs", "health_medical_insurance"],
        (DOC_ID, "art-9"): [],
    }
    assert ann.adjudicate(annotations, adjudicator="7") == {
        (DOC_ID, "art-5"): ["wage_protection", "working_time_rest_leave"],
        (DOC_ID, "art-6"): ["recruitment_fees_costs", "health_medical_insurance"],
        (DOC_ID, "art-9"): ["duration_amendment_termination"],
    }
    third = judgement("art-5", ["working_time_rest_leave"], "9")
    assert ann.adjudicate([*annotations, third])[(DOC_ID, "art-5")] == [
        "wage_protection",
        "working_time_rest_leave",
    ], "two of three say yes to each"


def test_one_annotator_twice_on_a_clause_is_refused():
    with pytest.raises(ValueError, match="3 judged clause 5e1f0c2a9b7d3e48/art-5 twice"):
        ann.agreement([judgement("art-5", [], "3"), judgement("art-5", ["wage_protection"], "3")])


# --- blamine annotations agreement -----------------------------------------------------------------------


def test_agreement_command_prints_kappa_per_label_and_every_conflict(tmp_path):
    from typer.testing import CliRunner

    from pipeline.cli import app

    result = CliRunner().invoke(app, ["annotations", "agreement", str(FIXTURES / "labelstudio_export.json")])
    assert result.exit_code == 0, result.output
    lines = result.output.splitlines()
    assert "mean Cohen's kappa 0.33" in lines[0]
    assert any(line.split()[:2] == ["wage_protection", "1.00"] for line in lines)
    assert any(line.split()[:3] == ["working_time_rest_leave", "0.00", "50%"] for line in lines)
    assert "2 conflicts" in result.output
    assert "art-9 duration_amendment_termination: yes 7; no 3" in result.output


def test_agreement_command_json_matches_the_library(tmp_path):
    from typer.testing import CliRunner

    from pipeline.cli import app

    path = FIXTURES / "prodigy_db_out.jsonl"
    result = CliRunner().invoke(app, ["annotations", "agreement", str(path), "--json"])
    assert result.exit_code == 0, result.output
    data = json.loads(result.output)
    judged = ann.read_annotations(path)
    assert data["labels"] == ann.agreement(judged)["labels"]
    assert [c["clause_id"] for c in data["conflicts"]] == [c.clause_id for c in ann.conflicts(judged)]


def test_agreement_command_reads_the_imported_judgements_and_says_when_there_are_none(tmp_path):
    from typer.testing import CliRunner

    from pipeline.cli import app

    runner = CliRunner()
    missing = runner.invoke(app, ["annotations", "agreement", "--into", str(tmp_path)])
    assert missing.exit_code == 1
    assert "no imported judgements yet" in missing.output and "annotations import" in missing.output
    target = ann.judgements_path(tmp_path)
    target.parent.mkdir(parents=True)
    judged = ann.read_annotations(FIXTURES / "labelstudio_export.json")
    ann.write_tasks(target, ann.annotated_clauses(judged), "own", annotations=judged)
    found = runner.invoke(app, ["annotations", "agreement", "--into", str(tmp_path)])
    assert found.exit_code == 0, found.output
    assert "2 conflicts" in found.output


def test_importing_tasks_nobody_annotated_is_refused_and_creates_no_judgements_file(store, tmp_path):
    """Regression: an import with no judgements wrote an empty judgements file, which the agreement
    report then failed to read (an internal error instead of a message)."""
    from typer.testing import CliRunner

    from pipeline.cli import app

    save(make_doc(), store)
    tasks = tmp_path / "tasks.jsonl"
    ann.write_tasks(tasks, refs(), "own")
    into = tmp_path / "annotations"
    runner = CliRunner()
    refused = runner.invoke(
        app, ["annotations", "import", str(tasks), "--store", str(store), "--into", str(into)]
    )
    assert refused.exit_code == 1
    assert refused.output.strip().splitlines() == [
        f"ERROR {tasks}: no judgements to import ({len(refs())} unannotated); annotate the tasks first; "
        "fix the file and import it again (nothing was imported) [E_ANNOTATIONS]"
    ]
    assert not ann.judgements_path(into).exists()
    annotated = tmp_path / "annotated.jsonl"
    judged = sample_annotations()
    ann.write_tasks(annotated, ann.annotated_clauses(judged), "own", annotations=judged)
    accepted = runner.invoke(
        app, ["annotations", "import", str(annotated), "--store", str(store), "--into", str(into)]
    )
    assert accepted.exit_code == 0, accepted.output
    assert len(ann.read_annotations(ann.judgements_path(into))) == len(judged)
