"""Obligation strength of one clause: is it a binding promise, a hedge, a denial, a carve-out, or neither?

The scorecard (guide Part C) gives ``yes`` only for a labelled clause that *carries an obligation*, and
``partial`` when the protection is only a best-efforts formula ("endeavour to", "subject to national
laws"). Labels say *what* a clause is about; this module says *how strongly* it promises it, so that the
scorecard can tell "the employer shall pay wages monthly" from "the Parties shall endeavour to ensure
timely payment", and can print the deciding words as its one-line reason.

It is a transparent, rule-based reader, not a model: the cue lexicons below are our own short paraphrases
of typical treaty wording (never sentences copied from an agreement), grouped per strength and per
language, so a reviewer can see and correct why a clause was read the way it was.

Decision order (first that fires wins):

1. ``descriptive`` for recitals ("Considering ...", "Soucieux de ...") and the preamble's closing formula
   ("have agreed as follows"): they may contain "shall" but promise nothing.
2. ``excluded``: a group or subject is carved out of coverage ("shall not apply to domestic workers").
3. ``negated``: a right, duty or payment is denied ("shall not be entitled", "ne sont pas tenus de",
   "no allowance shall be paid") — unless the negation is itself the protection, which is ``binding``:
   a harmful act is forbidden ("is not entitled to withhold the passport"), or a burden is lifted off
   the worker ("the worker shall not be required to pay", "no fee shall be paid by the worker").
   Plain prohibitions ("shall not withhold", "no fees shall be charged", "il est interdit") never look
   like denials in the first place: their verb binds.
4. ``hedged`` by an effort formula ("endeavour", "as far as possible") anywhere in the clause, or by a
   legal qualifier ("subject to national laws") when the clause otherwise promises something. We apply
   the hedge clause-wide on purpose: the scorecard cannot tell which sentence carries the protection,
   and claiming ``partial`` when in doubt is safer than overclaiming ``yes``.
5. ``binding``: an obligation or right ("shall", "s'engagent à", "hebben recht op", future-tense
   prescriptive verbs, protective prohibitions such as "shall not withhold").
6. ``hedged`` when the only modal is permissive ("may", "peut", "kan") and nothing binds.
7. ``descriptive`` otherwise (definitions, facts, headings, titles, signatures).

Matching is done on a folded copy of the text (lower case, accents stripped, curly apostrophes made
straight) that has exactly the same length as the input, so each cue can be cut from the original text
as printed. Words are matched on word boundaries, and a space in a cue matches any run of whitespace,
so multi-word cues may span line breaks.
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Iterator
from dataclasses import dataclass
from functools import lru_cache
from typing import TYPE_CHECKING, Literal

if TYPE_CHECKING:
    from .model import Clause

__all__ = ["LANGUAGES", "ObligationReading", "Strength", "mark_strength", "read_obligation"]

Strength = Literal["binding", "hedged", "negated", "excluded", "descriptive"]


@dataclass(frozen=True)
class ObligationReading:
    """How strongly one clause promises what it is about.

    ``cue`` is the span of the original text (as printed, line breaks included) that decided the
    reading, so the scorecard can quote it as its reason; ``None`` when nothing matched.
    """

    strength: Strength
    cue: str | None


# ---------------------------------------------------------------------------------------------------
# Folding: one translate() call, length-preserving, so match offsets index the original text.
# ---------------------------------------------------------------------------------------------------


def _fold_table(strip_accents: bool) -> dict[int, str]:
    """Map each character to a single lower-case (optionally unaccented) character.

    One-to-one replacement keeps offsets stable; characters whose folding would change the length
    (e.g. "ß" -> "ss" under casefold) are left as they are and the cues spell both forms instead.
    """
    table: dict[int, str] = {cp: chr(cp + 32) for cp in range(ord("A"), ord("Z") + 1)}
    for cp in range(0x00C0, 0x0530):
        ch = chr(cp)
        base = unicodedata.normalize("NFD", ch)[0] if strip_accents else ch
        low = base.lower()
        if len(low) == 1 and low != ch:
            table[cp] = low
    for quote in "\u2019\u2018\u02bc\u00b4\u0060\u2032":
        table[ord(quote)] = "'"
    table[0x00A0] = " "  # no-break space
    return table


_FOLD = _fold_table(strip_accents=True)
_LOWER = _fold_table(strip_accents=False)
# str.translate with a dict walks the text in Python-level lookups (~0.1 us a character); bytes.translate
# is a C table lookup. Text is folded through Latin-1 bytes; characters outside Latin-1 (dashes, Turkish
# or Korean letters) become "?", which no cue contains, and curly apostrophes are straightened first.
_BYTE_FOLD = bytes(ord(_FOLD.get(cp, chr(cp))) for cp in range(256))


def _fold(text: str) -> str:
    """Lower-case, accent-free copy of ``text`` with the same length (so offsets carry over)."""
    if "\u2019" in text:
        text = text.replace("\u2019", "'")
    return text.encode("latin-1", errors="replace").translate(_BYTE_FOLD).decode("latin-1")


def _lower(text: str) -> str:
    """Lower-case copy of ``text`` that keeps accents and length."""
    low = text.lower()
    return low if len(low) == len(text) else text.translate(_LOWER)


LANGUAGES = ("en", "fr", "nl", "de", "es", "pt", "it")

# ---------------------------------------------------------------------------------------------------
# Lexicons. Patterns are written against folded text (lower case, no accents, straight apostrophes).
# A literal space stands for any whitespace (line breaks included). Every pattern is anchored at a word
# boundary on both sides by the compiler; a pattern that must match a word prefix ends in \w*.
# ---------------------------------------------------------------------------------------------------

# Opening words of a recital. They count at the start of a clause, or after a comma/semicolon/line break
# when the word is capitalised in the original (a one-line preamble: "The Governments, Considering ...").
RECITAL: dict[str, tuple[str, ...]] = {
    "en": (
        "considering",
        "recogni[sz]ing",
        "desiring",
        "desirous",
        "noting",
        "mindful",
        "bearing in mind",
        "convinced",
        "aware",
        "conscious",
        "having (?:regard|been|decided|met|considered|determined|received|adopted|noted)",
        "acknowledging",
        "reaffirming",
        "affirming",
        "wishing",
        "whereas",
        "recalling",
        "taking into (?:account|consideration)",
        "taking note",
        "determined",
        "believing",
        "emphasi[sz]ing",
        "guided by",
        "inspired by",
    ),
    "fr": (
        "considerant",
        "reconnaissant",
        "desireu(?:x|ses)",
        "soucieu(?:x|ses)",
        "conscients?",
        "convaincus?",
        "animes? (?:du|par)",
        "ayant en vue",
        "rappelant",
        "prenant en consideration",
        "tenant compte",
        "estimant",
        "constatant",
        "desirant",
        "reaffirmant",
        "vu(?! que)",
    ),
    "nl": (
        "overwegende",
        "erkennende",
        "verlangende",
        "geleid door",
        "in aanmerking nemende",
        "constaterende",
        "bezield",
        "gelet op",
        "indachtig",
        "wensende",
        "overtuigd",
        "vaststellende",
        "gezien",
    ),
    "de": (
        "in anbetracht",
        "in der erwagung",
        "erwagend",
        "(?:von|in) dem wunsch\\w*",
        "in dem bestreben",
        "angesichts",
        "eingedenk",
        "in (?:der )?erkenntnis",
        "uberzeugt",
        "geleitet von",
        "im hinblick",
        "in wurdigung",
        "unter hinweis",
        "im bewusstsein",
    ),
    "es": (
        "considerando",
        "reconociendo",
        "deseos[oa]s?",
        "deseando",
        "conscientes?",
        "convencid[oa]s?",
        "teniendo en cuenta",
        "animad[oa]s? por",
        "recordando",
        "reafirmando",
    ),
    "pt": (
        "considerando",
        "reconhecendo",
        "desejos[oa]s?",
        "desejando",
        "conscientes?",
        "convencid[oa]s?",
        "tendo em (?:conta|vista)",
        "animad[oa]s?",
        "recordando",
        "reafirmando",
    ),
    "it": (
        "considerando",
        "riconoscendo",
        "desiderosi",
        "desiderando",
        "consapevoli",
        "convinti",
        "tenuto conto",
        "animati",
        "ricordando",
        "riaffermando",
    ),
}

# How a one-paragraph preamble opens: the parties are named, then the recitals follow ("The Government of
# A and the Government of B, desirous of ..."). Only used together with a recital word.
PARTY_OPENING = (
    "(?:the |le |la |les |de |het |die |der |el |los |o |os |il |i |zijne |hare |sa |su |seine |ihre )?"
    "(?:governments?|gouvernements?|regering|regierung|gobierno|governo|high contracting|hautes parties|"
    "hoge verdragsluitende|(?:general )?conference|majeste|majesteit|majestad|majestat|contracting parties|"
    "parties|"
    "plenipotentiar\\w*)"
)

# The formula that closes a preamble ("... have agreed as follows:"): not an undertaking in itself.
PREAMBLE_FORMULA: dict[str, tuple[str, ...]] = {
    "en": ("(?:have|has) agreed (?:as follows|(?:up)?on the following)", "agree as follows"),
    "fr": (
        "(?:sont|se sont) convenus (?:de ce qui suit|des dispositions suivantes)",
        "ont convenu de ce qui suit",
    ),
    "nl": ("(?:zijn|is) (?:het )?(?:volgende|als volgt) overeengekomen", "overeengekomen als volgt"),
    "de": ("(?:haben|sind) (?:folgendes|wie folgt) (?:vereinbart|ubereingekommen)",),
    "es": ("han convenido (?:en )?lo siguiente", "acuerdan lo siguiente"),
    "pt": ("acordaram (?:no|o) seguinte", "acordam o seguinte"),
    "it": ("hanno convenuto quanto segue", "convengono quanto segue"),
}

# Carve-outs from coverage (groups, territories, subjects).
EXCLUDED: dict[str, tuple[str, ...]] = {
    "en": (
        "(?:shall|does|do|will|should) not (?:apply|be applicable|extend) to",
        "(?:is|are) not applicable to",
        "(?:shall|does|do|will) not (?:cover|include)",
        "(?:is|are|be|been) excluded from",
        "excluded from (?:the )?(?:scope|coverage|application)",
        "(?:is|are|be) not covered by",
        "falls? outside (?:the )?scope",
        "with the exception of",
        "(?:shall )?(?:apply|applies) only to",
        "shall only apply to",
    ),
    "fr": (
        "ne s'appliquer?(?:a|ont|ra|nt)? (?:pas|qu')",
        "s'appliquer?(?:a|ont|ra|nt)? (?:uniquement|seulement|exclusivement)",
        "n'(?:est|sont|sera|seront) pas applicables?",
        "(?:est|sont|sera|seront) exclu(?:e|s|es)? (?:du|de|des)",
        "a l'exception (?:des?|du)",
        "ne (?:vise|visent|couvre|couvrent) pas",
    ),
    "nl": (
        "(?:is|zijn|zal|zullen)(?: \\w+){0,3} (?:niet|alleen|slechts) van toepassing",
        "niet van toepassing (?:op|zijn|is)",
        "vallen niet onder",
        "(?:geldt|gelden)(?: \\w+){0,3} (?:niet|slechts|alleen) voor",
        "valt niet onder",
        "(?:is|zijn|worden|wordt) uitgesloten",
        "met uitzondering van",
        "uitgezonderd",
    ),
    "de": (
        "(?:gilt|gelten) (?:nicht|nur) fur",
        "(?:findet|finden) keine anwendung",
        "(?:ist|sind|bleibt|bleiben)(?: \\w+){0,4} ausgenommen",
        "ausgenommen (?:sind|ist)",
        "mit ausnahme (?:der|des|von)",
        "(?:ist|sind)(?: \\w+){0,4} ausgeschlossen",
    ),
    "es": (
        "no se aplicar(?:a|an|n)?",
        "no (?:sera|seran|es|son) aplicables?",
        "(?:solo|solamente) se aplicar\\w*",
        "(?:queda|quedan|estan|esta) excluid[oa]s?",
        "(?:con|a) excepcion de",
    ),
    "pt": (
        "nao se aplica(?:m|ra|rao)?",
        "nao (?:e|sao|sera|serao) aplica\\w*",
        "so se aplica\\w*",
        "(?:fica|ficam|sao|estao|e) excluid[oa]s?",
        "(?:com|a) exce[cp]?cao d[aoe]s?",
    ),
    "it": (
        "non si applica(?:no|ra|nno)?",
        "non (?:e|sono) applicabil[ei]",
        "si applica(?:no)? solo",
        "(?:e|sono|restano) esclus[iaeo]",
        "(?:ad|fatta) eccezione (?:di|dei|delle|per)",
    ),
}

# A right is denied.
NEGATED_RIGHT: dict[str, tuple[str, ...]] = {
    "en": (
        "not (?:be )?(?:entitled|eligible)",
        "no (?:right|entitlement|claim) to",
        "(?:has|have|shall have) no (?:right|claim|entitlement)",
    ),
    "fr": (
        "n'(?:a|ont|aura|auront) (?:pas|aucun) (?:le )?droit",
        "ne (?:peut|peuvent|pourra|pourront) (?:pas )?pretendre",
        "sans (?:aucun )?droit a",
    ),
    "nl": (
        "(?:heeft|hebben|bestaat|zal|zullen)(?: \\w+){0,3} geen (?:recht|aanspraak)",
        "geen (?:recht|aanspraak) op",
    ),
    "de": ("kein(?:en|e)? anspruch", "nicht berechtigt"),
    "es": ("no (?:tendra|tendran|tiene|tienen) derecho", "sin derecho a"),
    "pt": ("nao (?:tera|terao|tem|teem) direito", "sem direito a"),
    "it": ("non (?:ha|hanno|avra|avranno) (?:alcun )?diritto", "senza diritto a"),
}

# A duty is denied (an employer "is not obliged to ..."). Lifting a burden off the worker is protective.
NEGATED_DUTY: dict[str, tuple[str, ...]] = {
    "en": (
        "not (?:be )?(?:held )?(?:obliged|obligated|required|bound) to",
        "not (?:be )?(?:held )?(?:liable|responsible) for",
        "(?:under )?no obligation",
    ),
    "fr": (
        "n'(?:est|sont|sera|seront) (?:pas|nullement) (?:tenue?s?|obligee?s?)",
        "ne (?:sont|est|sera|seront) (?:pas|nullement) (?:tenue?s?|obligee?s?)",
        "aucune obligation",
    ),
    "nl": ("niet (?:verplicht|gehouden)", "geen verplichting"),
    "de": ("nicht verpflichtet", "keine verpflichtung"),
    "es": ("no (?:esta|estan|estara|estaran|sera|seran|queda|quedan) obligad[oa]s?", "ninguna obligacion"),
    "pt": ("nao (?:e|sao|sera|serao|fica|ficam) obrigad[oa]s?", "nenhuma obrigacao"),
    "it": ("non (?:e|sono|sara|saranno) (?:tenut|obbligat)[oaie]", "nessun obbligo"),
}

# A payment or benefit is withheld ("no allowance shall be paid").
NEGATED_PAYMENT: dict[str, tuple[str, ...]] = {
    "en": (
        "not (?:be )?(?:paid|payable|reimbursed|refunded|granted|compensated)",
        "no(?: \\w+){1,5} (?:shall|will|is|are) (?:be )?(?:paid|payable|granted|reimbursed|refunded|due)",
        "not (?:be )?borne",
    ),
    "fr": (
        "ne (?:sera|seront|est|sont) pas (?:verse|paye|accorde|rembourse|du|due)\\w*",
        "aucune?(?: \\w+){1,5} n'(?:est|sont|sera|seront) (?:verse|paye|accorde|rembourse|du|due)\\w*",
        "aucune?(?: \\w+){1,5} ne (?:sera|seront|est|sont) (?:verse|paye|accorde|rembourse|du|due)\\w*",
        "ne (?:sont|est|sera|seront|restent|reste) pas a la charge",
    ),
    "nl": (
        "(?:niet|geen)(?: \\w+){0,2} (?:vergoed|betaald|uitbetaald|terugbetaald|toegekend)",
        # Only a payer: "niet ten laste van de werknemer" is the protection, read by the binding cues.
        "niet (?:ten laste|voor rekening) van (?:de|het) (?:werkgever|staat|regering|bevoegde)\\w*",
    ),
    "de": ("nicht(?: \\w+){0,2} (?:erstattet|gezahlt|bezahlt|gewahrt|vergutet)", "nicht zu lasten"),
    "es": (
        "no se (?:pagar|abonar|reembolsar|conceder)(?:a|an)",
        "no (?:correra|correran|sera|seran) a cargo",
    ),
    "pt": ("nao (?:sera|serao|e|sao) (?:pag|reembolsad|concedid)[oa]s?", "nao (?:fica|ficara|sera) a cargo"),
    "it": (
        "non (?:sara|saranno|e|sono|viene|vengono) (?:pagat|rimborsat|corrispost|concess)[oaie]",
        "non (?:sara|saranno|e|sono) a carico",
    ),
}

# Effort formulas: the text itself says the promise is soft. Win over any binding verb in the clause.
HEDGE_EFFORT: dict[str, tuple[str, ...]] = {
    "en": (
        "endeavou?r\\w*",
        "strive\\w*",
        "make (?:every|all (?:possible|reasonable)|reasonable|best) efforts?",
        "best efforts?",
        "use (?:its|their) best",
        "as far as (?:possible|practicable)",
        "so far as (?:possible|practicable)",
        "where(?:ver)? (?:possible|practicable|feasible)",
        "whenever possible",
        "if possible",
        "to the (?:fullest |greatest |maximum )?extent",
        "in so far as",
        "so far as",
        "insofar as",
        "(?:as|where|if) appropriate",
        "shall(?: \\w+)? (?:consider|encourage|promote|seek|try|aim)",
        "seek to",
        "sympathetic(?:ally)?",
        "favou?rabl[ey] consider\\w*",
    ),
    "fr": (
        "dans (?:toute )?la (?:plus large )?mesure (?:du possible|possible|ou)",
        "autant que possible",
        "si possible",
        "s'efforce\\w*",
        "(?:tout )?(?:leur|son) possible",
        "cherche(?:nt|ra|ront)? a",
        "avec bienveillance",
        "favoriser",
        "promouvoir",
        "encourager",
        "favoriseront",
        "encourageront",
    ),
    "nl": (
        "zoveel mogelijk",
        "zo veel mogelijk",
        "voor zover mogelijk",
        "zo mogelijk",
        "indien mogelijk",
        "waar mogelijk",
        "wat mogelijk is",
        "alles in het werk",
        "tracht\\w*",
        "streven ernaar",
        "streeft ernaar",
        "inspann\\w*",
        "spannen zich",
        "met welwillendheid",
        "bevorderen",
    ),
    "de": (
        "nach moglichkeit",
        "soweit (?:wie )?moglich",
        "moglichst",
        "bemuh(?:t|en) sich",
        "sich bemuhen",
        "wohlwollend",
    ),
    "es": (
        "en la medida de lo posible",
        "en lo posible",
        "en la medida en que",
        "procurar(?:a|an|n)?",
        "se esforzar(?:a|an)",
        "haran lo posible",
        "fomentar(?:a|an)?",
        "promover(?:a|an)?",
    ),
    "pt": (
        "na medida do possivel",
        "sempre que possivel",
        "procurar(?:a|ao)?",
        "envidar(?:ao)? esforcos",
        "esforcar-se",
        "promover(?:a|ao)?",
        "incentivar(?:a|ao)?",
    ),
    "it": (
        "per quanto possibile",
        "nella misura del possibile",
        "ove possibile",
        "si adoper\\w*",
        "adoperarsi",
        "si sforz\\w*",
        "promuover\\w*",
        "favorire",
        "incoraggiare",
    ),
}

_LAW_MODIFIERS = (
    "(?:(?:national|domestic|applicable|relevant|respective|existing|prevailing|its|their|own) ){0,2}"
)

# Legal qualifiers: the protection only goes as far as the host country's law. Hedge only a clause that
# otherwise promises something (on their own they describe, see guide Part D).
HEDGE_LAW: dict[str, tuple[str, ...]] = {
    "en": (
        f"subject to (?:the )?{_LAW_MODIFIERS}(?:laws?|legislation|regulations)",
        "in accordance with (?:the )?(?:\\w+ ){0,3}(?:laws?|legislation)",
        f"(?:under|within the limits of) (?:the )?{_LAW_MODIFIERS}(?:laws?|legislation) of the "
        "(?:receiving|host|destination|employing) (?:country|state|party)",
    ),
    "fr": (
        "sous reserve (?:de|des) (?:la )?(?:legislation|lois|dispositions legislatives|reglementation)",
        "conformement (?:a la|aux) (?:legislation|lois|reglementation|dispositions legislatives)",
        "dans le cadre de (?:la )?(?:legislation|reglementation)",
    ),
    "nl": (
        "met inachtneming van (?:de )?(?:\\w+ ){0,4}(?:wet\\w*|regelingen)",
        "(?:overeenkomstig|volgens|in overeenstemming met) de (?:\\w+ ){0,2}(?:wetgeving|wettelijke \\w+)",
        "binnen de grenzen van de (?:\\w+ )?wetgeving",
    ),
    "de": (
        "nach ma(?:ß|ss)gabe (?:der|ihrer) (?:\\w+ ){0,2}(?:rechtsvorschriften|gesetze)",
        "vorbehaltlich (?:der )?(?:\\w+ ){0,2}(?:rechtsvorschriften|gesetze)",
        "im rahmen (?:der|ihrer) (?:\\w+ ){0,2}(?:rechtsvorschriften|gesetze)",
        "(?:unter beachtung|entsprechend) der (?:\\w+ ){0,2}rechtsvorschriften",
    ),
    "es": (
        "con sujecion a (?:la |las )?(?:\\w+ ){0,2}(?:legislacion|leyes|normativa)",
        "(?:de conformidad con|conforme a|con arreglo a) (?:la |las )?(?:\\w+ ){0,2}(?:legislacion|leyes)",
    ),
    "pt": (
        "(?:nos termos|de acordo com|em conformidade com|sem prejuizo) d?a (?:\\w+ ){0,2}legislacao",
        "sujeit[oa]s? a (?:\\w+ ){0,2}legislacao",
    ),
    "it": (
        "(?:nel rispetto|conformemente) (?:della|alla) (?:\\w+ ){0,2}(?:legislazione|normativa)",
        "in conformita (?:con la|alla) (?:\\w+ ){0,2}legislazione",
        "fatte salve le (?:\\w+ ){0,2}(?:leggi|norme)",
    ),
}

# Obligations and rights. Prohibitions are binding too ("shall not withhold", "il est interdit").
BINDING: dict[str, tuple[str, ...]] = {
    "en": (
        # "shall mean / be understood" introduces a definition, not a duty.
        "shall(?! (?:mean|be understood|be construed|have the meaning|refer)\\b)",
        "must",
        "will(?<!good\\swill)(?<!free\\swill)(?<!ill\\swill)(?<!at\\swill)(?! of\\b)",
        "undertakes?(?: \\w+)? to",
        "agreed? (?:to|that|on)",
        "agrees (?:to|that|on)",
        "(?:parties|party|governments?|states?|employers?|members?) (?:hereby )?agrees?",
        "entitled to",
        "(?:has|have) (?:the )?right",
        "(?:is|are) (?:required|obliged|obligated|bound) to",
        "(?:is|are) (?:responsible|liable) for",
        "(?:is|are) to be",
        "prohibited",
        "forbidden",
        "may not",
        "cannot",
        "free of charge",
        "at no cost to",
        "at the (?:expense|cost) of the employer",
        "(?:is|are) borne by",
    ),
    "fr": (
        "s'engage(?:nt|ra|ront)? a",
        "s'obligent? a",
        "doi(?:t|vent)",
        "devr(?:a|ont)",
        "(?:est|sont|sera|seront) tenue?s? (?:de|d')",
        "(?:a|ont|aura|auront)(?:,? \\w+,?){0,3} (?:le )?droit (?:a|au|aux|de|d')",
        "(?:il )?est interdit",
        "interdit(?:e|s|es)?",
        "ne (?:peut|peuvent|pourra|pourront)",
        "n'(?:est|sont) (?:pas )?(?:permis|autorise)\\w*",
        "(?:prend|prennent|prendra|prendront) a (?:sa|leur) charge",
        "(?:est|sont|sera|seront|restent) a la charge",
        "incombe(?:nt|ra|ront)? a",
        "gratuite?s?",
        "gratuitement",
        "sans frais",
        "(?:beneficie|beneficient|beneficiera|beneficieront|jouit|jouissent|jouira|jouiront) d\\w*",
        # Present tense used prescriptively in French treaties ("le Ministere fournit ...").
        "(?:fournit|fournissent|assure|assurent|garantit|garantissent|accorde|accordent|versent|"
        "rembourse|remboursent|paie|paient|payent|supporte|supportent|delivre|delivrent|communique|"
        "communiquent|transmet|transmettent|organise|organisent|veille|veillent|prete|pretent|informe|"
        "informent|envoie|envoient|effectue|effectuent|procede|procedent|notifie|notifient|heberge|"
        "hebergent|etablit|etablissent|recueille|recueillent|examinent)",
        "(?:met|mettent) (?:\\w+ ){0,2}a (?:la )?disposition",
        "se (?:charge|chargent) d\\w*",
        "se (?:fait|font)",
        "(?:fait|font) (?:parvenir|savoir|connaitre)",
        "(?:pour|au) (?:le )?compte",
        "(?:fixe|fixent|se tiennent|se tient|se reunit|se reunissent)",
        "(?:(?:se )?sont convenus|ont convenu) de",
        # Present passive used prescriptively ("les travailleurs sont places ...", "sont assures contre").
        "(?:est|sont) (?:\\w+ )?(?:engage|place|presente|assure|inscrit|loge|paye|verse|rembourse|accorde|"
        "garanti|fourni|delivre|transmis|communique|organise|pris en charge)e?s?",
        "s'effectue(?:nt)?",
        # Frequent future forms, recognised even when the language is not given.
        "(?:sera|seront|fera|feront|aura|auront|prendra|prendront|assurera|assureront|fournira|"
        "fourniront|accordera|accorderont|versera|verseront|remboursera|rembourseront|paiera|paieront|"
        "supportera|supporteront|communiquera|communiqueront|transmettra|transmettront|veillera|"
        "veilleront|recevra|recevront|delivrera|delivreront|constituera|constitueront|appliquera|"
        "appliqueront|hebergera|hebergeront|engagera|engageront|organisera|organiseront|informera|"
        "informeront|mettra|mettront|garantira|garantiront|effectuera|effectueront|etablira|etabliront|"
        "determinera|determineront|arretera|arreteront|reglera|regleront|enverra|enverront)",
    ),
    "nl": (
        "verplicht(?:en)? zich",
        "zich(?: \\w+){0,2} verplicht(?:en)?",
        # "zal/zullen ... kunnen" is "may", not "shall".
        "(?:zal|zullen)(?!(?:(?! (?:zal|zullen|die|dat|welke|indien|wanneer)\\b)[^.;])* kunnen\\b)",
        "(?:dient|dienen)",
        "(?:moet|moeten)",
        "(?:heeft|hebben)(?: \\w+){0,3} (?:recht|aanspraak) op",
        "(?:is|zijn) (?:verplicht|gehouden)",
        "(?:mag|mogen)(?: \\w+){0,6} (?:niet|geen|slechts|alleen|noch)",
        "verboden",
        "kosteloos",
        "gratis",
        "ten laste van",
        "voor (?:\\w+ ){0,2}rekening",
        "(?:geniet|genieten)",
        "(?:draagt|dragen) (?:er )?zorg",
        "(?:neemt|nemen)(?: \\w+){0,4} op zich",
        "(?:zendt|verstrekt|verschaft|betaalt|vergoedt|waarborgt|verleent)",
        "geschiedt",
    ),
    "de": (
        "verpflichte(?:t|n) sich",
        "sich(?: \\w+){0,2} verpflichte(?:t|n)",
        "(?:wird|werden)(?![^.;,]* konnen\\b)",
        "(?:muss|mussen|hat|haben|ist|sind)(?: \\w+){0,6} zu \\w+en",
        "(?:hat|haben)(?: \\w+){0,2} anspruch",
        "anspruch auf",
        "(?:ist|sind) verpflichtet",
        "(?:darf|durfen)(?: \\w+){0,6} (?:nicht|kein\\w*|nur)",
        "(?:muss|mussen)",
        "verboten",
        "untersagt",
        "kostenlos",
        "unentgeltlich",
        "gebuhrenfrei",
        "zu lasten",
        "(?:tragt|tragen) die kosten",
        "(?:erhalt|erhalten|gewahrt|gewahren)",
        "(?:sorgt|sorgen) (?:dafur|fur)",
    ),
    "es": (
        "se compromete(?:n)?(?: a)?",
        "(?:se )?obliga(?:n)? a",
        "debera(?:n)?",
        "debe(?:n)?",
        "(?:tendra|tendran|tiene|tienen) derecho",
        "(?:esta|estan|estara|estaran) obligad[oa]s?",
        "(?:queda|quedan|esta|estan) prohibid[oa]s?",
        "se prohibe",
        "no (?:podra|podran|puede|pueden)",
        "gratuit[oa]s?",
        "gratuitamente",
        "sin (?:costo|cargo|coste)",
        "(?:correra|correran) a cargo",
    ),
    "pt": (
        "compromete(?:m)?-se",
        "se comprometem?",
        "obriga(?:m)?-se",
        "devera(?:o)?",
        "deve(?:m)?",
        "(?:tera|terao|tem|teem) direito",
        "(?:e|sao|sera|serao|fica|ficam) obrigad[oa]s?",
        "(?:e|sao|fica|ficam) (?:proibid|vedad)[oa]s?",
        "nao (?:pode|podem|podera|poderao)",
        "gratuit[oa]s?",
        "gratuitamente",
        "a cargo d[oa]s?",
    ),
    "it": (
        "si impegna(?:no)?",
        "si obbliga(?:no)?",
        "(?:dovra|dovranno)",
        "(?:deve|devono)",
        "(?:ha|hanno|avra|avranno) diritto",
        "(?:e|sono|sara|saranno) (?:tenut|obbligat)[oaie]",
        "(?:e|sono) vietat[oaie]",
        "e fatto divieto",
        "non (?:puo|possono|potra|potranno)",
        "gratuit[oaie]",
        "gratuitamente",
        "a carico d\\w*",
    ),
}

# Permission without obligation: "may" and its kin. Hedged only when nothing in the clause binds.
PERMISSIVE: dict[str, tuple[str, ...]] = {
    "en": ("may(?<!case\\smay)(?! \\d)",),
    "fr": ("peut", "peuvent", "pourra", "pourront"),
    "nl": ("kan", "kunnen", "mag", "mogen"),
    "de": ("kann", "konnen", "darf", "durfen"),
    "es": ("puede", "pueden", "podra", "podran"),
    "pt": ("pode", "podem", "podera", "poderao"),
    "it": ("puo", "possono", "potra", "potranno"),
}

# Future tense as an undertaking ("l'employeur versera", "el empleador pagará"). French futures are
# recognised by ending only when the language is known to be French (the endings collide with nouns in
# other languages); Spanish/Portuguese/Italian futures need the written accent, so they are matched on
# the lower-cased but not accent-stripped text, for es/pt/it or an unknown language. Both are found from
# the ending backwards: a scan for the ending is cheap, a regex that backtracks from every word is not.
_FR_FUTURE_END = re.compile(r"[eidtvr]r(?:a|ont)\b")
_FR_NOT_FUTURE = ("pourr", "extra", "opera", "camera", "cholera", "ultra", "contra", "infra", "supra")
_ACCENTED_FUTURE_END = re.compile(r"r(?:á|án|ão|à|anno)\b")
_ACCENTED_NOT_FUTURE = ("pod", "pot")  # podrá, poderá, potrà: "may", not "shall"
_ACCENTED_FUTURE_LANGUAGES = {None, "es", "pt", "it"}


def _word_start(text: str, end: int) -> int:
    start = end
    while start > 0 and text[start - 1].isalpha():
        start -= 1
    return start


def _french_future(folded: str, text: str) -> tuple[int, int] | None:
    """First French future verb ("versera", "fourniront"), lower case in the original.

    Capitalised words are skipped: names such as "NOGUEIRA" end the same way.
    """
    for m in _FR_FUTURE_END.finditer(folded):
        start = _word_start(folded, m.start())
        if start < m.start() and text[start].islower() and not folded.startswith(_FR_NOT_FUTURE, start):
            return start, m.end()
    return None


def _accented_future(text: str) -> tuple[int, int] | None:
    """First Spanish/Portuguese/Italian future verb ("pagará", "pagarão", "pagherà", "pagheranno")."""
    low = _lower(text)
    for m in _ACCENTED_FUTURE_END.finditer(low):
        start = _word_start(low, m.start())
        if m.start() - start >= 2 and not low.startswith(_ACCENTED_NOT_FUTURE, start):
            return start, m.end()
    return None


# Helpers for telling a protective prohibition from a denied right.
_HARM_VERBS = (
    # en
    "withh[oe]ld\\w*",
    "retain\\w*",
    "confiscat\\w*",
    "keep\\w*",
    "deduct\\w*",
    "charg\\w*",
    "dismiss\\w*",
    "terminat\\w*",
    "substitut\\w*",
    "alter\\w*",
    "chang\\w*",
    "demand\\w*",
    "impos\\w*",
    "collect\\w*",
    "levy\\w*",
    "discriminat\\w*",
    "detain\\w*",
    "hold\\w*",
    "reduc\\w*",
    "lower\\w*",
    "transfer\\w*",
    "assign\\w*",
    # fr
    "retenir",
    "confisquer",
    "garder",
    "deduire",
    "exiger",
    "percevoir",
    "licencier",
    "congedier",
    "modifier",
    "substituer",
    "imposer",
    "reclamer",
    "reduire",
    # nl
    "inhouden",
    "innemen",
    "aftrekken",
    "verlangen",
    "eisen",
    "ontslaan",
    "wijzigen",
    "heffen",
    "in rekening",
    # de
    "einbehalten",
    "einzubehalten",
    "abziehen",
    "abzuziehen",
    "fordern",
    "erheben",
    "zu erheben",
    "kundigen",
    "zu kundigen",
    "entlassen",
    "zu entlassen",
    "andern",
    "zu andern",
    # es / pt / it
    "retener",
    "reter",
    "trattenere",
    "confiscar",
    "confiscare",
    "deducir",
    "deduzir",
    "detrarre",
    "descontar",
    "cobrar",
    "riscuotere",
    "exigir",
    "esigere",
    "despedir",
    "licenziare",
    "modificar",
    "modificare",
    "sustituir",
    "substituir",
    "sostituire",
)
_WORKER_NOUNS = (
    "workers?",
    "migrants?",
    "employees?",
    "trainees?",
    "stagiaires?",
    "hsws?",
    "travailleu(?:r|rs|se|ses)",
    "ouvri(?:er|ers|ere|eres)",
    "salarie(?:e|s|es)?",
    "arbeiders?",
    "werknemers?",
    "stagiair(?:e|es|s)?",
    "arbeitnehmer\\w*",
    "arbeiter\\w*",
    "beschaftigte\\w*",
    "trabajador\\w*",
    "trabalhador\\w*",
    "lavorator\\w*",
    "emigrant\\w*",
)
_PAYER_NOUNS = (
    "employers?",
    "parties",
    "party",
    "governments?",
    "state",
    "authorit\\w*",
    "agenc\\w*",
    "ministr\\w*",
    "employeurs?",
    "gouvernements?",
    "etats?",
    "werkgevers?",
    "regering\\w*",
    "arbeitgeber\\w*",
    "regierung\\w*",
    "empleador\\w*",
    "gobierno\\w*",
    "empregador\\w*",
    "governo\\w*",
    "datori?e? di lavoro",
)
# Who would pay, right after a denied payment: "... shall be paid by the worker", "... du travailleur".
_WORKER_AGENT = (
    "(?:by|from) (?:the |any |a )?(?:{w})",
    "(?:par|pour) (?:le |les |la |l')?(?:{w})",
    "(?:du|des|de la|de l') ?(?:{w})",
    "(?:door|van) de (?:{w})",
    "(?:vom|von den|von der|des|der) (?:{w})",
    "(?:por|pel[oa]s?|dal|dai|dalla|del|dos|das|do|da|dei|della) (?:el |los |la )?(?:{w})",
)


def _space(pattern: str) -> str:
    """A literal space in a cue matches any whitespace run, so cues survive line breaks."""
    return pattern.replace(" ", r"\s+")


def _alternation(patterns: tuple[str, ...] | list[str]) -> str:
    return "|".join(_space(p) for p in patterns)


def _words(patterns: tuple[str, ...] | list[str]) -> re.Pattern[str]:
    return re.compile(r"\b(?:" + _alternation(patterns) + r")\b")


# ---------------------------------------------------------------------------------------------------
# Speed. Python's re tries every alternative of an alternation at every word start and has no prefix
# trie of its own, so nine categories of a few hundred cues each cost ~10 us per category and clause.
# Instead (1) each cue's leading group is spelled out ("(?:has|have) x" -> "has x", "have x") so that
# every variant starts with literal letters, (2) the variants are merged into a trie on those letters,
# so at a word start only branches sharing its first letters are tried, and (3) all categories share one
# zero-width scan of the clause; only the few words where a cue starts are then given to the categories.
# ---------------------------------------------------------------------------------------------------

_QUANTIFIERS = ("?", "*", "+", "{")
_LITERAL = set("abcdefghijklmnopqrstuvwxyz0123456789'- ")


def _close(pattern: str, start: int) -> int:
    """Index of the parenthesis closing the group opened at ``start``."""
    depth, i = 0, start
    while i < len(pattern):
        ch = pattern[i]
        if ch == "\\":
            i += 2
            continue
        if ch == "[":
            i = pattern.index("]", i + 2)
        elif ch == "(":
            depth += 1
        elif ch == ")":
            depth -= 1
            if depth == 0:
                return i
        i += 1
    raise ValueError(f"unbalanced group in cue {pattern!r}")


def _split_top(body: str) -> list[str]:
    """Split a group body on its top-level ``|``."""
    parts, depth, start, i = [], 0, 0, 0
    while i < len(body):
        ch = body[i]
        if ch == "\\":
            i += 2
            continue
        if ch == "[":
            i = body.index("]", i + 2)
        elif ch == "(":
            depth += 1
        elif ch == ")":
            depth -= 1
        elif ch == "|" and depth == 0:
            parts.append(body[start:i])
            start = i + 1
        i += 1
    parts.append(body[start:])
    return parts


def _lead(pattern: str) -> int:
    """Length of the literal characters a cue starts with (letters, digits, apostrophe, hyphen, space)."""
    i = 0
    while i < len(pattern) and pattern[i] in _LITERAL and pattern[i + 1 : i + 2] not in _QUANTIFIERS:
        i += 1
    return i


def _expand(pattern: str) -> list[str]:
    """Spell out a cue's first non-capturing group, so that every variant starts with literal letters.

    ``(?:has|have) (?:the )?right`` becomes ``has (?:the )?right`` and ``have (?:the )?right``.
    """
    i = _lead(pattern)
    if not pattern.startswith("(?:", i):
        return [pattern]
    j = _close(pattern, i)
    head, body, rest = pattern[:i], pattern[i + 3 : j], pattern[j + 1 :]
    optional = rest[:1] == "?" and rest[1:2] != "?"
    if optional:
        rest = rest[1:]
    elif rest[:1] in _QUANTIFIERS:
        return [pattern]
    out = [v for alt in _split_top(body) for v in _expand(head + alt + rest)]
    if optional:
        out += _expand(head + rest)
    return out


def _trie(patterns: list[str]) -> str:
    """One regex alternation, factored on shared leading literal characters."""
    groups: dict[str, list[str]] = {}
    others: list[str] = []
    for p in patterns:
        if _lead(p):
            groups.setdefault(p[0], []).append(p[1:])
        else:
            others.append(p)
    alts = [
        (r"\s+" if ch == " " else re.escape(ch)) + (_trie(rests) if len(rests) > 1 else _space(rests[0]))
        for ch, rests in groups.items()
    ]
    alts += [_space(p) for p in others if p]
    if "" in others:
        alts.append("")
    if len(alts) == 1:
        return alts[0]
    return "(?:" + "|".join(alts) + ")"


_WORKERS = _alternation(_WORKER_NOUNS)
# The harmful act must follow the negation closely ("is not entitled to withhold"), not anywhere later.
_HARM_AFTER = re.compile(r"(?:\W+\w+){0,2}?\W+(?:" + _alternation(_HARM_VERBS) + r")\b")
_WORKER_AFTER = re.compile(
    r"(?:\W+\w+){0,2}?\W+(?:" + _alternation([a.format(w=_WORKERS) for a in _WORKER_AGENT]) + r")\b"
)
_WORKER_RE = _words(_WORKER_NOUNS)
_PAYER_RE = _words(_PAYER_NOUNS)
_SENTENCE_START = re.compile(r"[.;:]\s")


def _cue_regex(patterns: list[str]) -> str:
    """A category's cues as one trie-factored alternation (first group of each cue spelled out)."""
    return _trie(list(dict.fromkeys(v for p in patterns for v in _expand(p))))


