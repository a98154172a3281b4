"""What an agreement is: title, parties, year, instrument type and language, read from its text.

Agreements come as noisy PDF text in many languages and with no markup, so everything here is a cheap,
explainable heuristic rather than a trained model: the caller can see why a value was chosen and the
rules work the same on a 1948 French treaty and a 2019 English MOU.

* **language**: spaCy's own stop-word lists (no model download) vote over the first words; Hangul and
  Arabic are recognised by script because their stop words would need a tokenizer.
* **parties**: country names and adjectives in seven languages (``data/countries.json``) are matched
  on whole words, longest alias first; where they occur decides whether they are parties (title, then
  opening, then signature block) or merely mentioned in the body.
* **year**: the signing formula ("Done at", "Fait à", "Gedaan te", "Geschehen zu", ...) beats a year in
  the title, which beats a date in the opening; validity dates and references to older treaties in the
  body are thereby ignored.
* **type**: the first instrument word of the title, else the instrument the opening calls itself.
"""

from __future__ import annotations

import json
import re
import unicodedata
from collections import Counter
from dataclasses import dataclass
from functools import cache
from importlib.util import find_spec, module_from_spec, spec_from_file_location
from pathlib import Path

from .model import Metadata

__all__ = ["detect_language", "extract_metadata"]

COUNTRIES_FILE = Path(__file__).parent / "data" / "countries.json"
"""ISO 3166-1 alpha-2 code → English name and aliases (names, official forms, adjectives), seven languages."""

OPENING_CHARS = 1500
"""Where the parties introduce themselves ("The Government of X and the Government of Y")."""

CLOSING_CHARS = 1500
"""Where the signature block names the parties again ("For the Government of X")."""

LANGUAGE_SAMPLE_WORDS = 3000
"""Enough words for a stable stop-word vote; reading more only costs time."""

MIN_LANGUAGE_WORDS = 20
"""Below this a stop-word vote is noise, so no language is claimed."""

MIN_STOP_WORD_SCORE = 5.0
"""Fewest (weighted) stop-word hits for a vote to count: a word list or a table of figures has almost none."""

LANGUAGE_MARGIN = 1.5
"""The winning language must out-score the runner-up by this factor, or the text is called ambiguous."""

SCRIPT_SHARE = 0.3
"""Share of letters in one non-Latin script (Hangul, Arabic) that decides the language outright."""

STOP_WORD_LANGUAGES = ("en", "fr", "nl", "de", "es", "pt", "it")
"""Languages told apart by stop words; all are shipped with spaCy itself."""

_WORD = re.compile(r"[^\W_]+")
_LETTERS = re.compile(r"[^\W\d_]+'?")
_GLUED = re.compile(r"(?<=[a-zß-öø-ÿ])(?=[A-ZÀ-ÖØ-Þ])")
"""A lower-case letter directly followed by a capital: words glued by a bad PDF/markdown conversion."""

_LANGUAGE_NOUNS = frozenset(
    "language languages langue langues taal talen sprache sprachen idioma idiomas lengua lenguas lingua "
    "lingue linguas text texts texte textes tekst teksten wortlaut texto textos testo testi".split()
)
"""Words showing that a nationality adjective names a language ("in the French language"), not a party."""

_HANGUL_PARTICLES = (
    *"에서 에게 으로 과의 와의 정부 간의".split(),
    *"의 과 와 은 는 이 가 을 를 에 로 및 도 측".split(),
)
"""Korean particles and nouns glued to a country name (대한민국과, 베트남정부); longest first."""


# ----------------------------------------------------------------------------------------------- text forms


def _strip_accents(text: str) -> str:
    """Drop diacritics but keep case, so 'Fait à' and 'FAIT A' look alike while capitals still count."""
    decomposed = unicodedata.normalize("NFKD", text.replace("’", "'"))
    stripped = "".join(ch for ch in decomposed if not unicodedata.combining(ch))
    return unicodedata.normalize("NFC", stripped)  # recompose Hangul syllables split by NFKD


