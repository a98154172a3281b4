"""Annotations in and out: clause tasks for Label Studio, Prodigy and doccano, and people's labels back.

The classifier learns from clauses that people labelled, and people label in whatever tool they know. This
module writes the store's clauses as tasks for those tools (with the model's labels as pre-selection) and
reads their exports back as :class:`Annotation` objects: one annotator's judgement of one clause, keeping
who said what so that agreement can be measured and disagreements adjudicated instead of averaged away.

Every task carries the clause's ``doc_id``, ``clause_id``, character offsets and page (Label Studio in
``data.meta``, Prodigy in ``meta``, doccano and the own format as top-level fields), so an annotation can be
put back on its clause with :func:`anchor`, even after the document was re-extracted and its clause ids
changed. Writing annotations and reading them back is lossless for all four formats.

Reading is all-or-nothing: a file with one bad line is refused as a whole with a :class:`BlamineError`
(``E_ANNOTATIONS``) naming the file and the line or task, because a half-imported file silently skews the
training set and the agreement figures.
"""

from __future__ import annotations

import difflib
import functools
import itertools
import json
import re
from collections import Counter
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field, replace
from datetime import UTC, datetime
from pathlib import Path
from statistics import mean
from typing import Any, Literal
from xml.sax.saxutils import quoteattr

from .errors import E_ANNOTATIONS, BlamineError
from .model import Clause, Document, LabelScore
from .store import atomic_write_text, document_path, read
from .taxonomy import label_ids, labels

FORMATS = ("labelstudio", "prodigy", "doccano", "own")
"""The formats :func:`export_tasks` writes and :func:`read_annotations` reads."""

FROM_NAME = "provision"
"""Name of the Label Studio ``<Choices>`` block (``from_name`` of choices results)."""
SPAN_NAME = "span"
"""Name of the Label Studio ``<Labels>`` block for span labels."""
TO_NAME = "text"
"""Name of the Label Studio ``<Text>`` object the labels point at."""

MIN_RATIO = 0.9
"""Smallest ``difflib`` similarity at which a re-extracted clause still counts as the annotated one."""

ClauseKey = tuple[str, str]
"""``(doc_id, clause_id)``: the identity of a clause across the store and annotation files."""
Predictions = Mapping[ClauseKey, Sequence[LabelScore]]
"""The model's labels per clause, the pre-selection of exported tasks (see :func:`stored_predictions`)."""


@dataclass(frozen=True)
class ClauseRef:
    """A clause as a task: its identity, text and where it sits in its document (``None`` where unknown)."""

    doc_id: str
    clause_id: str
    text: str
    start: int | None = None
    end: int | None = None
    page: int | None = None

    @property
    def key(self) -> ClauseKey:
        return (self.doc_id, self.clause_id)

    def meta(self) -> dict[str, Any]:
        """The ids and position every exported task carries, so its annotations can be anchored."""
        return {
            "doc_id": self.doc_id,
            "clause_id": self.clause_id,
            "start": self.start,
            "end": self.end,
            "page": self.page,
        }


@dataclass
class Annotation:
    """One annotator's judgement of one clause.

    ``labels`` are the taxonomy label ids the annotator said apply; every other label they judged is
    absent. ``offered`` lists the labels they were asked about when that was not the whole taxonomy (a
    Prodigy task with a few options or a single-label classification task); ``None`` means all labels.
    ``source`` is the format the judgement was read from (or, for the own format, first read from).
    """

    doc_id: str
    clause_id: str
    start: int | None
    end: int | None
    page: int | None
    text: str
    labels: list[str]
    annotator: str
    source: str
    created_at: str | None = None
    offered: list[str] | None = None

    @property
    def key(self) -> ClauseKey:
        return (self.doc_id, self.clause_id)

    @property
    def clause(self) -> ClauseRef:
        return ClauseRef(self.doc_id, self.clause_id, self.text, self.start, self.end, self.page)

    def judges(self, label: str) -> bool:
        """Whether this judgement says anything about ``label`` (present or absent)."""
        return self.offered is None or label in self.offered


@dataclass
class ImportResult:
    """What one annotation file held: its format, the judgements, and what was skipped and why
    (``cancelled`` Label Studio annotations, ``ignored`` and ``unanswered`` Prodigy tasks, ``unannotated``
    tasks), so that a user can check the counts against the tool's own."""

    fmt: str
    annotations: list[Annotation]
    skipped: dict[str, int]


@dataclass
class Anchored:
    """An annotation put on a stored clause: by ``"id"`` (same id, same text), by ``"text"`` (same text
    under another id) or by ``"similar"`` text (``ratio`` ≥ :data:`MIN_RATIO`)."""

    annotation: Annotation
    clause: Clause
    method: Literal["id", "text", "similar"]
    ratio: float = 1.0


@dataclass
class Unanchored:
    """An annotation no stored clause matches, and why."""

    annotation: Annotation
    reason: str


@dataclass
class AnchorReport:
    anchored: list[Anchored] = field(default_factory=list)
    unanchored: list[Unanchored] = field(default_factory=list)


@dataclass(frozen=True)
class Conflict:
    """Annotators who disagree on one label of one clause."""

    doc_id: str
    clause_id: str
    label: str
    yes: list[str]
    no: list[str]


