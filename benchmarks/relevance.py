"""Relevance of article search on the real Magento support KB, next to SQLite FTS5 BM25.

    .venv/bin/python benchmarks/relevance.py [--corpus DIR] [--queries FILE] [--verbose]

For every query of `relevance_queries.toml` (written for this benchmark: users' words,
pasted errors, questions, two-word starts, typos) it asks two engines for their top 5:

* ours: the help desk's own suggest path (`KnowledgeBase` + `ArticleIndex.suggest`), the
  same call `/api/suggest` makes;
* FTS5: SQLite's BM25 over the same articles (title, tags, summary, headings, body as
  columns), porter tokenizer, the query's words OR-ed, the last word as a prefix.

and prints MRR@5 and recall@5 for the whole queries and for the queries cut at half their
words (the user is still typing), with our gain over FTS5 in the same run.
"""

import argparse
import copy
import math
import re
import sqlite3
import statistics
import sys
import tempfile
import time
import tomllib
from pathlib import Path

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE.parent))

from helpdesk.kb import articles as files  # noqa: E402
from helpdesk.kb.library import KnowledgeBase  # noqa: E402
from helpdesk.kb.markdown import headings, to_plain_text  # noqa: E402
from helpdesk.kb.ranking import Ranking  # noqa: E402

DEFAULT_CORPUS = HERE.parent.parent / "shared" / "corpora" / "kb" / "magento-support-kb" / "src"
TOP = 5
_FTS_WORD = re.compile(r"\w+", re.UNICODE)


def load_queries(path):
    with open(path, "rb") as fh:
        return tomllib.load(fh)["query"]


def half(text):
    words = text.split()
    return " ".join(words[:max(1, math.ceil(len(words) / 2))])


def score(ranked, expected):
    """(reciprocal rank of the first right article in the top 5, recall@5)."""
    top = ranked[:TOP]
    rr = next((1.0 / (i + 1) for i, slug in enumerate(top) if slug in expected), 0.0)
    recall = len(set(top) & set(expected)) / len(expected)
    return rr, recall


class Fts5:
    """The baseline: what a peer gets from SQLite's own full-text search."""

    def __init__(self, corpus):
        self.db = sqlite3.connect(":memory:")
        self.db.execute("CREATE VIRTUAL TABLE a USING fts5(slug UNINDEXED, title, tags, summary,"
                        " headings, body, tokenize='porter unicode61')")
        rows = []
        for slug, (path, _) in sorted(files.walk(corpus)[0].items()):
            try:
                art = files.parse_article(slug, path.read_bytes())
            except files.ArticleError:
                continue
            if art.draft:
                continue
            rows.append((slug, art.title, " ".join(art.tags), art.summary,
                         " ".join(headings(art.body)), to_plain_text(art.body)))
        self.db.executemany("INSERT INTO a VALUES (?, ?, ?, ?, ?, ?)", rows)
        self.count = len(rows)

    def search(self, text):
        words = _FTS_WORD.findall(text.lower())[:12]
        if not words:
            return []
        terms = [f'"{w}"' for w in words[:-1]] + [f'"{words[-1]}"*']
        sql = "SELECT slug FROM a WHERE a MATCH ? ORDER BY bm25(a) LIMIT ?"
        return [row[0] for row in self.db.execute(sql, (" OR ".join(terms), TOP))]


class Ours:
    def __init__(self, corpus, index_dir):
        self.kb = KnowledgeBase(corpus, index_dir, check_interval=3600, background=False)
        self.kb.sync(full=True)
        self.count = len(self.kb.articles)

    def search(self, text):
        return [h.slug for h in self.kb.suggest(text, limit=TOP)]


# Each lever of ranking.py switched off (or changed) alone, to show what it is worth.
_DEFAULT = Ranking()
ABLATIONS = [
    ("all levers (shipped)", {}),
    ("flat field weights", {"boosts": dict.fromkeys(_DEFAULT.boosts, 1.0)}),
    ("no word-pair (phrase) match", {"pair_boosts": dict.fromkeys(_DEFAULT.pair_boosts, 0.0)}),
    ("no coverage re-ranking", {"coverage_weight": 0.0}),
    ("no typo corrections", {"corrections": 0}),
    ("completions weigh as much as the typed word", {"completion_weight": 1.0}),
    ("common words also scored in bodies", {"common_share": 1.0}),
    ("one B for every field", {"field_b": {"*": 0.75}}),
]