def _fold(text: str) -> str:
    """Case- and accent-free form, so 'NÉERLANDAISES' matches the alias 'néerlandaises'."""
    return _strip_accents(text).casefold()


def _tokens(text: str) -> list[str]:
    """Folded words; hyphens, apostrophes and line breaks all become word boundaries."""
    return _WORD.findall(_fold(_GLUED.sub(" ", text)))


def _squash(text: str) -> str:
    """Whitespace-normalised text (one space between words, no leading/trailing blanks)."""
    return " ".join(text.split())


# ----------------------------------------------------------------------------------------------- language


@cache
def _stop_words() -> dict[str, frozenset[str]]:
    """spaCy's stop-word list per language, loaded once; needs no trained model.

    Each ``spacy/lang/<xx>/stop_words.py`` is loaded on its own: importing it as ``spacy.lang.<xx>.…`` would
    first run the language package, whose tokenizer exceptions take seconds to compile.
    """
    spec = find_spec("spacy")
    if spec is None or not spec.submodule_search_locations:
        raise ImportError("spaCy is not installed")
    root = Path(next(iter(spec.submodule_search_locations))) / "lang"
    words = {}
    for lang in STOP_WORD_LANGUAGES:
        module_spec = spec_from_file_location(f"_blamine_stop_words_{lang}", root / lang / "stop_words.py")
        assert module_spec is not None and module_spec.loader is not None
        module = module_from_spec(module_spec)
        module_spec.loader.exec_module(module)
        words[lang] = frozenset(module.STOP_WORDS)
    return words


@cache
def _stop_word_weights() -> dict[str, dict[str, float]]:
    """word → {language: weight}; a word shared by k lists counts 1/k, so 'de' or 'a' barely vote."""
    owners: dict[str, list[str]] = {}
    for lang, words in _stop_words().items():
        for word in words:
            owners.setdefault(word.replace("’", "'"), []).append(lang)
    return {word: {lang: 1 / len(langs) for lang in langs} for word, langs in owners.items()}


def _script_language(sample: str) -> str | None:
    """'ko' or 'ar' when Hangul or Arabic letters dominate: Latin stop words cannot judge those scripts."""
    letters = [ch for ch in sample if ch.isalpha()]
    if not letters:
        return None
    hangul = sum("\uac00" <= ch <= "\ud7a3" or "\u1100" <= ch <= "\u11ff" for ch in letters)
    arabic = sum("\u0600" <= ch <= "\u06ff" or "\u0750" <= ch <= "\u077f" for ch in letters)
    if hangul / len(letters) >= SCRIPT_SHARE:
        return "ko"
    if arabic / len(letters) >= SCRIPT_SHARE:
        return "ar"
    return None


def detect_language(text: str) -> str | None:
    """ISO 639-1 code of the text's main language, or ``None`` if the text is too short or ambiguous.

    Counts weighted stop-word hits over the first :data:`LANGUAGE_SAMPLE_WORDS` words. A bilingual or
    mostly-numeric text gives no clear winner and yields ``None`` rather than a guess.
    """
    words = text.split()
    if len(words) < MIN_LANGUAGE_WORDS:
        return None
    sample = " ".join(words[:LANGUAGE_SAMPLE_WORDS])
    script = _script_language(sample)
    if script:
        return script
    weights = _stop_word_weights()
    scores: Counter[str] = Counter()
    for token in _LETTERS.findall(sample.lower().replace("’", "'")):
        hit = weights.get(token) or weights.get(token.rstrip("'"))
        if hit:
            scores.update(hit)
    ranked = scores.most_common(2)
    if not ranked or ranked[0][1] < MIN_STOP_WORD_SCORE:
        return None
    if len(ranked) > 1 and ranked[0][1] < LANGUAGE_MARGIN * ranked[1][1]:
        return None
    return ranked[0][0]


# ----------------------------------------------------------------------------------------------- countries