# The categories scanned in one pass, in priority order: when cues of two categories start at the same
# word, the earlier category is the one recorded.
_CATEGORIES: tuple[tuple[str, dict[str, tuple[str, ...]]], ...] = (
    ("preamble_formula", PREAMBLE_FORMULA),
    ("excluded", EXCLUDED),
    ("negated_right", NEGATED_RIGHT),
    ("negated_duty", NEGATED_DUTY),
    ("negated_payment", NEGATED_PAYMENT),
    ("hedge_effort", HEDGE_EFFORT),
    ("hedge_law", HEDGE_LAW),
    ("binding", BINDING),
    ("permissive", PERMISSIVE),
)
_NEGATIONS = {"negated_right": "right", "negated_duty": "duty", "negated_payment": "payment"}


@dataclass(frozen=True)
class _Matchers:
    """All compiled regexes for one language selection (built once, then cached)."""

    recital_start: re.Pattern[str]
    recital_inline: re.Pattern[str]
    recital_any: re.Pattern[str]
    party_opening: re.Pattern[str]
    # One scan over the clause finds every word where some cue starts (a single pass instead of one pass
    # per category); the per-category tries then say which category it is. The scan matches the
    # non-word character before such a word (``\W(?=trie)``; the cue starts at the match's end), which
    # the re engine finds faster than it tries a lookbehind at every character; ``cue_at_start`` covers
    # the clause's first word.
    cues: re.Pattern[str]
    cue_at_start: re.Pattern[str]
    # The categories' tries as one alternation, one named group per category in priority order: the
    # first alternative that matches where a cue starts is the first category a loop over nine
    # separately compiled tries would have found, at one regex call instead of up to nine.
    categories: re.Pattern[str]
    binding: re.Pattern[str]
    future_fr: bool
    future_accented: bool


