"""The printed vocabulary of agreement structure, in the languages blamine reads.

:mod:`pipeline.segment` holds the grammar (what follows what); this module holds the words and numberings
that signal each structural element: article and section headings ("Article 5", "Artikel 12bis", "Artículo
1.º"), paragraph and item markers ("(1)", "1)—", "(b)", "iv."), annex and signature openers, and the
formulas that frame a diplomatic note (a dated salutation, a closing courtesy). Written by us for English,
French, Dutch, German, Spanish, Portuguese and Italian; extend a list here to teach the segmenter a language.
"""

from __future__ import annotations

import re


def _words(*alternatives: str) -> str:
    """A regex alternation of phrases whose spaces match any run of whitespace (a phrase may wrap)."""
    return "|".join(alt.replace(" ", r"\s+") for alt in alternatives)


# OCR reads "Article" as "Artic1e", "ARTlCLE", "Articie": look-alike letters are accepted inside the word.
_I, _L = "[iIl1|]", "[lIi1|]"  # lower-case word
_IU, _LU = "[Il1|]", "[LI1|]"  # capitals
_ARTICLE_WORDS = (
    rf"(?:Art{_I}c{_L}e|ART{_IU}C{_LU}E|Art\.|ART\.|Art{_I}ke{_L}|ART{_IU}KE{_LU}|Artículo|ARTÍCULO|Articulo|"
    rf"ARTICULO|Artigo|ARTIGO|Artico{_L}o|ARTICOLO)"
)
_NUMBER = (
    r"(?:premier|PREMIER|primero|primeiro|erster|"
    r"\d{1,3}(?:\.?\s?[º°ª]|\s?(?:er|e|st))?(?:\s?(?:bis|ter|quater))?[a-z]?|[IVXLC]{1,7})"
)
ARTICLE_RE = re.compile(rf"^{_ARTICLE_WORDS}\s*(?P<num>{_NUMBER})(?![\w])\s*(?P<rest>.*)$")
# "§ 3" heads articles only in a text without "Article" headings; elsewhere it marks a paragraph.
SECTION_RE = re.compile(
    rf"^(?:(?:Section|SECTION|Clause|CLAUSE)\s+|§\s*)(?P<num>{_NUMBER})(?![\w])\s*(?P<rest>.*)$"
)
CHAPTER_RE = re.compile(
    r"^(?:CHAPTER|Chapter|PART|Part|TITLE|Title|Chapitre|CHAPITRE|Titre|TITRE|Partie|PARTIE|Hoofdstuk|"
    r"HOOFDSTUK|Afdeling|AFDELING|Titel|TITEL|Kapitel|KAPITEL|Abschnitt|ABSCHNITT|Teil|TEIL|Capítulo|CAPÍTULO|"
    r"Capitulo|Capitolo|CAPITOLO|Section|SECTION)\s+(?:[IVXLC]{1,7}|\d{1,3}|premier|première|one|two|three|"
    r"four|five)\b"
)
ANNEX_RE = re.compile(
    r"^(?:ANNEX|Annex|ANNEXE|Annexe|ANEXO|Anexo|ALLEGATO|Allegato|BIJLAGE|Bijlage|ANLAGE|Anlage|ANHANG|Anhang|"
    r"APPENDIX|Appendix|APPENDICE|Appendice|SCHEDULE|Schedule|PROTOCOL|Protocol|PROTOCOLE|Protocole|"
    r"PROTOKOLL|Protokoll|PROTOCOLO|Protocolo|PROTOCOLLO|Protocollo|ECHANGE DE NOTES|ÉCHANGE DE NOTES|"
    r"EXCHANGE OF NOTES|Exchange of Notes|NOTAWISSELING|Notawisseling|NOTENWECHSEL|Notenwechsel|"
    r"CANJE DE NOTAS|Canje de Notas|TROCA DE NOTAS|Troca de Notas|SCAMBIO DI NOTE|Scambio di Note)\b"
)
# 'ANNEX "A"', "ANNEX II", "PROTOCOL": a capitalised annex word and its designator open an annex even when a
# title follows on the same line.
ANNEX_DESIGNATOR_RE = re.compile(
    r"^[A-ZÀ-Ý]+\s*[\"“'‘]?(?:[A-Z]|[IVX]{1,5}|\d{1,2})[\"”'’]?(?:\s*[.:—–-]|\s|$)"
)
# "Nr. I", "No. 3": the number a treaty series gives each letter of an exchange of notes.
LETTER_NUMBER_RE = re.compile(r"^(?:Nr|No|N[°º]|Number|Nummer|Numéro)\.?\s*(?:[IVXLC]{1,6}|\d{1,3})\.?$")
PARAGRAPH_RE = re.compile(
    r"^(?:\((?P<paren>\d{1,3})\)\.?|(?P<num>\d{1,3})(?P<suffix>[a-z]?) ?[.)](?!\d)"  # "10 ." is OCR's "10."
    r"|§\s*(?P<sect>\d{1,3})[.)]?)"
    r"(?:\s*[—–-](?=\s))?(?:\s+|$)"
)
# "2.1", "2.1.": a decimal sub-clause of article or point 2 (modern contracts and MOUs).
DECIMAL_RE = re.compile(r"^(?P<major>\d{1,3})\.(?P<minor>\d{1,3})\.?(?:\s+|$)")
ITEM_RE = re.compile(r"^(?:\((?P<paren>[a-z]{1,4})\)\.?|(?P<bare>[a-z]{1,4})[.)])\s*(?=\S)")
# "A.", "B)": capital-letter points, the numbering of some notes and of the parts of a contract's front page.
LETTER_POINT_RE = re.compile(r"^(?:\((?P<paren>[A-Z])\)|(?P<bare>[A-Z])[.)])\s+(?=\S)")
ROMAN_ITEMS = ["i", "ii", "iii", "iv", "v", "vi", "vii", "viii", "ix", "x", "xi", "xii"]