@dataclass(frozen=True)
class _CountryTable:
    """The country aliases as folded word tuples, ready for longest-first matching."""

    names: dict[str, str]
    aliases: dict[tuple[str, ...], str]
    longest: int


@cache
def _country_table() -> _CountryTable:
    """Load ``countries.json`` once; an alias claimed by two countries is a data error worth failing on."""
    raw = json.loads(COUNTRIES_FILE.read_text(encoding="utf-8"))
    aliases: dict[tuple[str, ...], str] = {}
    for code, entry in raw.items():
        for alias in [entry["name"], *entry["aliases"]]:
            key = tuple(_tokens(alias))
            if aliases.setdefault(key, code) != code:
                raise ValueError(f"{COUNTRIES_FILE.name}: alias {alias!r} given to {aliases[key]} and {code}")
    return _CountryTable(
        names={code: entry["name"] for code, entry in raw.items()},
        aliases=aliases,
        longest=max(len(key) for key in aliases),
    )


def _hangul_country(token: str, aliases: dict[tuple[str, ...], str]) -> str | None:
    """A Korean word made of a country name plus a particle (대한민국과 → KR); Korean writes them glued."""
    if not ("\uac00" <= token[0] <= "\ud7a3"):
        return None
    for particle in _HANGUL_PARTICLES:
        if token.endswith(particle) and len(token) > len(particle):
            code = aliases.get((token[: -len(particle)],))
            if code:
                return code
    return None


def _names_a_language(tokens: list[str], start: int, end: int) -> bool:
    """True for 'in the French language', 'langue française', 'Franse tekst': a language, not a State."""
    nearby = tokens[max(0, start - 1) : start] + tokens[end : end + 3]
    return any(token in _LANGUAGE_NOUNS for token in nearby)


def _country_mentions(text: str) -> list[str]:
    """Country codes named in ``text``, in order of first mention, longest alias winning at each word.

    Matching whole folded words means 'Niger' never fires inside 'Nigeria', and trying the longest alias
    first means 'Papua New Guinea' is read before 'Guinea' and 'Dominican Republic' before 'Dominica'.
    """
    table = _country_table()
    tokens = _tokens(text)
    found: list[str] = []
    i = 0
    while i < len(tokens):
        for size in range(min(table.longest, len(tokens) - i), 0, -1):
            code = table.aliases.get(tuple(tokens[i : i + size]))
            if code is None and size == 1:
                code = _hangul_country(tokens[i], table.aliases)
            if code is not None:
                if not _names_a_language(tokens, i, i + size):
                    found.append(code)
                i += size
                break
        else:
            i += 1
    return list(dict.fromkeys(found))


def _party_countries(title: str | None, text: str) -> list[str]:
    """The States party to the agreement, ranked by where they are named.

    A title naming two or more countries is trusted alone; otherwise the opening (where the Governments
    introduce themselves) is added; if that still gives fewer than two, the signature block is added.
    Countries named only deep in the body (origin of a reference, a transit country) are never parties.
    """
    codes = _country_mentions(title or "")
    if len(codes) >= 2:
        return codes
    codes = list(dict.fromkeys(codes + _country_mentions(text[:OPENING_CHARS])))
    if len(codes) >= 2:
        return codes
    return list(dict.fromkeys(codes + _country_mentions(text[-CLOSING_CHARS:])))


# ----------------------------------------------------------------------------------------------- year

_YEAR = r"(?:19(?:19|[2-9]\d)|20(?:[0-2]\d|3[0-5]))"
"""A plausible year for a labour agreement (1919, the ILO's founding, to 2035), as a regex fragment."""

