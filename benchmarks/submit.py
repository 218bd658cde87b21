"""Filing requests under load: gunicorn on 127.0.0.1, many concurrent submissions.

Starts gunicorn on a temporary instance folder (migrated first), then:

1. sends --requests submissions from --concurrency client threads, each one opening the
   form (session cookie, CSRF and submission tokens) and posting it with two attachments
   (a PNG screenshot and a ~100 KB log), and prints throughput and client-side latency
   p50/p95;
2. checks that every request and every file is in the database and on disk, with the
   right size and SHA-256 (zero lost, zero errors expected);
3. starts a one-worker gunicorn and uploads one 10 MiB file while sampling the worker's
   resident memory, and prints the peak against the idle worker.

Rate limits are turned off for the run (HELPDESK_RATELIMIT_ENABLED=false): one client
address sending hundreds of requests is what they exist to stop. No SMTP server is set, so
mail stays in the outbox (the background sender only logs it).

    .venv/bin/python benchmarks/submit.py --requests 300 --concurrency 8 --workers 2
"""

import argparse
import hashlib
import http.client
import io
import os
import re
import signal
import socket
import sqlite3
import statistics
import subprocess
import sys
import tempfile
import threading
import time
from http.cookies import SimpleCookie
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
BOUNDARY = "----helpdeskBenchBoundary"
FORM = "/requests/new/technical-support"


def free_port():
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def png_bytes():
    from PIL import Image
    out = io.BytesIO()
    Image.new("RGB", (320, 200), (30, 90, 180)).save(out, "PNG")
    return out.getvalue()


def environment(instance):
    env = dict(os.environ)
    env.update({"HELPDESK_INSTANCE_PATH": str(instance), "HELPDESK_RATELIMIT_ENABLED": "false",
                "HELPDESK_EVENTS_FLUSH_SECONDS": "2"})
    return env


def migrate(instance):
    subprocess.run([sys.executable, "-m", "flask", "--app", "helpdesk", "db", "upgrade"],
                   cwd=ROOT, env=environment(instance), check=True, capture_output=True)


def start_gunicorn(instance, port, workers, threads, log):
    cmd = [sys.executable, "-m", "gunicorn", "--bind", f"127.0.0.1:{port}", "--workers",
           str(workers), "--threads", str(threads), "--timeout", "120", "wsgi:app"]
    proc = subprocess.Popen(cmd, cwd=ROOT, env=environment(instance), stdout=log, stderr=log,
                            start_new_session=True)
    deadline = time.time() + 60
    while time.time() < deadline:
        try:
            conn = http.client.HTTPConnection("127.0.0.1", port, timeout=5)
            conn.request("GET", "/healthz")
            if conn.getresponse().status == 200:
                return proc
        except OSError:
            time.sleep(0.2)
    proc.kill()
    raise SystemExit("gunicorn did not start; see its log")


def stop(proc):
    os.killpg(proc.pid, signal.SIGTERM)
    try:
        proc.wait(timeout=30)
    except subprocess.TimeoutExpired:
        os.killpg(proc.pid, signal.SIGKILL)


def multipart(fields, files):
    parts = []
    for name, value in fields.items():
        parts.append(f'--{BOUNDARY}\r\nContent-Disposition: form-data; name="{name}"\r\n\r\n'
                     .encode() + value.encode() + b"\r\n")
    for filename, content in files:
        parts.append(f'--{BOUNDARY}\r\nContent-Disposition: form-data; name="attachments"; '
                     f'filename="{filename}"\r\nContent-Type: application/octet-stream\r\n\r\n'
                     .encode() + content + b"\r\n")
    parts.append(f"--{BOUNDARY}--\r\n".encode())
    return b"".join(parts)


def submit(port, number, files):
    """Open the form and send it; returns (HTTP status, reference or None, seconds)."""
    started = time.perf_counter()
    conn = http.client.HTTPConnection("127.0.0.1", port, timeout=120)
    conn.request("GET", FORM)
    response = conn.getresponse()
    page = response.read().decode()
    cookie = SimpleCookie(response.headers.get("Set-Cookie", ""))
    hidden = dict(re.findall(
        r'name="(csrf_token|submission_token)" type="hidden" value="([^"]*)"', page))
    fields = {**hidden, "email": f"bench{number}@example.com",
              "summary": f"Benchmark request {number}", "application": "web",
              "description": "Steps: open reports, click Export. Nothing happens.",
              "include_environment": "y"}
    body = multipart(fields, files)
    headers = {"Content-Type": f"multipart/form-data; boundary={BOUNDARY}",
               "Cookie": "; ".join(f"{k}={v.value}" for k, v in cookie.items())}
    conn.request("POST", FORM, body=body, headers=headers)
    response = conn.getresponse()
    response.read()
    conn.close()
    location = response.headers.get("Location", "")
    match = re.search(r"/requests/(HD-\d+)/sent", location)
    return response.status, match.group(1) if match else None, time.perf_counter() - started


def load_test(port, total, concurrency, files):
    results, lock = [], threading.Lock()
    counter = iter(range(total))

    def worker():
        while True:
            with lock:
                number = next(counter, None)
            if number is None:
                return
            try:
                outcome = submit(port, number, files)
            except (OSError, http.client.HTTPException) as exc:
                outcome = (f"error: {exc}", None, 0.0)
            with lock:
                results.append(outcome)

    threads = [threading.Thread(target=worker) for _ in range(concurrency)]
    started = time.perf_counter()
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    return results, time.perf_counter() - started


