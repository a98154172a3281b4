"""The web page: the WSGI application called directly (escaping, files only from inside the store, errors,
the JSON API and the CSV export), the real server over HTTP, and a real headless Chromium driving the page
over a store the real pipeline built from the bundled PDFs."""

from __future__ import annotations

import csv
import http.client
import io
import json
import re
import signal
import subprocess
import sys
import threading
import urllib.request
from collections.abc import Iterator
from contextlib import closing
from dataclasses import replace
from html.parser import HTMLParser
from pathlib import Path
from typing import Any
from urllib.parse import parse_qs, unquote, urlsplit

import pytest
from typer.testing import CliRunner

from pipeline import search as search_module
from pipeline import store as store_module
from pipeline import taxonomy
from pipeline.cli import app as cli_app
from pipeline.errors import E_STORE, BlamineError
from pipeline.index import reindex
from pipeline.scorecard import score
from pipeline.search import CSV_COLUMNS, SearchFilters, search
from pipeline.web import API_VERSION, make_app, make_server
from tests.conftest import ROOT, corpus_pdf
from tests.test_index import saved_store, small_document

runner = CliRunner()

HOSTILE_TEXT = "Wages are paid monthly. <script>alert(1)</script> <b>bold</b> & more"
SECRET = b"%PDF-1.4 secret outside the store"


# --- a small store with hostile text, and a WSGI client ------------------------------------------------


@pytest.fixture(scope="module")
def small_store(tmp_path_factory) -> Path:
    """One agreement whose first article holds markup, with a nested paragraph, its PDF kept in the
    store; files beside and above the store's folders, and symbolic links to them, to try to reach."""
    root = tmp_path_factory.mktemp("web")
    doc = small_document(
        "a1", [HOSTILE_TEXT, "Housing is provided free of charge."], labels=("wage_protection",)
    )
    doc.clauses.append(
        replace(doc.clauses[0], id="art-1.1", kind="paragraph", parent="art-1", text="Overtime.")
    )
    doc.metadata.title = "Agreement <i>with</i> markup"
    store = saved_store(root / "store", [doc])
    reindex(store)
    store_module.save_pdf(store, doc.doc_id, corpus_pdf("nl_tr_werving_1967"))
    for secret in (root / "secret.pdf", root / "secret.json", store / "secret.pdf", store / "secret.json"):
        secret.write_bytes(SECRET)
    (store / "pdfs" / "link.pdf").symlink_to(root / "secret.pdf")
    (store / "documents" / "link.json").symlink_to(root / "secret.pdf")
    return store


DOC_ID = "a1".rjust(16, "0")


class Reply:
    """A response as a test reads it: status code, headers by name, body as bytes and text."""

    def __init__(self, status: str, headers: list[tuple[str, str]], body: bytes) -> None:
        self.status = int(status.split()[0])
        self.headers = dict(headers)
        self.body = body
        self.text = body.decode("utf-8", "replace")

    def json(self) -> Any:
        return json.loads(self.body)


def call(store: Path, path: str, query: str = "", method: str = "GET") -> Reply:
    """One request through the WSGI application, as wsgiref hands it over (the path already decoded)."""
    environ = {
        "REQUEST_METHOD": method,
        "PATH_INFO": unquote(path, encoding="latin-1"),
        "QUERY_STRING": query,
        "SERVER_NAME": "localhost",
        "SERVER_PORT": "8000",
        "wsgi.errors": io.StringIO(),
    }
    replies: list[tuple[str, list[tuple[str, str]]]] = []
    body = b"".join(make_app(store)(environ, lambda status, headers: replies.append((status, headers))))
    return Reply(*replies[0], body)


class Elements(HTMLParser):
    """Every element of a page with its attributes and the ids of the elements around it."""

    VOID = {"meta", "link", "input", "br", "img", "hr"}

    def __init__(self, text: str) -> None:
        super().__init__()
        self.stack: list[tuple[str, str | None]] = []
        self.found: list[tuple[str, dict[str, str | None], list[str]]] = []
        self.feed(text)

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        attributes = dict(attrs)
        self.found.append((tag, attributes, [i for _, i in self.stack if i]))
        if tag not in self.VOID:
            self.stack.append((tag, attributes.get("id")))

    def handle_endtag(self, tag: str) -> None:
        while self.stack and self.stack.pop()[0] != tag:
            pass

    def tags(self, name: str) -> list[dict[str, str | None]]:
        return [attributes for tag, attributes, _ in self.found if tag == name]

    def ancestors(self, element_id: str) -> list[str]:
        return next(around for _, attributes, around in self.found if attributes.get("id") == element_id)