_MONTH_NAMES = {
    "en": "january february march april may june july august september october november december"
    " jan feb mar apr jun jul aug sep sept oct nov dec",
    "fr": "janvier fevrier mars avril mai juin juillet aout septembre octobre novembre decembre",
    "nl": "januari februari maart april mei juni juli augustus september oktober november december",
    "de": "januar janner februar marz april mai juni juli august september oktober november dezember",
    "es": "enero febrero marzo abril mayo junio julio agosto septiembre setiembre octubre noviembre"
    " diciembre",
    "pt": "janeiro fevereiro marco abril maio junho julho agosto setembro outubro novembro dezembro",
    "it": "gennaio febbraio marzo aprile maggio giugno luglio agosto settembre ottobre novembre dicembre",
}
_MONTHS = "|".join(sorted({m for names in _MONTH_NAMES.values() for m in names.split()}, key=len)[::-1])
"""Month names in the seven languages, accent-free (matched on :func:`_strip_accents` text)."""

_BARE_YEAR = re.compile(rf"(?<!\d){_YEAR}(?!\d)")
_DATED_YEAR = re.compile(
    rf"(?:\b(?:{_MONTHS})\b\.?,?\s+(?:\d{{1,2}}(?:st|nd|rd|th)?,?\s+)?(?:(?:de|del|of|in\s+the\s+year)\s+)?"
    rf"|(?<!\d)\d{{1,2}}[./-]\d{{1,2}}[./-])({_YEAR})(?!\d)",
    re.IGNORECASE,
)
"""A year that is part of a written date ('2 juin 1948', 'March 12, 2019', '12.03.2019')."""

_SIGNING = re.compile(
    r"\b(?:D(?i:one)|F(?i:ait)|G(?i:edaan)|G(?i:eschehen)|G(?i:egeben)|H(?i:echo)|F(?i:eito)|F(?i:atto)"
    r"|S(?i:igned)|S(?i:igne)|O(?i:ndertekend)|U(?i:nterzeichnet)|F(?i:irmado)|A(?i:ssinado)|F(?i:irmato))\b"
)
"""The capitalised verb that opens a signing formula ('Done at', 'FAIT à', 'Gedaan te', 'Geschehen zu')."""

_DAY_OF = re.compile(
    rf"\b(?:day|dias?)\s+(?:of|do\s+mes\s+de|del\s+mes\s+de)\s+(?:{_MONTHS}),?\s+"
    rf"(?:(?:de|of|in\s+the\s+year)\s+)?({_YEAR})(?!\d)",
    re.IGNORECASE,
)
"""The English/Iberian formula 'this 3rd day of May, 1971' / 'aos 3 dias do mês de maio de 1971'."""

_LETTER_DATE = re.compile(
    rf"\b[A-Z][\w'.-]*(?:\s[\w'.-]+){{0,3}},\s+(?:(?i:le|den|the|el|em|il|on|op)\s+)?\d{{1,2}}"
    rf"(?:st|nd|rd|th|er|e|ste|de|o)?\.?\s+(?i:{_MONTHS})\s+({_YEAR})(?!\d)"
)
"""'Rome, le 4 décembre 1948' / 'Manila, 12 March 2019': the place-and-date line of a letter or signature."""

SIGNING_WINDOW = 200
"""How far after 'Done at' the date may stand ('Done in duplicate at X, in the A and B languages, on ...')."""


