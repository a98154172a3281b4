from __future__ import annotations

from pipeline.model import Clause, LabelScore, Page
from pipeline.scorecard import score
from tests.test_model import make_document


def entry(doc, criterion):
    return next(e for e in score(doc).scorecard if e.criterion == criterion)


def labelled(clause_id, kind, text, label, in_annex=False):
    return Clause(
        clause_id, kind, text, 0, len(text), 1, 1, in_annex=in_annex, labels=[LabelScore(label, 0.9)]
    )


def test_binding_clause_gives_yes_with_evidence():
    doc = make_document()
    assert (entry(doc, "wage_protection").value, entry(doc, "wage_protection").evidence) == ("yes", ["art-1"])


def test_label_only_in_preamble_gives_partial():
    doc = make_document()
    doc.clauses = [
        labelled("pre-1", "preamble", "Recalling ILO Convention 97,", "ref_international_standards")
    ]
    assert entry(doc, "international_standards").value == "partial"


def test_hedged_clause_gives_partial():
    doc = make_document()
    doc.clauses = [
        labelled(
            "art-4",
            "article",
            "The Parties shall endeavour to set up a joint committee.",
            "joint_committee_monitoring",
        )
    ]
    assert entry(doc, "joint_committee").value == "partial"


def test_costs_on_the_worker_give_partial_for_recruitment_costs():
    doc = make_document()
    doc.clauses = [
        labelled(
            "art-6",
            "article",
            "The air ticket shall be at the expense of the worker.",
            "recruitment_fees_costs",
        )
    ]
    assert entry(doc, "recruitment_costs").value == "partial"


def test_missing_label_gives_no_and_incomplete_text_gives_not_assessable():
    doc = make_document()
    assert entry(doc, "social_security").value == "no"
    doc.pages.append(Page(2, "empty", 0, len(doc.text), len(doc.text)))
    assert entry(doc, "social_security").value == "not_assessable"
    assert entry(doc, "wage_protection").value == "yes"


def test_model_contract_annexed_needs_contract_clause_in_an_annex():
    doc = make_document()
    doc.clauses = [labelled("art-5", "article", "The worker shall sign a contract.", "employment_contract")]
    assert entry(doc, "model_contract_annexed").value == "no"
    doc.clauses.append(
        labelled(
            "annex-1.art-1",
            "article",
            "This contract shall run for two years.",
            "employment_contract",
            in_annex=True,
        )
    )
    assert entry(doc, "model_contract_annexed").evidence == ["annex-1.art-1"]


def test_french_and_german_obligations_count_as_binding():
    doc = make_document()
    doc.clauses = [
        labelled(
            "art-1",
            "article",
            "Les travailleurs bénéficient de l'égalité de traitement.",
            "equality_nondiscrimination",
        ),
        labelled(
            "art-2",
            "article",
            "Die Vertragsparteien verpflichten sich, die Löhne zu schützen.",
            "wage_protection",
        ),
    ]
    assert entry(doc, "equality_of_treatment").value == "yes"
    assert entry(doc, "wage_protection").value == "yes"


def test_present_tense_duty_is_binding_but_permission_alone_is_partial():
    doc = make_document()
    doc.clauses = [
        labelled("art-3", "article", "De werkgever betaalt het loon maandelijks uit.", "wage_protection"),
        labelled(
            "art-4",
            "article",
            "Les travailleurs peuvent transférer leurs économies.",
            "remittances_savings_transfer",
        ),
    ]
    assert entry(doc, "wage_protection").value == "yes"
    assert entry(doc, "remittances").value == "partial"
