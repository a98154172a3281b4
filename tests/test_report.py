"""The comparative report: the matrix read from the index agrees with the stored JSON documents, filters
restrict it as the search does, coverage and ranking add up, and the HTML report built from the bundled
agreements works in a real headless browser (one row per agreement, sorting, evidence links), offline, with
valid PNG charts beside it."""

from __future__ import annotations

import io
import re
import time
from collections import Counter
from pathlib import Path
from typing import Any

import pycountry
import pytest
from PIL import Image

from pipeline import store as store_module
from pipeline.index import reindex
from pipeline.model import Document
from pipeline.report import (
    CHARTS,
    POINTS,
    Cell,
    Matrix,
    Row,
    chart_folder,
    corridors,
    coverage_by_decade,
    coverage_by_region,
    load_matrix,
    ranking,
    regions,
    sort_rows,
    write_report,
)
from pipeline.scorecard import score
from pipeline.search import SearchFilters, search
from pipeline.taxonomy import criteria
from tests.conftest import ROOT
from tests.test_index import saved_store, small_document
from tests.test_web import Elements

PNG_SIGNATURE = b"\x89PNG\r\n\x1a\n"
SCREENSHOT = ROOT / "tests" / "artifacts" / "report-matrix.png"


def stored(store: Path) -> dict[str, Document]:
    """The store's documents read from their JSON, the source of truth the index is derived from."""
    return {doc.doc_id: doc for doc in store_module.iter_documents(store)}


@pytest.fixture(scope="module")
def built(corpus_store: Path, tmp_path_factory) -> tuple[Matrix, list[Path], float]:
    """The report of every bundled agreement, as ``write_report`` writes it, and how long it took."""
    started = time.perf_counter()
    matrix = load_matrix(corpus_store)
    paths = write_report(matrix, tmp_path_factory.mktemp("report") / "report.html")
    return matrix, paths, time.perf_counter() - started


# --- the matrix against the stored documents -------------------------------------------------------


def test_the_matrix_holds_every_agreements_scorecard_as_stored(corpus_store, built):
    matrix, _, _ = built
    documents = stored(corpus_store)
    assert len(documents) == 7 and {row.doc_id for row in matrix.rows} == set(documents)
    assert matrix.criteria == tuple(c.name for c in criteria())
    for row in matrix.rows:
        doc = documents[row.doc_id]
        assert (row.year, row.type, row.countries) == (
            doc.metadata.year,
            doc.metadata.type,
            doc.metadata.countries,
        )
        entries = {entry.criterion: entry for entry in doc.scorecard}
        assert [cell.criterion for cell in row.cells] == list(matrix.criteria)
        for cell in row.cells:
            entry = entries[cell.criterion]
            assert (cell.value, cell.reason, cell.strength, cell.pages) == (
                entry.value,
                entry.reason,
                entry.strength,
                entry.pages,
            )
            assert [item.clause_id for item in cell.evidence] == entry.evidence
            for item in cell.evidence:
                clause = doc.clause(item.clause_id)
                assert (item.page_start, item.page_end) == (clause.page_start, clause.page_end)
                assert " ".join(clause.text.split()).startswith(item.quote.removesuffix(" …"))
    assert [row.year for row in matrix.rows] == sorted(row.year for row in matrix.rows)


@pytest.mark.parametrize(
    ("filters", "keep"),
    [
        (SearchFilters(country="PH"), lambda doc: "PH" in doc.metadata.countries),
        (SearchFilters(origin="TR"), lambda doc: doc.metadata.origin == "TR"),
        (SearchFilters(destination="DE"), lambda doc: doc.metadata.destination == "DE"),
        (SearchFilters(year_from=1990, year_to=2012), lambda doc: 1990 <= doc.metadata.year <= 2012),
        (SearchFilters(year_to=1970), lambda doc: doc.metadata.year <= 1970),
        (SearchFilters(type="mou"), lambda doc: doc.metadata.type == "MOU"),
        (
            SearchFilters(labels=("wage_protection", "A12")),
            lambda doc: any(
                {"wage_protection", "accommodation_living_conditions"} <= {s.label for s in c.labels}
                for c in doc.clauses
            ),
        ),
    ],
    ids=["country", "origin", "destination", "years", "until", "type", "labels"],
)
def test_filters_keep_exactly_the_agreements_that_pass_them(corpus_store, filters, keep):
    expected = {doc_id for doc_id, doc in stored(corpus_store).items() if keep(doc)}
    rows = load_matrix(corpus_store, filters).rows
    assert 0 < len(expected) < 7
    assert {row.doc_id for row in rows} == expected


