"""Obligation strength of a clause: binding, hedged, negated, excluded or descriptive.

Every example sentence here is written for these tests (none is copied from an agreement).
"""

from __future__ import annotations

import json
import re
from collections import Counter
from pathlib import Path

import pytest

from pipeline.obligation import (
    ObligationReading,
    _categorise,
    _cue_starts,
    _fold,
    _matchers,
    _split_top,
    read_obligation,
)


def strength(text: str, language: str | None = None) -> str:
    return read_obligation(text, language).strength


# --- binding -------------------------------------------------------------------------------------

BINDING = [
    ("en", "The employer shall pay the wages in full every month.", "shall"),
    (
        "en",
        "The sending Party undertakes to inform workers of their rights before departure.",
        "undertakes to",
    ),
    ("en", "The worker is entitled to one paid rest day each week.", "entitled to"),
    ("en", "The recruiting agency must give the worker a copy of the contract.", "must"),
    ("en", "The receiving Party will provide interpreters at the arrival centre.", "will"),
    ("fr", "Le Gouvernement d'accueil s'engage à faciliter le logement des travailleurs.", "s'engage à"),
    ("fr", "L'employeur doit remettre au travailleur un bulletin de paie.", "doit"),
    ("fr", "Les travailleurs migrants ont droit à un congé annuel payé.", "ont droit à"),
    ("fr", "L'employeur est tenu de déclarer le travailleur à la caisse d'assurance.", "est tenu de"),
    ("fr", "Le Ministère fournit gratuitement les formulaires aux candidats.", "fournit"),
    ("fr", "Les frais de voyage sont à la charge de l'employeur.", "sont à la charge"),
    ("fr", "L'employeur versera le salaire le dernier jour du mois.", "versera"),
    ("nl", "De werkgevers verplichten zich de reiskosten te vergoeden.", "verplichten zich"),
    ("nl", "De bevoegde dienst zal de aanvragen binnen een maand behandelen.", "zal"),
    ("nl", "De werknemers hebben recht op dezelfde lonen als de eigen onderdanen.", "hebben recht op"),
    ("nl", "De werkgever dient een schriftelijk contract aan te bieden.", "dient"),
    ("de", "Der Arbeitgeber verpflichtet sich, den Lohn monatlich zu überweisen.", "verpflichtet sich"),
    ("de", "Die Arbeitnehmer haben Anspruch auf bezahlten Urlaub.", "haben Anspruch"),
    ("de", "Der Arbeitgeber muss dem Arbeitnehmer eine Unterkunft stellen.", "muss"),
    ("es", "Las Partes se comprometen a proteger a los trabajadores migrantes.", "se comprometen a"),
    ("es", "El empleador deberá pagar el salario en moneda de curso legal.", "deberá"),
    ("es", "Los trabajadores tendrán derecho a vacaciones pagadas.", "tendrán derecho"),
    ("es", "El empleador pagará el billete de regreso.", "pagará"),
    ("pt", "A entidade patronal compromete-se a pagar o salário mensalmente.", "compromete-se"),
    ("pt", "O trabalhador terá direito a um dia de descanso semanal.", "terá direito"),
    ("pt", "O empregador deverá fornecer alojamento adequado.", "deverá"),
    ("it", "Il datore di lavoro si impegna a fornire un alloggio decoroso.", "si impegna"),
    ("it", "Il datore di lavoro dovrà pagare le spese di viaggio.", "dovrà"),
]


@pytest.mark.parametrize(("language", "text", "cue"), BINDING)
def test_undertakings_and_rights_are_binding(language: str, text: str, cue: str) -> None:
    assert read_obligation(text, language) == ObligationReading("binding", cue)


def test_binding_is_found_without_a_language_too() -> None:
    assert strength("Le travailleur a droit à une indemnité de logement.") == "binding"
    assert strength("De werkgever zal de huisvesting kosteloos ter beschikking stellen.") == "binding"


