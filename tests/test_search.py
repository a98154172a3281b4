"""Clause search: the query language, hostile input, filters, facets, synonyms and the CLI commands."""

from __future__ import annotations

import csv
import html
import io
import json
import random
import re
import sqlite3
from collections import Counter
from contextlib import closing

import pytest
from typer.testing import CliRunner

from pipeline import search as search_module
from pipeline.cli import CSV_COLUMNS, app
from pipeline.index import open_index, reindex
from pipeline.search import (
    MARK_END,
    MARK_START,
    QueryError,
    SearchFilters,
    describe,
    parse_query,
    parse_years,
    render_snippet,
    search,
    to_fts,
)
from tests.conftest import corpus_pdf
from tests.test_index import corpus_documents, saved_store, small_document

runner = CliRunner()


@pytest.fixture(scope="module")
def corpus_store(tmp_path_factory):
    """The sample agreements stored and indexed (read-only for the tests of this module)."""
    store = saved_store(tmp_path_factory.mktemp("search") / "store", corpus_documents())
    reindex(store)
    return store


@pytest.fixture
def conn(corpus_store):
    with closing(open_index(corpus_store)) as connection:
        yield connection


@pytest.mark.parametrize(
    ("query", "interpreted", "fts"),
    [
        ("wage housing", "wage AND housing", '("wage" AND "housing")'),
        ("wage AND housing", "wage AND housing", '("wage" AND "housing")'),
        ('"equal treatment"', '"equal treatment"', '"equal treatment"'),
        ("wage OR salary", "wage OR salary", '("wage" OR "salary")'),
        ("wage OR salary housing", "(wage OR salary) AND housing", '(("wage" OR "salary") AND "housing")'),
        ("wage NOT domestic", "wage NOT domestic", '(("wage") NOT "domestic")'),
        ("NOT domestic wage", "wage NOT domestic", '(("wage") NOT "domestic")'),
        ("recruit*", "recruit*", '"recruit" *'),
        ("(wage OR loon) (housing OR logement)", "(wage OR loon) AND (housing OR logement)", None),
        ("wage or salary", "wage AND or AND salary", '("wage" AND "or" AND "salary")'),
        ("“salaire minimum”", '"salaire minimum"', '"salaire minimum"'),
        ("wage ; --", "wage", '"wage"'),
    ],
)
def test_each_query_syntax_is_read_as_documented(query, interpreted, fts):
    node = parse_query(query)
    assert describe(node) == interpreted
    if fts is not None:
        assert to_fts(node) == fts


@pytest.mark.parametrize(
    ("query", "message"),
    [
        ('"unclosed phrase', "unbalanced quote"),
        ("(wage OR salary", "unbalanced parenthesis"),
        ("wage)", "unbalanced parenthesis"),
        ("wage OR", "OR needs a term after it"),
        ("OR wage", "OR needs a term before it"),
        ("AND wage", "AND needs a term before it"),
        ("NOT domestic", "cannot only exclude"),
        ("()", "empty parentheses"),
        ("*", "needs at least 3 letters"),
        ("re*", "needs at least 3 letters"),
        ("; -- !", "nothing to search for"),
    ],
)
def test_malformed_queries_raise_a_clear_query_error(query, message):
    with pytest.raises(QueryError, match=message):
        parse_query(query)


HOSTILE = [
    '"',
    "*",
    "NEAR(",
    "NEAR(wage housing, 2)",
    "'; DROP TABLE clauses; --",
    "col:term",
    "text:wage",
    "tags:any",
    "{text tags}: wage",
    "wage^",
    "^wage",
    "-wage +salary",
    '""',
    '"" OR wage',
    "a" * 2000,
    "salário 日本語 🙂 ﬁnance",
    "\x00wage\x02\x03",
    "wage NEAR/3 salary",
    "(((((wage)))))",
    "wa*ge",
    "",
    "   ",
]


@pytest.mark.parametrize("query", HOSTILE)
def test_hostile_input_never_reaches_sqlite_as_syntax(conn, query):
    try:
        result = search(conn, query)
    except QueryError:
        return
    except sqlite3.Error as exc:  # pragma: no cover - the failure this test exists to catch
        pytest.fail(f"{query!r} raised {exc!r}")
    assert result.total >= 0
    assert conn.execute("SELECT count(*) FROM clauses").fetchone()[0] > 0


def test_filter_words_in_a_query_never_match_the_tags_column(conn):
    assert search(conn, None, SearchFilters(country="PH")).total > 0
    assert search(conn, "countryph").total == 0
    assert search(conn, "labelwageprotection").total == 0
    assert search(conn, None, SearchFilters(labels=("wage_protection",))).total > 0