def verify(instance, refs, files):
    """Every reference has its ticket, two attachment rows, and both files intact on disk."""
    db = sqlite3.connect(instance / "helpdesk.sqlite3")
    uploads = instance / "uploads"
    expected = {hashlib.sha256(content).hexdigest(): len(content) for _, content in files}
    missing_tickets = missing_files = bad_files = 0
    for ref in refs:
        ticket_id = int(ref.split("-")[1]) - 1000
        if not db.execute("SELECT 1 FROM ticket WHERE id = ?", (ticket_id,)).fetchone():
            missing_tickets += 1
            continue
        rows = db.execute("SELECT storage_key, size, sha256 FROM attachment WHERE ticket_id = ?",
                          (ticket_id,)).fetchall()
        if len(rows) != len(files):
            missing_files += len(files) - len(rows)
        for key, size, digest in rows:
            path = uploads / key
            if not path.exists():
                missing_files += 1
            elif (path.stat().st_size != size or expected.get(digest) != size
                  or hashlib.sha256(path.read_bytes()).hexdigest() != digest):
                bad_files += 1
    tickets = db.execute("SELECT count(*) FROM ticket").fetchone()[0]
    outbox = db.execute("SELECT count(*) FROM outbox").fetchone()[0]
    on_disk = sum(1 for p in uploads.rglob("*") if p.is_file()) if uploads.exists() else 0
    db.close()
    return dict(tickets=tickets, outbox=outbox, files_on_disk=on_disk,
                missing_tickets=missing_tickets, missing_files=missing_files, bad_files=bad_files)


def worker_pids(master):
    pids = []
    for entry in Path("/proc").iterdir():
        if entry.name.isdigit():
            try:
                stat = (entry / "stat").read_text()
            except OSError:
                continue
            if int(stat.rsplit(")", 1)[1].split()[1]) == master:
                pids.append(int(entry.name))
    return pids


def rss_kib(pid):
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith("VmRSS:"):
            return int(line.split()[1])
    return 0


def memory_test(instance_root, size):
    instance = instance_root / "memory"
    migrate(instance)
    port = free_port()
    with open(instance_root / "gunicorn-memory.log", "wb") as log:
        proc = start_gunicorn(instance, port, workers=1, threads=1, log=log)
        try:
            (worker,) = worker_pids(proc.pid)
            submit(port, 0, [("small.log", b"warm up\n")])  # imports, templates, index warm
            idle = rss_kib(worker)
            peak, done = idle, threading.Event()

            def sample():
                nonlocal peak
                while not done.is_set():
                    peak = max(peak, rss_kib(worker))
                    time.sleep(0.005)

            sampler = threading.Thread(target=sample)
            sampler.start()
            line = b"2024-05-01 12:00:00 INFO request handled in 12 ms, nothing to see here\n"
            big = (line * (size // len(line) + 1))[:size]
            status, ref, seconds = submit(port, 1, [("big.log", big)])
            done.set()
            sampler.join()
        finally:
            stop(proc)
    return dict(status=status, ref=ref, seconds=seconds, idle_mib=idle / 1024,
                peak_mib=peak / 1024, growth_mib=(peak - idle) / 1024, file_mib=size / 2**20)


def percentile(values, share):
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(round(share * (len(ordered) - 1))))]


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--requests", type=int, default=300)
    parser.add_argument("--concurrency", type=int, default=8)
    parser.add_argument("--workers", type=int, default=2)
    parser.add_argument("--threads", type=int, default=4)
    parser.add_argument("--big-file-mib", type=float, default=10.0)
    args = parser.parse_args()

    files = [("screenshot.png", png_bytes()),
             ("app.log", b"".join(f"{n:06d} ERROR export failed: timeout\n".encode()
                                  for n in range(3000)))]
    with tempfile.TemporaryDirectory(prefix="helpdesk-bench-") as tmp:
        root = Path(tmp)
        instance = root / "load"
        migrate(instance)
        port = free_port()
        with open(root / "gunicorn.log", "wb") as log:
            proc = start_gunicorn(instance, port, args.workers, args.threads, log)
            try:
                results, seconds = load_test(port, args.requests, args.concurrency, files)
            finally:
                stop(proc)
        ok = [r for r in results if r[0] == 303 and r[1]]
        errors = [r for r in results if not (r[0] == 303 and r[1])]
        latencies = [r[2] * 1000 for r in ok]
        print(f"submissions: {len(results)} sent, {len(ok)} filed, {len(errors)} errors"
              f" ({args.concurrency} clients, gunicorn {args.workers} workers"
              f" x {args.threads} threads,"
              f" 2 attachments of {sum(len(c) for _, c in files) // 1024} KiB in all each)")
        if errors:
            print("  first errors:", sorted({str(e[0]) for e in errors})[:5])
        print(f"throughput: {len(ok) / seconds:.1f} requests/s over {seconds:.1f} s")
        if latencies:
            print(f"latency (form GET + POST): p50 {statistics.median(latencies):.0f} ms,"
                  f" p95 {percentile(latencies, 0.95):.0f} ms")
        check = verify(instance, [r[1] for r in ok], files)
        print(f"in the database: {check['tickets']} requests, {check['outbox']} mails queued;"
              f" on disk: {check['files_on_disk']} files")
        lost = check["missing_tickets"] + check["missing_files"] + check["bad_files"]
        print(f"lost or damaged: {check['missing_tickets']} requests,"
              f" {check['missing_files']} files missing, {check['bad_files']} files damaged")

        memory = memory_test(root, int(args.big_file_mib * 2**20))
        print(f"10 MiB upload: HTTP {memory['status']} {memory['ref']}"
              f" in {memory['seconds']:.2f} s;"
              f" worker RSS idle {memory['idle_mib']:.1f} MiB, peak {memory['peak_mib']:.1f} MiB"
              f" (+{memory['growth_mib']:.1f} MiB for a {memory['file_mib']:.0f} MiB file)")
    failed = errors or lost or check["tickets"] != len(ok) or memory["status"] != 303
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