_GOVERNMENT_FOR = _words(
    "For the Government",
    "FOR THE GOVERNMENT",
    "Pour le Gouvernement",
    "POUR LE GOUVERNEMENT",
    "Voor de Regering",
    "VOOR DE REGERING",
    "Für die Regierung",
    "FÜR DIE REGIERUNG",
    "Por el Gobierno",
    "POR EL GOBIERNO",
    "Pelo Governo",
    "PELO GOVERNO",
    "Per il Governo",
    "PER IL GOVERNO",
)
SIGNATURE_RE = re.compile(
    r"^(?:Done|DONE|Signed|SIGNED|In witness|IN WITNESS|In faith|IN FAITH|"
    r"Fait|FAIT|En foi de quoi|EN FOI DE QUOI|Gedaan|GEDAAN|"
    r"Ten blijke|TEN BLIJKE|Geschehen|GESCHEHEN|Zu Urkund|ZU URKUND|"
    r"Urkund dessen|Hecho|HECHO|En fe de lo cual|EN FE DE LO CUAL|"
    r"Feito|FEITO|Em fé do que|Fatto|FATTO|"
    rf"In fede|IN FEDE|Name of Employer|{_GOVERNMENT_FOR})\b|^(?:Signatures?|SIGNATURES?)\s*:"
)
_YEAR = r"(?:1[89]\d\d|20\d\d)"
# "Rome, le 4 décembre 1948. Pour le Gouvernement …": a place and date that open the signatures.
PLACE_DATE_SIGNATURE_RE = re.compile(
    rf"^[^\W\d][\w.' -]{{1,40}},[^.]{{0,30}}\b{_YEAR}\.?\s*(?:{_GOVERNMENT_FOR})\b"
)