def test_a_query_finds_and_highlights_its_words(conn):
    result = search(conn, "wage", limit=100)
    assert result.total == len(result.hits) > 0 and result.total_exact and result.ranking == "bm25"
    scores = [hit.score for hit in result.hits]
    assert scores == sorted(scores, reverse=True)
    for hit in result.hits:
        assert f"{MARK_START}wage{MARK_END}" in hit.snippet.lower()
        assert "wage" in hit.text.lower()


def test_phrase_prefix_or_and_not_select_the_right_clauses(conn):
    def texts(query):
        return [hit.text.lower() for hit in search(conn, query, limit=500).hits]

    assert texts('"equal treatment"') and all("equal treatment" in t for t in texts('"equal treatment"'))
    assert any("recruitment" in t for t in texts("recruit*")) and any(
        "recruited" in t for t in texts("recruit*")
    )
    either = texts("salaire OR loon")
    assert any("salaire" in t for t in either) and any("loon" in t for t in either)
    assert all("salaire" in t or "loon" in t for t in either)
    assert all("domestic" not in t for t in texts("worker NOT domestic"))
    assert len(texts("worker NOT domestic")) < len(texts("worker"))


def test_accents_and_case_do_not_matter(tmp_path):
    doc = small_document("c3", ["O salário mínimo é pago em dinheiro.", "SALARIO base"])
    with closing(open_index(saved_store(tmp_path / "s", [doc]))) as conn:
        assert {hit.clause_id for hit in search(conn, "salario").hits} == {"art-1", "art-2"}
        assert search(conn, "SALÁRIO").total == 2


@pytest.mark.parametrize(
    ("filters", "holds"),
    [
        (SearchFilters(country="ph"), lambda hit: "PH" in hit.countries),
        (SearchFilters(year_from=1990, year_to=2011), lambda hit: 1990 <= hit.year <= 2011),
        (SearchFilters(year_to=1969), lambda hit: hit.year <= 1969),
        (SearchFilters(type="mou"), lambda hit: hit.type == "MOU"),
        (SearchFilters(language="FR"), lambda hit: hit.language == "fr"),
        (SearchFilters(strength="binding"), lambda hit: hit.strength == "binding"),
        (
            SearchFilters(labels=("wage_protection", "A5")),
            lambda hit: {"wage_protection", "employment_contract"} <= {s.label for s in hit.labels},
        ),
    ],
)
def test_every_hit_satisfies_the_filters(conn, filters, holds):
    result = search(conn, None, filters, limit=1000)
    assert result.hits and len(result.hits) == result.total
    assert all(holds(hit) for hit in result.hits)
    everything = search(conn, None, limit=1000).hits
    assert result.total == sum(1 for hit in everything if holds(hit))


def test_origin_and_destination_filter_on_the_stated_direction(conn, corpus_store):
    docs = {doc.doc_id: doc.metadata for doc in corpus_documents()}
    result = search(conn, None, SearchFilters(origin="TR", destination="NL"), limit=1000)
    assert result.total > 0
    assert {hit.doc_id for hit in result.hits} == {
        d for d, m in docs.items() if (m.origin, m.destination) == ("TR", "NL")
    }
    assert search(conn, None, SearchFilters(origin="NL", destination="TR")).total == 0


def test_filters_alone_list_clauses_newest_agreement_first_in_document_order(conn):
    hits = search(conn, None, limit=1000).hits
    years = [hit.year for hit in hits]
    assert years == sorted(years, reverse=True)
    order = {doc.doc_id: [c.id for c in doc.clauses] for doc in corpus_documents()}
    for doc_id in {hit.doc_id for hit in hits}:
        assert [hit.clause_id for hit in hits if hit.doc_id == doc_id] == order[doc_id]
    assert all(hit.score is None and MARK_START not in hit.snippet for hit in hits)


def test_facet_counts_equal_the_counts_over_all_hits(conn):
    result = search(conn, "worker OR travailleurs OR arbeiders", limit=1000)
    hits = result.hits
    assert result.total == len(hits) and result.documents == len({hit.doc_id for hit in hits})

    def counts(values):
        return dict(Counter(value for value in values if value is not None))

    facets = result.facets
    assert facets["labels"] == counts(s.label for hit in hits for s in hit.labels)
    assert facets["countries"] == counts(code for hit in hits for code in hit.countries)
    assert facets["years"] == counts(str(hit.year) for hit in hits)
    assert facets["types"] == counts(hit.type for hit in hits)
    assert facets["languages"] == counts(hit.language for hit in hits)
    assert facets["strengths"] == counts(hit.strength for hit in hits)
    assert {"en", "fr", "nl"} <= set(facets["languages"])