# --- hedged --------------------------------------------------------------------------------------

HEDGED = [
    ("en", "The Parties shall endeavour to ensure timely payment of wages.", "endeavour"),
    ("en", "The employer shall, as far as possible, provide separate rooms for women.", "as far as possible"),
    (
        "en",
        "Workers shall receive medical care subject to the national laws of the host country.",
        "subject to the national laws",
    ),
    (
        "en",
        "Equal pay shall be granted in accordance with the laws and regulations of the receiving country.",
        "in accordance with the laws",
    ),
    ("en", "The Parties shall promote the training of migrant workers.", "shall promote"),
    ("en", "The Parties shall make every effort to prevent abusive recruitment.", "make every effort"),
    ("en", "The worker may transfer savings to the home country.", "may"),
    ("fr", "Les autorités s'efforceront de trouver un nouvel emploi au travailleur.", "s'efforceront"),
    (
        "fr",
        "Le logement sera fourni dans la mesure du possible près du lieu de travail.",
        "dans la mesure du possible",
    ),
    ("fr", "Les travailleurs peuvent transférer leurs économies dans leur pays.", "peuvent"),
    (
        "fr",
        "Les travailleurs bénéficient des allocations familiales sous réserve de la législation en vigueur.",
        "sous réserve de la législation",
    ),
    ("nl", "De bevoegde instanties trachten de arbeiders zoveel mogelijk te huisvesten.", "trachten"),
    ("nl", "De arbeiders kunnen hun spaargelden naar hun land overmaken.", "kunnen"),
    ("de", "Die Behörden bemühen sich, die Anträge rasch zu bearbeiten.", "bemühen sich"),
    ("de", "Die Unterkunft wird nach Möglichkeit vom Arbeitgeber gestellt.", "nach Möglichkeit"),
    ("es", "Las autoridades procurarán facilitar la reunificación familiar.", "procurarán"),
    ("es", "Los trabajadores podrán transferir sus ahorros.", "podrán"),
    ("pt", "As Partes procurarão garantir alojamento adequado.", "procurarão"),
    ("it", "Le autorità si adopereranno per trovare un alloggio.", "si adopereranno"),
]


@pytest.mark.parametrize(("language", "text", "cue"), HEDGED)
def test_softened_promises_are_hedged(language: str, text: str, cue: str) -> None:
    assert read_obligation(text, language) == ObligationReading("hedged", cue)


def test_hedge_wins_over_the_binding_verb_it_qualifies() -> None:
    assert strength("The employer shall endeavour to provide housing.", "en") == "hedged"
    assert strength("The employer shall provide housing.", "en") == "binding"


def test_a_legal_qualifier_alone_does_not_make_a_clause_hedged() -> None:
    """Guide Part D: 'in accordance with the laws ...' on its own carries no promise to soften."""
    assert (
        strength("Wages are fixed in accordance with the laws of the receiving country.", "en")
        == "descriptive"
    )


# --- negated vs protective prohibition ----------------------------------------------------------

NEGATED = [
    ("en", "Seasonal workers shall not be entitled to a paid holiday.", "not be entitled"),
    (
        "en",
        "The employer is not obliged to pay the return fare after dismissal for misconduct.",
        "not obliged to",
    ),
    ("en", "No allowance shall be paid for days of unjustified absence.", "No allowance shall be paid"),
    ("fr", "Les employeurs ne sont pas tenus de rembourser les frais de visa.", "ne sont pas tenus"),
    ("fr", "Le travailleur n'a pas droit à une indemnité de départ.", "n'a pas droit"),
    ("nl", "De stagiaires hebben geen recht op een werkloosheidsuitkering.", "hebben geen recht"),
    ("de", "Der Arbeitnehmer hat keinen Anspruch auf Erstattung der Reisekosten.", "keinen Anspruch"),
    ("es", "El trabajador no tendrá derecho a indemnización.", "no tendrá derecho"),
    ("pt", "O trabalhador não terá direito a subsídio.", "não terá direito"),
    ("it", "Il lavoratore non ha diritto al rimborso.", "non ha diritto"),
]