def _pick(lexicon: dict[str, tuple[str, ...]], languages: tuple[str, ...]) -> list[str]:
    return [p for lang in languages for p in lexicon.get(lang, ())]


@lru_cache(maxsize=32)
def _matchers(language: str | None) -> _Matchers:
    """Compile the cue regexes for a language (its cues plus English), or for all languages."""
    if language is None:
        langs: tuple[str, ...] = LANGUAGES
    else:
        langs = ("en",) if language == "en" else (language, "en")
    recitals = _alternation(_pick(RECITAL, langs))
    # Every cue of every category goes into one trie that finds where cues start; each hit is then
    # given to the first category (in priority order) whose own trie matches there. (Tagging each cue
    # with a named group instead makes the regex engine save groups at every branch: twice as slow.)
    variants = {
        name: [v + r"\b" for v in dict.fromkeys(v for p in _pick(lexicon, langs) for v in _expand(p))]
        for name, lexicon in _CATEGORIES
    }
    cue_trie = _trie([v for vs in variants.values() for v in vs])
    return _Matchers(
        # Leading numbering, bullets or quotes may precede the recital word: "(a) Considering ...".
        recital_start=re.compile(r"\s*(?:[\W\d_]+\s*)?(?:\(?[a-z]{1,4}[.)]\s+)?(?:" + recitals + r")\b"),
        recital_inline=re.compile(r"[,;:\n]\s*(" + _cue_regex(_pick(RECITAL, langs)) + r")\b"),
        recital_any=re.compile(r"\b(?:" + recitals + r")\b"),
        party_opening=re.compile(r"[\W\d_]*" + _space(PARTY_OPENING) + r"\b"),
        cues=re.compile(r"\W(?=" + cue_trie + ")"),
        cue_at_start=re.compile("(?=" + cue_trie + ")"),
        categories=re.compile("|".join(f"(?P<{name}>{_trie(vs)})" for name, vs in variants.items() if vs)),
        binding=re.compile(r"(?<!\w)" + _cue_regex(_pick(BINDING, langs)) + r"\b"),
        future_fr=language == "fr",
        future_accented=language in _ACCENTED_FUTURE_LANGUAGES,
    )


