"""Tests for pipeline/metadata.py: language, parties, year, type and title of an agreement text.

The short texts below are written for these tests (no sentence is taken from a real agreement). The last
test runs over the shared development texts, when present, and prints per-document results (``-s``).
"""

from __future__ import annotations

import json
import re
from pathlib import Path

import pytest

from pipeline.metadata import detect_language, extract_metadata
from pipeline.model import Metadata

SHARED = Path(__file__).resolve().parents[1].parent / "shared"
REAL_TEXTS = SHARED / "corpus" / "texts"
EDITORIAL_LINE = re.compile(r"^\[\[.*\]\]$")

FILLER = "The competent services shall keep each other informed about the matters dealt with here. " * 30
"""Neutral body text (~2,700 characters) that pushes whatever follows out of the opening."""

PARAGRAPHS = {
    "en": "The two sides shall make every effort to ensure that the workers who are recruited under this "
    "arrangement are told about their rights before they leave and again after they arrive.",
    "fr": "Les deux parties veillent à ce que les travailleurs recrutés dans le cadre du présent accord "
    "soient informés de leurs droits avant leur départ et dès leur arrivée dans le pays d'accueil.",
    "nl": "Beide partijen zorgen ervoor dat de werknemers die in het kader van deze overeenkomst worden "
    "aangeworven, vóór hun vertrek en na hun aankomst worden ingelicht over hun rechten en plichten.",
    "de": "Beide Seiten sorgen dafür, dass die im Rahmen dieses Abkommens angeworbenen Arbeitnehmer vor "
    "ihrer Abreise und nach ihrer Ankunft über ihre Rechte und Pflichten unterrichtet werden.",
    "es": "Ambas partes procurarán que los trabajadores contratados en el marco del presente convenio sean "
    "informados de sus derechos antes de su salida y después de su llegada al país de destino.",
    "pt": "As duas partes assegurarão que os trabalhadores recrutados no âmbito do presente acordo sejam "
    "informados dos seus direitos antes da sua partida e depois da sua chegada ao país de acolhimento.",
    "it": "Le due parti si adoperano affinché i lavoratori assunti nell'ambito del presente accordo siano "
    "informati dei loro diritti prima della loro partenza e dopo il loro arrivo nel paese di accoglienza.",
}
"""One paragraph per language, each 25+ words of ordinary treaty prose."""


# ----------------------------------------------------------------------------------------------- language


@pytest.mark.parametrize("language", sorted(PARAGRAPHS))
def test_language_is_detected_from_stop_words(language: str) -> None:
    assert detect_language(PARAGRAPHS[language]) == language
    assert extract_metadata(PARAGRAPHS[language]).language == language


def test_hangul_text_is_korean_by_script() -> None:
    text = (
        "본 양해각서는 양측이 계절근로자의 선발과 파견 및 귀국에 관한 절차를 정하고 근로자의 권리를 "
        "보호하기 위하여 체결한다. 양측은 근로자가 출국하기 전에 근로조건과 임금 및 숙소에 관한 정보를 "
        "받을 수 있도록 협력한다."
    )
    assert detect_language(text) == "ko"


def test_language_is_none_for_tiny_or_empty_text() -> None:
    assert detect_language("") is None
    assert detect_language("Agreement between the two Governments on workers.") is None


def test_language_is_none_when_no_language_wins_clearly() -> None:
    bilingual = PARAGRAPHS["fr"] + " " + PARAGRAPHS["es"]
    assert detect_language(bilingual) is None


def test_language_is_none_for_a_table_of_figures() -> None:
    assert detect_language(" ".join(str(n) for n in range(100, 160))) is None


# ----------------------------------------------------------------------------------------------- parties


def test_parties_come_from_the_title_and_ignore_countries_in_the_body() -> None:
    text = "Agreement between Canada and Mexico on seasonal farm work\n\n" + PARAGRAPHS["en"]
    text += "\n\nWorkers travelling through Guatemala shall be assisted by the consulates."
    meta = extract_metadata(text)
    assert meta.countries == ["CA", "MX"]
    assert meta.parties == ["Canada", "Mexico"]


def test_parties_come_from_the_opening_when_the_title_names_none() -> None:
    text = (
        "Labour Mobility Agreement\n\nThe Government of the Republic of Ghana and the Government of Japan, "
        "wishing to organise the employment of skilled workers, have agreed as follows:\n\n"
        + FILLER
        + "Experience gained with the programme run with Brazil shall be taken into account.\n\n"
        + FILLER
    )
    meta = extract_metadata(text)
    assert meta.countries == ["GH", "JP"]
    assert meta.parties == ["Ghana", "Japan"]


