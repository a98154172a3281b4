"""Clause search at a million clauses: index build time and size, and query latency per query type.

Run: ``.venv/bin/python bench/bench_search.py [--clauses N] [--queries Q] [--keep DIR]`` (default
1,000,000 clauses, 50 queries per type). The clauses are our own synthetic text, generated here with a
fixed seed: agreements of 40–160 clauses in six languages, each clause 15–120 words (log-normal, median
about 40) drawn from a Zipf vocabulary of 50,000 made-up words, plus the domain words of our synonym groups
(``pipeline/data/synonyms.json``) in the agreement's language, 0–2 labels per clause that decide which
domain words it carries, and agreement metadata (two countries, origin and destination, year, type).

The index is built by :func:`pipeline.index.rebuild` — the code ``blamine reindex`` runs — and every
query goes through :func:`pipeline.search.search` with a page of 20 hits, snippets and facet counts, as
the CLI and the web page call it. The query types are the ones of issue 7: a rare term; two terms ANDed
(each among the 50th-500th most frequent words); a phrase of two or three running words of a clause with
at least one content word (not among the 100 most frequent words: nobody searches "of the"); a prefix of
4-6 letters of a domain word or a mid-frequency word; a label and country filter with a domain word; filters
alone; and a very common single term (one of the 50 most frequent words, in up to 97 % of the clauses). The
baseline, in the same run, is the naive search: ``LIKE '%term%'`` over the clause text, counted, for five
rare terms. Targets: build ≤ 2 min, p95 ≤ 50 ms for every query type. "capped" counts the queries with
more than ``pipeline.search.RANK_CAP`` matches (listed newest first, not ranked; total a lower bound).

Prefix queries, measured on this data (SQLite 3.40, 2 shared cores, so figures move by ±30 % between runs).
FTS5 without a prefix index merges the posting lists of every word a prefix begins before it returns a row,
in every query that uses the prefix: at 1M clauses 5-15 ms for the 4-letter stems here (``kato*``: 77
words, 81,000 postings, 10 ms), about 110 ms for a 3-letter syllable (``kon*``: 1,981 words, 690,000
postings). The search paid it 22 times, once for the matches and once per snippet (``rowid = ?``):
prefix p50 55 ms, p95 291 ms at 1M. Snippets of a prefix query now come from one query over the page's
rowid range (``pipeline.search._snippets``): p95 291 → 40-47 ms at 1M, 55 → 21 ms at 200k. Tried too:

- ``prefix='4'`` (one prefix index), at 200k: build 15.5 → 19.3 s (+25 %), prefix p95 20.9 → 19.3 ms
  (only 4-letter prefixes use it). Not kept: at 1M it would bring the build close to the 2 min target.
- A prefix rewritten as the OR of the words it begins, listed by ``fts5vocab`` (``term >= 'kato' AND
  term < 'katp'``), at 1M, exact: FTS5 reads an OR lazily (``kato*`` matches 5.4 ms instead of 9.9,
  snippets 3.3 instead of 8.6), but fts5vocab counts every posting of every word it lists (4.3 ms for
  ``kato*``, 57 ms for ``kon*``, whose 1,981-word OR then takes 129 ms instead of the merge's 112).
  Net gain 5-10 ms on the slowest prefixes, a loss on short ones: not kept. It would pay with a word list
  kept by blamine itself (one table, filled on rebuild and on every ingest) — more schema for a query
  type already within target.
- Snippets from one range query for every query type, not only prefixes: phrases of common words got
  slower (ranked hits spread over the matches: ``"to arbla"`` 5.9 → 10.0 ms), so other queries keep one
  lookup per hit.
"""

from __future__ import annotations

import argparse
import json
import math
import random
import statistics
import sys
import tempfile
import time
from collections.abc import Callable, Iterator
from pathlib import Path

import numpy as np

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from pipeline import taxonomy  # noqa: E402
from pipeline.index import connect, rebuild  # noqa: E402
from pipeline.model import Clause, Document, LabelScore, Metadata, ModelInfo, Source  # noqa: E402
from pipeline.search import SearchFilters, search  # noqa: E402

SEED = 7
VOCABULARY = 50_000
ZIPF_EXPONENT = 1.05
LANGUAGES = {"en": 0.5, "fr": 0.15, "es": 0.12, "de": 0.08, "nl": 0.07, "pt": 0.08}
ORIGINS = "PH ID IN BD LK NP PK VN MA TR TN ET KE UG JM MX GT PL RO UA EG MM KH SN".split()
DESTINATIONS = "SA KW AE QA BH OM JO LB MY KR JP DE NL BE FR ES IT CA US GB IL CH".split()
TYPES = {"BLA": 0.45, "MOU": 0.35, "standard_contract": 0.06, "exchange_of_notes": 0.06, "protocol": 0.08}
STRENGTHS = ("binding", "hedged", "descriptive", "negated", "excluded")
SYLLABLES = "ka to ri mu se lo na pe vi du ga sho tre bla kon ver ist ul ar en om ip ast und ech".split()