def clause_refs(documents: Iterable[Document]) -> list[ClauseRef]:
    """The clauses of stored documents as tasks, in reading order.

    Second-language versions of a bilingual instrument (``parallel_of``) are left out: they are the same
    provision, classification skips them, and labelling them twice would only double the work."""
    return [
        ClauseRef(doc.doc_id, c.id, c.text, c.char_start, c.char_end, c.page_start)
        for doc in documents
        for c in doc.clauses
        if c.parallel_of is None
    ]


def stored_predictions(documents: Iterable[Document]) -> dict[ClauseKey, list[LabelScore]]:
    """The classifier's labels of the stored clauses, for :func:`export_tasks` ``predictions``.

    Only classified documents (``model`` set) count: an unclassified clause has no labels because nobody
    asked, not because the model said "none"."""
    return {
        (doc.doc_id, c.id): list(c.labels)
        for doc in documents
        if doc.model is not None
        for c in doc.clauses
        if c.parallel_of is None
    }


def annotated_clauses(annotations: Iterable[Annotation]) -> list[ClauseRef]:
    """The clauses the annotations are about, each once, in order of first appearance (the task list for
    re-exporting imported annotations in another format)."""
    refs: dict[ClauseKey, ClauseRef] = {}
    for annotation in annotations:
        refs.setdefault(annotation.key, annotation.clause)
    return list(refs.values())


# --- export ---------------------------------------------------------------------------------------------


def labelstudio_config() -> str:
    """The Label Studio labelling config for exported tasks: a multiple-choice ``provision`` block with one
    choice per taxonomy label (code and description as hint) and a ``span`` block for marking the words
    that carry a label. The values are the label ids, so exports need no mapping back."""
    choices = "\n".join(
        f"    <Choice value={quoteattr(label.id)} hint={quoteattr(f'{label.code}: {label.description}')}/>"
        for label in labels()
    )
    spans = "\n".join(f"    <Label value={quoteattr(label.id)}/>" for label in labels())
    return (
        "<View>\n"
        f'  <Labels name="{SPAN_NAME}" toName="{TO_NAME}">\n{spans}\n  </Labels>\n'
        f'  <Text name="{TO_NAME}" value="$text"/>\n'
        f'  <Choices name="{FROM_NAME}" toName="{TO_NAME}" choice="multiple" showInline="false">\n'
        f"{choices}\n  </Choices>\n"
        "</View>\n"
    )


def export_tasks(
    clauses: Sequence[ClauseRef],
    fmt: str,
    *,
    annotations: Sequence[Annotation] = (),
    predictions: Predictions | None = None,
    model_version: str | None = None,
) -> str:
    """The clauses as an annotation file in ``fmt`` (one of :data:`FORMATS`), with existing annotations.

    * ``labelstudio``: a JSON list of tasks, ``data.text`` and ``data.meta``; ``annotations`` with
      ``completed_by``; the model's labels as ``predictions`` (``score``: the least sure label's).
    * ``prodigy``: JSONL for the ``choice`` view, ``options`` = every taxonomy label, ``accept`` = the model's
      labels as pre-selection; an annotated clause gives one answered line per annotator instead.
    * ``doccano``: JSONL ``text`` + ``label`` + the ids as top-level metadata fields (doccano keeps them);
      one line per annotation with its ``user``, the model's labels as ``label`` of unannotated clauses.
    * ``own``: JSONL, one line per annotation with every :class:`Annotation` field; an unannotated clause
      has ``annotator: null`` and the model's labels.

    A judgement of only some labels (``offered``) keeps them in Prodigy's ``options``; Label Studio and
    doccano have no such field, so blamine adds an ``offered`` key to the annotation or line; the tools
    do not use it, but blamine reads it back, which keeps the round trip lossless.

    Raises ``ValueError`` for an unknown format or label, or annotations of clauses not in ``clauses``.
    """
    if fmt not in _EXPORTERS:
        raise ValueError(f"unknown annotation format {fmt!r}; expected one of {', '.join(FORMATS)}")
    by_clause: dict[ClauseKey, list[Annotation]] = {}
    for annotation in annotations:
        by_clause.setdefault(annotation.key, []).append(annotation)
    missing = by_clause.keys() - {ref.key for ref in clauses}
    if missing:
        raise ValueError(f"annotations of clauses that are not exported: {sorted(missing)[:3]}")
    return _EXPORTERS[fmt](clauses, by_clause, predictions or {}, model_version)


def write_tasks(
    path: Path,
    clauses: Sequence[ClauseRef],
    fmt: str,
    *,
    annotations: Sequence[Annotation] = (),
    predictions: Predictions | None = None,
    model_version: str | None = None,
) -> None:
    """Write :func:`export_tasks` to ``path`` atomically (a tool never reads a half-written file)."""
    text = export_tasks(
        clauses, fmt, annotations=annotations, predictions=predictions, model_version=model_version
    )
    atomic_write_text(Path(path), text)


def _export_labelstudio(
    clauses: Sequence[ClauseRef],
    by_clause: dict[ClauseKey, list[Annotation]],
    predictions: Predictions,
    model_version: str | None,
) -> str:
    tasks = []
    annotation_ids = itertools.count(1)
    for task_id, ref in enumerate(clauses, 1):
        task: dict[str, Any] = {"id": task_id, "data": {"text": ref.text, "meta": ref.meta()}}
        task["annotations"] = [
            _labelstudio_annotation(annotation, next(annotation_ids), task_id)
            for annotation in by_clause.get(ref.key, [])
        ]
        if ref.key in predictions:
            scores = predictions[ref.key]
            prediction: dict[str, Any] = {}
            if model_version is not None:
                prediction["model_version"] = model_version
            if scores:
                prediction["score"] = min(s.score for s in scores)
            prediction["result"] = _choices_result([s.label for s in scores])
            task["predictions"] = [prediction]
        tasks.append(task)
    return json.dumps(tasks, ensure_ascii=False, indent=2) + "\n"


