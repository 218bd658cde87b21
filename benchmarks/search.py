"""Search speed, measured: prints a table of figures next to their targets.

    .venv/bin/python benchmarks/search.py [--articles N] [--quick] [--keep] [--semantic MODEL]

Two corpora, each in a fresh temporary folder (deleted afterwards unless --keep):

- the real Magento support corpus (../shared/corpora/kb/magento-support-kb/src beside the
  checkout), copied so that one article can be edited; keystrokes measured: those of the
  queries of benchmarks/relevance_user_queries.toml (the ones of relevance_queries.toml
  warm the caches first and are never measured);
- a generated corpus of N articles (default 10,000; see generate_corpus.py); queries:
  sampled from the generated titles and tags.

With `--semantic MODEL` (a folder made by `helpdesk kb model`; default
HELPDESK_SEARCH_SEMANTIC_MODEL), each corpus is also measured with semantic matching:
embedding every article, re-embedding one edited article, `/api/suggest` on keystrokes not
seen before, and the resident memory of a worker process with the model loaded next to one
without.

For each: a full index build (`KnowledgeBase.sync(full=True)`), an incremental reindex
after one article changes (edit a file, time `sync()`), app start with an up-to-date index
(`create_app(...)` in this process, and a new Python process importing and building the
app), `/api/suggest` latency in process with Flask's test client for every keystroke of
every query (each prefix of each query, as the page asks while the user types), and
throughput of `/api/suggest` under gunicorn against a bare Flask JSON route
(benchmarks/bare_app.py) under the same gunicorn settings and the same client
(benchmarks/http_load.py), on 127.0.0.1 only. /api/suggest is loaded twice on the same
server: the first pass meets every keystroke for the first time in each worker (cold
caches), the second shows a site that has been answering those keystrokes for a while.

Settings: RATELIMIT_ENABLED=False (a benchmark sends thousands of requests from one
address). Events stay on (buffered in memory, written every EVENTS_FLUSH_SECONDS), and so
does the live-index check (KB_CHECK_INTERVAL), so the figures include both.
"""

import argparse
import json
import logging
import os
import platform
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
import tomllib
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from urllib.parse import quote

HERE = Path(__file__).resolve().parent
ROOT = HERE.parent
MAGENTO = ROOT.parent / "shared" / "corpora" / "kb" / "magento-support-kb" / "src"
QUERIES_FILE = HERE / "relevance_queries.toml"

sys.path.insert(0, str(HERE))
# Quiet before the app is imported: create_app only configures logging when nobody has.
logging.basicConfig(level=logging.WARNING, format="%(levelname)s %(name)s: %(message)s")

import serving  # noqa: E402
from generate_corpus import generate, sample_queries  # noqa: E402
from serving import CLIENT, GUNICORN_SETTINGS, HOST  # noqa: E402

from helpdesk import config as defaults  # noqa: E402
from helpdesk import create_app  # noqa: E402
from helpdesk.extensions import db  # noqa: E402
from helpdesk.kb.library import KnowledgeBase  # noqa: E402

USER_QUERIES_FILE = HERE / "relevance_user_queries.toml"
LANGUAGE_QUERIES_FILE = HERE / "language_queries.toml"
SHIPPED_ARTICLES = HERE.parent / "articles"


# --- figures ---------------------------------------------------------------------------

@dataclass
class Row:
    corpus: str
    measure: str
    samples: list  # seconds
    unit: str = "s"  # how to print: "s" or "ms"
    target: float | None = None  # seconds; the p95 must stay under it

    @property
    def median(self):
        return statistics.median(self.samples)

    @property
    def p95(self):
        if len(self.samples) < 2:
            return self.samples[0]
        return statistics.quantiles(self.samples, n=100, method="inclusive")[94]

    def fmt(self, seconds):
        return f"{seconds * 1000:.1f} ms" if self.unit == "ms" else f"{seconds:.2f} s"

    def cells(self):
        target = verdict = ""
        if self.target is not None:
            target = "< " + self.fmt(self.target)
            verdict = "ok" if self.p95 < self.target else "MISSED"
        return [self.corpus, self.measure, str(len(self.samples)), self.fmt(self.median),
                self.fmt(self.p95), target, verdict]