# --- escaping ------------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("path", "query"),
    [
        ("/", "q=wages"),
        ("/", ""),
        ("/doc/" + DOC_ID, ""),
        ("/", 'q="<script>alert(2)</script>'),
    ],
)
def test_clause_text_and_query_markup_is_escaped_never_run(small_store, path, query):
    reply = call(small_store, path, query)
    assert reply.status in (200, 400)
    elements = Elements(reply.text)
    assert elements.tags("script") == [] and elements.tags("b") == [] and elements.tags("i") == []
    assert "&lt;script&gt;alert(" in reply.text


def test_snippets_mark_the_matched_words_and_escape_the_rest(small_store):
    reply = call(small_store, "/", "q=wages")
    assert "<mark>Wages</mark>" in reply.text
    assert "&lt;script&gt;alert(1)&lt;/script&gt; &lt;b&gt;bold&lt;/b&gt; &amp; more" in reply.text


# --- files only from inside the store ------------------------------------------------------------------


def test_the_pdf_is_served_from_the_store_with_its_bytes(small_store):
    reply = call(small_store, f"/pdf/{DOC_ID}")
    assert reply.status == 200 and reply.headers["Content-Type"] == "application/pdf"
    assert reply.body == corpus_pdf("nl_tr_werving_1967").read_bytes()
    assert reply.headers["X-Content-Type-Options"] == "nosniff"


TRAVERSALS = [
    "/pdf/../secret",
    "/pdf/..%2Fsecret",
    "/pdf/%2e%2e%2fsecret",
    "/pdf/%2E%2E%2F%2E%2E%2Fsecret",
    "/pdf/%252e%252e%252fsecret",
    "/pdf/..",
    "/pdf/.",
    "/pdf/",
    "/pdf//etc/passwd",
    "/pdf/%2Fetc%2Fpasswd",
    "/pdf/{root}/secret",
    "/pdf/%2F{root}%2Fsecret",
    "/pdf/..%2F..%2Fsecret",
    "/pdf/link",
    "/pdf/..%5Csecret",
    "/pdf/" + DOC_ID + "%00",
    "/doc/../../secret",
    "/doc/%2e%2e%2f%2e%2e%2fsecret",
    "/doc/link",
    "/doc/..%2Fsecret",
    "/doc/{root}/secret",
    "/api/v1/documents/..%2F..%2Fsecret",
    "/api/v1/documents/link",
    "/api/v1/documents/..%2Fsecret",
    "/api/v1/documents/{root}/secret",
    "/static/..%2Fweb.py",
    "/static/../web.py",
]


@pytest.mark.parametrize("path", TRAVERSALS)
def test_paths_that_leave_the_store_are_not_found(small_store, path):
    reply = call(small_store, path.format(root=small_store.parent))
    assert reply.status == 404
    assert b"secret outside" not in reply.body and b"import" not in reply.body


def test_a_document_without_a_kept_pdf_is_not_found(small_store, tmp_path):
    store = saved_store(tmp_path / "s", [small_document("b2", ["Text."])])
    assert call(store, "/pdf/" + "b2".rjust(16, "0")).status == 404
    page = call(store, "/doc/" + "b2".rjust(16, "0"))
    assert page.status == 200 and "The PDF is not kept in this store" in page.text


def test_save_pdf_copies_the_bytes_and_refuses_a_missing_source_cleanly(tmp_path):
    source = corpus_pdf("ph_kw_domestic_workers_2016")
    path = store_module.save_pdf(tmp_path / "s", "abc", source)
    assert path == tmp_path / "s" / "pdfs" / "abc.pdf" and path.read_bytes() == source.read_bytes()
    with pytest.raises(BlamineError) as caught:
        store_module.save_pdf(tmp_path / "s", "def", tmp_path / "missing.pdf")
    assert caught.value.code == E_STORE
    assert sorted(p.name for p in (tmp_path / "s" / "pdfs").iterdir()) == ["abc.pdf"]