def ablation(ours, queries):
    print("\nablation (ours, each lever changed alone):")
    print(f"  {'variant':<44}{'whole MRR':>10}{'recall':>8}{'half MRR':>10}{'recall':>8}")
    shipped = ours.kb.ranker.ranking
    try:
        for label, changes in ABLATIONS:
            ranking = copy.deepcopy(shipped)
            for key, value in changes.items():
                setattr(ranking, key, value)
            ours.kb.ranker.ranking = ranking
            ours.kb.forget_answers()
            whole, cut = evaluate(ours, queries, False), evaluate(ours, queries, True)
            print(f"  {label:<44}{whole['mrr']:>10.3f}{whole['recall']:>8.3f}"
                  f"{cut['mrr']:>10.3f}{cut['recall']:>8.3f}")
    finally:
        ours.kb.ranker.ranking = shipped
        ours.kb.forget_answers()


def evaluate(engine, queries, cut):
    rrs, recalls, kinds, misses, times = [], [], {}, [], []
    for item in queries:
        text = half(item["q"]) if cut else item["q"]
        start = time.perf_counter()
        ranked = engine.search(text)
        times.append(time.perf_counter() - start)
        rr, recall = score(ranked, item["expect"])
        rrs.append(rr)
        recalls.append(recall)
        kinds.setdefault(item.get("kind", "?"), []).append(rr)
        if rr == 0:
            misses.append((text, item["expect"], ranked[:3]))
    return {
        "mrr": statistics.fmean(rrs), "recall": statistics.fmean(recalls),
        "kinds": {k: statistics.fmean(v) for k, v in kinds.items()},
        "misses": misses, "median_ms": statistics.median(times) * 1000,
    }


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--corpus", type=Path, default=DEFAULT_CORPUS)
    parser.add_argument("--queries", type=Path, default=HERE / "relevance_queries.toml")
    parser.add_argument("--verbose", action="store_true", help="list the queries ours missed")
    parser.add_argument("--ablation", action="store_true",
                        help="also score ours with each ranking lever changed alone")
    args = parser.parse_args(argv)
    if not args.corpus.is_dir():
        sys.exit(f"corpus not found: {args.corpus}")
    queries = load_queries(args.queries)

    with tempfile.TemporaryDirectory() as tmp:
        ours = Ours(args.corpus, Path(tmp) / "index")
        fts = Fts5(args.corpus)
        print(f"{len(queries)} queries over {ours.count} articles (FTS5: {fts.count})\n")
        header = f"{'queries':<14}{'metric':<11}{'ours':>8}{'FTS5':>8}{'gain':>9}"
        print(header)
        print("-" * len(header))
        results = {}
        for cut in (False, True):
            label = "half-typed" if cut else "whole"
            a, b = evaluate(ours, queries, cut), evaluate(fts, queries, cut)
            results[label] = (a, b)
            for metric in ("mrr", "recall"):
                gain = (a[metric] / b[metric] - 1) * 100 if b[metric] else float("inf")
                name = "MRR@5" if metric == "mrr" else "recall@5"
                print(f"{label:<14}{name:<11}{a[metric]:>8.3f}{b[metric]:>8.3f}{gain:>+8.1f}%")
        print("\nMRR@5 by kind of query (whole queries):")
        a, b = results["whole"]
        for kind in sorted(a["kinds"]):
            print(f"  {kind:<10} ours {a['kinds'][kind]:.3f}   FTS5 {b['kinds'][kind]:.3f}")
        print(f"\nmedian time per query: ours {a['median_ms']:.2f} ms,"
              f" FTS5 {b['median_ms']:.2f} ms")
        target = all(results[line][0][m] >= 1.10 * results[line][1][m]
                     for line in results for m in ("mrr", "recall"))
        print(f"target (ours >= FTS5 + 10% on every line): {'met' if target else 'NOT met'}")
        if args.ablation:
            ablation(ours, queries)
        if args.verbose:
            for label, (mine, _) in results.items():
                print(f"\nmissed by ours ({label}):")
                for text, expected, got in mine["misses"]:
                    print(f"  {text!r}\n    want {expected[0]}\n    got  {got}")


if __name__ == "__main__":
    main()