def test_a_query_keeps_the_agreements_whose_clauses_the_search_finds(corpus_store):
    filters = SearchFilters(strength="binding", language="en")
    hits = search(corpus_store, "wage*", filters, limit=3000).hits
    rows = load_matrix(corpus_store, filters, query="wage*").rows
    assert 0 < len(rows) < 7
    assert {row.doc_id for row in rows} == {hit.doc_id for hit in hits}


# --- scores, ranking, coverage, regions ------------------------------------------------------------


def row(doc_id: str, year: int | None, values: list[str], countries: tuple[str, str] = ("PH", "KW")) -> Row:
    cells = [Cell(f"c{i}", value, "") for i, value in enumerate(values)]
    return Row(doc_id, f"Agreement {doc_id}", year, "MOU", list(countries), countries[0], countries[1], cells)


def test_the_score_counts_yes_1_partial_half_and_leaves_out_what_is_not_assessable():
    assert row("a", 2000, ["yes", "partial", "no", "not_assessable"]).score == pytest.approx(0.5)
    assert row("b", 2000, ["yes", "not_assessable"]).score == 1.0
    assert row("c", 2000, ["not_assessable", "not_assessable"]).score is None
    assert POINTS == {"yes": 1.0, "partial": 0.5, "no": 0.0}


def test_ranking_lists_the_weakest_and_strongest_scored_agreements_older_first_on_ties():
    rows = [
        row("a", 2001, ["yes", "no"]),
        row("b", 1999, ["yes", "no"]),
        row("c", 2000, ["no", "no"]),
        row("d", 2000, ["yes", "yes"]),
        row("e", 2000, ["not_assessable", "not_assessable"]),
    ]
    weakest, strongest = ranking(Matrix(("c0", "c1"), rows, "test"), top=3)
    assert [r.doc_id for r in weakest] == ["c", "b", "a"]
    assert [r.doc_id for r in strongest] == ["d", "b", "a"]


def test_rows_sort_by_year_country_type_and_score_with_unknowns_last():
    rows = [
        row("a", 2001, ["yes"], ("TR", "NL")),
        row("b", None, ["no"]),
        row("c", 1967, ["partial"], ("BE", "MA")),
    ]
    assert [r.doc_id for r in sort_rows(rows, "year")] == ["c", "a", "b"]
    assert [r.doc_id for r in sort_rows(rows, "country")] == ["c", "b", "a"]
    assert [r.doc_id for r in sort_rows(rows, "score")] == ["b", "c", "a"]


def test_coverage_by_decade_counts_each_agreements_value_once_per_criterion(corpus_store, built):
    matrix, _, _ = built
    documents = stored(corpus_store).values()
    for group in coverage_by_decade(matrix):
        in_decade = [doc for doc in documents if f"{doc.metadata.year // 10 * 10}s" == group.group]
        assert group.agreements == len(in_decade) > 0
        for criterion in matrix.criteria:
            values = Counter(e.value for doc in in_decade for e in doc.scorecard if e.criterion == criterion)
            assert group.counts[criterion] == values
            assert sum(group.share(criterion, v) for v in values) == pytest.approx(1.0)
    assert [g.group for g in coverage_by_decade(matrix)] == ["1960s", "1990s", "2010s"]


def test_regions_cover_every_iso_code_with_its_m49_sub_region():
    table = regions()
    assert set(table) == {country.alpha_2 for country in pycountry.countries}
    assert table["PH"].sub_region == "South-eastern Asia" and table["KW"].sub_region == "Western Asia"
    assert table["MA"].region == "Africa" and table["JM"].intermediate_region == "Caribbean"
    assert all(entry.region for code, entry in table.items() if code != "AQ")


def test_corridors_and_regional_coverage_follow_origin_and_destination(built):
    matrix, _, _ = built
    found = {(c.origin, c.destination): c.agreements for c in corridors(matrix)}
    assert found[("South-eastern Asia", "Western Asia")] == 1  # the Philippines to Kuwait
    assert found[("Western Asia", "Western Europe")] == 1  # Turkey to the Netherlands
    assert sum(found.values()) == len(matrix.rows)
    origins = {g.group: g.agreements for g in coverage_by_region(matrix, "origin")}
    unknown = sum(1 for r in matrix.rows if r.origin is None)
    assert origins.get("unknown", 0) == unknown and sum(origins.values()) == len(matrix.rows)