def _labelstudio_annotation(annotation: Annotation, annotation_id: int, task_id: int) -> dict[str, Any]:
    # Label Studio's own exports give completed_by as a numeric user id; keep numbers numeric.
    user = annotation.annotator
    completed_by: int | str = (
        int(user) if user.isascii() and user.isdigit() and str(int(user)) == user else user
    )
    out: dict[str, Any] = {
        "id": annotation_id,
        "completed_by": completed_by,
        "result": _choices_result(annotation.labels),
        "was_cancelled": False,
        "ground_truth": False,
        "task": task_id,
    }
    if annotation.created_at is not None:
        out["created_at"] = annotation.created_at
    if annotation.offered is not None:
        out["offered"] = _ordered(annotation.offered)
    return out


def _choices_result(values: Iterable[str]) -> list[dict[str, Any]]:
    """A choices result, or none at all for "no label" (what Label Studio saves for an empty submit)."""
    chosen = _ordered(values)
    if not chosen:
        return []
    return [
        {
            "id": FROM_NAME,
            "from_name": FROM_NAME,
            "to_name": TO_NAME,
            "type": "choices",
            "value": {"choices": chosen},
        }
    ]


def _export_prodigy(
    clauses: Sequence[ClauseRef],
    by_clause: dict[ClauseKey, list[Annotation]],
    predictions: Predictions,
    model_version: str | None,
) -> str:
    lines = []
    for ref in clauses:
        done = by_clause.get(ref.key, [])
        if not done:
            predicted = [s.label for s in predictions.get(ref.key, ())]
            lines.append(_prodigy_task(ref, None, predicted))
        for annotation in done:
            line = _prodigy_task(ref, annotation.offered, annotation.labels)
            line["answer"] = "accept"
            line["_annotator_id"] = annotation.annotator
            if annotation.created_at is not None:
                line["created_at"] = annotation.created_at
            lines.append(line)
    return _jsonl(lines)


def _prodigy_task(ref: ClauseRef, offered: list[str] | None, accept: Iterable[str]) -> dict[str, Any]:
    options = _ordered(offered) if offered is not None else list(label_ids())
    return {
        "text": ref.text,
        "options": [{"id": label, "text": label} for label in options],
        "accept": _ordered(accept),
        "meta": ref.meta(),
        "_view_id": "choice",
    }


def _export_doccano(
    clauses: Sequence[ClauseRef],
    by_clause: dict[ClauseKey, list[Annotation]],
    predictions: Predictions,
    model_version: str | None,
) -> str:
    lines = []
    for ref in clauses:
        done = by_clause.get(ref.key, [])
        if not done:
            predicted = [s.label for s in predictions.get(ref.key, ())]
            lines.append({"text": ref.text, "label": _ordered(predicted), **ref.meta()})
        for annotation in done:
            line = {"text": ref.text, "label": _ordered(annotation.labels), **ref.meta()}
            line["user"] = annotation.annotator
            if annotation.created_at is not None:
                line["created_at"] = annotation.created_at
            if annotation.offered is not None:
                line["offered"] = _ordered(annotation.offered)
            lines.append(line)
    return _jsonl(lines)


def _export_own(
    clauses: Sequence[ClauseRef],
    by_clause: dict[ClauseKey, list[Annotation]],
    predictions: Predictions,
    model_version: str | None,
) -> str:
    lines = []
    for ref in clauses:
        done = by_clause.get(ref.key, [])
        if not done:
            predicted = [s.label for s in predictions.get(ref.key, ())]
            lines.append(_own_line(ref, _ordered(predicted), None, None, None, None))
        for a in done:
            offered = _ordered(a.offered) if a.offered is not None else None
            lines.append(_own_line(ref, _ordered(a.labels), a.annotator, a.source, a.created_at, offered))
    return _jsonl(lines)


def _own_line(
    ref: ClauseRef,
    chosen: list[str],
    annotator: str | None,
    source: str | None,
    created_at: str | None,
    offered: list[str] | None,
) -> dict[str, Any]:
    return {
        **ref.meta(),
        "text": ref.text,
        "labels": chosen,
        "annotator": annotator,
        "source": source,
        "created_at": created_at,
        "offered": offered,
    }


_EXPORTERS = {
    "labelstudio": _export_labelstudio,
    "prodigy": _export_prodigy,
    "doccano": _export_doccano,
    "own": _export_own,
}


def _jsonl(lines: Iterable[dict[str, Any]]) -> str:
    return "".join(json.dumps(line, ensure_ascii=False) + "\n" for line in lines)


def _ordered(values: Iterable[str]) -> list[str]:
    """Label ids once each, in taxonomy order, so that the same judgement always serialises the same way."""
    order = {label: i for i, label in enumerate(label_ids())}
    chosen = set(values)
    unknown = sorted(chosen - order.keys())
    if unknown:
        raise ValueError(f"unknown label {unknown[0]!r}")
    return sorted(chosen, key=order.__getitem__)


# --- import ---------------------------------------------------------------------------------------------