# --- methods, errors, headers --------------------------------------------------------------------------


@pytest.mark.parametrize("method", ["POST", "PUT", "DELETE", "PATCH", "OPTIONS"])
def test_the_site_is_read_only(small_store, method):
    reply = call(small_store, "/", method=method)
    assert reply.status == 405 and reply.headers["Allow"] == "GET, HEAD"


def test_head_answers_like_get_without_a_body(small_store):
    get = call(small_store, f"/pdf/{DOC_ID}")
    head = call(small_store, f"/pdf/{DOC_ID}", method="HEAD")
    assert head.status == 200 and head.body == b""
    assert head.headers["Content-Length"] == get.headers["Content-Length"] == str(len(get.body))


@pytest.mark.parametrize(
    ("query", "message"),
    [
        ('q="unclosed', "unbalanced quote"),
        ("label=nope", "unknown label"),
        ("country=PHL", "ISO 3166 alpha-2"),
        ("year_from=abc", "year_from"),
        ("year_from=2010&year_to=1990", "is empty"),
        ("limit=5000", "limit"),
        ("offset=-1", "offset"),
        ("strength=strong", "strength"),
        ("expand=maybe", "expand"),
        ("colour=red", "unknown parameter"),
        ("country=PH&country=KW", "give it once"),
    ],
)
def test_bad_parameters_get_a_400_that_says_what_to_change(small_store, query, message):
    page = call(small_store, "/", query)
    assert page.status == 400 and message in page.text and "Traceback" not in page.text
    api = call(small_store, "/api/v1/search", query)
    assert api.status == 400 and message in api.json()["error"]["message"]
    assert api.json()["api_version"] == API_VERSION
    assert call(small_store, "/export.csv", query).status == 400


def test_unknown_pages_and_documents_are_404(small_store):
    assert call(small_store, "/nowhere").status == 404
    assert call(small_store, "/doc/ffffffffffffffff").status == 404
    missing = call(small_store, "/api/v1/documents/ffffffffffffffff")
    assert missing.status == 404 and missing.json()["error"]["status"] == 404
    assert call(small_store, "/api/v2/search").status == 404


def test_an_unexpected_error_is_a_500_page_without_a_traceback(small_store, monkeypatch):
    def broken(*args: Any, **kwargs: Any) -> None:
        raise RuntimeError("secret internals")

    monkeypatch.setattr("pipeline.web.search", broken)
    reply = call(small_store, "/", "q=wage")
    assert reply.status == 500
    assert "secret internals" not in reply.text and "Traceback" not in reply.text


@pytest.mark.parametrize(
    "path", ["/", "/doc/" + DOC_ID, "/api/v1/labels", "/export.csv", "/nowhere", "/matrix", "/report.html"]
)
def test_every_page_carries_the_security_headers(small_store, path):
    headers = call(small_store, path).headers
    assert headers["X-Content-Type-Options"] == "nosniff"
    assert headers["Referrer-Policy"] == "no-referrer"
    policy = headers["Content-Security-Policy"]
    assert "default-src 'none'" in policy and "script-src" not in policy and "unsafe" not in policy


# --- the agreement page --------------------------------------------------------------------------------


def test_the_agreement_page_nests_clauses_under_their_parent_and_anchors_them(small_store):
    elements = Elements(call(small_store, f"/doc/{DOC_ID}").text)
    assert "art-1" in elements.ancestors("art-1.1")
    assert "art-1" not in elements.ancestors("art-2")
    assert f"/pdf/{DOC_ID}#page=1" in [a.get("href") for a in elements.tags("a")]


# --- the JSON API and the CSV export over the bundled agreements ---------------------------------------


def test_ingest_keeps_a_copy_of_every_pdf_in_the_store(corpus_store):
    for doc in store_module.iter_documents(corpus_store):
        kept = store_module.pdf_path(corpus_store, doc.doc_id)
        assert kept.read_bytes() == Path(doc.source.path).read_bytes()


