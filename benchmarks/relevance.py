"""Relevance of article search on the real Magento support KB, next to SQLite FTS5 and Whoosh.

    .venv/bin/python benchmarks/relevance.py [--sets dev,test,old] [--semantic MODEL]
                                             [--engines ours,fts5,whoosh] [--verbose]

Query sets (every query names the article slugs that answer it):

* `dev` and `test`: the two halves of `relevance_user_queries.toml`, written in users' words
  (symptoms, questions, pasted errors, two-word starts, typos) and split once by a fixed
  seed. Ranking levers are tuned on `dev` only; `test` estimates what a change is worth on
  queries nobody tuned on.
* `old`: the 85 queries of `relevance_queries.toml`, which earlier levers were tuned on.

Engines, each asked for its top 5:

* ours: the help desk's suggest path (`KnowledgeBase.suggest`, the call `/api/suggest`
  makes), lexical only;
* ours + semantic: the same with a sentence-embedding model (`--semantic`, a folder made by
  `helpdesk kb model`, or `HELPDESK_SEARCH_SEMANTIC_MODEL`);
* FTS5: SQLite's BM25 over the same fields, porter tokenizer, the words OR-ed, the last
  one as a prefix;
* Whoosh: Whoosh's defaults (StandardAnalyzer, BM25F, MultifieldParser with OR).

For each set and engine it prints MRR@5 and recall@5 for whole queries and for queries cut
at half their words (the user still typing), then MRR@5 per kind of query.
"""

import argparse
import copy
import math
import os
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

from helpdesk.config import SEARCH_SYNONYMS_FILE  # noqa: E402
from helpdesk.kb import files  # noqa: E402
from helpdesk.kb.library import KnowledgeBase  # noqa: E402
from helpdesk.kb.plaintext import headings, to_plain_text  # noqa: E402
from helpdesk.kb.ranking import Ranker, Ranking, load_synonyms  # noqa: E402

DEFAULT_CORPUS = HERE.parent.parent / "shared" / "corpora" / "kb" / "magento-support-kb" / "src"
USER_QUERIES = HERE / "relevance_user_queries.toml"
OLD_QUERIES = HERE / "relevance_queries.toml"
TOP = 5
_FTS_WORD = re.compile(r"\w+", re.UNICODE)


def load_sets(names, user_file=USER_QUERIES, old_file=OLD_QUERIES):
    """{set name: [query]} for the names asked, in the order asked."""
    with open(user_file, "rb") as fh:
        user = tomllib.load(fh)["query"]
    with open(old_file, "rb") as fh:
        old = tomllib.load(fh)["query"]
    available = {"dev": [q for q in user if q["half"] == "dev"],
                 "test": [q for q in user if q["half"] == "test"], "old": old}
    return {name: available[name] for name in names}


def half(text):
    words = text.split()
    return " ".join(words[:max(1, math.ceil(len(words) / 2))])


def score(ranked, expected):
    """(reciprocal rank of the first right article in the top 5, recall@5)."""
    top = ranked[:TOP]
    rr = next((1.0 / (i + 1) for i, slug in enumerate(top) if slug in expected), 0.0)
    recall = len(set(top) & set(expected)) / len(expected)
    return rr, recall


def corpus_rows(corpus):
    """(slug, title, tags, summary, headings, body) of every published article."""
    rows = []
    for slug, (path, _) in sorted(files.walk(corpus)[0].items()):
        try:
            art = files.parse_article(slug, path.read_bytes())
        except files.ArticleError:
            continue
        if not art.draft:
            rows.append((slug, art.title, " ".join(art.tags), art.summary,
                         " ".join(headings(art.body)), to_plain_text(art.body)))
    return rows


class Fts5:
    """The baseline: what a peer gets from SQLite's own full-text search."""

    name = "FTS5"

    def __init__(self, rows):
        self.db = sqlite3.connect(":memory:")
        self.db.execute("CREATE VIRTUAL TABLE a USING fts5(slug UNINDEXED, title, tags, summary,"
                        " headings, body, tokenize='porter unicode61')")
        self.db.executemany("INSERT INTO a VALUES (?, ?, ?, ?, ?, ?)", rows)

    def search(self, text):
        words = _FTS_WORD.findall(text.lower())[:12]
        if not words:
            return []
        terms = [f'"{w}"' for w in words[:-1]] + [f'"{words[-1]}"*']
        sql = "SELECT slug FROM a WHERE a MATCH ? ORDER BY bm25(a) LIMIT ?"
        return [row[0] for row in self.db.execute(sql, (" OR ".join(terms), TOP))]