# -- diplomatic notes ----------------------------------------------------------------------------------
# A note opens with a place and date and a salutation ("La Haye, le 19 août 1964. Monsieur l'Ambassadeur,"),
# states or quotes the agreed points, and closes with a courtesy formula ("Veuillez agréer …").
SALUTATION = _words(
    "Excellency",
    "Your Excellency",
    "Sir",
    "Madam",
    "Dear Minister",
    "Monsieur le Ministre",
    "Madame la Ministre",
    "Monsieur l'Ambassadeur",
    "Madame l'Ambassadeur",
    "Monsieur le Secrétaire d'Etat",
    "Monsieur le Secrétaire d'État",
    "Monsieur le Chargé d'Affaires",
    "Monsieur le Président",
    "Excellence",
    "Excellentie",
    "Mijnheer de Minister",
    "Mevrouw de Minister",
    "Mijnheer de Ambassadeur",
    "Mijnheer de Staatssecretaris",
    "Herr Minister",
    "Frau Ministerin",
    "Herr Botschafter",
    "Herr Staatssekretär",
    "Exzellenz",
    "Señor Ministro",
    "Señor Embajador",
    "Excelencia",
    "Excelentísimo Señor",
    "Senhor Ministro",
    "Senhor Embaixador",
    "Excelência",
    "Signor Ministro",
    "Signor Ambasciatore",
    "Eccellenza",
)
# A salutation anywhere, even inside a word: one scan of a whole text finds the only places where
# SALUTATION_RE (a salutation starting a word) can match.
SALUTATION_ANYWHERE_RE = re.compile(rf"(?:{SALUTATION})\s*[,:!]")
SALUTATION_RE = re.compile(rf"(?:^|(?<=\s)){SALUTATION_ANYWHERE_RE.pattern}")
YEAR_AT_END_RE = re.compile(rf"\b{_YEAR}\s*\.?\s*$")
_CLOSING = _words(
    "I have the honour",
    "I avail myself",
    "I take this opportunity",
    "I should be grateful",
    "I would be grateful",
    "If the foregoing",
    "If the above",
    "Accept, Excellency",
    "Accept, Sir",
    "Please accept",
    "J'ai l'honneur",
    "Je vous prie",
    "Je Vous prie",
    "Je vous saurais gré",
    "Je Vous saurais gré",
    "Je saisis",
    "Veuillez agréer",
    "Agréez",
    "Si ce qui précède",
    "Si les propositions",
    "Ik heb de eer",
    "Gelieve",
    "Ik maak van deze gelegenheid gebruik",
    "Indien het voorgaande",
    "Ich beehre mich",
    "Genehmigen Sie",
    "Ich benutze diesen Anlass",
    "Ich benutze diesen Anlaß",
    "Tengo el honor",
    "Aprovecho la oportunidad",
    "Aprovecho esta oportunidad",
    "Le ruego",
    "Si lo anterior",
    "Tenho a honra",
    "Aproveito a oportunidade",
    "Aproveito esta oportunidade",
    "Queira aceitar",
    "Ho l'onore",
    "Colgo l'occasione",
    "Voglia gradire",
)
# Matched with ``CLOSING_RE.match(text, pos)`` on the whole text: a formula may wrap onto the next line.
# "(Signed) A. Writer", "(s.) H. A. Hooft", "(get.) J. Smit": a signature line in a note or a copy.
SIGNED_RE = re.compile(
    r"^\((?:signed|sgd\.?|s\.|get\.|gez\.|gez|firmado|assinado|firmato|gezeichnet)\)", re.I
)
CLOSING_RE = re.compile(rf"(?:{_CLOSING})\b")
_LEAD_OUT = _words(
    "as follows",
    "the following",
    "ce qui suit",
    "het volgende",
    "hetgeen volgt",
    "Folgendes",
    "folgendes",
    "lo siguiente",
    "o seguinte",
    "quanto segue",
)
_WITNESS = _words(
    "In witness whereof",
    "IN WITNESS WHEREOF",
    "In faith whereof",
    "IN FAITH WHEREOF",
    "En foi de quoi",
    "EN FOI DE QUOI",
    "Ten blijke waarvan",
    "TEN BLIJKE WAARVAN",
    "Zu Urkund dessen",
    "ZU URKUND DESSEN",
    "Urkund dessen",
    "En fe de lo cual",
    "EN FE DE LO CUAL",
    "Em fé do que",
    "EM FÉ DO QUE",
    "In fede di che",
    "IN FEDE DI CHE",
)
# Where a line holds two units, the second starts here: the testimonium after the last article's sentence
# ("… six mois. En foi de quoi …"), a courtesy formula after a note's last point ("… 1956. Je Vous prie …"),
# or the agreed text after the note's lead-out ("… ce qui suit: Au moment …").
# An article heading glued to the end of the previous sentence ("… shall apply. Article 5" + a capitalised
# next line) also starts there.
# One pattern per kind of break, each searched on its own: three plain scans beat one scan that tries three
# alternatives at every character. A break is where a match ends, always the end of a run of spaces, so
# matches of different kinds that overlap end at the same break.
INLINE_BREAK_RES = (
    re.compile(rf"(?<=[.;:!?”\"»])[ \t]+(?=(?:{_CLOSING}|{_WITNESS})\b)"),
    re.compile(rf"(?:{_LEAD_OUT}):[ \t]+(?=[A-ZÀ-Ý])"),
    re.compile(rf"(?<=[.;:])[ \t]*(?={_ARTICLE_WORDS}\s*{_NUMBER}[.:]?[ \t]*\n[ \t]*[A-ZÀ-Ý(])"),
)