def test_api_search_is_the_library_result_with_the_api_version(corpus_store):
    reply = call(corpus_store, "/api/v1/search", "q=wage+OR+salaire&label=A3&year_from=1960&limit=5")
    assert reply.status == 200 and reply.headers["Content-Type"].startswith("application/json")
    data = reply.json()
    expected = search(corpus_store, "wage OR salaire", SearchFilters(labels=("A3",), year_from=1960), limit=5)
    assert data == {"api_version": API_VERSION, **json.loads(json.dumps(expected.to_dict()))}
    assert data["filters"]["labels"] == ["wage_protection"] and 0 < len(data["hits"]) <= 5


def test_api_document_is_the_stored_json(corpus_store):
    doc_id = next(store_module.iter_documents(corpus_store)).doc_id
    reply = call(corpus_store, f"/api/v1/documents/{doc_id}")
    assert reply.body == store_module.document_path(corpus_store, doc_id).read_bytes()


def test_api_labels_lists_the_taxonomy(small_store):
    data = call(small_store, "/api/v1/labels").json()
    assert data["api_version"] == API_VERSION
    assert [label["id"] for label in data["labels"]] == list(taxonomy.label_ids())
    assert set(data["labels"][0]) == {"code", "id", "group", "description"}


def test_csv_export_is_the_cli_csv_of_every_hit(corpus_store):
    reply = call(corpus_store, "/export.csv", "q=arbeid*&country=NL")
    assert reply.status == 200 and reply.headers["Content-Type"] == "text/csv; charset=utf-8"
    assert "attachment" in reply.headers["Content-Disposition"]
    arguments = ["arbeid*", "--country", "NL", "--limit", "3000", "--format", "csv"]
    cli = runner.invoke(cli_app, ["search", *arguments, "--store", str(corpus_store)])
    rows = list(csv.reader(io.StringIO(reply.text)))
    assert rows == list(csv.reader(io.StringIO(cli.output)))
    assert rows[0] == CSV_COLUMNS
    assert len(rows) - 1 == search(corpus_store, "arbeid*", SearchFilters(country="NL")).total > 20


# --- the search page over the bundled agreements -------------------------------------------------------


def links(reply: Reply, **attributes: str) -> list[str]:
    """The hrefs of the page's links that have ``attributes`` (``rel="next"``)."""
    anchors = Elements(reply.text).tags("a")
    return [str(a["href"]) for a in anchors if all(a.get(k) == v for k, v in attributes.items())]


def total(text: str) -> int:
    """The clause count the results summary states."""
    return int(re.search(r"([\d,]+)\s+clauses? in", text)[1].replace(",", ""))


def test_a_facet_link_adds_its_filter_and_its_count_becomes_the_total(corpus_store):
    page = call(corpus_store, "/", "q=worker*")
    facet = next(link for link in links(page) if "country=PH" in link)
    assert parse_qs(urlsplit(facet).query) == {"q": ["worker*"], "country": ["PH"]}
    narrowed = call(corpus_store, "/", urlsplit(facet).query)
    assert (
        total(narrowed.text) == search(corpus_store, "worker*").facets["countries"]["PH"] < total(page.text)
    )
    (removal,) = links(narrowed, **{"aria-label": "Remove filter country PH"})
    assert parse_qs(urlsplit(removal).query) == {"q": ["worker*"]}


def test_paging_links_walk_through_every_hit_once(corpus_store):
    shown: list[str] = []
    query: str | None = "q=worker*&limit=7"
    while query is not None:
        page = call(corpus_store, "/", query)
        shown += re.findall(r'<h3 id="hit-\d+"><a href="([^"]+)"', page.text)
        following = links(page, rel="next")
        query = urlsplit(following[0]).query if following else None
    expected = search(corpus_store, "worker*", limit=1000).hits
    assert len(expected) > 14
    assert shown == [f"/doc/{hit.doc_id}#{hit.clause_id}" for hit in expected]


# --- the matrix page and the report download ----------------------------------------------------------


def matrix_rows(reply: Reply) -> list[dict[str, str | None]]:
    """The agreement rows of a matrix page, as their data attributes."""
    return [tr for tr in Elements(reply.text).tags("tr") if tr.get("data-doc")]