class WhooshDefaults:
    """Whoosh as its tutorial sets it up: default analyzer and scoring, words OR-ed."""

    name = "Whoosh"
    FIELDS = ("title", "tags", "summary", "headings", "body")

    def __init__(self, rows, folder):
        from whoosh import index
        from whoosh.fields import ID, TEXT, Schema
        from whoosh.qparser import MultifieldParser, OrGroup
        schema = Schema(slug=ID(stored=True), **{f: TEXT() for f in self.FIELDS})
        ix = index.create_in(str(folder), schema)
        with ix.writer() as writer:
            for row in rows:
                writer.add_document(slug=row[0], **dict(zip(self.FIELDS, row[1:])))
        self.searcher = ix.searcher()
        self.parser = MultifieldParser(list(self.FIELDS), schema, group=OrGroup)

    def search(self, text):
        words = _FTS_WORD.findall(text.lower())[:12]
        if not words:
            return []
        query = self.parser.parse(" ".join(words[:-1] + [words[-1] + "*"]))
        return [hit["slug"] for hit in self.searcher.search(query, limit=TOP)]


class Ours:
    """The suggest path as the app runs it by default: the shipped synonyms included."""

    def __init__(self, corpus, index_dir, semantic=None):
        self.name = "ours + semantic" if semantic else "ours"
        ranker = Ranker(synonyms=load_synonyms(SEARCH_SYNONYMS_FILE))
        self.kb = KnowledgeBase(corpus, index_dir, check_interval=3600, background=False,
                                semantic=semantic, ranker=ranker)
        self.kb.sync(full=True)
        self.count = len(self.kb.articles)

    def search(self, text):
        return [h.slug for h in self.kb.suggest(text, limit=TOP)]


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
        "kinds": {k: (statistics.fmean(v), len(v)) for k, v in kinds.items()},
        "misses": misses, "median_ms": statistics.median(times) * 1000,
    }


def measure(engines, sets):
    """{(set, engine name): {"whole": figures, "half": figures}}."""
    return {(name, engine.name): {"whole": evaluate(engine, queries, False),
                                  "half": evaluate(engine, queries, True)}
            for name, queries in sets.items() for engine in engines}


def print_summary(results, sets, engines):
    header = (f"{'set':<6}{'n':>5}  {'engine':<17}{'MRR@5':>8}{'R@5':>7}"
              f"{'MRR@5':>9}{'R@5':>7}{'vs FTS5 (whole / half MRR)':>30}")
    print(f"{'':<30}{'whole queries':>15}{'half-typed':>16}")
    print(header)
    print("-" * len(header))
    for name, queries in sets.items():
        base = results.get((name, Fts5.name))
        for engine in engines:
            r = results[name, engine.name]
            gain = ""
            if base and engine.name != Fts5.name:
                gain = (f"{_ratio(r['whole']['mrr'], base['whole']['mrr']):>+8.1%} /"
                        f"{_ratio(r['half']['mrr'], base['half']['mrr']):>+7.1%}")
            print(f"{name:<6}{len(queries):>5}  {engine.name:<17}{r['whole']['mrr']:>8.3f}"
                  f"{r['whole']['recall']:>7.3f}{r['half']['mrr']:>9.3f}"
                  f"{r['half']['recall']:>7.3f}{gain:>30}")
        print()


def _ratio(a, b):
    return a / b - 1 if b else float("inf")


def print_kinds(results, sets, engines):
    print("MRR@5 by kind of query (whole / half-typed):")
    for name in sets:
        kinds = sorted(results[name, engines[0].name]["whole"]["kinds"])
        print(f"  {name}: " + "   ".join(
            f"{k} ({results[name, engines[0].name]['whole']['kinds'][k][1]})" for k in kinds))
        for engine in engines:
            r = results[name, engine.name]
            cells = "  ".join(f"{r['whole']['kinds'][k][0]:.2f}/{r['half']['kinds'][k][0]:.2f}"
                              for k in kinds)
            print(f"    {engine.name:<17}{cells}")
    print()


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


