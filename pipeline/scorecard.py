"""Clause labels → agreement scorecard and agreement-level indicators, with evidence for every value.

Part C of the annotation guide, per criterion:

* ``yes``: a clause carrying one of the criterion's labels, outside the preamble, whose obligation strength
  is ``binding`` (and, for recruitment costs, that does not put the costs on the worker);
* ``partial``: the label occurs only in the preamble, only in hedged or merely descriptive clauses
  ("endeavour to", "subject to national laws"), or only with a worker-unfavourable allocation;
* ``no``: no clause carries the label, or the only clauses that do exclude or deny it ("shall not apply to
  domestic workers");
* ``not_assessable``: nothing found, but the text that would hold it is incomplete: pages without text or
  with low OCR confidence, or an annex the body refers to is missing (for criteria an annexed contract
  usually covers).

Each value carries the evidence clause ids, their pages, the deciding obligation strength and a one-line
reason quoting the cue. Indicators B2 (instrument type), B4 (model contract annexed) and B5 (domestic
workers covered) are set per agreement (Part B).
"""

from __future__ import annotations

import functools
import re

from .model import Clause, Document, Indicator, ScorecardEntry
from .obligation import mark_strength
from .taxonomy import Criterion, criteria, labels

MIN_OCR_CONFIDENCE = 60.0
"""Mean tesseract word confidence below which an OCRed page counts as unreadable for the scorecard."""

CONTRACT_LABELS = frozenset(
    {
        "wage_protection",
        "working_time_rest_leave",
        "employment_contract",
        "accommodation_living_conditions",
        "document_retention",
    }
)
"""Labels whose provisions often sit only in an annexed model contract."""

ANNEX_REFERENCE = re.compile(
    r"\b(?:annex(?:ed)?|appendix|schedule|annexe|bijlage|anlage|anhang|anexo|allegato)\b", re.IGNORECASE
)
WORKER_PAYS = re.compile(
    r"(at the (?:expense|cost) of the (?:migrant )?worker|borne by the (?:migrant )?worker|"
    r"worker shall (?:pay|bear)|"
    r"charged to the worker|deducted from (?:the |his |her )?(?:wages?|salary)|à la charge du travailleur|"
    r"à la charge des travailleurs|ten laste van de (?:werknemer|arbeider)s?|trägt der Arbeitnehmer|"
    r"zu Lasten des Arbeitnehmers|a cargo del trabajador|a cargo do trabalhador)",
    re.IGNORECASE,
)

_ORDER = {"yes": 3, "partial": 2, "no": 1}


def _quote(clause: Clause) -> str:
    """'art-5.2 ("shall")': the clause and the words that decided its strength."""
    cue = " ".join((clause.strength_cue or "").split())
    return f'{clause.id} ("{cue}")' if cue else clause.id


def _value(clause: Clause, criterion: Criterion) -> tuple[str, str]:
    """What one labelled clause says for a criterion: (``yes``/``partial``/``no``, why)."""
    if clause.kind == "preamble":
        return "partial", f"only in the preamble ({clause.id})"
    if clause.strength in ("excluded", "negated"):
        return "no", f"{clause.strength}: {_quote(clause)}"
    if "recruitment_fees_costs" in criterion.labels and WORKER_PAYS.search(clause.text):
        return "partial", f"costs put on the worker ({clause.id})"
    if clause.strength == "binding":
        return "yes", f"binding clause {_quote(clause)}"
    return "partial", f"{clause.strength or 'not binding'}: {_quote(clause)}"


def _pages(clauses: list[Clause]) -> list[int]:
    return sorted({p for c in clauses for p in range(c.page_start, c.page_end + 1)})


def _unreadable_pages(doc: Document) -> list[int]:
    return [
        page.number
        for page in doc.pages
        if page.method == "empty"
        or (
            page.method == "ocr"
            and page.ocr_confidence is not None
            and page.ocr_confidence < MIN_OCR_CONFIDENCE
        )
    ]