# --- the written report ----------------------------------------------------------------------------


def test_the_report_is_one_html_file_and_three_valid_png_charts_beside_it(built):
    _, paths, _ = built
    html, *charts = paths
    assert html.name == "report.html" and html.stat().st_size > 0
    assert charts == [chart_folder(html) / f"{name}.png" for name in CHARTS]
    for chart in charts:
        data = chart.read_bytes()
        assert data.startswith(PNG_SIGNATURE)
        with Image.open(io.BytesIO(data)) as image:
            image.verify()
        with Image.open(io.BytesIO(data)) as image:
            assert image.width > 400 and image.height > 200
            assert len(image.convert("RGB").getcolors(1 << 24)) > 4, "the chart is not a blank image"
    assert not list(html.parent.rglob(".*.tmp")), "atomic writes leave no temporary files"


def test_the_report_fetches_nothing_everything_is_inline(built):
    _, paths, _ = built
    text = paths[0].read_text(encoding="utf-8")
    elements = Elements(text)
    references = [
        str(attributes[name])
        for _, attributes, _ in elements.found
        for name in ("src", "href")
        if name in attributes
    ]
    assert references and all(ref.startswith(("#", "data:image/png;base64,")) for ref in references)
    assert elements.tags("link") == [] and len(elements.tags("img")) == len(CHARTS)
    assert "@import" not in text and "url(" not in text


def test_every_cell_has_a_symbol_a_tooltip_and_an_evidence_anchor_in_the_file(built):
    matrix, paths, _ = built
    elements = Elements(paths[0].read_text(encoding="utf-8"))
    ids = {attributes.get("id") for _, attributes, _ in elements.found}
    cells = [td for td in elements.tags("td") if "cell" in str(td.get("class", "")).split()]
    assert len(cells) == len(matrix.rows) * len(matrix.criteria)
    assert all(td.get("title") for td in cells)
    links = [str(a["href"]) for a in elements.tags("a") if str(a["href"]).startswith("#ev-")]
    assert len(links) >= len(cells) and all(href[1:] in ids for href in links)


def test_a_hostile_title_and_clause_text_are_escaped_in_the_report(tmp_path):
    doc = small_document(
        "a1", ["The employer shall pay <script>alert(2)</script> <b>wages</b>."], labels=("wage_protection",)
    )
    doc.metadata.title = "<script>alert(1)</script><i>Agreement</i> & co"
    store = saved_store(tmp_path / "s", [score(doc)])
    reindex(store)
    html, *_ = write_report(load_matrix(store), tmp_path / "out" / "report.html")
    text = html.read_text(encoding="utf-8")
    elements = Elements(text)
    assert len(elements.tags("script")) == 1, "only the report's own sorting script"
    assert elements.tags("i") == [] and elements.tags("b") == []
    assert "&lt;script&gt;alert(1)&lt;/script&gt;&lt;i&gt;Agreement&lt;/i&gt; &amp; co" in text
    assert "&lt;script&gt;alert(2)&lt;/script&gt; &lt;b&gt;wages&lt;/b&gt;" in text


def test_a_selection_without_agreements_gives_a_clear_report_not_a_crash(corpus_store, tmp_path):
    matrix = load_matrix(corpus_store, SearchFilters(country="ZZ"))
    html, *charts = write_report(matrix, tmp_path / "empty.html")
    assert matrix.rows == [] and "No agreements match this selection" in html.read_text(encoding="utf-8")
    assert len(charts) == len(CHARTS) and all(c.read_bytes().startswith(PNG_SIGNATURE) for c in charts)
    assert load_matrix(corpus_store, SearchFilters(year_from=1800, year_to=1801)).rows == []


# --- the report in a real browser ------------------------------------------------------------------


def matrix_rows(browser: Any) -> list[dict[str, str]]:
    from selenium.webdriver.common.by import By

    return [
        {key: row.get_attribute(f"data-{key}") for key in ("doc", "year", "country")}
        for row in browser.find_elements(By.CSS_SELECTOR, "table.matrix tbody tr")
    ]