def _is_protective(folded: str, start: int, end: int, kind: str) -> bool:
    """Whether a negation is really a protection for the worker, hence binding rather than negated.

    * "the employer is not entitled to withhold ..." — a harmful act is forbidden (any kind);
    * "no fee shall be paid by the worker" — the worker is spared a payment (payment kind);
    * "the worker shall not be required to pay ..." — a burden is lifted off the worker (duty kind):
      the sentence's subject names the worker and no employer/state.
    """
    if _HARM_AFTER.match(folded, end):
        return True
    if kind == "payment" and _WORKER_AFTER.match(folded, end):
        return True
    if kind == "duty":
        lo = max(0, start - 160)
        starts = [s.end() for s in _SENTENCE_START.finditer(folded, lo, start)]
        subject = folded[starts[-1] if starts else lo : start]
        return bool(_WORKER_RE.search(subject)) and not _PAYER_RE.search(subject)
    return False


Span = tuple[int, int]


def _cue_starts(mx: _Matchers, folded: str) -> Iterator[int]:
    """Where some cue starts in the folded clause (at a word start), in order."""
    if mx.cue_at_start.match(folded):
        yield 0
    for hit in mx.cues.finditer(folded):
        yield hit.end()


def _categorise(mx: _Matchers, folded: str, at: int) -> tuple[str, Span] | None:
    """The first category, in priority order, with a cue starting at ``at``, and that cue's span."""
    m = mx.categories.match(folded, at)
    if m is None or m.lastgroup is None:
        return None
    return m.lastgroup, (at, m.end())