def ablation(ours, sets):
    print("ablation (ours, each lever changed alone), MRR@5 whole / half-typed:")
    print(f"  {'variant':<44}" + "".join(f"{name:>14}" for name in sets))
    shipped = ours.kb.ranker.ranking
    try:
        for label, changes in ABLATIONS:
            ranking = copy.deepcopy(shipped)
            for key, value in changes.items():
                setattr(ranking, key, value)
            ours.kb.ranker.ranking = ranking
            ours.kb.forget_answers()
            cells = []
            for queries in sets.values():
                whole, cut = evaluate(ours, queries, False), evaluate(ours, queries, True)
                cells.append(f"{whole['mrr']:.3f}/{cut['mrr']:.3f}")
            print(f"  {label:<44}" + "".join(f"{c:>14}" for c in cells))
    finally:
        ours.kb.ranker.ranking = shipped
        ours.kb.forget_answers()
    print()


def print_misses(results, sets, engine):
    for name in sets:
        for cut in ("whole", "half"):
            print(f"missed by {engine.name} ({name}, {cut}):")
            for text, expected, got in results[name, engine.name][cut]["misses"]:
                print(f"  {text!r}\n    want {expected[0]}\n    got  {got}")


def load_semantic(folder):
    from helpdesk.kb.semantic import load_encoder
    encoder = load_encoder(folder)
    if encoder is None:
        sys.exit(f"no semantic model in {folder!r} (make one with `helpdesk kb model`)")
    return encoder


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--corpus", type=Path, default=DEFAULT_CORPUS)
    parser.add_argument("--sets", default="dev,test,old",
                        help="comma-separated: dev, test, old (tune with --sets dev)")
    parser.add_argument("--engines", default="ours,fts5,whoosh",
                        help="comma-separated: ours, fts5, whoosh")
    parser.add_argument("--semantic", default=os.environ.get("HELPDESK_SEARCH_SEMANTIC_MODEL"),
                        help="model folder: adds 'ours + semantic'")
    parser.add_argument("--verbose", action="store_true", help="list the queries ours missed")
    parser.add_argument("--ablation", action="store_true",
                        help="also score ours with each ranking lever changed alone")
    args = parser.parse_args(argv)
    if not args.corpus.is_dir():
        sys.exit(f"corpus not found: {args.corpus}")
    sets = load_sets([s.strip() for s in args.sets.split(",") if s.strip()])
    wanted = {e.strip() for e in args.engines.split(",")}

    with tempfile.TemporaryDirectory() as tmp:
        rows = corpus_rows(args.corpus)
        engines = []
        ours = Ours(args.corpus, Path(tmp) / "index")
        if "ours" in wanted:
            engines.append(ours)
        if args.semantic:
            started = time.perf_counter()
            engines.append(Ours(args.corpus, Path(tmp) / "semantic",
                                semantic=load_semantic(args.semantic)))
            print(f"semantic model {args.semantic}: articles embedded in"
                  f" {time.perf_counter() - started:.1f} s")
        if "fts5" in wanted:
            engines.append(Fts5(rows))
        if "whoosh" in wanted:
            (Path(tmp) / "whoosh").mkdir()
            engines.append(WhooshDefaults(rows, Path(tmp) / "whoosh"))
        print(f"{ours.count} articles; " + ", ".join(f"{n}: {len(q)} queries"
                                                     for n, q in sets.items()) + "\n")
        results = measure(engines, sets)
        print_summary(results, sets, engines)
        print_kinds(results, sets, engines)
        for engine in engines:
            times = [results[n, engine.name]["whole"]["median_ms"] for n in sets]
            print(f"median time per query, {engine.name}: {statistics.median(times):.2f} ms")
        if args.ablation:
            print()
            ablation(ours, sets)
        if args.verbose:
            for engine in engines:
                if engine.name.startswith("ours"):
                    print_misses(results, sets, engine)


if __name__ == "__main__":
    main()