def test_browser_shows_one_row_per_agreement_and_one_column_per_criterion(browser, built):
    from selenium.webdriver.common.by import By

    matrix, paths, _ = built
    browser.get(paths[0].as_uri())
    rows = browser.find_elements(By.CSS_SELECTOR, "table.matrix tbody tr")
    assert len(rows) == len(matrix.rows) == 7
    headers = browser.find_elements(By.CSS_SELECTOR, "table.matrix thead th.criterion")
    assert [h.get_attribute("textContent") for h in headers] == [c.replace("_", " ") for c in matrix.criteria]
    assert all(len(r.find_elements(By.CSS_SELECTOR, "td.cell")) == len(matrix.criteria) for r in rows)
    assert all(cell.text in "✓◐✗?" for cell in rows[0].find_elements(By.CSS_SELECTOR, "td.cell"))
    SCREENSHOT.parent.mkdir(parents=True, exist_ok=True)
    assert browser.save_screenshot(str(SCREENSHOT))


def test_browser_sort_buttons_reorder_the_rows_by_country_and_by_year(browser, built):
    from selenium.webdriver.common.by import By

    _, paths, _ = built
    browser.get(paths[0].as_uri())
    years = [int(r["year"]) for r in matrix_rows(browser)]
    assert years == sorted(years)
    browser.find_element(By.CSS_SELECTOR, "button.sort[data-key='country']").click()
    countries = [r["country"] for r in matrix_rows(browser)]
    assert countries == sorted(countries) and [int(r["year"]) for r in matrix_rows(browser)] != years
    browser.find_element(By.CSS_SELECTOR, "button.sort[data-key='year']").click()
    assert [int(r["year"]) for r in matrix_rows(browser)] == sorted(years)
    browser.find_element(By.CSS_SELECTOR, "button.sort[data-key='year']").click()
    assert [int(r["year"]) for r in matrix_rows(browser)] == sorted(years, reverse=True)
    header = browser.find_element(By.CSS_SELECTOR, "th[data-key='year']")
    assert header.get_attribute("aria-sort") == "descending"


def test_browser_an_evidence_link_leads_to_the_clause_id_and_its_page(browser, built, corpus_store):
    from selenium.webdriver.common.by import By

    _, paths, _ = built
    browser.get(paths[0].as_uri())
    cell = browser.find_element(By.CSS_SELECTOR, "table.matrix tbody tr td.cell.v-yes a")
    doc_id = cell.find_element(By.XPATH, "ancestor::tr").get_attribute("data-doc")
    criterion = cell.get_attribute("hash").removeprefix(f"#ev-{doc_id}-")
    cell.click()
    target = browser.execute_script("return document.querySelector(':target')")
    assert target.get_attribute("id") == f"ev-{doc_id}-{criterion}"
    doc = store_module.load(corpus_store, doc_id)
    entry = next(e for e in doc.scorecard if e.criterion == criterion)
    clause = doc.clause(entry.evidence[0])
    first = target.find_element(By.CLASS_NAME, "evidence-clause")
    assert first.find_element(By.CLASS_NAME, "clause-id").text == clause.id
    assert re.match(rf"pages? {clause.page_start}\b", first.find_element(By.CLASS_NAME, "page").text)
    assert entry.reason in target.text


def test_report_command_writes_the_filtered_report_and_refuses_a_bad_filter(corpus_store, tmp_path):
    from typer.testing import CliRunner

    from pipeline.cli import app

    runner = CliRunner()
    out = tmp_path / "nl" / "report.html"
    result = runner.invoke(
        app, ["report", "--store", str(corpus_store), "--out", str(out), "--country", "NL"]
    )
    assert result.exit_code == 0, result.output
    expected = load_matrix(corpus_store, SearchFilters(country="NL"))
    assert result.output.startswith(f"{len(expected.rows)} agreements in ")
    html = out.read_text(encoding="utf-8")
    assert all(row.doc_id in html for row in expected.rows) and len(expected.rows) == 1
    charts = [line.split("chart: ")[1] for line in result.output.splitlines() if "chart: " in line]
    assert len(charts) == len(CHARTS) and all(Path(c).read_bytes()[:8] == PNG_SIGNATURE for c in charts)
    bad = runner.invoke(app, ["report", "--store", str(corpus_store), "--year", "2020-1990"])
    assert bad.exit_code == 2 and "ERROR report: year range 2020-1990 is empty" in bad.output
