"""What an agreement is: title, parties, year, type, languages, origin, destination and signature.

Agreements come as noisy PDF text in many languages and with no markup, so everything here is a cheap,
explainable heuristic rather than a trained model: the caller can see why a value was chosen and the
rules work the same on a 1948 French treaty and a 2019 English MOU.

* **language(s)**: spaCy's own stop-word lists (no model download) vote over the first words; Hangul and
  Arabic are recognised by script because their stop words would need a tokenizer. Each block of about
  forty words votes again, so a bilingual text lists both languages.
* **parties**: country names from pycountry (ISO 3166-1 with its fr/nl/de/es/pt/it/ko translations,
  shipped with the package) plus a small supplement of our own (``data/countries_supplement.json``:
  historic States, missing forms, nationality adjectives) are matched on whole words, longest alias
  first; where they occur decides whether they are parties (title, then opening, then signature
  block) or merely mentioned in the body.
* **origin/destination**: the nationality that qualifies the workers ('travailleurs turcs') is the
  origin; the country named after it with a preposition ('aux Pays-Bas'), else the other party, the
  destination.
* **year, date and place of signature**: the signing formula ("Done at", "Fait à", "Gedaan te",
  "Geschehen zu", ...) beats a year in the title, which beats a date in the opening; validity dates and
  references to older treaties in the body are thereby ignored.
* **type**: the first instrument word of the title, else the instrument the opening calls itself.
"""

from __future__ import annotations

import functools
import gettext
import json
import re
import unicodedata
from collections import Counter
from dataclasses import dataclass
from datetime import date
from functools import cache
from importlib.util import find_spec, module_from_spec, spec_from_file_location
from operator import itemgetter
from pathlib import Path

import pycountry

from .model import Metadata

__all__ = ["detect_language", "extract_metadata"]

SUPPLEMENT_FILE = Path(__file__).parent / "data" / "countries_supplement.json"
"""What pycountry lacks: historic States, extra formal forms, words to skip, nationality adjectives."""

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
    if text.isascii():
        return text
    decomposed = unicodedata.normalize("NFKD", text.replace("’", "'"))
    # Whole documents come through here: delete the few distinct marks in one regex pass, not char by char.
    marks = "".join(sorted(ch for ch in set(decomposed) if unicodedata.combining(ch)))
    stripped = re.sub(f"[{re.escape(marks)}]", "", decomposed) if marks else decomposed
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
def _stop_word_votes() -> dict[str, tuple[tuple[str, float], ...]]:
    """token → its (language, weight) votes; a word shared by k lists counts 1/k, so 'de' or 'a' barely vote.

    A token with a trailing apostrophe ("l'", "dell'") that is no stop word itself votes as the word without
    it. Folding that fallback into the table leaves one dict look-up per token, the inner loop of every vote.
    """
    owners: dict[str, list[str]] = {}
    for lang, words in _stop_words().items():
        for word in words:
            owners.setdefault(word.replace("’", "'"), []).append(lang)
    # A list may hold a word in both spellings ("l'" and "l’"): its language still votes once (a dict key),
    # at 1/k for the k entries.
    votes = {word: tuple({lang: 1 / len(langs) for lang in langs}.items()) for word, langs in owners.items()}
    for word, vote in list(votes.items()):
        votes.setdefault(word + "'", vote)
    return votes


_HANGUL = re.compile("[\uac00-\ud7a3\u1100-\u11ff]")
_ARABIC = re.compile("[\u0600-\u06ff\u0750-\u077f]")


def _script_language(sample: str) -> str | None:
    """'ko' or 'ar' when Hangul or Arabic letters dominate: Latin stop words cannot judge those scripts."""
    if sample.isascii():
        return None
    # Counted by C-level scans rather than a Python loop over characters: this runs on every block's vote.
    letters = sum(map(str.isalpha, sample))
    if not letters:
        return None
    hangul = sum(map(str.isalpha, _HANGUL.findall(sample)))
    arabic = sum(map(str.isalpha, _ARABIC.findall(sample)))
    if hangul / letters >= SCRIPT_SHARE:
        return "ko"
    if arabic / letters >= SCRIPT_SHARE:
        return "ar"
    return None


