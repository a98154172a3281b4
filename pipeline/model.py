"""The data model every stage reads and writes, and its JSON form.

A :class:`Document` travels through the pipeline: ``extract`` fills ``source``, ``pages`` and ``text``;
``segment`` adds ``clauses`` and ``metadata``; ``classify`` adds clause ``labels`` and ``model``; ``score``
adds the ``scorecard``. ``to_dict``/``from_dict`` are the JSON contract described by
``pipeline/data/document.schema.json``; change one, change the other and bump :data:`SCHEMA_VERSION`.
"""

from __future__ import annotations

from dataclasses import dataclass, field, fields, is_dataclass
from functools import cache
from typing import Any, Literal

SCHEMA_VERSION = "1.2.0"
"""Semantic version of the JSON document format. Readers refuse a newer major version."""

PageMethod = Literal["text", "ocr", "empty"]
ClauseKind = Literal[
    "title", "preamble", "heading", "article", "paragraph", "item", "annex", "note", "signature", "other"
]
ScoreValue = Literal["yes", "partial", "no", "not_assessable"]
Strength = Literal["binding", "hedged", "negated", "excluded", "descriptive"]


class SchemaVersionError(ValueError):
    """A stored document was written by a newer, incompatible blamine."""


@dataclass
class Source:
    """The PDF a document came from."""

    path: str
    filename: str
    sha256: str
    bytes: int
    pages: int


@dataclass
class Metadata:
    """What the agreement is; every field is ``None`` (or empty) where it could not be determined."""

    title: str | None = None
    parties: list[str] = field(default_factory=list)
    countries: list[str] = field(default_factory=list)
    year: int | None = None
    type: str | None = None
    language: str | None = None
    languages: list[str] = field(default_factory=list)
    """Every language the text is written in (bilingual instruments), the main one first."""
    origin: str | None = None
    """ISO 3166 alpha-2 code of the country the workers come from, where the text says so."""
    destination: str | None = None
    """ISO 3166 alpha-2 code of the country they go to, where the text says so."""
    date_signed: str | None = None
    """ISO date (YYYY-MM-DD) of signature where the text gives a full date."""
    place: str | None = None
    """Place of signature ("The Hague", "Rome")."""
    signatories: list[str] = field(default_factory=list)
    """Names of the signatories as printed in the signature blocks."""
    overrides: list[str] = field(default_factory=list)
    """Fields taken from a user's metadata file at ingest instead of the text."""


@dataclass
class Page:
    """One PDF page: how its text was obtained and where it sits in ``Document.text``."""

    number: int
    method: PageMethod
    chars: int
    char_start: int
    char_end: int
    ocr_confidence: float | None = None
    removed: list[str] = field(default_factory=list)
    parallel_start: int | None = None
    """Where this page's second column sits in ``Document.text`` when a bilingual instrument is printed
    side by side (the left columns of all pages come first, then the right columns); else ``None``."""
    parallel_end: int | None = None
    """Running headers, footers and page numbers dropped from this page (kept for provenance)."""


@dataclass
class LabelScore:
    """A provision label predicted positive for a clause, with its calibrated probability."""

    label: str
    score: float


@dataclass
class Clause:
    """One structural unit of an agreement, with provenance into pages and ``Document.text``."""

    id: str
    kind: ClauseKind
    text: str
    char_start: int
    char_end: int
    page_start: int
    page_end: int
    parent: str | None = None
    article: str | None = None
    number: str | None = None
    heading: str | None = None
    in_annex: bool = False
    labels: list[LabelScore] = field(default_factory=list)
    language: str | None = None
    """Language of the part of the text the clause is in (ISO 639-1), ``None`` if undetermined."""
    parallel_of: str | None = None
    """In a bilingual instrument, the id of the same provision in the first language's text: this clause
    is its other authentic version, not another provision (classification and scorecards skip it)."""
    strength: Strength | None = None
    """Obligation strength of a labelled clause (binding, hedged, negated, excluded, descriptive)."""
    strength_cue: str | None = None
    """The words that decided ``strength`` ("shall", "as far as possible"), quoted by the scorecard."""