@dataclass
class Throughput:
    """Bare route, then /api/suggest twice on the same server: the first pass meets every
    keystroke for the first time in each worker (cold caches); the second is a site that
    has been answering these keystrokes for a while."""

    corpus: str
    bare: dict
    suggest: dict
    suggest_again: dict
    target: float = 1 / 3

    def ratio(self, figures):
        return figures["rps"] / self.bare["rps"] if self.bare["rps"] else 0.0

    def rows(self):
        def line(route, figures):
            return [self.corpus, route, f"{figures['rps']:.0f}", f"{figures['p50_ms']:.1f} ms",
                    f"{figures['p95_ms']:.1f} ms", str(figures["errors"]), "", ""]

        def ratio_line(label, figures):
            ratio = self.ratio(figures)
            verdict = "ok" if ratio >= self.target else "MISSED"
            return [self.corpus, label, f"{ratio:.2f}", "", "", "", f">= {self.target:.2f}",
                    verdict]
        return [line("bare Flask JSON route", self.bare),
                line("/api/suggest, first pass", self.suggest),
                line("/api/suggest, second pass", self.suggest_again),
                ratio_line("ratio suggest / bare, first pass", self.suggest),
                ratio_line("ratio suggest / bare, second pass", self.suggest_again)]


def table(header, rows):
    widths = [max(len(str(r[i])) for r in [header, *rows]) for i in range(len(header))]
    lines = ["  ".join(str(c).ljust(w) for c, w in zip(header, widths)).rstrip()]
    lines.append("  ".join("-" * w for w in widths))
    lines += ["  ".join(str(c).ljust(w) for c, w in zip(r, widths)).rstrip() for r in rows]
    return "\n".join(lines)


def say(message):
    print(f"... {message}", file=sys.stderr, flush=True)


# --- one corpus ------------------------------------------------------------------------

@dataclass
class Corpus:
    name: str
    articles: Path
    queries: list  # measured
    work: Path
    suggest_target: float
    semantic_target: float
    warm_queries: list = field(default_factory=list)  # asked first, never measured
    build_runs: int = 3
    rows: list = field(default_factory=list)
    throughput: Throughput | None = None
    memory: dict | None = None

    @property
    def instance(self):
        return self.work / "instance"

    @property
    def config(self):
        return {"INSTANCE_PATH": str(self.instance), "ARTICLES_DIR": str(self.articles),
                "RATELIMIT_ENABLED": False}

    def semantic_config(self, model):
        """The same site with semantic matching; its own index folder, so the lexical
        figures above are not measured on an index with vectors beside it."""
        return {**self.config, "SEARCH_SEMANTIC_MODEL": str(model),
                "INDEX_DIR": str(self.work / "semantic-index")}

    @property
    def environment(self):
        """The same settings for a separate process (gunicorn, a cold start)."""
        env = dict(os.environ)
        env.update(HELPDESK_INSTANCE_PATH=str(self.instance),
                   HELPDESK_ARTICLES_DIR=str(self.articles),
                   HELPDESK_RATELIMIT_ENABLED="false")
        return env

    def keystrokes(self):
        return [q[:i] for q in self.queries for i in range(1, len(q) + 1)]

    def unseen_keystrokes(self):
        """Every keystroke of the measured queries once, none that warming up asked."""
        warm = {q[:i] for q in self.warm_queries for i in range(1, len(q) + 1)}
        return [k for k in dict.fromkeys(self.keystrokes()) if k not in warm]

    def warm_keystrokes(self):
        return [q[:i] for q in self.warm_queries for i in range(1, len(q) + 1)]