def test_the_search_page_links_to_the_matrix_and_the_report_of_the_same_selection(corpus_store):
    page = call(corpus_store, "/", "q=wage&country=PH&limit=5&offset=5")
    (matrix,) = links(page, id="matrix-link")
    (report,) = links(page, id="report-link")
    assert urlsplit(matrix).path == "/matrix" and urlsplit(report).path == "/report.html"
    for link in (matrix, report):
        assert parse_qs(urlsplit(link).query) == {"q": ["wage"], "country": ["PH"]}


def test_the_matrix_page_escapes_titles_and_quoted_clause_text(tmp_path):
    doc = small_document("c3", ["The employer shall pay wages. " + HOSTILE_TEXT], labels=("wage_protection",))
    doc.metadata.title = "Agreement <i>with</i> markup"
    store = saved_store(tmp_path / "s", [score(doc)])
    reply = call(store, "/matrix", "q=wages")
    elements = Elements(reply.text)
    assert len(matrix_rows(reply)) == 1
    assert elements.tags("script") == [] and elements.tags("b") == [] and elements.tags("i") == []
    assert "Agreement &lt;i&gt;with&lt;/i&gt; markup" in reply.text
    assert "&lt;script&gt;alert(1)&lt;/script&gt; &lt;b&gt;bold&lt;/b&gt; &amp; more" in reply.text


def test_the_matrix_page_filtered_by_country_lists_only_that_countrys_agreements(corpus_store):
    documents = list(store_module.iter_documents(corpus_store))
    expected = {doc.doc_id for doc in documents if "NL" in doc.metadata.countries}
    reply = call(corpus_store, "/matrix", "country=NL")
    assert reply.status == 200
    rows = matrix_rows(reply)
    assert {row["data-doc"] for row in rows} == expected and 0 < len(expected) < len(documents)
    assert all("NL" in str(row["data-country"]).split("-") for row in rows)
    cells = [td for td in Elements(reply.text).tags("td") if "cell" in str(td.get("class")).split()]
    assert len(cells) == len(expected) * len(taxonomy.criteria())
    assert len(matrix_rows(call(corpus_store, "/matrix"))) == len(documents)


def test_the_matrix_page_sorts_on_the_server_through_its_header_links(corpus_store):
    page = call(corpus_store, "/matrix", "year_from=1960")
    (by_country,) = [link for link in links(page, **{"class": "sort"}) if "sort=country" in link]
    assert parse_qs(urlsplit(by_country).query) == {"year_from": ["1960"], "sort": ["country"]}
    countries = [
        str(row["data-country"])
        for row in matrix_rows(call(corpus_store, "/matrix", urlsplit(by_country).query))
    ]
    years = [int(str(row["data-year"])) for row in matrix_rows(page)]
    assert countries == sorted(countries) and len(countries) == 7 and years == sorted(years)
    assert call(corpus_store, "/matrix", "sort=colour").status == 400


def test_every_matrix_cell_links_to_its_evidence_on_the_same_page(corpus_store):
    elements = Elements(call(corpus_store, "/matrix", "country=PH").text)
    ids = {attributes.get("id") for _, attributes, _ in elements.found}
    targets = [str(a["href"])[1:] for a in elements.tags("a") if str(a["href"]).startswith("#ev-")]
    assert len(targets) == len(taxonomy.criteria()) and set(targets) <= ids
    clause_links = [
        str(a["href"]) for a in elements.tags("a") if "/doc/" in str(a["href"]) and "#" in str(a["href"])
    ]
    assert clause_links, "evidence clauses link to the agreement page at the clause"


def test_the_report_download_is_the_offline_report_of_the_same_selection(corpus_store):
    reply = call(corpus_store, "/report.html", "country=PH")
    assert reply.status == 200 and reply.headers["Content-Type"] == "text/html; charset=utf-8"
    assert reply.headers["Content-Disposition"] == 'attachment; filename="blamine-report.html"'
    assert len(matrix_rows(reply)) == 1 and "country PH" in reply.text
    assert "data:image/png;base64," in reply.text


def test_a_query_too_common_to_rank_says_the_count_is_a_lower_bound(corpus_store, monkeypatch):
    monkeypatch.setattr(search_module, "RANK_CAP", 10)
    words = " ".join(call(corpus_store, "/", "q=the&limit=5").text.split())
    assert "At least 10 clauses" in words and "Unranked, lower bound." in words
    assert "Unranked" not in call(corpus_store, "/", "q=wage&limit=5").text