@dataclass
class ScorecardEntry:
    """One criterion of the agreement scorecard, with the clauses that justify the value."""

    criterion: str
    value: ScoreValue
    evidence: list[str] = field(default_factory=list)
    reason: str = ""
    pages: list[int] = field(default_factory=list)
    """Pages of the evidence clauses."""
    strength: Strength | None = None
    """Obligation strength of the evidence that decided the value."""


@dataclass
class Indicator:
    """An agreement-level indicator (Part B of the annotation guide): instrument type, model contract
    annexed, domestic workers covered."""

    indicator: str
    value: str
    evidence: list[str] = field(default_factory=list)
    reason: str = ""


@dataclass
class ModelInfo:
    """The classifier that produced the labels."""

    name: str
    version: str


@dataclass
class Document:
    """An agreement as it moves through the pipeline."""

    doc_id: str
    source: Source
    text: str = ""
    pages: list[Page] = field(default_factory=list)
    metadata: Metadata = field(default_factory=Metadata)
    clauses: list[Clause] = field(default_factory=list)
    scorecard: list[ScorecardEntry] = field(default_factory=list)
    indicators: list[Indicator] = field(default_factory=list)
    model: ModelInfo | None = None
    warnings: list[str] = field(default_factory=list)

    def page_at(self, offset: int) -> int:
        """Number of the page holding character ``offset`` of ``text`` (the last page if past the end)."""
        for page in self.pages:
            if page.parallel_start is not None and page.parallel_end is not None:
                if page.parallel_start <= offset < page.parallel_end:
                    return page.number
        for page in self.pages:
            if offset < page.char_end:
                return page.number
        return self.pages[-1].number if self.pages else 1

    def clause(self, clause_id: str) -> Clause:
        """The clause with this id; ``KeyError`` if there is none."""
        for clause in self.clauses:
            if clause.id == clause_id:
                return clause
        raise KeyError(clause_id)

    def to_dict(self) -> dict[str, Any]:
        """The JSON form (see ``document.schema.json``)."""
        return {"schema_version": SCHEMA_VERSION, **_plain(self)}

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> Document:
        """Rebuild a document from its JSON form; refuses a newer major schema version."""
        check_schema_version(str(data.get("schema_version", "")))
        clauses = [
            Clause(**{**c, "labels": [LabelScore(**label) for label in c.get("labels", [])]})
            for c in data.get("clauses", [])
        ]
        return cls(
            doc_id=data["doc_id"],
            source=Source(**data["source"]),
            text=data.get("text", ""),
            pages=[Page(**p) for p in data.get("pages", [])],
            metadata=Metadata(**data.get("metadata", {})),
            clauses=clauses,
            scorecard=[ScorecardEntry(**s) for s in data.get("scorecard", [])],
            indicators=[Indicator(**i) for i in data.get("indicators", [])],
            model=ModelInfo(**data["model"]) if data.get("model") else None,
            warnings=list(data.get("warnings", [])),
        )


def _plain(value: Any) -> Any:
    """``dataclasses.asdict`` for this module's types, four times faster: the model holds only
    dataclasses, lists and immutable scalars, so nothing needs the deep copies ``asdict`` makes (at ingest,
    ``asdict`` took a quarter of the time spent writing a document)."""
    if type(value) in _SCALARS:
        return value
    if isinstance(value, list):
        return [_plain(item) for item in value]
    if is_dataclass(value):
        return {name: _plain(getattr(value, name)) for name in _field_names(type(value))}
    return value


_SCALARS = frozenset({str, int, float, bool, type(None)})


@cache
def _field_names(cls: type) -> tuple[str, ...]:
    return tuple(f.name for f in fields(cls))


def check_schema_version(version: str) -> None:
    """Raise :class:`SchemaVersionError` unless ``version`` is readable by this blamine."""
    try:
        major = int(version.split(".")[0])
    except ValueError:
        raise SchemaVersionError(f"invalid schema_version {version!r}") from None
    ours = int(SCHEMA_VERSION.split(".")[0])
    if major > ours:
        raise SchemaVersionError(
            f"document has schema_version {version}, newer than this blamine reads ({SCHEMA_VERSION});"
            " upgrade blamine"
        )
