"""Incoming mail, measured: messages per second over the whole mail corpus,
per-message latency, and peak memory.

    .venv/bin/python benchmarks/ingest.py [--rounds N]

The corpus is ../shared/corpora/mail beside the checkout (243 real mails: odd charsets,
broken MIME, bounces, forwards, up to 1.2 MB each). Three passes, each on a fresh
temporary instance (SQLite database, upload folder) unless stated:

- parse only: `parse.parse()` for every mail (no database, no files);
- ingest: `ingest.ingest()` for every mail, as `helpdesk mail ingest` does: claim,
  classify, match, create the request with its attachments and confirmation mail;
- ingest again: the same mails a second time on the same database (what a re-delivery
  or an overlapping IMAP fetch costs: every one is found already handled).

Peak memory: tracemalloc's peak of Python allocations during one ingest pass, and the
process's maximum resident size (ru_maxrss) at the end. Figures are medians over the
rounds; latency percentiles are over all mails of all rounds.
"""

import argparse
import logging
import resource
import shutil
import statistics
import sys
import tempfile
import time
import tracemalloc
from pathlib import Path

HERE = Path(__file__).resolve().parent
ROOT = HERE.parent
MAIL = ROOT.parent / "shared" / "corpora" / "mail"

sys.path.insert(0, str(ROOT))
logging.basicConfig(level=logging.ERROR)

from flask_migrate import upgrade  # noqa: E402

from helpdesk import create_app  # noqa: E402
from helpdesk.extensions import db  # noqa: E402
from helpdesk.inbound import ingest, parse  # noqa: E402

SETTINGS = {"TESTING": True, "KB_INDEX_ON_START": False, "SECRET_KEY": "benchmark",
            "MAIL_BACKGROUND_SENDER": False, "SUPPORT_ADDRESS": "support@help.example.com",
            "EXTERNAL_URL": "https://help.example.com", "LOG_FORMAT": "",
            "EVENTS_FLUSH_SECONDS": 0, "RATELIMIT_ENABLED": False}


def corpus():
    catalog = (MAIL / "CATALOG.tsv").read_text(encoding="utf-8").splitlines()[1:]
    return [(line.split("\t")[0], (MAIL / line.split("\t")[0]).read_bytes()) for line in catalog]


def percentile(values, share):
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(share * len(ordered)))]


def parse_pass(mails):
    latencies = []
    start = time.perf_counter()
    for _, raw in mails:
        t = time.perf_counter()
        parse.parse(raw)
        latencies.append(time.perf_counter() - t)
    return time.perf_counter() - start, latencies


def ingest_passes(mails, trace=False):
    folder = Path(tempfile.mkdtemp(prefix="helpdesk-ingest-bench-"))
    try:
        app = create_app({**SETTINGS, "INSTANCE_PATH": str(folder / "instance")})
        with app.app_context():
            upgrade()
            outcomes, latencies = {}, []
            if trace:
                tracemalloc.start()
            start = time.perf_counter()
            for name, raw in mails:
                t = time.perf_counter()
                outcomes[name] = ingest.ingest(raw, source="benchmark").kind
                latencies.append((time.perf_counter() - t, name))
            first = time.perf_counter() - start
            peak = tracemalloc.get_traced_memory()[1] if trace else None
            if trace:
                tracemalloc.stop()
            start = time.perf_counter()
            again = [ingest.ingest(raw, source="benchmark").kind for _, raw in mails]
            second = time.perf_counter() - start
            db.session.remove()
            db.engine.dispose()
        return first, second, latencies, outcomes, again, peak
    finally:
        shutil.rmtree(folder, ignore_errors=True)


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--rounds", type=int, default=3)
    args = parser.parse_args()
    if not MAIL.exists():
        sys.exit(f"corpus not found at {MAIL}")
    mails = corpus()
    size = sum(len(raw) for _, raw in mails)
    print(f"corpus: {len(mails)} mails, {size / 1e6:.1f} MB, rounds: {args.rounds}")

    parse_times, parse_lat = [], []
    ingest_times, again_times, ingest_lat = [], [], []
    peak = outcomes = again = None
    for number in range(args.rounds):
        elapsed, latencies = parse_pass(mails)
        parse_times.append(elapsed)
        parse_lat += latencies
        first, second, latencies, found, repeat, traced = ingest_passes(mails, trace=number == 0)
        ingest_times.append(first)
        again_times.append(second)
        ingest_lat += latencies
        if traced is not None:
            peak, outcomes, again = traced, found, repeat

    def rate(times):
        return len(mails) / statistics.median(times)

    kinds = {}
    for kind in outcomes.values():
        kinds[kind] = kinds.get(kind, 0) + 1
    print(f"outcomes of one ingest pass: {dict(sorted(kinds.items()))}")
    repeats = sum(kind == "duplicate" for kind in again)
    print(f"second pass: {repeats} of {len(again)} found already handled")
    print()
    print(f"{'pass':<14}{'mails/s':>10}{'MB/s':>8}{'p50 ms':>9}{'p95 ms':>9}{'max ms':>9}")
    rows = [("parse only", parse_times, parse_lat),
            ("ingest", ingest_times, [t for t, _ in ingest_lat]),
            ("ingest again", again_times, None)]
    for label, times, latencies in rows:
        line = f"{label:<14}{rate(times):>10.1f}{size / 1e6 / statistics.median(times):>8.2f}"
        if latencies:
            p50, p95 = percentile(latencies, .5), percentile(latencies, .95)
            line += f"{p50 * 1000:>9.2f}{p95 * 1000:>9.2f}{max(latencies) * 1000:>9.1f}"
        print(line)
    ratio = statistics.median(ingest_times) / statistics.median(parse_times)
    print(f"ingest / parse time ratio: {ratio:.1f}x")
    print()
    slowest = sorted(ingest_lat, reverse=True)[:3]
    print("slowest ingests: " + ", ".join(f"{name} {t * 1000:.0f} ms" for t, name in slowest))
    print(f"peak traced Python memory during one ingest pass: {peak / 1e6:.1f} MB")
    resident = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024  # KiB on Linux
    print(f"process max resident size: {resident:.0f} MB")


if __name__ == "__main__":
    main()