# --- the real server ---------------------------------------------------------------------------------


@pytest.fixture(scope="module")
def server_url(small_store) -> Iterator[str]:
    server = make_server(small_store, "127.0.0.1", 0)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{server.server_port}"
    server.shutdown()
    server.server_close()


@pytest.mark.parametrize(
    "raw", ["/pdf/../secret", "/pdf/%2e%2e/%2e%2e/secret", "/pdf/..%2f..%2fsecret", "//pdf/link"]
)
def test_the_server_refuses_raw_traversal_urls(server_url, raw):
    host = urlsplit(server_url).netloc
    with closing(http.client.HTTPConnection(host, timeout=10)) as conn:
        conn.request("GET", raw)
        response = conn.getresponse()
        assert response.status == 404 and b"secret outside" not in response.read()


def test_the_server_listens_on_localhost_by_default(small_store):
    server = make_server(small_store, port=0)
    try:
        assert server.server_address[0] == "127.0.0.1"
    finally:
        server.server_close()


def test_the_serve_command_prints_its_url_and_stops_on_ctrl_c(small_store, tmp_path):
    process = subprocess.Popen(
        [sys.executable, "-m", "pipeline", "serve", "--store", str(small_store), "--port", "0"],
        stdout=subprocess.PIPE,
        stderr=(tmp_path / "server.log").open("w"),
        text=True,
        cwd=ROOT,
    )
    try:
        line = process.stdout.readline()
        url = re.search(r"http://127\.0\.0\.1:\d+/", line)[0]
        with urllib.request.urlopen(url + "api/v1/labels", timeout=10) as response:
            assert json.load(response)["api_version"] == API_VERSION
        process.send_signal(signal.SIGINT)
        assert process.wait(timeout=20) == 0
        assert "stopped" in process.stdout.read()
    finally:
        process.kill()
        process.wait()


def test_serve_refuses_a_folder_that_is_not_a_store(tmp_path):
    result = runner.invoke(cli_app, ["serve", "--store", str(tmp_path / "nothing"), "--port", "0"])
    assert result.exit_code == 1 and "not a store" in result.output


# --- a real headless browser -------------------------------------------------------------------------

SCREENSHOT = ROOT / "tests" / "artifacts" / "web-search.png"


@pytest.fixture(scope="module")
def served_corpus(corpus_store, tmp_path_factory) -> Iterator[str]:
    """``blamine serve`` over the ingested bundled agreements, in its own process, on a free port."""
    log = tmp_path_factory.mktemp("serve") / "server.log"
    process = subprocess.Popen(
        [sys.executable, "-m", "pipeline", "serve", "--store", str(corpus_store), "--port", "0"],
        stdout=subprocess.PIPE,
        stderr=log.open("w"),
        text=True,
        cwd=ROOT,
    )
    try:
        yield re.search(r"http://127\.0\.0\.1:\d+", process.stdout.readline())[0]
    finally:
        process.send_signal(signal.SIGINT)
        process.wait(timeout=20)


def test_browser_tab_reaches_the_search_box_and_a_query_highlights_its_words(
    browser, served_corpus, corpus_store
):
    from selenium.webdriver.common.by import By
    from selenium.webdriver.common.keys import Keys
    from selenium.webdriver.support.ui import WebDriverWait

    browser.get(served_corpus + "/")
    browser.find_element(By.TAG_NAME, "body").send_keys(Keys.TAB)
    focused = []
    for _ in range(8):
        focused.append(
            browser.switch_to.active_element.get_attribute("id") or browser.switch_to.active_element.text
        )
        if focused[-1] == "q":
            break
        browser.switch_to.active_element.send_keys(Keys.TAB)
    assert focused[0] == "Skip to content" and focused[-1] == "q", focused
    browser.switch_to.active_element.send_keys("wage OR salaire", Keys.ENTER)
    WebDriverWait(browser, 20).until(lambda driver: "q=wage+OR+salaire" in driver.current_url)
    marks = browser.find_elements(By.CSS_SELECTOR, ".hit mark")
    assert marks and {mark.text.lower() for mark in marks} == {"wage", "salaire"}
    assert (
        total(browser.find_element(By.CLASS_NAME, "summary").text)
        == search(corpus_store, "wage OR salaire").total
    )
    SCREENSHOT.parent.mkdir(parents=True, exist_ok=True)
    assert browser.save_screenshot(str(SCREENSHOT))