def test_a_label_finds_french_and_dutch_clauses_that_an_english_word_misses(conn):
    by_word = {hit.language for hit in search(conn, "wage", limit=1000).hits}
    by_label = {
        hit.language
        for hit in search(conn, None, SearchFilters(labels=("wage_protection",)), limit=1000).hits
    }
    assert by_word == {"en"}
    # Which languages' clauses carry the label depends on the shipped model; two besides English do.
    assert len(by_label - {"en"}) >= 2


def test_synonym_expansion_crosses_languages_only_when_asked(conn):
    plain = search(conn, "wage", limit=1000)
    expanded = search(conn, "wage", limit=1000, expand_synonyms=True)
    assert {hit.language for hit in plain.hits} == {"en"}
    assert {"en", "fr", "nl", "de"} <= {hit.language for hit in expanded.hits}
    assert "salaire" in expanded.interpreted and "loon" in expanded.interpreted
    assert "Lohn" in expanded.interpreted and "salário" in expanded.interpreted
    phrase = search(conn, '"social security"', expand_synonyms=True)
    assert '"sécurité sociale"' in phrase.interpreted and '"sociale zekerheid"' in phrase.interpreted
    assert describe(parse_query("recruit*")) == search(conn, "recruit*", expand_synonyms=True).interpreted


def test_every_synonym_group_spans_the_six_languages():
    data = json.loads(
        (search_module.Path(search_module.__file__).parent / "data" / "synonyms.json").read_text()
    )
    assert 30 <= len(data["groups"]) <= 60
    for group in data["groups"]:
        assert set(group["terms"]) == {"en", "fr", "nl", "de", "es", "pt"}, group["concept"]
        assert all(group["terms"].values()), group["concept"]


def test_a_very_common_query_reads_a_capped_set_newest_first_and_says_so(conn, monkeypatch):
    everything = search(conn, "the", limit=1000)
    monkeypatch.setattr(search_module, "RANK_CAP", 20)
    capped = search(conn, "the", limit=5)
    assert everything.total > 20 and everything.total_exact and everything.sampled is None
    assert not capped.total_exact and capped.sampled == 20 and capped.total == 20
    assert capped.ranking.startswith("more than 20 matches") and "not ranked" in capped.ranking
    assert sum(capped.facets["languages"].values()) == 20
    newest = max(hit.year for hit in everything.hits)
    assert [hit.year for hit in capped.hits] == [newest] * 5
    assert all(hit.score is None and MARK_START in hit.snippet for hit in capped.hits)


def test_pages_follow_each_other(conn):
    whole = [(h.doc_id, h.clause_id) for h in search(conn, "worker", limit=30).hits]
    pages = [
        (h.doc_id, h.clause_id)
        for offset in (0, 10, 20)
        for h in search(conn, "worker", limit=10, offset=offset).hits
    ]
    assert pages == whole and len(whole) == 30


def test_a_year_range_without_agreements_finds_nothing(conn):
    result = search(conn, "wage", SearchFilters(year_from=1800, year_to=1801))
    assert (result.total, result.hits, result.facets["years"]) == (0, [], {})


@pytest.mark.parametrize(
    ("text", "years"),
    [
        ("1990-2010", (1990, 2010)),
        ("1990-", (1990, None)),
        ("-1960", (None, 1960)),
        ("1975", (1975, 1975)),
        (" 1990 – 2010 ", (1990, 2010)),
    ],
)
def test_year_ranges_are_read(text, years):
    assert parse_years(text) == years


@pytest.mark.parametrize(
    "make",
    [
        lambda: parse_years("19900"),
        lambda: parse_years("1990 2010"),
        lambda: parse_years("-"),
        lambda: SearchFilters(year_from=2010, year_to=1990),
        lambda: SearchFilters(labels=("wages",)),
        lambda: SearchFilters(country="PHL"),
        lambda: SearchFilters(language="french"),
        lambda: SearchFilters(strength="strong"),
    ],
)
def test_filters_that_could_never_match_are_refused(make):
    with pytest.raises(QueryError):
        make()