class _Invalid(Exception):
    """A refused record: ``where`` is its line or task, turned into a :class:`BlamineError` with the file."""

    def __init__(self, where: str, reason: str) -> None:
        super().__init__(f"{where}: {reason}")
        self.where = where
        self.reason = reason


Record = tuple[str, dict[str, Any]]
"""A parsed record and where it is in the file (``"line 3"``, ``"task 2 (id 17)"``)."""
Found = list[tuple[str, Annotation]]


def read_annotations(path: Path | str, fmt: str = "auto") -> list[Annotation]:
    """The judgements in an annotation file; see :func:`import_annotations`."""
    return import_annotations(path, fmt).annotations


def import_annotations(path: Path | str, fmt: str = "auto") -> ImportResult:
    """Read an annotation file as a whole, or refuse it as a whole.

    ``fmt="auto"`` tells the format from the content: a JSON list of tasks with ``data`` is Label Studio;
    JSONL whose first record has ``_view_id``, ``answer`` or ``_input_hash`` is Prodigy, one with ``label``
    is doccano, one with ``labels`` and ``group`` (``annotations/clauses.jsonl``) or ``clause_id`` is the
    own format. Labels may be given as taxonomy ids or codes (``A3``) and are returned as ids.

    * Label Studio: each task is one clause. ``choices`` results and span (``labels``) results both give
      labels of the task's clause; a span must lie inside the clause text. Cancelled annotations are
      skipped and counted; an annotation with an empty result says "no label".
    * Prodigy: ``answer: accept`` gives the ``accept`` list (``classification`` view: the ``label``);
      ``reject`` says *none* of the offered options (or not the one ``label``) applies, whatever was
      ticked; ``ignore`` and unanswered tasks are skipped and counted. Lines of one annotator about one
      clause (one per label in the ``classification`` view) are merged into one judgement: a label is
      present if any line accepts it.
    * doccano: the ``label`` list. A line with no labels and no ``user`` is an example nobody labelled
      (doccano exports those too) and is skipped and counted.
    * own: one judgement per line; ``annotator: null`` lines are unannotated tasks, skipped and counted.

    The annotator is Label Studio's ``completed_by``, Prodigy's ``_annotator_id`` (else ``_session_id``),
    doccano's ``user`` or the own ``annotator``; where the file does not say, the file name (without
    extension) stands for the annotator. The same annotator judging the same clause twice is refused.

    Raises :class:`BlamineError` (``E_ANNOTATIONS``) naming the file, the line (JSONL) or task (Label
    Studio), and the reason, for unreadable or truncated JSON, a format other than ``fmt``, missing ids,
    unknown labels and duplicate judgements; nothing is returned then.
    """
    path = Path(path)
    if fmt != "auto" and fmt not in FORMATS:
        raise ValueError(f"unknown annotation format {fmt!r}; expected auto or one of {', '.join(FORMATS)}")
    try:
        text = path.read_text(encoding="utf-8")
    except (OSError, UnicodeDecodeError) as exc:
        raise BlamineError(path, f"cannot read the annotation file ({exc})", E_ANNOTATIONS) from None
    try:
        records, found_fmt = _parse(text)
        if found_fmt is None and fmt == "auto":
            raise _Invalid(
                records[0][0], "cannot tell the format (not Label Studio, Prodigy, doccano or blamine)"
            )
        if found_fmt is not None and fmt not in ("auto", found_fmt):
            raise _Invalid(records[0][0], f"this is a {found_fmt} file, not {fmt}")
        chosen = found_fmt or fmt
        found, skipped = _READERS[chosen](records, path.stem)
        annotations = _merge(found) if chosen == "prodigy" else _unique(found)
    except _Invalid as exc:
        raise BlamineError(path, f"{exc.where}: {exc.reason}", E_ANNOTATIONS) from None
    return ImportResult(chosen, annotations, dict(skipped))


def _parse(text: str) -> tuple[list[Record], str | None]:
    """The file's records and the format they look like (``None`` if they look like none)."""
    if text.lstrip().startswith("["):
        try:
            tasks = json.loads(text)
        except json.JSONDecodeError as exc:
            raise _Invalid(f"line {exc.lineno} column {exc.colno}", f"invalid JSON ({exc.msg})") from None
        if not isinstance(tasks, list):
            raise _Invalid("line 1", "expected a JSON list of tasks")
        records = []
        for index, task in enumerate(tasks, 1):
            if not isinstance(task, dict):
                raise _Invalid(f"task {index}", "not a JSON object")
            records.append((f"task {index} (id {task.get('id')})", task))
        if not records:
            raise _Invalid("line 1", "no tasks in the file")
        return records, "labelstudio" if all("data" in task for _, task in records) else None
    records = []
    for number, line in enumerate(text.splitlines(), 1):
        if not line.strip():
            continue
        try:
            record = json.loads(line)
        except json.JSONDecodeError as exc:
            raise _Invalid(f"line {number}", f"invalid JSON ({exc.msg}; truncated file?)") from None
        if not isinstance(record, dict):
            raise _Invalid(f"line {number}", "not a JSON object")
        records.append((f"line {number}", record))
    if not records:
        raise _Invalid("line 1", "empty file, nothing to import")
    return records, _looks_like(records[0][1])


def _looks_like(record: dict[str, Any]) -> str | None:
    if "data" in record:
        return "labelstudio"
    if record.keys() & {"_view_id", "answer", "_input_hash"}:
        return "prodigy"
    if "label" in record:
        return "doccano"
    if "labels" in record and record.keys() & {"group", "clause_id"}:
        return "own"
    return None