def test_browser_country_filter_narrows_the_results_to_the_count_its_facet_showed(browser, served_corpus):
    from selenium.webdriver.common.by import By
    from selenium.webdriver.support.ui import Select, WebDriverWait

    browser.get(served_corpus + "/?q=worker*")
    before = total(browser.find_element(By.CLASS_NAME, "summary").text)
    facet = browser.find_element(By.XPATH, "//h3[.='Countries']/following-sibling::ul[1]/li[a[.='PH']]")
    facet_count = int(facet.find_element(By.CLASS_NAME, "count").text.replace(",", ""))
    Select(browser.find_element(By.ID, "f-country")).select_by_value("PH")
    browser.find_element(By.XPATH, "//button[.='Apply filters']").click()
    WebDriverWait(browser, 20).until(lambda driver: "country=PH" in driver.current_url)
    after = total(browser.find_element(By.CLASS_NAME, "summary").text)
    assert after == facet_count < before
    metas = [meta.text for meta in browser.find_elements(By.CSS_SELECTOR, ".hit .meta")]
    assert metas and all("PH" in meta for meta in metas)


def test_browser_follows_the_matrix_link_of_a_country_search_to_that_countrys_agreements(
    browser, served_corpus, corpus_store
):
    from selenium.webdriver.common.by import By
    from selenium.webdriver.support.ui import WebDriverWait

    browser.get(served_corpus + "/?country=KW")
    browser.find_element(By.ID, "matrix-link").click()
    WebDriverWait(browser, 20).until(lambda driver: urlsplit(driver.current_url).path == "/matrix")
    rows = browser.find_elements(By.CSS_SELECTOR, "table.matrix tbody tr")
    expected = [d.doc_id for d in store_module.iter_documents(corpus_store) if "KW" in d.metadata.countries]
    assert [row.get_attribute("data-doc") for row in rows] == expected
    assert all("KW" in row.find_element(By.CLASS_NAME, "country").text for row in rows)
    cell = rows[0].find_element(By.CSS_SELECTOR, "td.cell.v-yes")
    assert (
        cell.get_attribute("title")
        and cell.value_of_css_property("background-color") == "rgba(0, 114, 178, 1)"
    )


def test_browser_opens_an_agreement_at_the_clause_and_follows_a_pdf_link(
    browser, served_corpus, corpus_store
):
    from selenium.webdriver.common.by import By
    from selenium.webdriver.support.ui import WebDriverWait

    browser.get(served_corpus + "/?q=wage")
    browser.find_element(By.CSS_SELECTOR, ".hit h3 a").click()
    WebDriverWait(browser, 20).until(lambda driver: "/doc/" in driver.current_url)
    doc_id, clause_id = re.fullmatch(r".*/doc/([^#]+)#(.+)", browser.current_url).groups()
    clause = browser.find_element(By.ID, clause_id)
    assert clause.tag_name == "li" and clause_id in clause.find_element(By.CLASS_NAME, "anchor").text
    assert browser.execute_script("return document.querySelector(':target').id") == clause_id
    rows = browser.find_elements(By.CSS_SELECTOR, "table.scorecard tbody tr")
    assert len(rows) == len(taxonomy.criteria())
    evidence = browser.find_elements(By.CSS_SELECTOR, "table.scorecard a[href^='#']")
    assert evidence and all(browser.find_elements(By.ID, a.get_attribute("hash")[1:]) for a in evidence)

    pdf_link = clause.find_element(By.CSS_SELECTOR, "a[href*='/pdf/']")
    href = pdf_link.get_attribute("href")
    assert re.fullmatch(rf"{served_corpus}/pdf/{doc_id}#page=\d+", href)
    with urllib.request.urlopen(href, timeout=10) as response:
        assert response.headers["Content-Type"] == "application/pdf"
        assert response.read() == store_module.pdf_path(corpus_store, doc_id).read_bytes()
    pdf_link.click()
    WebDriverWait(browser, 20).until(lambda driver: urlsplit(driver.current_url).path == f"/pdf/{doc_id}")