def _year_after(plain: str, start: int) -> int | None:
    """The year of the first written date within :data:`SIGNING_WINDOW` characters of ``start``."""
    window = plain[start : start + SIGNING_WINDOW]
    dated = _DATED_YEAR.search(window)
    if dated:
        return int(dated.group(1))
    bare = _BARE_YEAR.search(window[: SIGNING_WINDOW // 2])
    return int(bare.group()) if bare else None


def _signing_year(plain: str) -> int | None:
    """Year of the first signing formula after the opening (else anywhere), or ``None``.

    The first formula past the opening is the main instrument's; protocols and notes that follow repeat
    or postdate it. Formulas inside the opening are only used when there is no other, because there they
    usually cite an earlier treaty.
    """
    hits: list[tuple[int, int]] = []
    for match in _SIGNING.finditer(plain):
        year = _year_after(plain, match.end())
        if year is not None:
            hits.append((match.start(), year))
    hits += [(match.start(), int(match.group(1))) for match in _DAY_OF.finditer(plain)]
    if not hits:
        return None
    hits.sort()
    opening_end = min(OPENING_CHARS, len(plain) // 2)
    late = [year for position, year in hits if position >= opening_end]
    return late[0] if late else hits[0][1]


def _detect_year(title: str | None, text: str) -> int | None:
    """The year the agreement was done, or ``None`` when the text names no plausible year.

    In order of trust: the signing formula; a place-and-date line in the closing part; the latest year in
    the title; the latest year of a written date (else any year) in the opening. 'Latest' because the
    instrument postdates the treaties it cites.
    """
    plain = _strip_accents(text)
    year = _signing_year(plain)
    if year is not None:
        return year
    closing = _LETTER_DATE.search(plain[-CLOSING_CHARS:])
    if closing:
        return int(closing.group(1))
    title_years = [int(y) for y in _BARE_YEAR.findall(title or "")]
    if title_years:
        return max(title_years)
    opening = plain[:OPENING_CHARS]
    dated = [int(m.group(1)) for m in _DATED_YEAR.finditer(opening)]
    if dated:
        return max(dated)
    bare = [int(y) for y in _BARE_YEAR.findall(opening)]
    return max(bare) if bare else None


# ----------------------------------------------------------------------------------------------- type

_TYPE_PATTERNS: tuple[tuple[str, re.Pattern[str]], ...] = tuple(
    (kind, re.compile(pattern))
    for kind, pattern in (
        (
            "MOU",
            r"\bmemorand\w*\b|\bmou\b|\bprotocole d accord\b"
            r"|\bprotocollo d intesa\b|\b\w*absichtserklarung\b|\bintentieverklaring\b|양해각서",
        ),
        (
            "exchange_of_notes",
            r"\bexchange of (?:notes|letters)\b|\bechange de (?:notes|lettres)\b|\b\w*notawisseling\b"
            r"|\bbriefwisseling\b|\bnotenwechsel\b|\bbriefwechsel\b"
            r"|\b(?:canje|intercambio) de (?:notas|cartas)\b|\btroca de (?:notas|cartas)\b"
            r"|\bscambio di (?:note|lettere)\b",
        ),
        (
            "standard_contract",
            r"\b(?:standard|model) (?:employment |labour |labor |work )?contracts?\b"
            r"|\bcontrats? (?:de travail )?types?\b|\b(?:model|standaard) ?arbeidsovereenkomst\b"
            r"|\b(?:model|standaard) ?contract\b|\b(?:muster|standard) ?(?:arbeits)?vertrag\b"
            r"|\bcontrato (?:de (?:trabajo|trabalho|empleo|emprego) )?(?:tipo|modelo|padrao)\b"
            r"|\bcontratto (?:di lavoro )?tipo\b",
        ),
        ("protocol", r"\b\w*protoco\w*\b|\b\w*protokoll\w*\b"),
        (
            "BLA",
            r"\b(?:agreements?|arrangements?|conventions?|treaty|treaties|accords?|traites?|akkoord"
            r"|\w*verdrag|\w*(?<!arbeids)overeenkomst|\w*abkommen|\w*vereinbarung|\w*ubereinkommen"
            r"|\w*(?<!arbeits)vertrag|acuerdos?|convenios?|tratados?|acordos?|convencao|accordo|convenzione"
            r"|trattato)\b|협정",
        ),
    )
)
"""Instrument words per type, on folded space-joined words; earlier entries win ties at one position
('protocole d'accord' is an MOU, not a protocol; 'modelarbeidsovereenkomst' a contract, not a BLA)."""

_SELF_REFERENCE = re.compile(r"\b(?:this|present|presente|deze|dit|dieses|diese|dieser|diesem) ")
"""How an instrument names itself in its opening ('this Memorandum', 'le présent échange de notes')."""


def _first_type(text: str) -> tuple[int, str] | None:
    """(position, type) of the earliest instrument word in ``text`` (folded, space-joined words)."""
    best: tuple[int, str] | None = None
    for kind, pattern in _TYPE_PATTERNS:
        match = pattern.search(text)
        if match and (best is None or match.start() < best[0]):
            best = (match.start(), kind)
    return best


def _self_named_type(opening: str) -> tuple[int, str] | None:
    """(position, type) from the opening's first 'this <instrument>' phrase, or ``None``.

    Safer than the opening's first instrument word, which may be an idiom ('d'un commun accord') or the
    title of a treaty it cites.
    """
    for reference in _SELF_REFERENCE.finditer(opening):
        hit = _first_type(opening[reference.end() :])
        if hit and hit[0] == 0:
            return hit
    return None


def _detect_type(title: str | None, text: str, parties: int) -> str | None:
    """Instrument type from the title's first instrument word, else from how the opening names itself.

    'BLA' also needs two States: an ILO convention or a model agreement says 'Convention'/'Agreement'
    without being bilateral, and is better left unknown than filed as a BLA.
    """
    opening = " ".join(_tokens(text[:OPENING_CHARS]))
    hit = _first_type(" ".join(_tokens(title or ""))) or _self_named_type(opening) or _first_type(opening)
    if hit is None or (hit[1] == "BLA" and parties < 2):
        return None
    return hit[1]


# ----------------------------------------------------------------------------------------------- title

_HEADING = re.compile(
    r"^(?:(?:article|artikel|articulo|artigo|articolo|preamble|preambule|preambulo|preambolo|chapter"
    r"|chapitre|hoofdstuk|kapitel|capitulo|capitolo)\b|art\.\s*\d|제\s*\d+\s*조)",
    re.IGNORECASE,
)
"""Lines that start the body: a title never continues past them."""

_REAL_WORD = re.compile(r"[^\W\d_]{3,}")
"""A word of three letters or more: lines without one ('A—7', '- 1 -') are page furniture, not a title."""

TITLE_MAX_LINE_WORDS = 30
"""A longer line is running text (a preamble, a letter), not part of a title."""

TITLE_MAX_WORDS = 60
"""Titles of labour agreements run long ('... on the Recruitment and Employment of ...'), not longer."""

TITLE_MAX_LINES = 6
"""At most this many leading lines (letterhead plus a title broken over several lines) make the title."""


def _guess_title(text: str) -> str | None:
    """The leading short lines of the text, joined: a title typed across several lines or paragraphs.

    Skips page furniture ('A—7', '- 1 -'), stops at a body heading, a long line or a sentence, and stops
    at a blank line once the lines so far name an instrument (so a letterhead is joined to the title that
    follows it, but the preamble is not).
    """
    picked: list[str] = []
    for raw in text.splitlines():
        line = _squash(raw)
        if not line:
            if picked and _first_type(" ".join(_tokens(" ".join(picked)))):
                break
            continue
        if not picked and not _REAL_WORD.search(line):
            continue
        words = len(line.split())
        if _HEADING.match(_strip_accents(line)) or words > TITLE_MAX_LINE_WORDS:
            break
        if sum(len(p.split()) for p in picked) + words > TITLE_MAX_WORDS or len(picked) == TITLE_MAX_LINES:
            break
        if line.endswith((".", ":", ";")):
            if not picked and words <= 12:
                picked.append(line.rstrip(".:;"))
            break
        picked.append(line)
    return " ".join(picked) or None


# ----------------------------------------------------------------------------------------------- entry point


def extract_metadata(text: str, *, title: str | None = None) -> Metadata:
    """Title, parties, countries, year, type and language of an agreement's full text.

    ``title`` is the segmenter's title line when it found one; otherwise the leading lines are used.
    Every field is ``None``/empty when the text does not support a value: a guess in the metadata would
    be indexed and searched as fact.
    """
    title = _squash(title) if title and title.strip() else _guess_title(text)
    codes = _party_countries(title, text)
    names = _country_table().names
    return Metadata(
        title=title,
        parties=[names[code] for code in codes],
        countries=codes,
        year=_detect_year(title, text),
        type=_detect_type(title, text, len(codes)),
        language=detect_language(text),
    )
