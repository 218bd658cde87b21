"""A small HTTP load generator: processes x threads, each with one http.client connection.

Every thread sends GET requests for the paths in PATHS_FILE (one per line, each thread
starting at a different line and cycling) as fast as the server answers, reusing its
connection while the server keeps it open (gunicorn's sync workers close it after every
response; http.client then reconnects, as a browser would). Requests finished during the
warm-up are not counted. Prints one JSON object: requests, errors, seconds, requests per
second, and client-side latency p50/p95 in milliseconds.

    .venv/bin/python benchmarks/http_load.py --port 8001 --paths paths.txt --seconds 10

Only loopback addresses are accepted: this is for measuring, not for loading other hosts.
"""

import argparse
import http.client
import ipaddress
import json
import multiprocessing
import statistics
import sys
import threading
import time


def _thread(host, port, paths, offset, warm_until, stop_at, out):
    conn = http.client.HTTPConnection(host, port, timeout=30)
    done, errors, latencies = 0, 0, []
    i = offset
    while True:
        now = time.time()
        if now >= stop_at:
            break
        path = paths[i % len(paths)]
        i += 1
        try:
            conn.request("GET", path)
            response = conn.getresponse()
            response.read()
            ok = response.status == 200
        except (OSError, http.client.HTTPException):
            conn.close()
            ok = False
        end = time.time()
        if now >= warm_until and end <= stop_at:
            if ok:
                done += 1
                latencies.append(end - now)
            else:
                errors += 1
    conn.close()
    out.append((done, errors, latencies))


def _process(host, port, paths, threads, first_offset, start_at, warmup, seconds, queue):
    while time.time() < start_at:
        time.sleep(0.005)
    results = []
    workers = [threading.Thread(target=_thread, args=(
        host, port, paths, first_offset + n * 97, start_at + warmup,
        start_at + warmup + seconds, results)) for n in range(threads)]
    for worker in workers:
        worker.start()
    for worker in workers:
        worker.join()
    done = sum(r[0] for r in results)
    errors = sum(r[1] for r in results)
    latencies = [x for r in results for x in r[2]]
    queue.put((done, errors, latencies))


def run(host, port, paths, processes=2, threads=4, warmup=2.0, seconds=10.0):
    """Load `host:port` with `paths`; returns a dict of figures."""
    if not ipaddress.ip_address(host).is_loopback:
        raise ValueError(f"{host} is not a loopback address")
    ctx = multiprocessing.get_context("fork")
    queue = ctx.Queue()
    start_at = time.time() + 0.5  # every process starts at the same moment
    procs = [ctx.Process(target=_process, args=(
        host, port, paths, threads, p * threads * 97, start_at, warmup, seconds, queue))
        for p in range(processes)]
    for proc in procs:
        proc.start()
    parts = [queue.get() for _ in procs]
    for proc in procs:
        proc.join()
    done = sum(p[0] for p in parts)
    errors = sum(p[1] for p in parts)
    latencies = sorted(x for p in parts for x in p[2])
    p95 = 0.0
    if len(latencies) > 1:
        p95 = statistics.quantiles(latencies, n=100, method="inclusive")[94]
    return {
        "requests": done,
        "errors": errors,
        "seconds": seconds,
        "rps": done / seconds,
        "p50_ms": statistics.median(latencies) * 1000 if latencies else 0.0,
        "p95_ms": p95 * 1000,
        "connections": processes * threads,
    }


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--host", default="127.0.0.1")
    parser.add_argument("--port", type=int, required=True)
    parser.add_argument("--paths", required=True, help="file of URL paths, one per line")
    parser.add_argument("--processes", type=int, default=2)
    parser.add_argument("--threads", type=int, default=4, help="connections per process")
    parser.add_argument("--warmup", type=float, default=2.0, help="seconds not counted")
    parser.add_argument("--seconds", type=float, default=10.0, help="seconds counted")
    args = parser.parse_args(argv)
    with open(args.paths, encoding="utf-8") as fh:
        paths = [line.rstrip("\n") for line in fh if line.strip()]
    if not paths:
        parser.error("no paths to request")
    figures = run(args.host, args.port, paths, args.processes, args.threads, args.warmup,
                  args.seconds)
    print(json.dumps(figures))
    return 0


if __name__ == "__main__":
    sys.exit(main())