def measure_build(corpus, runs):
    times = []
    for n in range(runs):
        say(f"{corpus.name}: full index build {n + 1}/{runs}")
        kb = KnowledgeBase(corpus.articles, corpus.instance / "index")
        start = time.perf_counter()
        report = kb.sync(full=True)
        times.append(time.perf_counter() - start)
    say(f"{corpus.name}: {len(kb.articles)} articles indexed, {len(report.errors)} skipped")
    corpus.rows.append(Row(corpus.name, f"full index build ({len(kb.articles)} articles)",
                           times))
    return kb


def measure_incremental(corpus, kb, edits):
    slugs = sorted(kb.articles)
    step = max(1, len(slugs) // edits)
    times = []
    for n, slug in enumerate(slugs[::step][:edits]):
        path = corpus.articles / f"{slug}.md"
        with open(path, "a", encoding="utf-8") as fh:
            fh.write(f"\n\nEdited by the speed benchmark ({n}): the reindex must notice this.\n")
        start = time.perf_counter()
        report = kb.sync()
        times.append(time.perf_counter() - start)
        if report.updated != [slug]:
            raise RuntimeError(f"expected only {slug} to be re-indexed, got {report}")
    corpus.rows.append(Row(corpus.name, "incremental reindex, one article edited", times,
                           target=1.0))


def prepare_database(corpus):
    from flask_migrate import upgrade
    app = create_app(corpus.config)
    with app.app_context():
        upgrade()
        db.engine.dispose()


def wait_for_index(app):
    """Return once the app's index is open and checked against the folder.

    The app may open its index and look for edited articles on a background thread;
    "started" here means that work is done, so a first search finds everything.
    """
    kb = app.extensions["helpdesk.kb"]
    wait = getattr(kb, "wait", None)
    if wait is not None:
        wait()
    if getattr(kb, "index", None) is None:
        raise RuntimeError("the app started without an article index")


def measure_start(corpus, runs):
    say(f"{corpus.name}: app start x{runs}, in this process")
    times, app = [], None
    for _ in range(runs):
        if app is not None:
            with app.app_context():
                db.engine.dispose()
        start = time.perf_counter()
        app = create_app(corpus.config)
        wait_for_index(app)
        times.append(time.perf_counter() - start)
    corpus.rows.append(Row(corpus.name, "app start, up-to-date index (create_app)", times,
                           target=2.0))

    say(f"{corpus.name}: app start x{runs}, new process")
    cold = []
    code = ("from helpdesk import create_app; kb = create_app().extensions['helpdesk.kb'];"
            " getattr(kb, 'wait', lambda: None)(); assert kb.index is not None")
    for _ in range(runs):
        start = time.perf_counter()
        done = subprocess.run([sys.executable, "-c", code], env=corpus.environment, cwd=ROOT,
                              capture_output=True, text=True)
        cold.append(time.perf_counter() - start)
        if done.returncode:
            raise RuntimeError(f"the app did not start in a new process:\n{done.stderr}")
    corpus.rows.append(Row(corpus.name, "app start, new process (imports + create_app)",
                           cold, target=2.0))
    return app


def measure_suggest(corpus, app, label="/api/suggest latency per keystroke (in process)",
                    target=None, headers=None):
    """`/api/suggest` on keystrokes not seen before, after the warm-up queries' keystrokes
    (which open the searcher and fill the caches a running site has); `headers` such as
    Accept-Language choose the reader's language."""
    keystrokes = corpus.unseen_keystrokes()
    say(f"{corpus.name}: {label} for {len(keystrokes)} keystrokes")
    client = app.test_client()
    for text in corpus.warm_keystrokes():
        client.get("/api/suggest", query_string={"q": text}, headers=headers)
    times = []
    for text in keystrokes:
        start = time.perf_counter()
        response = client.get("/api/suggest", query_string={"q": text}, headers=headers)
        times.append(time.perf_counter() - start)
        if response.status_code != 200:
            raise RuntimeError(f"/api/suggest?q={text!r} answered {response.status_code}")
    corpus.rows.append(Row(corpus.name, label, times, unit="ms",
                           target=target or corpus.suggest_target))


# --- semantic matching -----------------------------------------------------------------

def measure_semantic(corpus, model, edits):
    """Embedding every article, re-embedding edited ones, suggest with semantic matching."""
    from helpdesk.kb.semantic import load_encoder
    encoder = load_encoder(model)
    index_dir = corpus.work / "semantic-index"
    kb = KnowledgeBase(corpus.articles, index_dir, background=False, semantic=encoder)
    kb.sync(vectors=False)
    say(f"{corpus.name}: embedding {len(kb.articles)} articles")
    with logged_phases() as phases:
        start = time.perf_counter()
        kb._refresh_vectors()
        total = time.perf_counter() - start
    if phases.get("articles") is not None:
        corpus.rows.append(Row(corpus.name, "every article's whole vector (found by meaning)",
                               [phases["articles"]], target=None))
    corpus.rows.append(Row(corpus.name, f"embed all articles ({len(kb.vectors.current)}),"
                           " passages included", [total],
                           target=60.0 if len(kb.articles) < 1000 else None))
    times = []
    for n, slug in enumerate(sorted(kb.articles)[::max(1, len(kb.articles) // edits)][:edits]):
        with open(corpus.articles / f"{slug}.md", "a", encoding="utf-8") as fh:
            fh.write(f"\n\nEdited for the semantic benchmark ({n}).\n")
        start = time.perf_counter()
        kb.sync()
        times.append(time.perf_counter() - start)
    corpus.rows.append(Row(corpus.name, "one edited article: reindex + re-embed", times,
                           target=1.0))
    prepare_database(corpus)
    app = create_app(corpus.semantic_config(model))
    wait_for_index(app)
    if app.extensions["helpdesk.kb"].vectors is None:
        raise RuntimeError("the semantic app started without its model")
    measure_suggest(corpus, app, "/api/suggest with semantic matching (in process)",
                    target=corpus.semantic_target)
    with app.app_context():
        db.engine.dispose()
    measure_memory(corpus, model)


@contextmanager
def logged_phases():
    """The seconds the vector index reports for its two phases: {"articles": whole vectors
    of every article, "passages": their passages after}."""
    found = {}

    class Phases(logging.Handler):
        def emit(self, record):
            message = record.getMessage()
            seconds = float(message.rsplit(" in ", 1)[1].split()[0]) if " in " in message else None
            found["passages" if "passages" in message else "articles"] = seconds

    handler, logger = Phases(level=logging.INFO), logging.getLogger("helpdesk.kb.vectors")
    level = logger.level
    logger.addHandler(handler)
    logger.setLevel(logging.INFO)
    try:
        yield found
    finally:
        logger.removeHandler(handler)
        logger.setLevel(level)


MEMORY_PROBE = """
import json
from helpdesk import create_app
app = create_app()
kb = app.extensions['helpdesk.kb']
kb.wait()
client = app.test_client()
for q in {queries!r}:
    client.get('/api/suggest', query_string={{'q': q}})
status = dict(line.split(':', 1) for line in open('/proc/self/status'))
print(json.dumps({{"rss": int(status['VmRSS'].split()[0]) * 1024,
                   "peak": int(status['VmHWM'].split()[0]) * 1024,
                   "semantic": kb.vectors is not None}}))
"""


def measure_memory(corpus, model):
    """Resident memory of a worker-like process after a start and some keystrokes."""
    code = MEMORY_PROBE.format(queries=corpus.unseen_keystrokes()[:200])
    found = {}
    for label, extra in (("without the model", {}),
                         ("with the model", {"HELPDESK_SEARCH_SEMANTIC_MODEL": str(model),
                                             "HELPDESK_INDEX_DIR": str(corpus.work /
                                                                       "semantic-index")})):
        say(f"{corpus.name}: worker memory {label}")
        done = subprocess.run([sys.executable, "-c", code], env={**corpus.environment, **extra},
                              cwd=ROOT, capture_output=True, text=True)
        if done.returncode:
            raise RuntimeError(f"the memory probe failed:\n{done.stderr}")
        found[label] = json.loads(done.stdout.strip().splitlines()[-1])
    corpus.memory = found


# --- throughput under gunicorn ---------------------------------------------------------

def measure_throughput(corpus, seconds):
    paths_file = corpus.work / "paths.txt"
    paths_file.write_text("".join(f"/api/suggest?q={quote(k)}\n" for k in corpus.keystrokes()),
                          encoding="utf-8")
    log_path = corpus.work / "gunicorn.log"
    say(f"{corpus.name}: throughput of the bare route, {seconds:g} s")
    with serving.gunicorn("bare_app:app", HERE, dict(os.environ), log_path) as port:
        bare = serving.load(port, paths_file, seconds)
    say(f"{corpus.name}: throughput of /api/suggest, {seconds:g} s")
    with serving.gunicorn("wsgi:app", ROOT, corpus.environment, log_path) as port:
        suggest = serving.load(port, paths_file, seconds)
        say(f"{corpus.name}: throughput of /api/suggest again on the same server, {seconds:g} s")
        again = serving.load(port, paths_file, seconds)
    corpus.throughput = Throughput(corpus.name, bare, suggest, again)


# --- the run ---------------------------------------------------------------------------

def magento_queries(quick):
    """(measured, warm-up) queries: the user-phrased set, and the older set."""
    with open(USER_QUERIES_FILE, "rb") as fh:
        measured = [entry["q"] for entry in tomllib.load(fh)["query"]]
    with open(QUERIES_FILE, "rb") as fh:
        warm = [entry["q"] for entry in tomllib.load(fh)["query"] if entry.get("q")]
    return (measured[::4], warm[::3]) if quick else (measured, warm)


def run_corpus(corpus, args):
    kb = measure_build(corpus, 1 if args.quick else corpus.build_runs)
    measure_incremental(corpus, kb, 3 if args.quick else 5)
    prepare_database(corpus)
    app = measure_start(corpus, 3 if args.quick else 5)
    measure_suggest(corpus, app)
    with app.app_context():
        db.engine.dispose()
    if args.semantic:
        measure_semantic(corpus, args.semantic, 3 if args.quick else 5)
    if args.no_throughput:
        return
    try:
        import gunicorn as _  # noqa: F401
    except ImportError:
        say("gunicorn is not installed (pip install -e '.[test]'): throughput skipped")
        return
    measure_throughput(corpus, 4 if args.quick else 10)


def run_languages(work, args):
    """The shipped help center in English and in French: the same articles, the same
    questions asked in each language, each through its own analyzer and index."""
    with open(LANGUAGE_QUERIES_FILE, "rb") as fh:
        queries = tomllib.load(fh)
    corpora = []
    articles = work / "shipped" / "articles"
    shutil.copytree(SHIPPED_ARTICLES, articles)
    for code, language in (("en", "English"), ("fr", "French")):
        asked = queries[code][:12] if args.quick else queries[code]
        corpora.append(Corpus(f"shipped help center, {language} queries", articles,
                              asked[::2], work / "shipped", suggest_target=0.010,
                              semantic_target=0.020, warm_queries=asked[1::2]))
    prepare_database(corpora[0])
    app = create_app(corpora[0].config)
    wait_for_index(app)
    for corpus, code in zip(corpora, ("en", "fr")):
        measure_suggest(corpus, app, label=f"/api/suggest per keystroke, Accept-Language: {code}",
                        headers={"Accept-Language": code})
    with app.app_context():
        db.engine.dispose()
    return corpora


def print_report(corpora, args, started, load_before):
    seconds = 4 if args.quick else 10
    print()
    print(f"helpdesk search speed{' (--quick)' if args.quick else ''}: Python"
          f" {platform.python_version()}, {os.cpu_count()} CPUs, {platform.system()},"
          f" load average at start {load_before:.2f}, took {time.monotonic() - started:.0f} s")
    print(f"settings: RATELIMIT_ENABLED=False (limits off); events on (buffered, written every"
          f" EVENTS_FLUSH_SECONDS={defaults.EVENTS_FLUSH_SECONDS:g} s); live-index check on"
          f" (KB_CHECK_INTERVAL={defaults.KB_CHECK_INTERVAL:g} s)")
    print()
    rows = [cell for corpus in corpora for cell in (r.cells() for r in corpus.rows)]
    print(table(["corpus", "measure", "n", "median", "p95", "target", "p95 vs target"], rows))
    memory = [[c.name, label, f"{m['rss'] / 2**20:.0f} MB", f"{m['peak'] / 2**20:.0f} MB"]
              for c in corpora if c.memory for label, m in c.memory.items()]
    if memory:
        print()
        print("worker memory after a start and 200 keystrokes (a separate process, resident):")
        print(table(["corpus", "worker", "resident", "peak"], memory))
    throughput = [t for c in corpora if c.throughput for t in c.throughput.rows()]
    if throughput:
        print()
        print(f"throughput: gunicorn {' '.join(GUNICORN_SETTINGS)} on {HOST} for both apps;"
              f" client benchmarks/http_load.py, {CLIENT['processes']} processes x"
              f" {CLIENT['threads']} threads (http.client; sync workers close each connection),"
              f" {seconds} s counted after 2 s warm-up; same keystroke URLs for both")
        print(table(["corpus", "route", "req/s", "p50", "p95", "errors", "target", "verdict"],
                    throughput))


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--articles", type=int, default=10_000,
                        help="size of the generated corpus (default 10,000)")
    parser.add_argument("--quick", action="store_true",
                        help="fewer repetitions and queries, shorter throughput runs")
    parser.add_argument("--seed", type=int, default=20240611, help="generator seed")
    parser.add_argument("--no-throughput", action="store_true", help="skip the gunicorn part")
    parser.add_argument("--keep", action="store_true", help="keep the temporary folders")
    parser.add_argument("--semantic", default=os.environ.get("HELPDESK_SEARCH_SEMANTIC_MODEL"),
                        help="model folder: also measure with semantic matching")
    args = parser.parse_args(argv)

    if not MAGENTO.is_dir():
        parser.exit(2, f"the Magento corpus is missing: expected {MAGENTO}\n"
                       "(../shared/corpora beside the checkout)\n")
    started, load_before = time.monotonic(), os.getloadavg()[0]
    work = Path(tempfile.mkdtemp(prefix="helpdesk-bench-"))
    corpora = []
    try:
        measured, warm = magento_queries(args.quick)
        magento = Corpus("magento (794)", work / "magento" / "articles", measured,
                         work / "magento", suggest_target=0.010, semantic_target=0.020,
                         warm_queries=warm)
        say("copying the Magento corpus to a temporary folder")
        shutil.copytree(MAGENTO, magento.articles)
        for path in [magento.articles, *magento.articles.rglob("*")]:
            path.chmod(path.stat().st_mode | 0o200)  # the shared copy is read-only
        corpora.append(magento)
        run_corpus(magento, args)

        name = f"generated ({args.articles:,})"
        say(f"generating {args.articles:,} articles")
        articles_dir = work / "generated" / "articles"
        made = generate(articles_dir, args.articles, seed=args.seed)
        sampled = sample_queries(made, 40 if args.quick else 120, seed=args.seed)
        generated = Corpus(name, articles_dir, sampled[::2], work / "generated",
                           suggest_target=0.025, semantic_target=0.040, build_runs=1,
                           warm_queries=sampled[1::2])
        corpora.append(generated)
        run_corpus(generated, args)

        corpora.extend(run_languages(work, args))
    finally:
        if args.keep:
            say(f"kept {work}")
        else:
            shutil.rmtree(work, ignore_errors=True)
    print_report(corpora, args, started, load_before)
    return 0


if __name__ == "__main__":
    sys.exit(main())