def _read_labelstudio(records: list[Record], default_annotator: str) -> tuple[Found, Counter[str]]:
    found: Found = []
    skipped: Counter[str] = Counter()
    for where, task in records:
        data = task.get("data")
        if not isinstance(data, dict):
            raise _Invalid(where, "no 'data' object")
        ref = _clause_ref(_meta(data.get("meta"), task.get("meta"), data), data.get("text"), where)
        annotations = task.get("annotations", [])
        if not isinstance(annotations, list):
            raise _Invalid(where, "'annotations' is not a list")
        if not annotations:
            skipped["unannotated"] += 1
        for number, annotation in enumerate(annotations, 1):
            at = f"{where} annotation {number}"
            if not isinstance(annotation, dict):
                raise _Invalid(at, "not a JSON object")
            at = f"{where} annotation {number} (id {annotation.get('id')})"
            if annotation.get("was_cancelled"):
                skipped["cancelled"] += 1
                continue
            result = annotation.get("result", [])
            if not isinstance(result, list):
                raise _Invalid(at, "'result' is not a list")
            chosen = [label for item in result for label in _result_labels(item, ref.text, at)]
            annotator = _labelstudio_user(annotation.get("completed_by"), default_annotator, at)
            offered = _offered(annotation, at)
            found.append((at, _annotation(ref, chosen, annotator, "labelstudio", annotation, at, offered)))
    return found, skipped


def _result_labels(item: Any, text: str, where: str) -> list[str]:
    """The labels of one Label Studio result: a choice, or a span, which (a task being one clause) labels
    the whole clause it lies in."""
    if not isinstance(item, dict) or not isinstance(item.get("value"), dict):
        raise _Invalid(where, "a result without a 'value' object")
    value = item["value"]
    if item.get("type") == "choices":
        return _labels(value.get("choices"), where)
    if item.get("type") == "labels":
        start, end = value.get("start"), value.get("end")
        if not (_is_int(start) and _is_int(end) and 0 <= start < end <= len(text)):
            raise _Invalid(where, f"span [{start}, {end}) does not lie inside the clause text")
        return _labels(value.get("labels"), where)
    raise _Invalid(where, f"unsupported result type {item.get('type')!r} (expected choices or labels)")


def _labelstudio_user(completed_by: Any, default: str, where: str) -> str:
    """Label Studio names the annotator by user id, or by a user object in some exports."""
    if isinstance(completed_by, dict):
        completed_by = completed_by.get("email") or completed_by.get("id")
    if completed_by is None:
        return default
    if isinstance(completed_by, str) or _is_int(completed_by):
        return str(completed_by)
    raise _Invalid(where, f"completed_by {completed_by!r} is not a user")


def _read_prodigy(records: list[Record], default_annotator: str) -> tuple[Found, Counter[str]]:
    found: Found = []
    skipped: Counter[str] = Counter()
    questions: dict[tuple[ClauseKey, tuple[str, ...] | None, str], str] = {}
    for where, record in records:
        ref = _clause_ref(_meta(record.get("meta")), record.get("text"), where)
        answer = record.get("answer")
        if answer is None:
            skipped["unanswered"] += 1
            continue
        if answer == "ignore":
            skipped["ignored"] += 1
            continue
        if answer not in ("accept", "reject"):
            raise _Invalid(where, f"answer {answer!r} is not accept, reject or ignore")
        view = record.get("_view_id") or ("classification" if "label" in record else "choice")
        offered: list[str] | None
        if view == "classification":
            offered = _labels([record.get("label")], where)
            chosen = offered if answer == "accept" else []
        elif view == "choice":
            options = record.get("options")
            if not isinstance(options, list) or not all(isinstance(o, dict) for o in options):
                raise _Invalid(where, "a choice task without a list of 'options'")
            offered = _labels([o.get("id") for o in options], where)
            accepted = _labels(record.get("accept", []), where)
            if not set(accepted) <= set(offered):
                raise _Invalid(where, f"accepted labels {accepted} are not all among the options")
            chosen = accepted if answer == "accept" else []
            if set(offered) == set(label_ids()):
                offered = None
        else:
            raise _Invalid(where, f"unsupported Prodigy view {view!r} (expected choice or classification)")
        annotator = record.get("_annotator_id") or record.get("_session_id") or default_annotator
        if not isinstance(annotator, str):
            raise _Invalid(where, f"annotator {annotator!r} is not a string")
        question = (ref.key, tuple(offered) if offered is not None else None, annotator)
        if question in questions:
            raise _Invalid(where, f"{annotator} already answered this task at {questions[question]}")
        questions[question] = where
        if "created_at" not in record and _is_int(record.get("_timestamp")):
            record = {**record, "created_at": _from_timestamp(record["_timestamp"], where)}
        found.append((where, _annotation(ref, chosen, annotator, "prodigy", record, where, offered)))
    return found, skipped


def _from_timestamp(seconds: int, where: str) -> str:
    """Prodigy's ``_timestamp`` (Unix seconds) as the ISO time the other formats use."""
    try:
        return datetime.fromtimestamp(seconds, UTC).isoformat()
    except (OverflowError, OSError, ValueError):
        raise _Invalid(where, f"_timestamp {seconds} is not a time") from None