def test_snippets_render_safely_for_a_web_page(tmp_path):
    doc = small_document("d4", ['<script>alert("wage")</script> the wage & the <b>bonus</b>'])
    with closing(open_index(saved_store(tmp_path / "s", [doc]))) as conn:
        snippet = search(conn, "wage").hits[0].snippet
    rendered = render_snippet(snippet, "<mark>", "</mark>", html.escape)
    assert "<script>" not in rendered and "&lt;script&gt;" in rendered and "&lt;b&gt;" in rendered
    assert rendered.count("<mark>wage</mark>") == 2


def test_cli_search_prints_a_table(corpus_store):
    result = runner.invoke(app, ["search", "wage OR salaire", "--store", str(corpus_store), "--limit", "3"])
    assert result.exit_code == 0, result.output
    assert "query: wage OR salaire" in result.output and "order: bm25" in result.output
    assert result.output.count("**") >= 6  # a highlighted word per hit


def test_cli_search_json_holds_hits_facets_and_the_query_as_read(corpus_store):
    result = runner.invoke(
        app,
        [
            "search",
            "wage",
            "--store",
            str(corpus_store),
            "--expand",
            "--label",
            "wage_protection",
            "--year",
            "1960-2000",
            "--format",
            "json",
        ],
    )
    assert result.exit_code == 0, result.output
    data = json.loads(result.output)
    assert data["query"] == "wage" and "salaire" in data["interpreted"]
    assert data["filters"]["labels"] == ["wage_protection"] and data["filters"]["year_from"] == 1960
    assert data["total"] == len(data["hits"]) > 0
    assert set(data["facets"]) == {"labels", "countries", "years", "types", "languages", "strengths"}
    assert all(1960 <= int(year) <= 2000 for year in data["facets"]["years"])
    assert all("**" in hit["snippet"] and MARK_START not in hit["snippet"] for hit in data["hits"])


def test_cli_search_csv_exports_one_row_per_hit(corpus_store):
    result = runner.invoke(
        app, ["search", "--store", str(corpus_store), "--country", "NL", "--format", "csv", "--limit", "500"]
    )
    assert result.exit_code == 0, result.output
    rows = list(csv.DictReader(io.StringIO(result.output)))
    assert list(rows[0]) == CSV_COLUMNS
    nl = [doc for doc in corpus_documents() if "NL" in doc.metadata.countries]
    assert len(rows) == sum(len(doc.clauses) for doc in nl)
    assert all(row["countries"] == "NL;TR" for row in rows)


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (['"unclosed'], "ERROR search: unbalanced quote"),
        (["wage", "--label", "nope"], "ERROR search: unknown label 'nope'"),
        (["wage", "--year", "nineties"], "ERROR search: year range 'nineties'"),
        (["wage", "--format", "xml"], "ERROR --format"),
    ],
)
def test_cli_search_refuses_bad_input_with_one_line(corpus_store, args, message):
    result = runner.invoke(app, ["search", *args, "--store", str(corpus_store)])
    assert result.exit_code == 2
    assert result.output.startswith(message) and len(result.output.strip().splitlines()) == 1


def test_cli_reindex_rebuilds_and_reports(tmp_path):
    store = saved_store(tmp_path / "s", corpus_documents()[:2])
    result = runner.invoke(app, ["reindex", "--store", str(store)])
    assert result.exit_code == 0, result.output
    clauses = sum(len(doc.clauses) for doc in corpus_documents()[:2])
    assert result.output.startswith(f"indexed 2 documents ({clauses} clauses)")
    missing = runner.invoke(app, ["reindex", "--store", str(tmp_path / "nothing")])
    assert missing.exit_code == 1
    assert "not a store (no documents/ folder); run `blamine doctor --store DIR` [E_STORE]" in missing.output


def test_cli_ingest_updates_the_index(tmp_path):
    store = tmp_path / "s"
    result = runner.invoke(app, ["ingest", str(corpus_pdf("nl_tr_werving_1967")), "--store", str(store)])
    assert result.exit_code == 0, result.output
    assert f"search index updated: {(store / 'index.sqlite').resolve()}" in result.output
    hits = search(store, "werving").hits
    assert hits and all(hit.filename == "nl_tr_werving_1967.pdf" for hit in hits)


# --- prefix queries against a brute-force reading of the clause texts ---------------------------------

PREFIX_WORDS = ["rémunération", "Remuneração", "remunerated", "Löhne", "Lohn", "lohnsteuer", "recruitment"]
PREFIX_WORDS += ["recrutement", "Recruited", "werving", "werven", "salário", "salariés", "Ärzte"]