@pytest.mark.parametrize(("language", "text", "cue"), NEGATED)
def test_denied_rights_and_duties_are_negated(language: str, text: str, cue: str) -> None:
    assert read_obligation(text, language) == ObligationReading("negated", cue)


PROHIBITIONS = [
    ("en", "The employer shall not withhold the passport of the worker."),
    ("en", "No fees shall be charged to the worker for recruitment."),
    ("en", "The employer is not entitled to deduct the cost of tools from the wages."),
    ("en", "The worker shall not be required to pay any placement fee."),
    ("en", "No recruitment fee shall be paid by the worker."),
    ("en", "The employer may not confiscate identity documents."),
    ("fr", "Il est interdit à l'employeur de retenir le passeport du travailleur."),
    ("fr", "Le travailleur n'est pas tenu de payer les frais de recrutement."),
    ("fr", "Les employeurs ne peuvent pas réduire le salaire convenu."),
    ("nl", "De werkgever mag het paspoort van de werknemer niet inhouden."),
    ("de", "Der Arbeitgeber darf den Pass des Arbeitnehmers nicht einbehalten."),
    ("es", "Queda prohibido retener el pasaporte del trabajador."),
    ("pt", "O empregador não pode reter o passaporte do trabalhador."),
    ("it", "Il datore di lavoro non può trattenere il passaporto del lavoratore."),
]


@pytest.mark.parametrize(("language", "text"), PROHIBITIONS)
def test_prohibitions_protecting_the_worker_are_binding(language: str, text: str) -> None:
    assert strength(text, language) == "binding"


# --- excluded ------------------------------------------------------------------------------------

EXCLUDED = [
    ("en", "This Agreement shall not apply to domestic workers.", "shall not apply to"),
    ("en", "The scheme does not cover seasonal workers.", "does not cover"),
    ("en", "Self-employed persons are excluded from the scope of this Article.", "are excluded from"),
    ("fr", "Le présent accord ne s'applique pas aux gens de mer.", "ne s'applique pas"),
    (
        "fr",
        "Tous les travailleurs, à l'exception des frontaliers, bénéficient de ces mesures.",
        "à l'exception des",
    ),
    ("nl", "Deze overeenkomst is niet van toepassing op huishoudelijk personeel.", "is niet van toepassing"),
    ("de", "Dieses Abkommen gilt nicht für Saisonarbeitnehmer.", "gilt nicht für"),
    ("es", "El presente Acuerdo no se aplicará a los trabajadores domésticos.", "no se aplicará"),
    ("pt", "O presente Acordo não se aplica aos trabalhadores sazonais.", "não se aplica"),
    ("it", "Il presente Accordo non si applica ai lavoratori stagionali.", "non si applica"),
]


@pytest.mark.parametrize(("language", "text", "cue"), EXCLUDED)
def test_carve_outs_from_coverage_are_excluded(language: str, text: str, cue: str) -> None:
    assert read_obligation(text, language) == ObligationReading("excluded", cue)


# --- descriptive and recitals --------------------------------------------------------------------

DESCRIPTIVE = [
    ("en", "For the purposes of this Agreement, the term 'worker' means a national of either Party."),
    ("en", "The term 'employer' shall mean any person who engages a worker."),
    ("en", "CHAPTER III — WAGES"),
    ("fr", "Par salaire de base on entend la rémunération sans les primes."),
    ("nl", "Artikel 4 Lonen"),
    ("de", "Dieses Abkommen wurde in zwei Urschriften unterzeichnet."),
]


@pytest.mark.parametrize(("language", "text"), DESCRIPTIVE)
def test_definitions_headings_and_facts_are_descriptive(language: str, text: str) -> None:
    assert read_obligation(text, language) == ObligationReading("descriptive", None)