def _read_doccano(records: list[Record], default_annotator: str) -> tuple[Found, Counter[str]]:
    found: Found = []
    skipped: Counter[str] = Counter()
    for where, record in records:
        ref = _clause_ref(_meta(record, record.get("meta")), record.get("text"), where)
        raw = record.get("label")
        if not isinstance(raw, list) or not all(isinstance(value, str) for value in raw):
            raise _Invalid(
                where, "'label' must be a list of category names (not a sequence-labelling export)"
            )
        user = record.get("user")
        if not raw and user is None:
            skipped["unannotated"] += 1
            continue
        annotator = default_annotator if user is None else str(user)
        chosen = _labels(raw, where)
        found.append(
            (where, _annotation(ref, chosen, annotator, "doccano", record, where, _offered(record, where)))
        )
    return found, skipped


def _read_own(records: list[Record], default_annotator: str) -> tuple[Found, Counter[str]]:
    found: Found = []
    skipped: Counter[str] = Counter()
    for where, record in records:
        if "group" in record and "annotator" not in record:  # annotations/clauses.jsonl: group = agreement
            ref = _clause_ref(
                {"doc_id": record.get("group"), "clause_id": record.get("id")}, record.get("text"), where
            )
            chosen = _labels(record.get("labels"), where)
            found.append((where, _annotation(ref, chosen, default_annotator, "own", record, where, None)))
            continue
        ref = _clause_ref(record, record.get("text"), where)
        if "annotator" not in record:
            raise _Invalid(where, "no 'annotator' field")
        annotator = record["annotator"]
        if annotator is None:
            skipped["unannotated"] += 1
            continue
        if not isinstance(annotator, str):
            raise _Invalid(where, f"annotator {annotator!r} is not a string")
        source = record.get("source") or "own"
        if not isinstance(source, str):
            raise _Invalid(where, f"source {source!r} is not a string")
        chosen = _labels(record.get("labels"), where)
        found.append(
            (where, _annotation(ref, chosen, annotator, source, record, where, _offered(record, where)))
        )
    return found, skipped


_READERS = {
    "labelstudio": _read_labelstudio,
    "prodigy": _read_prodigy,
    "doccano": _read_doccano,
    "own": _read_own,
}


def _meta(*places: Any) -> dict[str, Any]:
    """The first of ``places`` that holds a ``doc_id`` (tools keep our ids in different places)."""
    for place in places:
        if isinstance(place, dict) and "doc_id" in place:
            return place
    return {}


def _clause_ref(meta: dict[str, Any], text: Any, where: str) -> ClauseRef:
    doc_id, clause_id = meta.get("doc_id"), meta.get("clause_id")
    if not (isinstance(doc_id, str) and doc_id and isinstance(clause_id, str) and clause_id):
        raise _Invalid(where, "no doc_id and clause_id (a task exported by blamine carries them)")
    if not isinstance(text, str):
        raise _Invalid(where, "no clause text")
    for name in ("start", "end", "page"):
        if meta.get(name) is not None and not _is_int(meta[name]):
            raise _Invalid(where, f"{name} {meta[name]!r} is not an integer")
    return ClauseRef(doc_id, clause_id, text, meta.get("start"), meta.get("end"), meta.get("page"))


def _annotation(
    ref: ClauseRef,
    chosen: list[str],
    annotator: str,
    source: str,
    record: dict[str, Any],
    where: str,
    offered: list[str] | None,
) -> Annotation:
    """An annotation of ``ref``, with ``created_at`` read from ``record`` where present."""
    created_at = record.get("created_at")
    if created_at is not None and not isinstance(created_at, str):
        raise _Invalid(where, f"created_at {created_at!r} is not a string")
    return Annotation(
        doc_id=ref.doc_id,
        clause_id=ref.clause_id,
        start=ref.start,
        end=ref.end,
        page=ref.page,
        text=ref.text,
        labels=_ordered(chosen),
        annotator=annotator,
        source=source,
        created_at=created_at,
        offered=offered,
    )


def _offered(record: dict[str, Any], where: str) -> list[str] | None:
    """The ``offered`` labels blamine writes where a tool has no place for them (``None``: all labels)."""
    offered = record.get("offered")
    return None if offered is None else _labels(offered, where)


@functools.cache
def _label_names() -> dict[str, str]:
    """Label id or code (``A3``) → label id."""
    return {**{label.code: label.id for label in labels()}, **{label.id: label.id for label in labels()}}


def _labels(values: Any, where: str) -> list[str]:
    """Taxonomy label ids for ``values`` (ids or codes), in taxonomy order; refuses anything else."""
    if not isinstance(values, list):
        raise _Invalid(where, f"labels {values!r} are not a list")
    names = _label_names()
    for value in values:
        if not isinstance(value, str) or value not in names:
            raise _Invalid(where, f"unknown label {value!r} (not a taxonomy label id or code)")
    return _ordered(names[value] for value in values)


def _is_int(value: Any) -> bool:
    return isinstance(value, int) and not isinstance(value, bool)


def _unique(found: Found) -> list[Annotation]:
    """The annotations, refusing a second judgement of a clause by the same annotator: which one counts
    would be a guess."""
    seen: dict[tuple[ClauseKey, str], str] = {}
    for where, annotation in found:
        key = (annotation.key, annotation.annotator)
        if key in seen:
            raise _Invalid(
                where,
                f"{annotation.annotator} already judged clause {'/'.join(annotation.key)} at {seen[key]}",
            )
        seen[key] = where
    return [annotation for _, annotation in found]