def test_parties_come_from_the_signature_block_when_title_and_opening_are_silent() -> None:
    text = (
        "Arrangement on the recruitment of care workers\n\nThe Parties have agreed as follows:\n\n"
        + FILLER
        + "\n\nFor the Government of the Federal Democratic Republic of Nepal\n\n"
        "For the Government of the State of Qatar"
    )
    assert extract_metadata(text).countries == ["NP", "QA"]


def test_the_segmenter_title_is_used_for_parties() -> None:
    meta = extract_metadata(PARAGRAPHS["en"], title="Agreement between  Fiji and\nNew Zealand")
    assert meta.title == "Agreement between Fiji and New Zealand"
    assert meta.countries == ["FJ", "NZ"]


@pytest.mark.parametrize(
    ("title", "expected"),
    [
        ("Agreement between the Republic of the Niger and the Federal Republic of Nigeria", ["NE", "NG"]),
        ("Agreement between Nigeria and Niger", ["NG", "NE"]),
        ("Memorandum of Understanding between Papua New Guinea and the Republic of Guinea", ["PG", "GN"]),
        ("Accord entre la Guinée équatoriale et la Guinée-Bissau", ["GQ", "GW"]),
        ("Exchange of Notes between the Dominican Republic and the Commonwealth of Dominica", ["DO", "DM"]),
        ("Arrangement of the Republic of Korea and the Democratic People's Republic of Korea", ["KR", "KP"]),
        ("Abkommen zwischen der Deutschen Demokratischen Republik und der Republik Polen", ["DD", "PL"]),
    ],
)
def test_longest_alias_wins(title: str, expected: list[str]) -> None:
    assert extract_metadata("", title=title).countries == expected


def test_country_names_match_regardless_of_case_and_accents() -> None:
    upper = extract_metadata("", title="ACCORD ENTRE LA RÉPUBLIQUE FRANÇAISE ET LE ROYAUME DU MAROC")
    bare = extract_metadata("", title="Accord entre la Republique francaise et le Royaume du Maroc")
    assert upper.countries == bare.countries == ["FR", "MA"]


@pytest.mark.parametrize(
    ("opening", "expected"),
    [
        ("Le Gouvernement Royal Norvégien et le Gouvernement Italien conviennent :", ["NO", "IT"]),
        ("De Nederlandse Regering en de Spaanse Regering zijn het volgende overeengekomen:", ["NL", "ES"]),
        ("Die Österreichische Bundesregierung und die Türkische Regierung vereinbaren:", ["AT", "TR"]),
        ("El Gobierno argentino y el Gobierno boliviano acuerdan lo siguiente:", ["AR", "BO"]),
    ],
)
def test_nationality_adjectives_name_the_parties(opening: str, expected: list[str]) -> None:
    assert extract_metadata(opening).countries == expected


def test_glued_words_from_bad_conversions_still_match() -> None:
    opening = "Le Gouvernement de la République PortugaiseEt le Gouvernement du Royaume de SuèdeOnt convenu:"
    assert extract_metadata(opening).countries == ["PT", "SE"]


def test_language_names_in_the_closing_formula_are_not_parties() -> None:
    text = (
        "Arrangement on trainees\n\n"
        + FILLER
        + "\n\nDone at Brussels on 4 May 1970 in the Dutch and French languages, both texts being equally "
        "authentic.\n\nFor the Government of the Netherlands\n\nFor the Government of Belgium"
    )
    assert extract_metadata(text).countries == ["NL", "BE"]


def test_korean_country_names_with_glued_particles() -> None:
    meta = extract_metadata("", title="대한민국과 베트남정부 간의 계절근로자 양해각서")
    assert meta.countries == ["KR", "VN"]
    assert meta.type == "MOU"


# ----------------------------------------------------------------------------------------------- year


@pytest.mark.parametrize(
    ("body", "closing", "year"),
    [
        (
            "This Agreement shall remain in force until 31 December 2030. It replaces the arrangement of "
            "2 May 1990.",
            "Done in duplicate at Suva on 14 February 2017, in the English language.",
            2017,
        ),
        (
            "This Agreement shall apply from 1 January 1975.",
            "IN WITNESS WHEREOF the undersigned have signed this Agreement this 9th day of October, 1974.",
            1974,
        ),
        (
            "Le présent accord restera en vigueur jusqu'au 31 décembre 1979.",
            "Fait à Dakar, le 14 octobre 1977, en deux exemplaires en langue française.",
            1977,
        ),
        (
            "Deze Overeenkomst vervangt de regeling van 3 maart 1961 en geldt tot 1 juli 1975.",
            "Gedaan te Utrecht, op 9 mei 1972, in tweevoud.",
            1972,
        ),
        (
            "Dieses Abkommen gilt bis zum 31. Dezember 1973.",
            "Geschehen zu Hamburg am 21. Juli 1971 in zwei Urschriften.",
            1971,
        ),
        (
            "El presente Convenio estará vigente hasta el 31 de diciembre de 2004.",
            "Hecho en Lima, el 3 de agosto de 1999, en dos ejemplares.",
            1999,
        ),
    ],
)
def test_year_comes_from_the_signing_formula(body: str, closing: str, year: int) -> None:
    text = "Agreement between Peru and Chile\n\n" + FILLER + body + "\n\n" + FILLER + closing
    assert extract_metadata(text).year == year