def _reading(strength: Strength, text: str, span: Span | None) -> ObligationReading:
    return ObligationReading(strength, text[span[0] : span[1]] if span else None)


def read_obligation(text: str, language: str | None = None) -> ObligationReading:
    """Read how strongly one clause promises what it is about (see the module docstring for the order).

    ``language`` is an ISO 639-1 code; when given, only that language's cues and the English ones are
    used (English words are frequent in bilingual records and annexes). When ``None`` all cues are used,
    except French future endings, which collide with nouns of other languages.
    """
    lang = language.lower()[:2] if language else None  # "en-GB" -> "en"
    mx = _matchers(lang)
    folded = _fold(text)

    # 1. Recitals promise nothing, even when they contain "shall".
    m = mx.recital_start.match(folded)
    if m:
        return ObligationReading("descriptive", text[m.start() : m.end()].strip(" \t\r\n,;:([-\u2014"))
    for m in mx.recital_inline.finditer(folded):
        if text[m.start(1) : m.start(1) + 1].isupper():
            return ObligationReading("descriptive", text[m.start(1) : m.end(1)])
    if mx.party_opening.match(folded):
        # "The Governments of A and B, desirous of ...": a recital before any undertaking.
        end = folded.find(". ")
        m = mx.recital_any.search(folded, 0, end if end > 0 else len(folded))
        if m and not mx.binding.search(folded, 0, m.start()):
            return ObligationReading("descriptive", text[m.start() : m.end()])

    # One pass: the first cue of each category, and every negation (some turn out to be protective).
    first: dict[str, Span] = {}
    negations: list[tuple[str, Span]] = []
    for at in _cue_starts(mx, folded):
        found = _categorise(mx, folded, at)
        if found is None:  # pragma: no cover - the scan and the categories hold the same cues
            continue
        name, span = found
        if name in _NEGATIONS:
            negations.append((name, span))
        elif name not in first:
            first[name] = span

    if "preamble_formula" in first:
        return _reading("descriptive", text, first["preamble_formula"])
    # 2. Carve-outs.
    if "excluded" in first:
        return _reading("excluded", text, first["excluded"])
    # 3. Denied rights, duties or payments, unless the negation is the protection.
    protective: Span | None = None
    for name in _NEGATIONS:
        for found, span in negations:
            if found != name:
                continue
            if not _is_protective(folded, span[0], span[1], _NEGATIONS[name]):
                return _reading("negated", text, span)
            protective = protective or span
    # 4-6. Hedges, obligations, permissions.
    if "hedge_effort" in first:
        return _reading("hedged", text, first["hedge_effort"])
    bind = first.get("binding") or protective
    if bind is None and mx.future_fr:
        bind = _french_future(folded, text)
    if bind is None and mx.future_accented:
        bind = _accented_future(text)
    perm = first.get("permissive") if bind is None else None
    if bind or perm:
        if "hedge_law" in first:
            return _reading("hedged", text, first["hedge_law"])
        if bind:
            return _reading("binding", text, bind)
        return _reading("hedged", text, perm)
    return ObligationReading("descriptive", None)


def mark_strength(clause: Clause) -> None:
    """Store the clause's obligation reading on it (``strength`` and the deciding ``strength_cue``)."""
    reading = read_obligation(clause.text, clause.language)
    clause.strength, clause.strength_cue = reading.strength, reading.cue