@pytest.fixture(scope="module")
def prefix_store(tmp_path_factory):
    """Six agreements (years 2000-2005) of generated clauses: the words above, with and without accents
    and capitals, among 400 made-up words beginning with "kat" (a prefix that begins many words)."""
    rng = random.Random(3)
    made_up = sorted({"kat" + "".join(rng.choices("aeiourstln", k=rng.randint(1, 6))) for _ in range(600)})
    vocabulary = PREFIX_WORDS + made_up[:400] + ["the", "of", "worker", "wage"]
    docs = [
        small_document(
            f"a{number}",
            [" ".join(rng.choices(vocabulary, k=rng.randint(6, 18))) + "." for _ in range(40)],
            year=2000 + number,
        )
        for number in range(6)
    ]
    store = saved_store(tmp_path_factory.mktemp("prefix") / "store", docs)
    reindex(store)
    return store, docs


def brute_force(docs, prefixes) -> list[tuple[str, str]]:
    """(doc_id, clause_id) of the clauses holding a word that begins with every one of ``prefixes``
    (words folded as the tokenizer folds them, unicode61 remove_diacritics 2), in index order: newest
    agreement first, then clause order."""
    found = []
    for doc in sorted(docs, key=lambda doc: -doc.metadata.year):
        for clause in doc.clauses:
            words = re.findall(r"[^\W_]+", search_module.fold(clause.text))
            if all(any(w.startswith(search_module.fold(p)) for w in words) for p in prefixes):
                found.append((doc.doc_id, clause.id))
    return found


@pytest.mark.parametrize(
    "query",
    ["rému*", "REMU*", "remunera*", "löh*", "LOHN*", "lohns*", "recr*", "recru*", "salar*", "ärz*", "arzt*"]
    + ["kat*", "kata*", "katu*", "katoo*", "zzz*", "werv*"],
)
def test_a_prefix_finds_exactly_the_clauses_with_a_word_it_begins(prefix_store, query):
    store, docs = prefix_store
    with closing(open_index(store)) as conn:
        result = search(conn, query, limit=10_000)
    expected = brute_force(docs, [query.rstrip("*")])
    assert result.total_exact and result.total == len(expected)
    assert sorted((hit.doc_id, hit.clause_id) for hit in result.hits) == sorted(expected)
    stem = search_module.fold(query.rstrip("*"))
    for hit in result.hits:
        marked = re.findall(f"{MARK_START}(.*?){MARK_END}", hit.snippet)
        assert marked and all(search_module.fold(word).startswith(stem) for word in marked)


def test_a_prefix_combined_with_other_terms_matches_the_brute_force_set(prefix_store):
    store, docs = prefix_store
    with closing(open_index(store)) as conn:

        def found(query):
            return {(hit.doc_id, hit.clause_id) for hit in search(conn, query, limit=10_000).hits}

        kat, rem, loh = (set(brute_force(docs, [p])) for p in ("kat", "rem", "löh"))
        assert found("kat* rému*") == set(brute_force(docs, ["kat", "rem"])) == kat & rem
        assert found("rému* OR löh*") == rem | loh
        assert found("kat* NOT löh*") == kat - loh
        assert found("(rému* OR löh*) kata*") == (rem | loh) & set(brute_force(docs, ["kata"]))


def test_prefix_snippets_read_in_one_query_equal_those_read_hit_by_hit(prefix_store):
    store, _ = prefix_store
    with closing(open_index(store)) as conn:
        for query in ("kat*", "rému* OR wage", "kat* worker"):
            node = parse_query(query)
            ids = [
                id_
                for (id_,) in conn.execute(
                    "SELECT rowid FROM clauses_fts WHERE clauses_fts MATCH ?", [f"text : {to_fts(node)}"]
                )
            ][::2]
            one_query = search_module._snippets(conn, node, ids)
            each = {
                id_: conn.execute(
                    "SELECT snippet(clauses_fts, 0, ?, ?, '…', ?) FROM clauses_fts "
                    "WHERE clauses_fts MATCH ? AND rowid = ?",
                    [MARK_START, MARK_END, search_module.SNIPPET_TOKENS, f"text : {to_fts(node)}", id_],
                ).fetchone()[0]
                for id_ in ids
            }
            assert len(ids) >= 5 and one_query == each


def test_a_capped_prefix_lists_the_first_matches_in_index_order(prefix_store, monkeypatch):
    store, docs = prefix_store
    monkeypatch.setattr(search_module, "RANK_CAP", 25)
    with closing(open_index(store)) as conn:
        result = search(conn, "kat*", limit=25)
    assert not result.total_exact and result.sampled == 25
    assert [(hit.doc_id, hit.clause_id) for hit in result.hits] == brute_force(docs, ["kat"])[:25]