# -- front matter --------------------------------------------------------------------------------------
_RECITAL = _words(
    "Considering",
    "Recognising",
    "Recognizing",
    "Noting",
    "Desiring",
    "Desirous",
    "Having regard",
    "Bearing in mind",
    "Convinced",
    "Acknowledging",
    "Affirming",
    "Reaffirming",
    "Whereas",
    "Aware",
    "Taking into account",
    "Mindful",
    "Wishing",
    "Have agreed",
    "Hereby agree",
    "Considérant",
    "Reconnaissant",
    "Désireux",
    "Désireuses",
    "Animés",
    "Soucieux",
    "Soucieuses",
    "Tenant compte",
    "Convaincus",
    "Conscients",
    "Constatant",
    "Rappelant",
    "Prenant en considération",
    "Sont convenus",
    "Ont convenu",
    "Ont résolu",
    "Overwegende",
    "Gelet op",
    "Erkennende",
    "Wensende",
    "Geleid door",
    "In aanmerking nemende",
    "Verlangende",
    "Bezield door",
    "Indachtig",
    "Zijn overeengekomen",
    "Zijn het volgende overeengekomen",
    "Komen overeen",
    "In Anbetracht",
    "In dem Wunsch",
    "In dem Wunsche",
    "Von dem Wunsche",
    "In dem Bestreben",
    "Im Hinblick",
    "Eingedenk",
    "In der Erwägung",
    "Geleitet von",
    "In Erkenntnis",
    "In der Überzeugung",
    "Haben folgendes vereinbart",
    "Haben Folgendes vereinbart",
    "Sind wie folgt übereingekommen",
    "Considerando",
    "Reconociendo",
    "Deseosos",
    "Teniendo en cuenta",
    "Conscientes",
    "Animados",
    "Convencidos",
    "Han convenido",
    "Reconhecendo",
    "Desejosos",
    "Tendo em conta",
    "Acordam",
    "Acordaram",
    "Riconoscendo",
    "Desiderosi",
    "Tenuto conto",
    "Consapevoli",
    "Animati",
    "Convinti",
    "Hanno convenuto",
    "Convengono",
)
# A recital or the enacting formula at the start of a line: each is its own preamble unit.
RECITAL_RE = re.compile(rf"^(?:{_RECITAL})\b", re.IGNORECASE)
# A table of contents: its heading, and entries that end in dot leaders and a page number.
CONTENTS_HEADING_RE = re.compile(
    r"^(?:table of contents|contents|table des matières|sommaire|inhoud|inhoudsopgave|inhaltsverzeichnis|"
    r"inhalt|índice|indice|sumário|sommario)$",
    re.IGNORECASE,
)
CONTENTS_ENTRY_RE = re.compile(r"(?:(?:\.\s?){3,}|…+|_{3,}|\s{3,})\s*\d{1,4}$")
PAGE_NUMBER_AT_END_RE = re.compile(r"\D\s\d{1,4}$")
# The instrument a title names: a title after the signatures starts the next part (the text in another
# language, or an instrument printed after this one).
INSTRUMENT_RE = re.compile(
    r"\b(?:Agreement|Arrangement|Convention|Treaty|Protocol|Memorandum|Accord|Traité|Protocole|Overeenkomst|"
    r"Verdrag|Regeling|Protocol|Abkommen|Vertrag|Vereinbarung|Übereinkommen|Acuerdo|Convenio|Tratado|Acordo|"
    r"Convenção|Accordo|Convenzione|Trattato|Contract|Contrat|Contrato|Contratto|Vertrag)\b",
    re.IGNORECASE,
)