def test_year_falls_back_to_the_title() -> None:
    text = "Protocol of 1985 between Portugal and Cape Verde\n\nArticle 1\n\n" + PARAGRAPHS["en"]
    assert extract_metadata(text).year == 1985


def test_year_falls_back_to_a_dated_line_in_the_opening() -> None:
    text = "Ambassade de Belgique, Rabat, le 3 mars 1969. Monsieur le Ministre, " + PARAGRAPHS["fr"]
    assert extract_metadata(text).year == 1969


def test_year_is_none_when_the_text_names_none() -> None:
    assert extract_metadata("Standard Employment Contract\n\n" + PARAGRAPHS["en"]).year is None


def test_numbers_outside_the_plausible_range_are_not_years() -> None:
    text = "Agreement between Oman and India\n\nReference No. 1877/2101\n\n" + PARAGRAPHS["en"]
    assert extract_metadata(text).year is None


# ----------------------------------------------------------------------------------------------- type


@pytest.mark.parametrize(
    ("title", "kind"),
    [
        ("Memorandum of Understanding between Nepal and Malaysia", "MOU"),
        ("Exchange of Notes between Japan and Viet Nam", "exchange_of_notes"),
        ("Standard Employment Contract for Nepali workers bound for Qatar", "standard_contract"),
        ("Protocol to the Agreement between India and Denmark", "protocol"),
        ("Agreement between Canada and Jamaica", "BLA"),
        ("Mémorandum d'entente entre la Tunisie et la Suisse", "MOU"),
        ("Protocole d'accord entre le Mali et la France", "MOU"),
        ("Échange de lettres entre la Belgique et le Maroc", "exchange_of_notes"),
        ("Convention de main-d'oeuvre entre la France et l'Algérie", "BLA"),
        ("Contrat de travail type pour les travailleurs marocains en Belgique", "standard_contract"),
        ("Memorandum van Overeenstemming tussen Nederland en Indonesië", "MOU"),
        ("Notawisseling tussen Nederland en Joegoslavië", "exchange_of_notes"),
        ("Wervingsovereenkomst tussen Nederland en Griekenland", "BLA"),
        ("Model-arbeidsovereenkomst voor Turkse werknemers in Nederland", "standard_contract"),
        ("Gemeinsame Absichtserklärung von Deutschland und Indien", "MOU"),
        ("Notenwechsel zwischen Österreich und der Türkei", "exchange_of_notes"),
        ("Anwerbeabkommen zwischen der Bundesrepublik Deutschland und Marokko", "BLA"),
        ("Musterarbeitsvertrag für kroatische Saisonkräfte in Deutschland", "standard_contract"),
        ("Zusatzprotokoll zum Abkommen zwischen Deutschland und Portugal", "protocol"),
        ("Memorando de Entendimiento entre Honduras y Canadá", "MOU"),
        ("Canje de Notas entre España y Colombia", "exchange_of_notes"),
        ("Convenio entre el Reino de España y la República del Ecuador", "BLA"),
        ("Protocolo adicional al Acuerdo entre España y Colombia", "protocol"),
    ],
)
def test_type_comes_from_the_first_instrument_word_of_the_title(title: str, kind: str) -> None:
    assert extract_metadata("", title=title).type == kind


def test_type_comes_from_how_the_opening_names_itself_when_the_title_is_silent() -> None:
    text = (
        "Légation du Danemark, Lisbonne, le 2 avril 1966. Monsieur le Ministre, d'un commun accord entre "
        "le Gouvernement du Danemark et le Gouvernement du Portugal, les règles du présent échange de notes "
        "s'appliquent aux travailleurs saisonniers."
    )
    assert extract_metadata(text).type == "exchange_of_notes"


def test_a_convention_without_two_states_is_not_a_bla() -> None:
    text = "Convention concerning the protection of migrant workers\n\n" + PARAGRAPHS["en"]
    assert extract_metadata(text).type is None


# ----------------------------------------------------------------------------------------------- title


