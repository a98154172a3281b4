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


def indicator(doc, name):
    return next(i for i in score(doc).indicators if i.indicator == name)


def test_model_contract_annexed_needs_an_annex_with_a_contract_and_two_kinds_of_terms():
    doc = make_document()
    doc.clauses = [labelled("art-5", "article", "The worker shall sign a contract.", "employment_contract")]
    assert indicator(doc, "model_contract_annexed").value == "no"
    annex = Clause("annex-1", "annex", "ANNEX Standard contract", 0, 10, 1, 1, in_annex=True)
    doc.clauses += [
        annex,
        labelled("annex-1.art-1", "article", "This contract runs two years.", "employment_contract", True),
        labelled("annex-1.art-2", "article", "The wage is paid monthly.", "wage_protection", True),
    ]
    assert indicator(doc, "model_contract_annexed").value == "no"  # one kind of term only
    doc.clauses.append(
        labelled(
            "annex-1.art-3", "article", "The worker rests one day a week.", "working_time_rest_leave", True
        )
    )
    found = indicator(doc, "model_contract_annexed")
    assert (found.value, found.evidence) == ("yes", ["annex-1", "annex-1.art-1"])


def test_domestic_workers_excluded_is_no_with_the_excluding_clause_as_evidence():
    doc = make_document()
    doc.clauses = [
        labelled(
            "art-2", "article", "This Agreement shall not apply to domestic workers.", "domestic_workers"
        )
    ]
    assert (indicator(doc, "covers_domestic_workers").value, entry(doc, "domestic_workers").value) == (
        "no",
        "no",
    )
    assert entry(doc, "domestic_workers").evidence == ["art-2"]
    assert entry(doc, "domestic_workers").strength == "excluded"


def test_instrument_type_indicator_comes_from_the_metadata():
    doc = make_document()
    doc.metadata.type = "MOU"
    assert indicator(doc, "instrument_type").value == "MOU"


def test_each_value_carries_pages_strength_and_a_reason_quoting_the_cue():
    doc = make_document()
    doc.clauses = [
        Clause(
            "art-7",
            "article",
            "The employer shall pay the wage.",
            0,
            30,
            2,
            3,
            labels=[LabelScore("wage_protection", 0.9)],
        )
    ]
    found = entry(doc, "wage_protection")
    assert (found.value, found.pages, found.strength) == ("yes", [2, 3], "binding")
    assert found.reason == 'binding clause art-7 ("shall")'


def test_low_ocr_confidence_makes_a_missing_criterion_not_assessable():
    doc = make_document()
    doc.pages[0].method, doc.pages[0].ocr_confidence = "ocr", 35.0
    assert entry(doc, "social_security").value == "not_assessable"
    assert "page(s) 1 unreadable" in entry(doc, "social_security").reason


def test_an_annex_referred_to_but_missing_makes_contract_terms_not_assessable():
    doc = make_document()
    doc.clauses = [
        labelled("art-3", "article", "The model contract in the Annex hereto applies.", "employment_contract")
    ]
    assert entry(doc, "working_time_rest_leave").value == "not_assessable"
    assert entry(doc, "social_security").value == "no"


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
