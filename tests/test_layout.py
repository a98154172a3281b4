"""Page geometry → text: columns, running lines, paragraph breaks, hyphenation and glyph clean-up."""

from __future__ import annotations

from pipeline.layout import (
    Line,
    attach_markers,
    drop_running_lines,
    lines_to_text,
    merge_pieces,
    normalise_text,
    reading_order,
)

WIDTH, HEIGHT = 600.0, 800.0


def column(x0: float, x1: float, top: float, texts: list[str], pitch: float = 12.0) -> list[Line]:
    return [Line(x0, top - i * pitch - 10, x1, top - i * pitch, text) for i, text in enumerate(texts)]


def test_three_columns_read_column_by_column_after_a_spanning_title():
    title = [Line(40, 740, 560, 752, "GAZETTE TITLE ACROSS ALL COLUMNS")]
    cols = [
        column(40, 200, 700, [f"a{i}" for i in range(6)]),
        column(215, 380, 700, [f"b{i}" for i in range(6)]),
        column(395, 560, 700, [f"c{i}" for i in range(6)]),
    ]
    ordered = reading_order(title + cols[2] + cols[0] + cols[1], WIDTH)
    assert [ln.text for ln in ordered] == ["GAZETTE TITLE ACROSS ALL COLUMNS"] + [
        f"{c}{i}" for c in "abc" for i in range(6)
    ]
    assert ordered[0].column == -1 and len({ln.column for ln in ordered[1:]}) == 3


def test_single_column_page_keeps_top_to_bottom_order():
    lines = column(40, 560, 700, [f"line {i}" for i in range(10)])
    assert [ln.text for ln in reading_order(list(reversed(lines)), WIDTH)] == [f"line {i}" for i in range(10)]


def test_pieces_close_on_a_baseline_join_but_a_narrow_gutter_separates():
    pieces = [
        Line(40, 700, 100, 710, "The employer"),
        Line(103, 700, 180, 710, "shall pay"),
        Line(194, 700, 300, 710, "next column"),
    ]
    assert [ln.text for ln in merge_pieces(pieces)] == ["The employer shall pay", "next column"]


def test_running_header_and_folio_are_removed_and_kept_as_provenance():
    pages = []
    for number in (1, 2, 3):
        body = column(40, 560, 700, [f"Body text of page {number}, line {i}." for i in range(5)])
        header = Line(200, 770, 400, 778, "Agreement on Seasonal Work")
        folio = Line(290, 20, 310, 28, f"- {number} -")
        pages.append([header, *body, folio])
    kept, removed = drop_running_lines(pages, [HEIGHT] * 3)
    assert all(len(page) == 5 for page in kept)
    assert removed[1] == ["Agreement on Seasonal Work", "- 2 -"]


def test_a_page_holding_only_one_short_line_keeps_it():
    pages = [[Line(40, 770, 120, 778, f"Salad {i}")] for i in range(4)]
    kept, removed = drop_running_lines(pages, [HEIGHT] * 4)
    assert [page[0].text for page in kept] == [f"Salad {i}" for i in range(4)] and not any(removed)


def test_heading_at_the_foot_of_several_pages_is_not_a_running_footer():
    pages = []
    for number in (5, 6, 7):
        body = column(40, 560, 700, [f"Text {number}.{i}" for i in range(5)])
        pages.append([*body, Line(270, 80 + number, 330, 90 + number, f"Article {number}")])
    kept, _ = drop_running_lines(pages, [HEIGHT] * 3)
    assert all(page[-1].text.startswith("Article") for page in kept)


def test_article_headings_at_the_same_place_on_two_pages_are_not_a_running_header():
    """Regression: a two-column agreement of 4 pages put "Article 3" and "Article 6" at the same spot on
    pages 1 and 2; masking the digits made them look like one header and both headings were dropped."""
    pages = []
    for page, article in enumerate((3, 6, None, None), start=1):
        body = column(40, 560, 700, [f"Body {page}.{i}" for i in range(5)])
        margin = [Line(200, 770, 400, 778, "Treaty Series No. 1178"), Line(290, 20, 310, 28, str(page))]
        if article is not None:
            margin.append(Line(40, 60, 120, 70, f"Article {article}"))
        pages.append([*body, *margin])
    kept, removed = drop_running_lines(pages, [HEIGHT] * 4)
    assert removed[0] == ["Treaty Series No. 1178", "1"]
    assert "Article 6" in [ln.text for ln in kept[1]]


def test_hyphenated_words_are_rejoined_but_compounds_keep_their_hyphen():
    lines = column(
        40, 560, 700, ["the costs of recruit-", "ment are borne by the main-", "d'oeuvre employer"]
    )
    assert lines_to_text(lines) == "the costs of recruitment\nare borne by the main-d'oeuvre\nemployer"


def test_large_vertical_gap_makes_a_paragraph_break():
    lines = column(40, 560, 700, ["first paragraph line one", "first paragraph line two"])
    lines += column(40, 560, 660, ["Article 2", "second paragraph"])
    assert (
        lines_to_text(lines)
        == "first paragraph line one\nfirst paragraph line two\n\nArticle 2\nsecond paragraph"
    )


def test_ligatures_and_doubled_fake_bold_glyphs_are_normalised():
    assert normalise_text("the ﬁrst  oﬃce") == "the first office"
    assert normalise_text("AArrttiiccllee  33") == "Article 3"
    assert normalise_text("Mississippi committee") == "Mississippi committee"


def test_a_hanging_paragraph_number_set_lower_than_its_text_is_joined_to_it():
    """Regression: OCR of a scanned note reported "11." as its own line a little lower than the text beside
    it, so the number was read after the text's first line and the point was not found."""
    text = Line(90, 700, 500, 712, "Les questions de sécurité sociale")
    number = Line(60, 697, 75, 709, "11.")
    below = Line(90, 686, 500, 698, "point 8, feront l'objet d'un accord.")
    lines = attach_markers([text, number, below])
    assert [ln.text for ln in reading_order(lines, WIDTH)] == [
        "11. Les questions de sécurité sociale",
        "point 8, feront l'objet d'un accord.",
    ]


def test_a_number_far_from_any_text_stays_alone():
    lines = attach_markers([Line(60, 700, 75, 712, "3."), Line(400, 700, 500, 712, "far away text")])
    assert [ln.text for ln in lines] == ["3.", "far away text"]
