"""Classification speed: clauses per second on one core, batched, against a naive per-clause loop.

Run: ``.venv/bin/python bench/bench_classify.py [N]`` (default 20,000 clauses). The clauses are our own
annotated examples (``annotations/*.jsonl``) repeated to N, each given a numbered suffix so that no two are
equal: a cache keyed by text (none should exist, but it would be easy to add one unnoticed) cannot serve a
repeat and flatter the figure. The warm-up and the baseline get clauses of their own, never measured ones,
for the same reason. Both paths use the shipped model and read the obligation strength of every labelled
clause, as :func:`pipeline.classify.classify` does; the baseline calls the model once per clause (what a
naive integration does), on a sample, and is scaled to a rate. The target is ≥ 5,000 clauses/s on one
core: the process is pinned to one core and BLAS to one thread.
"""

from __future__ import annotations

import itertools
import json
import os
import sys
import time
from pathlib import Path

os.environ.setdefault("OMP_NUM_THREADS", "1")
os.environ.setdefault("OPENBLAS_NUM_THREADS", "1")
ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from pipeline.classify import load_model  # noqa: E402
from pipeline.obligation import read_obligation  # noqa: E402

BASELINE_SAMPLE = 300
WARM_UP = 200


def clauses(n: int) -> list[str]:
    """``n`` distinct clauses: the annotated examples in turn, each ending in its own number."""
    texts = [
        json.loads(line)["text"]
        for path in sorted((ROOT / "annotations").glob("*.jsonl"))
        for line in path.read_text(encoding="utf-8").splitlines()
        if line.strip()
    ]
    cycle = itertools.islice(itertools.cycle(texts), n)
    return [f"{text} ({number})" for number, text in enumerate(cycle, start=1)]


def batched(model, texts: list[str]) -> float:
    started = time.perf_counter()
    for text, scores in zip(texts, model.predict(texts), strict=True):
        if scores:
            read_obligation(text)
    return time.perf_counter() - started


def per_clause(model, texts: list[str]) -> float:
    started = time.perf_counter()
    for text in texts:
        if model.predict([text])[0]:
            read_obligation(text)
    return time.perf_counter() - started


def main() -> int:
    if hasattr(os, "sched_setaffinity"):
        os.sched_setaffinity(0, {min(os.sched_getaffinity(0))})
    n = int(sys.argv[1]) if len(sys.argv) > 1 else 20_000
    model = load_model()
    texts = clauses(n + WARM_UP + BASELINE_SAMPLE)
    texts, warm_up, sample = texts[:n], texts[n : n + WARM_UP], texts[n + WARM_UP :]
    batched(model, warm_up)
    ours = batched(model, texts)
    base = per_clause(model, sample)
    ours_rate, base_rate = n / ours, BASELINE_SAMPLE / base
    mean_chars = sum(map(len, texts)) / len(texts)
    print(f"{n} clauses (mean {mean_chars:.0f} characters), one core, model {model.version}")
    print(f"blamine batched      {ours_rate:9.0f} clauses/s  ({ours:.2f} s)")
    print(f"per-clause baseline  {base_rate:9.0f} clauses/s  ({BASELINE_SAMPLE} clauses, {base:.2f} s)")
    print(f"ratio batched/per-clause: {ours_rate / base_rate:.1f}x")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