def vocabulary(rng: random.Random) -> list[str]:
    """``VOCABULARY`` distinct made-up words, short ones first (frequent words are short, as in text)."""
    words: dict[str, None] = {}
    while len(words) < VOCABULARY:
        size = 1 + min(4, int(rng.expovariate(0.6)))
        words.setdefault("".join(rng.choice(SYLLABLES) for _ in range(size)), None)
    return sorted(words, key=len)


def domain_words() -> list[dict[str, list[str]]]:
    """Per synonym group, its single words by language: the agreements' domain vocabulary."""
    data = json.loads((ROOT / "pipeline" / "data" / "synonyms.json").read_text(encoding="utf-8"))
    return [
        {lang: [t for t in terms if " " not in t] or terms for lang, terms in group["terms"].items()}
        for group in data["groups"]
    ]


class Corpus:
    """The synthetic agreements, generated document by document (a million clauses never sit in memory
    as objects), plus samples of what the queries need."""

    def __init__(self, clauses: int) -> None:
        self.target = clauses
        self.rng = random.Random(SEED)
        self.np = np.random.default_rng(SEED)
        self.words = np.array(vocabulary(self.rng), dtype=object)
        weights = 1.0 / np.arange(1, VOCABULARY + 1) ** ZIPF_EXPONENT
        self.probabilities = weights / weights.sum()
        self.domains = domain_words()
        self.labels = taxonomy.label_ids()
        label_weights = [1 / (rank + 2) for rank in range(len(self.labels))]
        self.label_weights = [w / sum(label_weights) for w in label_weights]
        self.phrases: list[str] = []
        self.generated = 0
        self.seconds = 0.0

    def documents(self) -> Iterator[Document]:
        number = 0
        while self.generated < self.target:
            started = time.perf_counter()
            size = min(self.rng.randint(40, 160), self.target - self.generated)
            doc = self.document(number, size)
            self.generated += size
            number += 1
            self.seconds += time.perf_counter() - started
            yield doc

    def document(self, number: int, size: int) -> Document:
        rng = self.rng
        language = rng.choices(list(LANGUAGES), weights=list(LANGUAGES.values()))[0]
        origin, destination = rng.choice(ORIGINS), rng.choice(DESTINATIONS)
        year = min(2024, int(1945 + 80 * rng.betavariate(2.5, 1.2)))
        type_ = rng.choices(list(TYPES), weights=list(TYPES.values()))[0]
        lengths = np.clip(self.np.lognormal(math.log(40), 0.55, size), 15, 120).astype(int)
        ids = self.np.choice(VOCABULARY, size=int(lengths.sum()), p=self.probabilities)
        tokens = self.words[ids]
        clauses, position = [], 0
        for index, length in enumerate(lengths):
            words = list(tokens[position : position + length])
            position += length
            labels = rng.choices(self.labels, weights=self.label_weights, k=rng.choice((0, 0, 1, 1, 2)))
            for label in dict.fromkeys(labels):
                group = self.domains[self.labels.index(label) % len(self.domains)][language]
                words.insert(rng.randrange(len(words)), rng.choice(group))
            text = " ".join(words).capitalize() + "."
            if len(self.phrases) < 5_000 and rng.random() < 0.01:
                start = rng.randrange(len(words) - 3)
                self.phrases.append(" ".join(words[start : start + rng.choice((2, 3))]))
            clauses.append(
                Clause(
                    id=f"art-{index + 1}",
                    kind="paragraph",
                    text=text,
                    char_start=0,
                    char_end=len(text),
                    page_start=1 + index // 8,
                    page_end=1 + index // 8,
                    article=str(index + 1),
                    labels=[
                        LabelScore(label, round(rng.uniform(0.3, 1.0), 4)) for label in dict.fromkeys(labels)
                    ],
                    language=language,
                    strength=rng.choice(STRENGTHS) if labels else None,
                )
            )
        doc_id = f"{number:016x}"
        return Document(
            doc_id=doc_id,
            source=Source(f"synthetic/{doc_id}.pdf", f"{doc_id}.pdf", doc_id * 4, 1000, 1 + size // 8),
            metadata=Metadata(
                title=f"Agreement {number} between {origin} and {destination}",
                countries=[origin, destination],
                year=year,
                type=type_,
                language=language,
                origin=origin,
                destination=destination,
            ),
            clauses=clauses,
            model=ModelInfo("synthetic", "0"),
        )


def queries(corpus: Corpus, count: int) -> dict[str, list[tuple[str | None, SearchFilters]]]:
    """``count`` queries per type, from words and phrases the corpus really contains."""
    rng = random.Random(SEED + 1)
    words = corpus.words
    none = SearchFilters()
    domain = [w for group in corpus.domains for w in group["en"] + group["fr"]]
    frequent = set(words[:100])
    long_domain = [w for w in domain if len(w) >= 6 and w.isalpha()]

    def word(low: int, high: int) -> str:
        return str(words[rng.randrange(low, high)])

    def prefix() -> str:
        """The stem of a domain word or of a mid-frequency word, 4-6 letters, as a researcher types it to
        catch a word's inflections (``recrut*``)."""
        stem = rng.choice(long_domain) if rng.random() < 0.5 else word(100, 5_000)
        while len(stem) < 6:
            stem = word(100, 5_000)
        return stem[: rng.randint(4, 6)] + "*"

    def phrase() -> str:
        """Two or three running words of a generated clause with at least one content word (not among
        the 100 most frequent): people search "recruitment fees", not "of the"."""
        while True:
            candidate = rng.choice(corpus.phrases)
            if any(w not in frequent for w in candidate.split()):
                return f'"{candidate}"'

    def labelled() -> tuple[str, SearchFilters]:
        """A label and a country, and a word of the label's domain (so the three meet in some clauses)."""
        label = rng.choice(corpus.labels[:10])
        group = corpus.domains[corpus.labels.index(label) % len(corpus.domains)]
        filters = SearchFilters(labels=(label,), country=rng.choice(ORIGINS))
        return rng.choice(group["en"] + group["fr"]), filters

    def filters_only() -> SearchFilters:
        start = rng.randrange(1950, 2015)
        if rng.random() < 0.5:
            return SearchFilters(
                labels=(rng.choice(corpus.labels[:10]),), year_from=start, year_to=start + 10
            )
        return SearchFilters(country=rng.choice(DESTINATIONS), type=rng.choice(list(TYPES)))

    return {
        "rare term": [(word(30_000, VOCABULARY), none) for _ in range(count)],
        "two-term AND": [(f"{word(50, 500)} {word(50, 500)}", none) for _ in range(count)],
        "phrase": [(phrase(), none) for _ in range(count)],
        "prefix": [(prefix(), none) for _ in range(count)],
        "label+country+query": [labelled() for _ in range(count)],
        "filters only": [(None, filters_only()) for _ in range(count)],
        "very common term": [(str(words[rank % 50]), none) for rank in range(count)],
    }


def percentile(values: list[float], share: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, math.ceil(share * len(ordered)) - 1)]