def detect_language(text: str) -> str | None:
    """ISO 639-1 code of the text's main language, or ``None`` if the text is too short or ambiguous.

    Counts weighted stop-word hits over the first :data:`LANGUAGE_SAMPLE_WORDS` words. A bilingual or
    mostly-numeric text gives no clear winner and yields ``None`` rather than a guess.
    """
    # Only the sample is split off: the rest of a long document would be split for nothing.
    return _words_language(text.split(maxsplit=LANGUAGE_SAMPLE_WORDS)[:LANGUAGE_SAMPLE_WORDS])


@functools.lru_cache(maxsize=16384)
def _word_votes(word: str) -> tuple[tuple[tuple[str, float], ...], ...]:
    """The stop-word votes of the tokens of one word ("l'accord" → the vote of "l'"), in order.

    Tokens never cross whitespace, so a text's votes are its words' votes in turn; and words repeat so
    much that looking each one up once beats tokenising every block of every document.
    """
    votes = _stop_word_votes()
    return tuple(filter(None, map(votes.get, _LETTERS.findall(word.lower().replace("’", "'")))))


def _words_language(words: list[str]) -> str | None:
    """:func:`detect_language` of a text already split into words, as :func:`_languages` has its blocks."""
    if len(words) < MIN_LANGUAGE_WORDS:
        return None
    sample = words[:LANGUAGE_SAMPLE_WORDS]
    script = _script_language(" ".join(sample))
    if script:
        return script
    # Totals are summed in token order and ties ranked by first vote (a stable sort, as in
    # Counter.most_common): floating-point sums depend on their order, and the result must not.
    scores: dict[str, float] = {}
    for word in sample:
        for vote in _word_votes(word):
            for lang, weight in vote:
                scores[lang] = weight + scores.get(lang, 0)
    ranked = sorted(scores.items(), key=itemgetter(1), reverse=True)[:2]
    if not ranked or ranked[0][1] < MIN_STOP_WORD_SCORE:
        return None
    if len(ranked) > 1 and ranked[0][1] < LANGUAGE_MARGIN * ranked[1][1]:
        return None
    return ranked[0][0]


# ----------------------------------------------------------------------------------------------- countries

LIBRARY_LANGUAGES = ("fr", "nl", "de", "es", "pt", "it", "ko")
"""pycountry catalogues read besides English: the seven agreement languages, plus Korean for Hangul texts."""

GERMAN_ENDINGS = ("", "e", "en", "er", "es", "em")
"""German adjectives inflect; the supplement gives stems ('türkisch') and these endings make the forms."""


@dataclass(frozen=True)
class _CountryTable:
    """The country aliases as folded word tuples, ready for longest-first matching.

    Names and nationality adjectives are kept apart because only a name can be where workers go
    ('aux Pays-Bas') and only an adjective (or a name used as one) says whose workers they are.
    """

    names: dict[str, str]
    aliases: dict[tuple[str, ...], str]
    adjectives: dict[tuple[str, ...], str]
    longest: int


def _library_forms(country: object) -> list[tuple[int, str]]:
    """(tier, form) for one pycountry country: its names in English and each translation, tier 1 or 2.

    ISO writes some names inverted ('Korea, Republic of'; 'Corée, République de'), so the re-ordered
    form is added at tier 1 and the part before the comma ('Korea') at tier 2, where it yields to any
    full name ('Congo' stays the Republic of the Congo's) and is dropped when two countries share it.
    """
    english = [getattr(country, field, None) for field in ("name", "official_name", "common_name")]
    english = [name for name in english if name]
    translations = [gettext.NullTranslations()] + [_catalogue(lang) for lang in LIBRARY_LANGUAGES]
    forms: list[tuple[int, str]] = []
    for catalogue in translations:
        for name in english:
            local = catalogue.gettext(name)
            forms.append((1, local))
            if ", " in local:
                head, tail = local.split(", ", 1)
                forms += [(1, f"{tail} {head}"), (2, head)]
    forms = [(tier, form[4:] if form.lower().startswith("the ") else form) for tier, form in forms]
    return forms