def _merge(found: Found) -> list[Annotation]:
    """One judgement per clause and annotator from Prodigy lines that each asked about some labels."""
    merged: dict[tuple[ClauseKey, str], Annotation] = {}
    for _, annotation in found:
        key = (annotation.key, annotation.annotator)
        before = merged.get(key)
        if before is None:
            merged[key] = annotation
            continue
        offered = None
        if before.offered is not None and annotation.offered is not None:
            offered = _ordered(before.offered + annotation.offered)
        merged[key] = replace(before, labels=_ordered(before.labels + annotation.labels), offered=offered)
    return list(merged.values())


# --- anchoring ------------------------------------------------------------------------------------------


def anchor(annotations: Iterable[Annotation], store: Path) -> AnchorReport:
    """Put each annotation on a clause of the store.

    First by ``(doc_id, clause_id)`` when that clause still has the annotated text (whitespace
    normalised). When the document was re-extracted and ids moved, by text within the same document: the
    clause with the same normalised text (the one nearest the annotated offset if several), else the most
    similar clause with a ``difflib`` ratio of at least :data:`MIN_RATIO`. Every annotation ends up in the
    report, anchored or with the reason it could not be: a dropped judgement would go unnoticed.
    An unreadable stored document raises :class:`BlamineError` (``E_STORE``), as :func:`store.read` does.
    """
    report = AnchorReport()
    documents: dict[str, Document | None] = {}
    for annotation in annotations:
        if annotation.doc_id not in documents:
            path = document_path(store, annotation.doc_id)
            documents[annotation.doc_id] = read(path) if path.is_file() else None
        doc = documents[annotation.doc_id]
        if doc is None:
            report.unanchored.append(
                Unanchored(annotation, f"document {annotation.doc_id} is not in the store")
            )
            continue
        anchored = _anchor_in(annotation, doc)
        if isinstance(anchored, str):
            report.unanchored.append(Unanchored(annotation, anchored))
        else:
            report.anchored.append(anchored)
    return report


def _anchor_in(annotation: Annotation, doc: Document) -> Anchored | str:
    """The clause of ``doc`` the annotation is about, or why there is none."""
    wanted = _normalised(annotation.text)
    by_id = next((c for c in doc.clauses if c.id == annotation.clause_id), None)
    if by_id is not None and _normalised(by_id.text) == wanted:
        return Anchored(annotation, by_id, "id")
    same = [c for c in doc.clauses if _normalised(c.text) == wanted]
    if len(same) > 1 and annotation.start is None:
        return f"{len(same)} clauses have this text and the annotation has no offset to choose"
    if same:
        nearest = min(same, key=lambda c: abs(c.char_start - (annotation.start or 0)))
        return Anchored(annotation, nearest, "text")
    best, best_ratio = None, 0.0
    for clause in doc.clauses:
        matcher = difflib.SequenceMatcher(None, wanted, _normalised(clause.text), autojunk=False)
        floor = max(best_ratio, MIN_RATIO)
        if matcher.real_quick_ratio() >= floor and matcher.quick_ratio() >= floor:
            ratio = matcher.ratio()
            if ratio >= floor and ratio > best_ratio:
                best, best_ratio = clause, ratio
    if best is not None:
        return Anchored(annotation, best, "similar", round(best_ratio, 4))
    gone = "has other text" if by_id is not None else "is gone"
    return f"clause {annotation.clause_id} {gone}; no clause has its text or one {MIN_RATIO:.0%} similar"


def _normalised(text: str) -> str:
    return re.sub(r"\s+", " ", text).strip()


# --- agreement and adjudication -------------------------------------------------------------------------


def cohen_kappa(pairs: Sequence[tuple[bool, bool]]) -> float | None:
    """Cohen's kappa of two annotators' yes/no on the same items; ``None`` when it is undefined (both said
    the same thing on every item, so chance agreement is already perfect)."""
    n = len(pairs)
    if n == 0:
        return None
    observed = sum(a == b for a, b in pairs) / n
    yes_a = sum(a for a, _ in pairs) / n
    yes_b = sum(b for _, b in pairs) / n
    expected = yes_a * yes_b + (1 - yes_a) * (1 - yes_b)
    if expected == 1:
        return None
    return (observed - expected) / (1 - expected)


def agreement(annotations: Iterable[Annotation]) -> dict[str, Any]:
    """Inter-annotator agreement per label, over the clauses that two or more annotators judged.

    For each label and each pair of annotators, Cohen's kappa over the clauses both judged on that label;
    a label's ``kappa`` is the mean over the pairs where it is defined (Light's kappa, which is Cohen's
    kappa when there are two annotators). Mean pairwise kappa is used rather than Krippendorff's alpha
    because it reads per pair and says which annotators disagree. ``observed`` is the plain share of
    agreeing pairs of judgements, ``items`` how many there were. ``mean_kappa`` averages the labels.
    """
    votes = _votes(annotations)
    per_label: dict[str, dict[str, Any]] = {}
    for label in label_ids():
        pairs: dict[tuple[str, str], list[tuple[bool, bool]]] = {}
        for by_label in votes.values():
            said = by_label.get(label, {})
            for a, b in itertools.combinations(sorted(said), 2):
                pairs.setdefault((a, b), []).append((said[a], said[b]))
        if not pairs:
            continue
        items = [pair for judged in pairs.values() for pair in judged]
        kappas = [k for judged in pairs.values() if (k := cohen_kappa(judged)) is not None]
        per_label[label] = {
            "kappa": mean(kappas) if kappas else None,
            "observed": sum(a == b for a, b in items) / len(items),
            "pairs": len(pairs),
            "items": len(items),
        }
    defined = [entry["kappa"] for entry in per_label.values() if entry["kappa"] is not None]
    shared = {key for key, by_label in votes.items() if any(len(said) > 1 for said in by_label.values())}
    return {
        "annotators": sorted({a for by_label in votes.values() for said in by_label.values() for a in said}),
        "clauses": len(shared),
        "labels": per_label,
        "mean_kappa": mean(defined) if defined else None,
    }