def timed(run: Callable[[], object]) -> float:
    started = time.perf_counter()
    run()
    return (time.perf_counter() - started) * 1000


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--clauses", type=int, default=1_000_000)
    parser.add_argument("--queries", type=int, default=50, help="queries per type")
    parser.add_argument("--keep", type=Path, help="build the index in this folder and keep it")
    args = parser.parse_args()
    folder = args.keep or Path(tempfile.mkdtemp(prefix="bench-search-"))
    path = folder / "index.sqlite"
    path.unlink(missing_ok=True)
    corpus = Corpus(args.clauses)
    conn = connect(path)
    started = time.perf_counter()
    stats = rebuild(conn, corpus.documents())
    total = time.perf_counter() - started
    print(
        f"{stats.clauses:,} clauses in {stats.documents:,} agreements; generating {corpus.seconds:.1f} s, "
        f"indexing {total - corpus.seconds:.1f} s (build {total:.1f} s in all); "
        f"index {stats.bytes / 1e6:.0f} MB"
    )
    print(f"{'query type':22} {'p50 ms':>8} {'p95 ms':>8} {'max ms':>8} {'mean hits':>10}  capped")
    worst = 0.0
    medians: dict[str, float] = {}
    for name, batch in queries(corpus, args.queries).items():
        search(conn, batch[0][0], batch[0][1])  # warm-up, not measured
        times, totals, sampled = [], [], 0
        for query, filters in batch:
            result = None

            def run(query: str | None = query, filters: SearchFilters = filters) -> None:
                nonlocal result
                result = search(conn, query, filters, limit=20)

            times.append(timed(run))
            totals.append(result.total)
            sampled += result.sampled is not None
        p95 = percentile(times, 0.95)
        worst = max(worst, p95)
        medians[name] = statistics.median(times)
        print(
            f"{name:22} {medians[name]:8.1f} {p95:8.1f} {max(times):8.1f} {statistics.mean(totals):10,.0f}"
            f"  {sampled}/{len(batch)}"
        )
    rare = [query for query, _ in queries(corpus, args.queries)["rare term"][:5]]
    like = [
        timed(
            lambda q=q: conn.execute("SELECT count(*) FROM clauses WHERE text LIKE ?", [f"%{q}%"]).fetchone()
        )
        for q in rare
    ]
    baseline = statistics.median(like)
    print(f"naive LIKE '%term%' scan, rare term: p50 {baseline:.0f} ms ({len(like)} queries)")
    print(f"ratio LIKE / blamine, rare term p50: {baseline / medians['rare term']:.0f}x")
    print(f"worst p95 {worst:.1f} ms (target ≤ 50), build {total:.0f} s (target ≤ 120)")
    conn.close()
    if not args.keep:
        for leftover in folder.iterdir():
            leftover.unlink()
        folder.rmdir()
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