def test_title_is_taken_from_the_leading_lines() -> None:
    text = (
        "- 3 -\n\nAGREEMENT BETWEEN THE GOVERNMENT OF\nTHE REPUBLIC OF KENYA AND\nTHE GOVERNMENT OF "
        "THE UNITED ARAB EMIRATES\n\nThe two Governments have agreed as follows:\n\nArticle 1\n\n"
        + PARAGRAPHS["en"]
    )
    meta = extract_metadata(text)
    assert meta.title == (
        "AGREEMENT BETWEEN THE GOVERNMENT OF THE REPUBLIC OF KENYA AND THE GOVERNMENT OF "
        "THE UNITED ARAB EMIRATES"
    )
    assert meta.countries == ["KE", "AE"]


def test_title_stops_at_the_first_article_heading() -> None:
    text = "Arbeidsverdrag tussen Nederland en Suriname\nArtikel 1\nDe partijen werken samen."
    assert extract_metadata(text).title == "Arbeidsverdrag tussen Nederland en Suriname"


def test_no_title_when_the_text_opens_with_running_prose() -> None:
    assert extract_metadata(PARAGRAPHS["de"] + "\n\nArtikel 1").title is None


# ----------------------------------------------------------------------------------------------- empty input


def test_empty_text_gives_empty_metadata() -> None:
    assert extract_metadata("") == Metadata()
    assert extract_metadata("   \n\n  ", title="  ") == Metadata()


def test_tiny_text_gives_no_language_and_no_guesswork() -> None:
    meta = extract_metadata("Agreement.")
    assert meta.title == "Agreement"
    assert (meta.language, meta.year, meta.type, meta.countries) == (None, None, None, [])


# ----------------------------------------------------------------------------------------------- real texts


def _real_entries() -> list[dict]:
    """The development texts' index, or a skip when the shared corpus is not mounted here."""
    if not SHARED.is_dir():
        pytest.skip(f"shared corpus not present at {SHARED}")
    index = REAL_TEXTS / "index.jsonl"
    if not index.is_file():
        pytest.skip(f"no development-text index at {index}")
    return [json.loads(line) for line in index.read_text(encoding="utf-8").splitlines() if line.strip()]


def test_real_development_texts() -> None:
    """Language, year and parties on the real texts, with a per-document table (run with ``-s``).

    Year: four development texts (the two standard contracts, the Korean MOU fragment and the ILO model
    agreement fragment) contain no year at all once the editorial ``[[...]]`` lines are stripped, so the
    bar of 12 hits out of 15 is capped at the number of texts that state their year; a wrong year (as
    opposed to none) is never accepted.
    """
    entries = _real_entries()
    rows = []
    language_misses, year_hits, year_wrong, stated_years, pair_hits, pairs = [], 0, [], 0, 0, 0
    for entry in entries:
        raw = (REAL_TEXTS / entry["file"]).read_text(encoding="utf-8")
        text = "\n".join(line for line in raw.splitlines() if not EDITORIAL_LINE.match(line))
        meta = extract_metadata(text)
        if entry["language"] in {"en", "fr", "nl", "de"} and meta.language != entry["language"]:
            language_misses.append(entry["file"])
        stated_years += str(entry["year"]) in text
        year_hits += meta.year == entry["year"]
        if meta.year is not None and meta.year != entry["year"]:
            year_wrong.append(entry["file"])
        pair_ok = None
        if entry.get("origin") and entry.get("destination"):
            pairs += 1
            pair_ok = {entry["origin"].upper(), entry["destination"].upper()} <= set(meta.countries)
            pair_hits += pair_ok
        rows.append((entry, meta, pair_ok))

    print(f"\n{'file':44} {'lang':7} {'year':11} {'origin/dest':11} {'countries':14} type")
    for entry, meta, pair_ok in rows:
        pair = f"{entry['origin']}/{entry['destination']}" if pair_ok is not None else "-"
        mark = "" if pair_ok is None else (" ok" if pair_ok else " MISS")
        print(
            f"{entry['file'][:44]:44} {entry['language']}/{meta.language or '-':4} "
            f"{entry['year']}/{str(meta.year or '-'):5} {pair + mark:11} "
            f"{','.join(meta.countries) or '-':14} {meta.type or '-'}"
        )
    print(
        f"language misses: {len(language_misses)}; year {year_hits}/{len(entries)} "
        f"({stated_years} texts state their year, {len(year_wrong)} wrong); "
        f"origin+destination found {pair_hits}/{pairs}"
    )

    assert not language_misses
    assert year_hits >= min(12, stated_years)
    assert not year_wrong
    assert pair_hits >= 0.8 * pairs