def _missing_annex(doc: Document) -> bool:
    """The body refers to an annex that the segmenter did not find."""
    has_annex = any(c.in_annex for c in doc.clauses)
    body = " ".join(c.text for c in doc.clauses if c.kind in ("article", "paragraph") and not c.in_annex)
    return not has_annex and ANNEX_REFERENCE.search(body) is not None


def score_criterion(doc: Document, criterion: Criterion) -> ScorecardEntry:
    """One scorecard entry: the strongest evidence wins; every clause at that value is cited."""
    found: dict[str, list[tuple[Clause, str]]] = {"yes": [], "partial": [], "no": []}
    for clause in doc.clauses:
        if clause.parallel_of is not None:
            continue
        if any(score.label in criterion.labels for score in clause.labels):
            value, reason = _value(clause, criterion)
            found[value].append((clause, reason))
    for value in ("yes", "partial", "no"):
        if found[value]:
            clauses = [c for c, _ in found[value]]
            strength = clauses[0].strength
            return ScorecardEntry(
                criterion.name, value, [c.id for c in clauses], found[value][0][1], _pages(clauses), strength
            )  # type: ignore[arg-type]
    unreadable = _unreadable_pages(doc)
    if unreadable or not doc.clauses:
        pages = ", ".join(map(str, unreadable)) or "all"
        return ScorecardEntry(
            criterion.name, "not_assessable", [], f"text incomplete: page(s) {pages} unreadable", unreadable
        )
    if CONTRACT_LABELS & set(criterion.labels) and _missing_annex(doc):
        return ScorecardEntry(
            criterion.name, "not_assessable", [], "the annex the text refers to is not in the document"
        )
    return ScorecardEntry(criterion.name, "no", [], "no clause carries the label")


@functools.cache
def _label_id(code: str) -> str:
    return next(label.id for label in labels() if label.code == code)


def indicators(doc: Document) -> list[Indicator]:
    """B2 instrument type, B4 model contract annexed, B5 domestic workers covered (guide, Part B)."""
    title = [c.id for c in doc.clauses if c.kind == "title"]
    b2 = Indicator(
        "instrument_type", doc.metadata.type or "unknown", title, "from the title and opening words"
    )

    def labelled(clause: Clause, code: str) -> bool:
        return clause.parallel_of is None and any(s.label == _label_id(code) for s in clause.labels)

    annexes = [c for c in doc.clauses if c.kind == "annex"]
    b4 = Indicator("model_contract_annexed", "no", [], "no annex holds a contract with its terms")
    for annex in annexes:
        inside = [
            c for c in doc.clauses if c.in_annex and (c.id.startswith(annex.id + ".") or c.id == annex.id)
        ]
        terms = {code for code in ("A3", "A4", "A12") if any(labelled(c, code) for c in inside)}
        contract = [c.id for c in inside if labelled(c, "A5")]
        if contract and len(terms) >= 2:
            b4 = Indicator(
                "model_contract_annexed",
                "yes",
                [annex.id, *contract],
                f"{annex.id} has contract terms {sorted(terms)}",
            )
            break

    domestic = [c for c in doc.clauses if labelled(c, "A21")]
    covering = [c for c in domestic if c.strength not in ("excluded", "negated")]
    if covering:
        b5 = Indicator(
            "covers_domestic_workers", "yes", [c.id for c in covering], "clauses on domestic workers"
        )
    elif domestic:
        b5 = Indicator(
            "covers_domestic_workers", "no", [c.id for c in domestic], "domestic workers are excluded"
        )
    else:
        b5 = Indicator("covers_domestic_workers", "no", [], "no clause on domestic workers")
    return [b2, b4, b5]


def score(doc: Document) -> Document:
    """Fill ``doc.scorecard`` and ``doc.indicators`` from the clause labels and obligation strengths (read
    here for labelled clauses that lack one, e.g. labels set by hand)."""
    for clause in doc.clauses:
        if clause.labels and clause.strength is None:
            mark_strength(clause)
    doc.scorecard = [score_criterion(doc, criterion) for criterion in criteria()]
    doc.indicators = indicators(doc)
    return doc