RECITALS = [
    ("en", "Considering that the Parties shall cooperate in labour matters,", "Considering"),
    ("en", "Recognising the contribution that migrant workers will make to both economies,", "Recognising"),
    ("en", "Desiring to ensure that workers must be treated fairly,", "Desiring"),
    ("fr", "Considérant que les travailleurs doivent être protégés,", "Considérant"),
    ("nl", "Overwegende dat de werknemers moeten worden beschermd,", "Overwegende"),
    ("de", "In Anbetracht dessen, dass die Arbeitnehmer geschützt werden müssen,", "In Anbetracht"),
    ("es", "Considerando que los trabajadores deberán ser protegidos,", "Considerando"),
    ("pt", "Considerando que os trabalhadores deverão ser protegidos,", "Considerando"),
    ("it", "Considerando che i lavoratori dovranno essere protetti,", "Considerando"),
]


@pytest.mark.parametrize(("language", "text", "cue"), RECITALS)
def test_recitals_are_descriptive_even_with_shall(language: str, text: str, cue: str) -> None:
    assert read_obligation(text, language) == ObligationReading("descriptive", cue)


def test_a_one_paragraph_preamble_is_descriptive() -> None:
    text = (
        "The Government of Arcadia and the Government of Borealia,\ndesirous of protecting the workers who "
        "will move between the two countries, have agreed as follows:"
    )
    assert strength(text, "en") == "descriptive"
    french = "Le Gouvernement A et le Gouvernement B, Soucieux de protéger les travailleurs,"
    assert strength(french, "fr") == "descriptive"


# --- cue and matching ----------------------------------------------------------------------------


def test_cue_is_cut_from_the_original_text_even_across_a_line_break() -> None:
    reading = read_obligation("Housing will be provided as far\nas possible by the employer.", "en")
    assert reading == ObligationReading("hedged", "as far\nas possible")


def test_matching_ignores_case_and_missing_accents() -> None:
    assert read_obligation("LES TRAVAILLEURS ONT DROIT A UN CONGE.", "fr") == ObligationReading(
        "binding", "ONT DROIT A"
    )
    assert read_obligation("L’employeur s’engage à loger le travailleur.", "fr").cue == "s’engage à"


def test_words_inside_other_words_do_not_count() -> None:
    assert strength("Marshall Islands, Mayotte and the Maydays region.", "en") == "descriptive"


def test_language_narrows_the_cues_to_that_language_and_english() -> None:
    dutch = "De werkgever moet de lonen tijdig betalen."
    assert strength(dutch, "nl") == "binding"
    assert strength(dutch, "fr") == "descriptive"
    assert strength(dutch) == "binding"
    assert strength("The employer shall pay.", "de") == "binding"


# --- the shared gold annotations -----------------------------------------------------------------


def _gold_units(shared: Path) -> list[tuple[dict, str, str]]:
    texts = shared / "corpus" / "texts"
    index = texts / "index.jsonl"
    rows = [json.loads(line) for line in index.read_text("utf-8").splitlines() if line.strip()]
    language = {row["file"]: row.get("language") for row in rows}
    sources: dict[str, str] = {}
    units = []
    for line in (shared / "labels" / "dev.jsonl").read_text(encoding="utf-8").splitlines():
        if not line.strip():
            continue
        unit = json.loads(line)
        if unit["doc"] not in sources:
            with open(texts / unit["doc"], encoding="utf-8", newline="") as fh:
                sources[unit["doc"]] = fh.read()
        units.append((unit, sources[unit["doc"]][unit["start"] : unit["end"]], language.get(unit["doc"])))
    return units


