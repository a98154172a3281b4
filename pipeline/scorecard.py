"""Clause labels → agreement scorecard (yes / partial / no / not_assessable, with evidence clause ids).

A first form of Part C of the annotation guide:

* ``yes``: a labelled clause outside the preamble that states a duty ("shall", "s'engagent", "verpflichten
  sich", or a plain present tense) and is neither hedged nor merely permissive;
* ``partial``: the label occurs only in the preamble, only in hedged ("endeavour to", "subject to national
  laws") or permissive ("may") clauses, or — for recruitment costs — only where costs fall on the worker;
* ``no``: no clause carries the label;
* ``not_assessable``: nothing found, but the text is known to be incomplete (pages that yielded no text).
"""

from __future__ import annotations

import re

from .model import Clause, Document, ScorecardEntry
from .taxonomy import Criterion, criteria

OBLIGATION = re.compile(
    r"\b(shall|will|must|undertakes?|agrees?|is entitled|are entitled|"
    r"s'engagent|s'engage|doit|doivent|devra|devront|sera|seront|assure|assurent|veille|veillent|bénéficie|"
    r"bénéficient|jouiront|jouissent|"
    r"zal|zullen|moet|moeten|dient|dienen|verbinden zich|verplicht|"
    r"muss|müssen|wird|werden|verpflichten sich|verpflichtet|hat|haben Anspruch|"
    r"deberá|deberán|se comprometen|tendrá|tendrán|"
    r"deverá|deverão|comprometem-se|terá|terão|"
    r"dovrà|dovranno|si impegnano)\b",
    re.IGNORECASE,
)
HEDGE = re.compile(
    r"\b(endeavou?r|best efforts?|as far as possible|where possible|subject to (?:the )?(?:national|domestic|"
    r"applicable) (?:laws?|legislation)|may consider|"
    r"s'efforce(?:nt|ront)?|dans la mesure du possible|sous réserve de(?:s)? (?:la )?(?:législation|lois)|"
    r"zich inspannen|zo veel mogelijk|voor zover mogelijk|"
    r"bemühen sich|soweit möglich|nach Möglichkeit|"
    r"procurarán|en la medida de lo posible|procurarão|na medida do possível)",
    re.IGNORECASE,
)
PERMISSIVE = re.compile(
    r"\b(may|can|peut|peuvent|pourra|pourront|kan|kunnen|mag|mogen|kann|können|darf|dürfen|puede|pueden|"
    r"podrá|podrán|pode|podem|poderá|poderão|può|possono)\b",
    re.IGNORECASE,
)
WORKER_PAYS = re.compile(
    r"(at the (?:expense|cost) of the (?:migrant )?worker|borne by the (?:migrant )?worker|"
    r"worker shall (?:pay|bear)|"
    r"charged to the worker|deducted from (?:the |his |her )?(?:wages?|salary)|à la charge du travailleur|"
    r"à la charge des travailleurs|ten laste van de (?:werknemer|arbeider)s?|trägt der Arbeitnehmer|"
    r"zu Lasten des Arbeitnehmers|a cargo del trabajador|a cargo do trabalhador)",
    re.IGNORECASE,
)


def _strength(clause: Clause, criterion: Criterion) -> str:
    """How strongly one labelled clause supports a criterion: ``yes`` or ``partial``.

    Civil-law drafting states duties in the present tense ("l'employeur verse", "de werkgever betaalt"),
    so a clause without a modal is binding unless it is only permissive ("may", "peut", "kann").
    """
    if clause.kind == "preamble" or HEDGE.search(clause.text):
        return "partial"
    if "recruitment_fees_costs" in criterion.labels and WORKER_PAYS.search(clause.text):
        return "partial"
    if not OBLIGATION.search(clause.text) and PERMISSIVE.search(clause.text):
        return "partial"
    return "yes"


def _incomplete(doc: Document) -> bool:
    return any(page.method == "empty" for page in doc.pages) or not doc.clauses


def score_criterion(doc: Document, criterion: Criterion) -> ScorecardEntry:
    """One scorecard entry: the strongest evidence wins; all clauses at that strength are cited."""
    evidence: dict[str, list[str]] = {"yes": [], "partial": []}
    for clause in doc.clauses:
        if criterion.annex_only and not clause.in_annex:
            continue
        if any(score.label in criterion.labels for score in clause.labels):
            evidence[_strength(clause, criterion)].append(clause.id)
    if evidence["yes"]:
        return ScorecardEntry(criterion.name, "yes", evidence["yes"], "binding clause carries the label")
    if evidence["partial"]:
        return ScorecardEntry(
            criterion.name,
            "partial",
            evidence["partial"],
            "only preamble, hedged or worker-unfavourable clauses",
        )
    if _incomplete(doc):
        return ScorecardEntry(criterion.name, "not_assessable", [], "text incomplete (pages without text)")
    return ScorecardEntry(criterion.name, "no", [], "no clause carries the label")


def score(doc: Document) -> Document:
    """Fill ``doc.scorecard`` from the clause labels."""
    doc.scorecard = [score_criterion(doc, criterion) for criterion in criteria()]
    return doc