def conflicts(annotations: Iterable[Annotation]) -> list[Conflict]:
    """Every clause and label on which annotators disagree, with who said yes and who said no."""
    return [
        Conflict(
            key[0],
            key[1],
            label,
            sorted(a for a, yes in said.items() if yes),
            sorted(a for a, yes in said.items() if not yes),
        )
        for key, by_label in _votes(annotations).items()
        for label, said in by_label.items()
        if len(set(said.values())) > 1
    ]


def adjudicate(
    annotations: Iterable[Annotation], adjudicator: str | None = None
) -> dict[ClauseKey, list[str]]:
    """The training labels of each annotated clause.

    Per label: the ``adjudicator``'s judgement when they judged it; otherwise the majority of the
    annotators who judged it. A tie counts as *absent* — a training label needs more people for than
    against it — and every tie shows up in :func:`conflicts` for someone to adjudicate.
    """
    result: dict[ClauseKey, list[str]] = {}
    for key, by_label in _votes(annotations).items():
        result[key] = [
            label
            for label, said in by_label.items()
            if (said[adjudicator] if adjudicator in said else 2 * sum(said.values()) > len(said))
        ]
    return result


def _votes(annotations: Iterable[Annotation]) -> dict[ClauseKey, dict[str, dict[str, bool]]]:
    """Clause → label → annotator → said yes, for the labels each annotator judged, in taxonomy order.

    Raises ``ValueError`` when one annotator judged a clause twice (say, the same person in two files)."""
    by_clause: dict[ClauseKey, dict[str, Annotation]] = {}
    for annotation in annotations:
        judged = by_clause.setdefault(annotation.key, {})
        if annotation.annotator in judged:
            raise ValueError(f"{annotation.annotator} judged clause {'/'.join(annotation.key)} twice")
        judged[annotation.annotator] = annotation
    return {
        key: {
            label: {a.annotator: label in a.labels for a in judged.values() if a.judges(label)}
            for label in label_ids()
            if any(a.judges(label) for a in judged.values())
        }
        for key, judged in by_clause.items()
    }


# --- the project's collection of imported judgements ------------------------------------------------------

IMPORTED_FOLDER = "imported"
"""Subfolder of an annotations folder where imported judgements are kept (``blamine train`` reads it)."""
JUDGEMENTS_FILE = "judgements.jsonl"


def judgements_path(annotations_dir: Path) -> Path:
    return Path(annotations_dir) / IMPORTED_FOLDER / JUDGEMENTS_FILE


def on_stored_clauses(report: AnchorReport) -> list[Annotation]:
    """The anchored judgements, moved onto the clause they were anchored to (its current id, text and
    position), so they stay valid for this store's clauses."""
    return [
        replace(
            found.annotation,
            clause_id=found.clause.id,
            text=found.clause.text,
            start=found.clause.char_start,
            end=found.clause.char_end,
            page=found.clause.page_start,
        )
        for found in report.anchored
    ]


def merge_judgements(annotations_dir: Path, new: Sequence[Annotation]) -> tuple[Path, int, int]:
    """Add ``new`` to the folder's imported judgements (own format, written atomically) and return the
    file, how many judgements were added and how many replaced. A judgement by the same annotator of the
    same clause replaces the older one: re-importing a corrected export updates, never doubles. Nothing new
    leaves the file as it was (an empty file would not be a valid import)."""
    path = judgements_path(annotations_dir)
    if not new:
        return path, 0, 0
    kept = {(a.key, a.annotator): a for a in (read_annotations(path, "own") if path.is_file() else [])}
    replaced = sum((a.key, a.annotator) in kept for a in new)
    for annotation in new:
        kept[(annotation.key, annotation.annotator)] = annotation
    everything = list(kept.values())
    write_tasks(path, annotated_clauses(everything), "own", annotations=everything)
    return path, len(new) - replaced, replaced


def training_labels(
    annotations: Sequence[Annotation], adjudicator: str | None = None
) -> tuple[dict[ClauseKey, tuple[str, list[str]]], list[ClauseKey]]:
    """The clauses to train on, each with its text and :func:`adjudicate`'d labels, and the clauses left
    out because some label was judged by nobody (say, a Prodigy task offering two labels): a label nobody
    looked at is unknown, and training would read it as "absent"."""
    texts = {a.key: a.text for a in annotations}
    every = set(label_ids())
    judged: dict[ClauseKey, set[str]] = {}
    for annotation in annotations:
        judged.setdefault(annotation.key, set()).update(
            every if annotation.offered is None else annotation.offered
        )
    labelled = adjudicate(annotations, adjudicator)
    complete = {key: (texts[key], labels) for key, labels in labelled.items() if judged[key] >= every}
    return complete, [key for key in labelled if key not in complete]