def test_shared_gold_units_get_a_sane_distribution(shared: Path) -> None:
    units = _gold_units(shared)
    labelled = Counter()
    preamble = Counter()
    for unit, text, language in units:
        reading = read_obligation(text, language)
        if reading.cue is not None:
            assert reading.cue in text
        if unit["labels"] and not unit["preamble"]:
            labelled[reading.strength] += 1
        if unit["kind"] == "preamble":
            preamble[reading.strength] += 1
    total = sum(labelled.values())
    assert total > 300
    # Most labelled operative units promise something; hedges are common; denials and carve-outs rare.
    assert labelled["binding"] / total > 0.6
    assert 0.05 < labelled["hedged"] / total < 0.3
    assert labelled["binding"] + labelled["hedged"] > 0.85 * total
    assert labelled["negated"] + labelled["excluded"] < 0.03 * total
    # Recitals and preambles promise nothing.
    assert preamble["descriptive"] >= 0.8 * sum(preamble.values())


def test_dutch_will_be_able_to_is_permissive_not_binding() -> None:
    assert read_obligation(
        "De arbeiders zullen hun spaargelden kunnen overmaken.", "nl"
    ) == ObligationReading("hedged", "kunnen")


def test_capitalised_names_are_not_read_as_french_futures() -> None:
    assert strength("Pour le Gouvernement de la République: J. FERREIRA", "fr") == "descriptive"


def test_language_with_region_uses_the_base_language() -> None:
    assert strength("De werkgever moet de lonen betalen.", "nl-BE") == "binding"


# --- the one-pass scan -----------------------------------------------------------------------------

SCAN_TEXTS = [
    "",
    "shall",
    "The employer shall pay; the worker shall not be required to pay any fee.",
    "(a) Considering that the Parties, desirous of cooperation, shall meet.",
    "No fee shall be paid by the worker, nor shall any deposit be withheld.",
    "Les travailleurs n'ont pas droit à l'indemnité; l'employeur versera le salaire.",
    "De werkgever zal geen recht hebben op terugbetaling.\nHij moet betalen.",
    "El trabajador tendrá derecho; podrá; deberá. O trabalhador terá direito; poderá.",
    "good will, free will, the Parties will endeavour to",
    "...shall—must–may «doit» „muss“ 1. shall 2.shall",
]


@pytest.mark.parametrize("language", [None, "en", "fr", "nl", "es"])
def test_cue_starts_are_the_word_starts_where_a_cue_matches(language) -> None:
    """``_cue_starts`` finds exactly the positions of the lookbehind scan it replaced."""
    mx = _matchers(language)
    lookbehind = re.compile(r"(?<!\w)" + mx.cue_at_start.pattern)
    for text in SCAN_TEXTS + _shared_sample_texts():
        folded = _fold(text)
        assert list(_cue_starts(mx, folded)) == [m.start() for m in lookbehind.finditer(folded)]


@pytest.mark.parametrize("language", [None, "fr"])
def test_one_alternation_categorises_as_the_categories_in_turn(language) -> None:
    """The named-group alternation picks the first category, in priority order, that matches."""
    mx = _matchers(language)
    separate = []
    for branch in _split_top(mx.categories.pattern):
        name, body = re.fullmatch(r"\(\?P<(\w+)>(.*)\)", branch, re.DOTALL).groups()
        separate.append((name, re.compile(body)))
    for text in SCAN_TEXTS + _shared_sample_texts():
        folded = _fold(text)
        for start in (m.start() for m in re.finditer(r"(?<!\w)", folded)):
            expected = next(
                ((name, (start, m.end())) for name, rx in separate if (m := rx.match(folded, start))), None
            )
            assert _categorise(mx, folded, start) == expected


def _shared_sample_texts() -> list[str]:
    """A sample of our annotated clauses, for breadth."""
    path = Path(__file__).resolve().parents[1] / "annotations" / "clauses.jsonl"
    texts = [
        json.loads(line)["text"] for line in path.read_text(encoding="utf-8").splitlines() if line.strip()
    ]
    return texts[::25]