@cache
def _catalogue(lang: str) -> gettext.NullTranslations:
    """pycountry's gettext catalogue of ISO 3166-1 names in ``lang`` (shipped with the package)."""
    return gettext.translation("iso3166-1", pycountry.LOCALES_DIR, languages=[lang])


def _adjective_forms(lang: str, forms: str) -> list[str]:
    """The comma-separated forms of one supplement cell, German stems expanded with their endings."""
    words = [form.strip() for form in forms.split(",") if form.strip()]
    if lang == "de":
        return [word + ending for word in words for ending in GERMAN_ENDINGS]
    return words


@cache
def _country_table() -> _CountryTable:
    """Build the alias table once from pycountry and the supplement; nothing is downloaded.

    Precedence: the supplement's names (ours; two countries claiming one is an error), then pycountry's
    full names, then its shortened ones. A library alias claimed by two countries at the same tier is
    ambiguous and dropped; one listed in ``not_names`` is an ordinary word and dropped. Our adjectives
    may not collide with another country's name or adjective (an error, since we wrote both).
    """
    supplement = json.loads(SUPPLEMENT_FILE.read_text(encoding="utf-8"))
    skipped = {tuple(_tokens(word)) for word in supplement["not_names"]}
    aliases: dict[tuple[str, ...], str] = {}
    names: dict[str, str] = {}
    for code, entry in supplement["countries"].items():
        if "name" in entry:
            names[code] = entry["name"]
        for alias in entry.get("aliases", []):
            key = tuple(_tokens(alias))
            if aliases.setdefault(key, code) != code:
                raise ValueError(f"{SUPPLEMENT_FILE.name}: {alias!r} given to {aliases[key]} and {code}")
    claims: dict[int, dict[tuple[str, ...], set[str]]] = {1: {}, 2: {}}
    for country in pycountry.countries:
        code = country.alpha_2
        names.setdefault(code, getattr(country, "common_name", None) or country.name)
        for tier, form in _library_forms(country):
            key = tuple(_tokens(form))
            if key and key not in skipped:
                claims[tier].setdefault(key, set()).add(code)
    for tier in (1, 2):
        for key, codes in claims[tier].items():
            if len(codes) == 1 and key not in aliases:
                aliases[key] = next(iter(codes))
    adjectives: dict[tuple[str, ...], str] = {}
    for code, by_language in supplement["adjectives"].items():
        for lang, forms in by_language.items():
            for form in _adjective_forms(lang, forms):
                key = tuple(_tokens(form))
                owner = adjectives.setdefault(key, code)
                if owner != code or aliases.get(key, code) != code:
                    raise ValueError(f"{SUPPLEMENT_FILE.name}: adjective {form!r} of {code} is taken")
    return _CountryTable(
        names=names,
        aliases=aliases,
        adjectives=adjectives,
        longest=max(len(key) for key in [*aliases, *adjectives]),
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


@dataclass(frozen=True)
class _Mention:
    """One country named in a run of folded words: where (word indices) and whether by an adjective."""

    code: str
    start: int
    end: int
    adjective: bool


def _mentions(tokens: list[str]) -> list[_Mention]:
    """Every country named in ``tokens``, in order, the longest alias winning at each word.

    Matching whole folded words means 'Niger' never fires inside 'Nigeria', and trying the longest alias
    first means 'Papua New Guinea' is read before 'Guinea' and 'Dominican Republic' before 'Dominica'.
    A nationality adjective naming a language ('in the French language') is skipped.
    """
    table = _country_table()
    found: list[_Mention] = []
    i = 0
    while i < len(tokens):
        for size in range(min(table.longest, len(tokens) - i), 0, -1):
            key = tuple(tokens[i : i + size])
            code, adjective = table.aliases.get(key), False
            if code is None:
                code, adjective = table.adjectives.get(key), True
            if code is None and size == 1:
                code, adjective = _hangul_country(tokens[i], table.aliases), False
            if code is not None:
                if not _names_a_language(tokens, i, i + size):
                    found.append(_Mention(code, i, i + size, adjective))
                i += size
                break
        else:
            i += 1
    return found


def country_codes(text: str) -> list[str]:
    """Country codes named in ``text``, in order of first mention."""
    return list(dict.fromkeys(mention.code for mention in _mentions(_tokens(text))))


def _party_countries(title: str | None, text: str) -> list[str]:
    """The States party to the agreement, ranked by where they are named.

    A title naming two or more countries is trusted alone; otherwise the opening (where the Governments
    introduce themselves) is added; if that still gives fewer than two, the signature block is added.
    Countries named only deep in the body (origin of a reference, a transit country) are never parties.
    """
    codes = country_codes(title or "")
    if len(codes) >= 2:
        return codes
    codes = list(dict.fromkeys(codes + country_codes(text[:OPENING_CHARS])))
    if len(codes) >= 2:
        return codes
    return list(dict.fromkeys(codes + country_codes(text[-CLOSING_CHARS:])))


# ----------------------------------------------------------------------------------------------- origin

_WORKER_NOUNS = frozenset(
    "worker workers labourer labourers laborer laborers miners employees "
    "travailleur travailleurs travailleuse travailleuses ouvrier ouvriers ouvriere ouvrieres "
    "arbeider arbeiders werknemer werknemers arbeidskrachten "
    "arbeiter arbeitnehmer arbeitnehmerin arbeitnehmerinnen arbeitskrafte "
    "trabajador trabajadores trabajadora trabajadoras obreros braceros "
    "trabalhador trabalhadores trabalhadora trabalhadoras operarios "
    "lavoratore lavoratori lavoratrice lavoratrici operai minatori".split()
)
"""Nouns for the people an agreement moves, on folded words; a nationality next to one is the origin."""

_WORKER_SUFFIXES = ("arbeiders", "werknemers", "arbeiter", "arbeitnehmer", "arbeitskrafte", "workers")
"""Dutch, German and English compounds ('landarbeiders', 'Saisonarbeitskräfte', 'farmworkers')."""

_NOT_BETWEEN = frozenset(
    "government gouvernement regering regierung bundesregierung gobierno governo governos state etat staat "
    "estado stato authorities autorites and et en und y e o or ou of on for to in the a an aux au pour "
    "van voor naar met fur mit nach para con com per between entre tussen zwischen tra fra "
    "des du dei degli delle della dos das da do del von".split()
)
"""Words that may not stand between a nationality and the worker noun: past them the two are unrelated
('the Government of Canada and Mexico on seasonal workers', 'le Gouvernement belge, soucieux des
travailleurs')."""

_DESTINATION_PREPOSITIONS = frozenset(
    "in to into for a au aux en dans vers pour naar nach al hacia para em no na nos nas ao nel nei negli "
    "nella verso per".split()
)
"""Words before the country workers go to ('bound for', 'aux Pays-Bas', 'naar Nederland', 'nach')."""

_ARTICLES = frozenset("the le la les l het de der die den el los las o os as il lo gli i".split())
"""Articles skipped between a preposition and the country ('in the Netherlands', 'aux Pays-Bas')."""

WORKER_WINDOW = 3
"""Most words between a nationality and its worker noun ('Filipino household service workers')."""

DESTINATION_WINDOW = 15
"""How far after the workers' nationality the country they go to may be named."""


def _is_worker(token: str) -> bool:
    """True for a worker noun, including Germanic compounds ending in one."""
    return token in _WORKER_NOUNS or token.endswith(_WORKER_SUFFIXES)


def _qualifies_workers(tokens: list[str], mention: _Mention) -> bool:
    """True when ``mention`` says whose the workers are: 'Spaanse arbeiders', 'travailleurs turcs'.

    Adjectives may precede the noun (English, Dutch, German) or follow it (French, Spanish, Portuguese,
    Italian); a country name only precedes it, as a modifier ('Luxembourg workers'), because after the
    noun a name is where the workers go ('workers in Luxembourg'). Before the noun no article may
    intervene ('au Luxembourg les ouvriers' is not Luxembourg's workers); after it 'de' may
    ('travailleurs de nationalité turque').
    """
    after = tokens[mention.end : mention.end + WORKER_WINDOW]
    for offset, token in enumerate(after):
        if _is_worker(token):
            if not any(word in _NOT_BETWEEN or word in _ARTICLES for word in after[:offset]):
                return True
            break
    if not mention.adjective:
        return False
    before = tokens[max(0, mention.start - WORKER_WINDOW) : mention.start]
    for offset in range(len(before) - 1, -1, -1):
        if _is_worker(before[offset]):
            return not any(word in _NOT_BETWEEN for word in before[offset + 1 :])
    return False


def _destination_after(tokens: list[str], mentions: list[_Mention], origin: _Mention) -> str | None:
    """The country named after a preposition soon after the workers' nationality ('aux Pays-Bas')."""
    for mention in mentions:
        if mention.start < origin.end or mention.adjective or mention.code == origin.code:
            continue
        if mention.start > origin.end + DESTINATION_WINDOW:
            break
        i = mention.start - 1
        while i >= 0 and tokens[i] in _ARTICLES:
            i -= 1
        if i >= 0 and tokens[i] in _DESTINATION_PREPOSITIONS:
            return mention.code
    return None


def _origin_destination(title: str | None, text: str, parties: list[str]) -> tuple[str | None, str | None]:
    """(origin, destination) ISO codes where the title, else the opening, says whose workers go where.

    The origin is the one country whose nationality qualifies the workers; two different ones mean an
    exchange both ways, and then neither is given. The destination is the country named right after
    them with a preposition, else the other party of a two-party agreement.
    """
    for source in (title or "", text[:OPENING_CHARS]):
        tokens = _tokens(source)
        mentions = _mentions(tokens)
        origins = [mention for mention in mentions if _qualifies_workers(tokens, mention)]
        if not origins:
            continue
        if len({mention.code for mention in origins}) > 1:
            return None, None
        origin = origins[0]
        destination = _destination_after(tokens, mentions, origin)
        if destination is None and len(parties) == 2 and origin.code in parties:
            destination = next(code for code in parties if code != origin.code)
        return origin.code, destination
    return None, None


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


# ----------------------------------------------------------------------------------------- date and place

_MONTH_VARIANTS = {"janner": 1, "setiembre": 9}
"""Month names in :data:`_MONTH_NAMES` beside the twelve standard ones (Austrian 'Jänner', 'setiembre')."""


def _month_numbers() -> dict[str, int]:
    """Folded month name or abbreviation → 1..12, from :data:`_MONTH_NAMES` (abbreviations by prefix)."""
    numbers: dict[str, int] = dict(_MONTH_VARIANTS)
    for names in _MONTH_NAMES.values():
        words = [word for word in names.split() if word not in _MONTH_VARIANTS]
        full = words[:12]
        for number, word in enumerate(full, 1):
            numbers[word] = number
        for short in words[12:]:
            numbers[short] = next(n for n, word in enumerate(full, 1) if word.startswith(short[:3]))
    return numbers


_MONTH_NUMBER = _month_numbers()

_DAY = r"(\d{1,2})(?:st|nd|rd|th|er|re|ste|de|e|o|º|°)?\.?"
_DATE_PATTERNS: tuple[tuple[re.Pattern[str], tuple[int, int, int]], ...] = (
    (
        re.compile(
            rf"(?<!\d){_DAY}\s+(?:(?:day\s+of|of|de|del|dias?\s+do\s+mes\s+de|del\s+mes\s+de)\s+)?"
            rf"({_MONTHS})\b\.?,?\s+(?:(?:de|del|of|in\s+the\s+year)\s+)?({_YEAR})(?!\d)",
            re.IGNORECASE,
        ),
        (1, 2, 3),
    ),
    (re.compile(rf"\b({_MONTHS})\.?\s+{_DAY},?\s+({_YEAR})(?!\d)", re.IGNORECASE), (2, 1, 3)),
    (re.compile(rf"(?<!\d)(\d{{1,2}})[./](\d{{1,2}})[./]({_YEAR})(?!\d)"), (1, 2, 3)),
)
"""Full written dates, with the groups holding (day, month, year): '19 août 1964', '5. März 1965',
'8 de abril de 1961', '9th day of October, 1974', '30ste juni 1958', 'May 1, 2010', '01.05.2010'
(day first, as in Europe)."""

_PLACE = re.compile(
    r"\b(?i:at|a|te|zu|in|en|em|to)\s+((?:'s-)?[A-Z][\w'.-]*(?:\s+(?:(?:de|del|da|do|di|la|le|den|am|an"
    r"|der|sur|upon)\s+)?(?:'s-)?[A-Z][\w'.-]*)*)"
)
"""'at Geneva', 'à La Haye', 'te 's-Gravenhage', 'zu Bonn', 'en Madrid', 'em Lisboa', 'a Roma'."""

_NOT_PLACES = frozenset(
    "english arabic anglais arabe engels arabisch englisch ingles inglese arabo duplicate triplicate".split()
)
"""Capitalised words after 'in' that are the language or number of copies, not the place."""

_PLACE_TAIL = frozenset("le la on op am el il the this den aos em en lo".split())
"""Date words an all-capitals signing line runs into ('FAIT A PARIS LE 2 JUIN'), trimmed off the place."""

DATE_LINE_WORDS = 10
"""A line this short holding a full date is a dated line (a letter's date, a place-and-date line)."""


def _fold_aligned(text: str) -> str:
    """Accent-free text of exactly the same length, so a match's offsets also point into ``text``."""
    text = text.replace("’", "'")
    if text.isascii():
        return text
    return text.translate({ord(ch): _bare(ch) for ch in set(text) if not ch.isascii()})


@functools.lru_cache(maxsize=4096)
def _bare(ch: str) -> str:
    """``ch`` without its diacritics when that leaves one character ('é' → 'e'), else ``ch`` itself."""
    bare = "".join(c for c in unicodedata.normalize("NFKD", ch) if not unicodedata.combining(c))
    return bare if len(bare) == 1 else ch


def _first_date(plain: str, start: int, end: int) -> tuple[int, int, str] | None:
    """(start, end, ISO date) of the earliest valid full date in ``plain[start:end]``."""
    best: tuple[int, int, str] | None = None
    for pattern, (day_group, month_group, year_group) in _DATE_PATTERNS:
        for match in pattern.finditer(plain, start, end):
            month_text = match.group(month_group).lower()
            month = int(month_text) if month_text.isdigit() else _MONTH_NUMBER.get(month_text)
            try:
                day = date(int(match.group(year_group)), month or 0, int(match.group(day_group)))
            except ValueError:
                continue
            if best is None or match.start() < best[0]:
                best = (match.start(), match.end(), day.isoformat())
            break
    return best


def _place_between(text: str, plain: str, start: int, end: int) -> str | None:
    """The place named in a signing formula between its verb and its date, as written in ``text``."""
    for match in _PLACE.finditer(plain, start, end):
        words = text[match.start(1) : match.end(1)].split()
        while words and words[-1].casefold() in _PLACE_TAIL:
            words.pop()
        folded = _tokens(" ".join(words))
        if not words or folded[0] in _NOT_PLACES or tuple(folded) in _country_table().adjectives:
            continue
        return " ".join(words)
    return None


def _dated_line(text: str, plain: str) -> tuple[str, str | None] | None:
    """(ISO date, place) of the last short line holding a full date ('La Haye, le 17 août 1950')."""
    offset = len(plain)
    for line in reversed(plain.splitlines(keepends=True)):
        offset -= len(line)
        if not line.strip() or len(line.split()) > DATE_LINE_WORDS:
            continue
        found = _first_date(plain, offset, offset + len(line))
        if found is None:
            continue
        head = text[offset : found[0]].strip()
        place = re.fullmatch(r"([A-Z][^\d,]{1,40}),\s*(?:\w{1,3}\s*)?", _fold_aligned(head))
        return found[2], head[: place.end(1)] if place else None
    return None


def _signature(text: str) -> tuple[str | None, str | None]:
    """(ISO date of signature, place of signature), each ``None`` when the text does not give it.

    The signing formula is chosen as for the year (the first past the opening, else the first); its
    place is what follows 'at'/'à'/'te'/'zu'/'en'/'em'/'a' before the date. A formula whose date is in
    words still gives the place; without any formula the last short dated line stands in (an exchange
    of notes is dated at its head).
    """
    plain = _fold_aligned(text)
    hits: list[tuple[int, int]] = [(match.start(), match.end()) for match in _SIGNING.finditer(plain)]
    hits += [(max(0, match.start() - 12), match.start()) for match in _DAY_OF.finditer(plain)]
    dated = []
    for start, verb_end in sorted(hits):
        found = _first_date(plain, verb_end, verb_end + SIGNING_WINDOW)
        if found:
            dated.append((start, verb_end, found))
    if dated:
        opening_end = min(OPENING_CHARS, len(plain) // 2)
        late = [hit for hit in dated if hit[0] >= opening_end]
        _start, verb_end, (date_start, _end, iso) = (late or dated)[0]
        return iso, _place_between(text, plain, verb_end, date_start)
    for _start, verb_end in sorted(hits):
        if _year_after(plain, verb_end) is not None:  # a date in words ('de achtste april 1961')
            return None, _place_between(text, plain, verb_end, verb_end + SIGNING_WINDOW // 2)
    line = _dated_line(text, plain)
    return line if line else (None, None)


_SIGNER_MARK = re.compile(
    r"\((?:[sS]|[sS]gd|[sS]igned|SIGNED|get|gez|gezeichnet|fdo|firmado|ass|assinado|firmato)\.?\)"
    r"|(?<![a-z])(?:For|FOR|Pour|POUR|Voor|VOOR|Für|FÜR|Por|POR|Pelo|PELO|Per|PER)\s+"
    r"(?:(?:the|THE|le|LE|la|LA|l'|de|DE|die|DIE|den|el|EL|o|O|il|IL)\s+)?"
    r"(?:Government|GOVERNMENT|Gouvernement|GOUVERNEMENT|Regering|REGERING|Regierung|REGIERUNG|Gobierno|"
    r"GOBIERNO|Governo|GOVERNO)[^:,.\n]{0,80}[:,]"
)
"""What precedes a signatory's name: '(s.)', '(Signed)', or 'For the Government of …:' and its translations
(which may be glued to the previous name: 'J. SMITHPour le Gouvernement …:')."""

_NOT_A_NAME = frozenset(
    "son sa his her their excellence excellency ambassadeur ambassador ambassadeur minister ministre "
    "minister monsieur madame mr mrs ms secretary secretaire secrétaire for pour voor für por pelo per "
    "de la the le and et en und y e".split()
)
"""Words after a name that start the addressee or the next block ('Son Excellence', 'Ambassadeur')."""

MAX_NAME_WORDS = 8


def _signatories(text: str) -> list[str]:
    """Names of the signatories as printed after '(s.)' or 'For the Government of …:' (in order)."""
    marks = list(_SIGNER_MARK.finditer(text))
    names: list[str] = []
    for mark, following in zip(marks, [*marks[1:], None], strict=False):
        end = following.start() if following else min(len(text), mark.end() + 200)
        block = text[mark.end() : end].split("\n\n")[0]
        words: list[str] = []
        for token in block.split():
            bare = token.strip(".,;:()")
            if not bare or (words and bare.lower() in _NOT_A_NAME and not bare.isupper()):
                break
            if not (
                bare[0].isupper() or bare.lower() in ("van", "von", "de", "der", "den", "da", "del", "di")
            ):
                break
            words.append(token.rstrip(",;:"))
            if len(words) == MAX_NAME_WORDS or (token.endswith(".") and len(bare) > 2):
                break
        name = " ".join(words).rstrip(".")
        if sum(c.isalpha() for c in name) >= 2 and name not in names:
            names.append(name)
    return names


# ----------------------------------------------------------------------------------------------- languages

LANGUAGE_BLOCK_WORDS = 40
"""Lines are gathered into blocks of at least this many words, enough for one stop-word vote each."""

LANGUAGE_SHARE = 0.2
"""A language is listed when its blocks hold this share of the words whose language could be told."""


def _languages(text: str, main: str | None) -> list[str]:
    """Every language making up at least :data:`LANGUAGE_SHARE` of the text, the main one first.

    Bilingual instruments alternate languages by paragraph or page, so each block of consecutive lines
    gets its own vote; a short tail is folded into the block before it.
    """
    blocks: list[list[str]] = []
    current: list[str] = []
    for line in text.splitlines():
        current += line.split()
        if len(current) >= LANGUAGE_BLOCK_WORDS:
            blocks.append(current)
            current = []
    if current:
        if blocks:
            blocks[-1] += current
        else:
            blocks.append(current)
    words: Counter[str] = Counter()
    for block in blocks:
        language = _words_language(block)
        if language:
            words[language] += len(block)
    total = sum(words.values())
    listed = [lang for lang, count in words.most_common() if count >= LANGUAGE_SHARE * total]
    if main in listed:
        listed.remove(main)
        listed.insert(0, main)
    return listed


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
        (
            "model_agreement",
            r"\bmodel (?:bilateral )?agreements?\b|\baccords? types?\b|\bmodelovereenkomst\b"
            r"|\bmusterabkommen\b|\b(?:acuerdo|acordo) modelo\b|\baccordo tipo\b",
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


_CONVENTION = re.compile(r"\b(?:conventions?|conventie|\w*ubereinkommen|convenios?|convencao|convenzione)\b")


def _detect_type(title: str | None, text: str, parties: int) -> str | None:
    """Instrument type from the title's first instrument word, else from how the opening names itself.

    'BLA' also needs two States: an ILO convention says 'Convention' without being bilateral, and is better
    left unknown than filed as a BLA; an agreement between three or more States is 'multilateral'.
    """
    opening = " ".join(_tokens(text[:OPENING_CHARS]))
    hit = _first_type(" ".join(_tokens(title or ""))) or _self_named_type(opening) or _first_type(opening)
    if hit is None:
        return None
    if hit[1] == "BLA" and parties < 2:
        # A convention open to all States (an ILO convention) names no parties; other words stay unknown.
        named = " ".join(_tokens(title or "")) or opening
        return "convention" if _CONVENTION.search(named) else None
    if hit[1] == "BLA" and parties > 2:
        return "multilateral"
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
    """Title, parties, countries, year, type, languages, origin, destination and signature of a text.

    ``title`` is the segmenter's title line when it found one; otherwise the leading lines are used.
    Every field is ``None``/empty when the text does not support a value: a guess in the metadata would
    be indexed and searched as fact.
    """
    title = _squash(title) if title and title.strip() else _guess_title(text)
    codes = _party_countries(title, text)
    names = _country_table().names
    language = detect_language(text)
    origin, destination = _origin_destination(title, text, codes)
    date_signed, place = _signature(text)
    return Metadata(
        title=title,
        parties=[names[code] for code in codes],
        countries=codes,
        year=_detect_year(title, text),
        type=_detect_type(title, text, len(codes)),
        language=language,
        languages=_languages(text, language),
        origin=origin,
        destination=destination,
        date_signed=date_signed,
        place=place,
        signatories=_signatories(text),
    )
