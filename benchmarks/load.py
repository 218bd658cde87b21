"""A mixed load against gunicorn on 127.0.0.1, on SQLite and on PostgreSQL, then a check
that nothing was lost.

For each database the script migrates a temporary instance, starts gunicorn with
deploy/gunicorn.conf.py, and runs --clients concurrent visitors (in two client processes)
for --seconds. Each visitor picks actions at random with fixed weights:

  browse    the home page, a category, an article (35%)
  search    the search page (15%)
  suggest   typing a question into the search box: one /api/suggest per keystroke (30%)
  file      opening the request form and sending it with a screenshot and a log (10%)
  account   signing in with a password, then "My requests" (10%; only where the routes exist)
  agent     an agent signed in: the queue, one request, a public reply (10%; where /agent/ is)

Routes the site does not have yet (sign-in, My requests, the agents' queue and replies)
are discovered at start and reported as skipped. Afterwards the script prints requests
per second and p50/p95 per route, the error count, and checks the database and the upload
folder: every request the visitors were told was filed exists exactly once, with its two
files intact on disk.

Rate limits are off for the run (HELPDESK_RATELIMIT_ENABLED=false: one address sending
thousands of requests is what they exist to stop). With --redis, a throwaway redis-server
(Debian's package, scripts/redisinstance.py) holds the sessions and the limit counters
(REDIS_URL): limits are on then, set far above what the visitors send, so every limited
route and every password sign-in counts in Redis as on a real site. No SMTP server is
set: the background senders deliver the outbox to the log, so mail claiming runs under
the same load.

    .venv/bin/python benchmarks/load.py                      # both databases, 30 s each
    .venv/bin/python benchmarks/load.py --seconds 10 --database sqlite
    .venv/bin/python benchmarks/load.py --postgres-url postgresql+psycopg://...
    .venv/bin/python benchmarks/load.py --redis --database sqlite --seconds 20 --clients 16

PostgreSQL: a throwaway cluster from Debian's packages (as scripts/test does), or
--postgres-url (a database the script migrates and writes into).
"""

import argparse
import hashlib
import http.client
import io
import multiprocessing
import os
import random
import re
import shutil
import signal
import statistics
import subprocess
import sys
import tempfile
import threading
import time
from collections import defaultdict
from contextlib import ExitStack
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
# Nothing is imported from benchmarks/ itself: keep its scripts from shadowing the standard
# library (a script named like a standard module, e.g. queue.py, would hide it).
sys.path[:] = [p for p in sys.path if Path(p or ".").resolve() != Path(__file__).resolve().parent]
sys.path.insert(0, str(ROOT / "scripts"))
from pgcluster import NOT_FOUND, server_programs, throwaway_cluster  # noqa: E402
from redisinstance import NOT_FOUND as REDIS_NOT_FOUND  # noqa: E402
from redisinstance import program as redis_program  # noqa: E402
from redisinstance import throwaway_redis  # noqa: E402

HOST = "127.0.0.1"  # loopback only
AGENTS = 4  # agent accounts the visitors share
FORM = "/requests/new/technical-support"
PASSWORD = "load-test-password-1"
QUERIES = ["how do I reset my password", "export orders to csv", "change email address",
           "invoice download", "two factor authentication", "delete my account",
           "notifications not arriving", "upload a screenshot"]
BOUNDARY = "----helpdeskLoadBoundary"
TARGET_SUGGEST_P95_MS = 50
# With --redis: limits counted in Redis, never reached by the visitors.
ROOMY_LIMITS = {key: "100000 per minute" for key in (
    "REQUEST_RATE_LIMIT_IP", "REQUEST_RATE_LIMIT_EMAIL", "AUTH_RATE_LIMIT_IP",
    "AUTH_RATE_LIMIT_EMAIL", "PREVIEW_RATE_LIMIT", "AUTH_PASSWORD_FAILURES_PER_SOURCE",
    "AUTH_PASSWORD_FAILURES_PER_IP", "AUTH_PASSWORD_FAILURES_PER_ACCOUNT",
    "AUTH_PASSWORD_FAILURES_PER_DEVICE")}


def free_port():
    import socket
    with socket.socket() as sock:
        sock.bind((HOST, 0))
        return sock.getsockname()[1]


def png_bytes():
    from PIL import Image
    out = io.BytesIO()
    Image.new("RGB", (240, 160), (30, 90, 180)).save(out, "PNG")
    return out.getvalue()


FILES = [("screen.png", png_bytes()), ("export.log", b"12:00:01 export failed: timeout\n" * 1500)]
DIGESTS = {hashlib.sha256(content).hexdigest(): len(content) for _, content in FILES}


# --- the server -------------------------------------------------------------------------

def environment(instance, url, workers, threads, port, redis_url=None):
    env = {k: v for k, v in os.environ.items() if not k.startswith("HELPDESK_")}
    env.update({"HELPDESK_INSTANCE_PATH": str(instance), "HELPDESK_SQLALCHEMY_DATABASE_URI": url,
                "HELPDESK_RATELIMIT_ENABLED": "false", "HELPDESK_LOG_LEVEL": "WARNING",
                "HELPDESK_MAIL_SEND_INTERVAL": "1", "GUNICORN_BIND": f"{HOST}:{port}",
                "GUNICORN_WORKERS": str(workers), "GUNICORN_THREADS": str(threads)})
    if redis_url:
        env.update({"HELPDESK_REDIS_URL": redis_url, "HELPDESK_RATELIMIT_ENABLED": "true"})
        env.update({f"HELPDESK_{key}": value for key, value in ROOMY_LIMITS.items()})
    return env


def prepare(env, accounts):
    """Migrate, build the index and create the sign-in accounts (in this process's app)."""
    subprocess.run([sys.executable, "-m", "flask", "--app", "helpdesk", "db", "upgrade"],
                   cwd=ROOT, env=env, check=True, capture_output=True)
    subprocess.run([sys.executable, "-m", "flask", "--app", "helpdesk", "kb", "reindex"],
                   cwd=ROOT, env=env, check=True, capture_output=True)
    script = ("import sys\nfrom helpdesk import create_app\nfrom helpdesk.extensions import db\n"
              "from helpdesk.models import User, utcnow\n"
              "from werkzeug.security import generate_password_hash\n"
              "app = create_app({'KB_INDEX_ON_START': False})\n"
              "with app.app_context():\n"
              "    hashed = generate_password_hash(sys.argv[2],"
              " method=app.config.get('PASSWORD_HASH_METHOD', 'scrypt'))\n"
              "    for n in range(int(sys.argv[1])):\n"
              "        db.session.add(User(email=f'visitor{n}@example.com', role='requester',"
              " password_hash=hashed, email_verified_at=utcnow()))\n"
              f"    for n in range({AGENTS}):\n"
              "        db.session.add(User(email=f'agent{n}@example.com', role='agent',"
              " password_hash=hashed, email_verified_at=utcnow()))\n"
              "    db.session.commit()\n")
    subprocess.run([sys.executable, "-c", script, str(accounts), PASSWORD], cwd=ROOT, env=env,
                   check=True, capture_output=True)


def start_gunicorn(env, port, log_path):
    log = open(log_path, "ab")
    proc = subprocess.Popen([sys.executable, "-m", "gunicorn", "--config",
                             str(ROOT / "deploy" / "gunicorn.conf.py")], cwd=ROOT, env=env,
                            stdout=log, stderr=log, start_new_session=True)
    deadline = time.monotonic() + 120
    while time.monotonic() < deadline:
        try:
            status, _, body = Visitor(port).get("/healthz")
            if status == 200 and '"warming":false' in body.replace(" ", ""):
                settle(proc.pid)
                return proc
        except OSError:
            pass
        time.sleep(0.3)
    os.killpg(proc.pid, signal.SIGKILL)
    raise SystemExit(f"gunicorn did not start; see {log_path}")


def settle(master, limit=60.0):
    """Wait until every worker has finished its start-up work (the index warm-up runs in
    the background once a worker answers): the server idles below a tenth of a core."""
    deadline = time.monotonic() + limit
    before = server_cpu_seconds(master)
    while before is not None and time.monotonic() < deadline:
        time.sleep(1.0)
        now = server_cpu_seconds(master)
        if now - before < 0.1:
            return
        before = now


def stop(proc):
    os.killpg(proc.pid, signal.SIGTERM)
    try:
        proc.wait(timeout=60)
    except subprocess.TimeoutExpired:
        os.killpg(proc.pid, signal.SIGKILL)


# --- the visitors -------------------------------------------------------------------------

class Visitor:
    """One browser: a keep-alive connection and its cookies."""

    def __init__(self, port):
        self.port, self.cookies, self.conn, self.signed_in = port, {}, None, False

    def request(self, method, path, body=None, headers=None):
        headers = dict(headers or {})
        if self.cookies:
            headers["Cookie"] = "; ".join(f"{k}={v}" for k, v in self.cookies.items())
        for attempt in (1, 2):  # a kept-alive connection the server closed: reconnect once
            if self.conn is None:
                self.conn = http.client.HTTPConnection(HOST, self.port, timeout=60)
            try:
                self.conn.request(method, path, body=body, headers=headers)
                response = self.conn.getresponse()
                text = response.read().decode("utf-8", "replace")
                break
            except (http.client.RemoteDisconnected, BrokenPipeError, ConnectionResetError):
                self.conn.close()
                self.conn = None
                if attempt == 2 or method == "POST":
                    raise
        for cookie in response.headers.get_all("Set-Cookie") or []:
            name, _, rest = cookie.partition("=")
            self.cookies[name.strip()] = rest.split(";", 1)[0]
        return response.status, response.headers, text

    def get(self, path):
        return self.request("GET", path)

    def post_form(self, path, fields, files=()):
        parts = [f'--{BOUNDARY}\r\nContent-Disposition: form-data; name="{k}"\r\n\r\n'.encode()
                 + str(v).encode() + b"\r\n" for k, v in fields.items()]
        parts += [f'--{BOUNDARY}\r\nContent-Disposition: form-data; name="attachments"; '
                  f'filename="{name}"\r\nContent-Type: application/octet-stream\r\n\r\n'.encode()
                  + content + b"\r\n" for name, content in files]
        body = b"".join(parts) + f"--{BOUNDARY}--\r\n".encode()
        return self.request("POST", path, body,
                            {"Content-Type": f"multipart/form-data; boundary={BOUNDARY}"})


def hidden_fields(page):
    return dict(re.findall(r'<input[^>]*name="(csrf_token|submission_token)"[^>]*value="([^"]*)"',
                           page))


class Recorder:
    def __init__(self):
        self.latencies, self.errors, self.filed = defaultdict(list), defaultdict(int), []
        self.failures = defaultdict(int)  # what went wrong, by kind

    def timed(self, route, call, ok=(200,)):
        started = time.perf_counter()
        try:
            status, headers, text = call()
        except (OSError, http.client.HTTPException) as exc:
            self.errors[route] += 1
            self.failures[f"{route}: {exc.__class__.__name__}"] += 1
            return None
        self.latencies[route].append(time.perf_counter() - started)
        if status not in ok:
            self.errors[route] += 1
            self.failures[f"{route}: HTTP {status}"] += 1
            return None
        return status, headers, text


def sign_in(visitor, rec, email):
    """Sign `visitor` in with a password; True when it worked."""
    shown = rec.timed("sign-in form", lambda: visitor.get("/login"))
    if shown is None:
        return False
    fields = {**hidden_fields(shown[2]), "email": email, "password": PASSWORD}
    if rec.timed("sign in", lambda: visitor.post_form("/login", fields), ok=(302, 303)) is None:
        return False
    visitor.signed_in = True
    return True


def visitor_actions(visitor, rec, rng, routes, articles, marker):
    n = 0
    desk = Visitor(visitor.port)  # the same person's agent browser, with its own cookies

    def browse():
        rec.timed("home", lambda: visitor.get("/"))
        rec.timed("category", lambda: visitor.get("/articles/"))
        rec.timed("article", lambda: visitor.get(f"/articles/{rng.choice(articles)}"))

    def search():
        query = rng.choice(QUERIES).replace(" ", "+")
        rec.timed("search", lambda: visitor.get(f"/search?q={query}"))

    def suggest():
        query = rng.choice(QUERIES)
        for end in range(2, len(query) + 1):
            typed = query[:end].replace(" ", "+")
            rec.timed("suggest", lambda: visitor.get(f"/api/suggest?q={typed}"))

    def file():
        nonlocal n
        n += 1
        shown = rec.timed("form", lambda: visitor.get(FORM))
        if shown is None:
            return
        summary = f"Load {marker}-{n}"
        fields = {**hidden_fields(shown[2]), "email": f"{marker}@example.com", "summary": summary,
                  "description": "Export fails with a timeout.", "application": "web"}
        sent = rec.timed("file", lambda: visitor.post_form(FORM, fields, FILES), ok=(303,))
        if sent is not None:
            match = re.search(r"/requests/(HD-\d+)/sent", sent[1].get("Location", ""))
            rec.filed.append((match.group(1) if match else None, summary))

    def account():
        if not visitor.signed_in and not sign_in(
                visitor, rec, f"visitor{marker_number}@example.com"):
            return
        rec.timed("my requests", lambda: visitor.get("/requests"))

    def agent():
        agent_email = f"agent{marker_number % AGENTS}@example.com"
        if not desk.signed_in and not sign_in(desk, rec, agent_email):
            return
        queue = rec.timed("agent queue", lambda: desk.get("/agent/"))
        refs = re.findall(r'/agent/requests/(HD-\d+)"', queue[2]) if queue else []
        if not refs:
            return
        ref = rng.choice(refs)
        page = rec.timed("agent request", lambda: desk.get(f"/agent/requests/{ref}"))
        if page is None:
            return
        fields = dict(re.findall(r'<input[^>]*name="(csrf_token|seen)"[^>]*value="([^"]*)"',
                                 page[2]))
        fields.update(body="Thanks, we are looking into it.", send="1")
        # 409: another agent answered meanwhile and the page asks to confirm (not an error).
        rec.timed("agent reply", lambda: desk.post_form(f"/agent/requests/{ref}/reply", fields),
                  ok=(303, 409))

    marker_number = int(marker.split("-")[-1])
    actions = [(browse, 35), (search, 15), (suggest, 30), (file, 10)]
    if "account" in routes:
        actions.append((account, 10))
    if "agent" in routes:
        actions.append((agent, 10))
    return [a for a, _ in actions], [w for _, w in actions]


def shipped_articles():
    """The slugs of the sample articles in the default language (a translation such as
    "passwords.fr.md" is the same article, read at the same address)."""
    from helpdesk.kb.files import split_locale
    slugs = set()
    for path in (ROOT / "articles").rglob("*.md"):
        if not path.name.startswith(("_", "index")):
            slugs.add(split_locale(str(path.relative_to(ROOT / "articles"))[:-3])[0])
    return sorted(slugs)


def client_process(port, threads, seconds, routes, articles, first, queue):
    rec, stop_at = Recorder(), time.monotonic() + seconds

    def run(index):
        visitor = Visitor(port)
        rng = random.Random(index)
        actions, weights = visitor_actions(visitor, rec, rng, routes, articles, f"v-{index}")
        while time.monotonic() < stop_at:
            rng.choices(actions, weights)[0]()

    workers = [threading.Thread(target=run, args=(first + i,)) for i in range(threads)]
    for worker in workers:
        worker.start()
    for worker in workers:
        worker.join()
    queue.put((dict(rec.latencies), dict(rec.errors), rec.filed, dict(rec.failures)))


def discover(port):
    """Which optional routes exist: (present, skipped descriptions)."""
    probe = Visitor(port)
    present, skipped = set(), []
    status, _, page = probe.get("/login")
    if status == 200 and 'name="password"' in page:
        if probe.get("/requests")[0] in (200, 302, 303):
            present.add("account")
    else:
        skipped.append(f"sign in and My requests (GET /login answered {status})")
    status = probe.get("/agent/")[0]
    if status in (302, 303) and "account" in present:  # sends a stranger to sign in
        present.add("agent")
    else:
        skipped.append(f"the agents' queue and replies (GET /agent/ answered {status})")
    return present, skipped


# --- figures and the check ----------------------------------------------------------------

def percentile(values, q):
    return statistics.quantiles(values, n=100, method="inclusive")[q - 1] if len(values) > 1 \
        else (values[0] if values else 0.0)


def verify(url, instance, filed):
    """Every request the visitors were told about exists once, with its two files intact."""
    from sqlalchemy import create_engine, text
    engine = create_engine(url)
    problems = defaultdict(int)
    with engine.connect() as conn:
        for ref, summary in filed:
            rows = conn.execute(text("SELECT id FROM ticket WHERE summary = :s"),
                                {"s": summary}).scalars().all()
            if not rows:
                problems["lost"] += 1
                continue
            if len(rows) > 1:
                problems["duplicated"] += 1
            if ref is None or int(ref.split("-")[1]) - 1000 != rows[0]:
                problems["wrong reference"] += 1
            files = conn.execute(text("SELECT storage_key, size, sha256 FROM attachment"
                                      " WHERE ticket_id = :t"), {"t": rows[0]}).all()
            if len(files) != len(FILES):
                problems["missing file rows"] += len(FILES) - len(files)
            for key, size, digest in files:
                path = instance / "uploads" / key
                if (not path.exists() or path.stat().st_size != size or DIGESTS.get(digest) != size
                        or hashlib.sha256(path.read_bytes()).hexdigest() != digest):
                    problems["missing or damaged files"] += 1
        tickets = conn.execute(text("SELECT count(*) FROM ticket")).scalar()
        pending = conn.execute(text("SELECT count(*) FROM outbox WHERE sent_at IS NULL")).scalar()
    engine.dispose()
    return tickets, pending, dict(problems)


def drain(port, seconds):
    """Wait (at most `seconds`) until /healthz shows no mail waiting."""
    import json
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        status, _, body = Visitor(port).get("/healthz")
        if status == 200 and json.loads(body)["outbox"].get("pending") == 0:
            return
        time.sleep(0.5)


def server_cpu_seconds(master):
    """CPU seconds used so far by gunicorn: the master, its live workers and the workers it
    already replaced. Per request, a figure the machine's other load hardly moves."""
    def times(pid, fields):
        with open(f"/proc/{pid}/stat") as stat:
            values = stat.read().rpartition(")")[2].split()
        return sum(int(values[i]) for i in fields) / os.sysconf("SC_CLK_TCK")
    try:
        total = times(master, (11, 12, 13, 14))  # utime stime cutime cstime
        for child in Path(f"/proc/{master}/task/{master}/children").read_text().split():
            total += times(child, (11, 12))
    except OSError:  # not Linux
        return None
    return total


def start_py_spy(master, args, out):
    """With --py-spy: sample every worker for the run (py-spy must be installed)."""
    if not args.py_spy:
        return None
    found = shutil.which("py-spy") or str(Path(sys.executable).with_name("py-spy"))
    return subprocess.Popen([found, "record", "--pid", str(master), "--subprocesses",
                             "--idle", "--rate", "50", "--format", "raw", "--nonblocking",
                             "--duration", str(int(args.seconds)), "-o", str(out)],
                            stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)


def print_profile(path, top=25):
    """Where the request threads spent their samples: the app's own functions, inclusive."""
    seen, total = defaultdict(int), 0
    try:
        lines = Path(path).read_text().splitlines()
    except OSError:
        print(f"py-spy: no profile written ({path})")
        return
    for line in lines:
        stack, _, count = line.rpartition(" ")
        if "handle_request" not in stack:
            continue
        total += int(count)
        for frame in set(re.sub(r":\d+\)$", ")", f) for f in stack.split(";")):
            if "helpdesk/" in frame or "do_execute" in frame or "Template.render" in frame:
                seen[frame.replace(str(ROOT) + "/", "")] += int(count)
    print(f"py-spy: {total} samples of request threads (idle included); raw stacks: {path}")
    for frame, count in sorted(seen.items(), key=lambda item: -item[1])[:top]:
        print(f"  {100 * count / max(total, 1):5.1f}%  {frame}")


def run_one(kind, url, args, log_dir, redis_url=None):
    instance = Path(tempfile.mkdtemp(prefix=f"helpdesk-load-{kind}-"))
    port = free_port()
    env = environment(instance, url, args.workers, args.threads, port, redis_url)
    prepare(env, args.clients)
    proc = start_gunicorn(env, port, log_dir / f"gunicorn-{kind}.log")
    spy = start_py_spy(proc.pid, args, log_dir / f"py-spy-{kind}-{args.clients}.txt")
    try:
        routes, skipped = discover(port)
        cpu_at_start = server_cpu_seconds(proc.pid)
        articles = shipped_articles()
        ctx = multiprocessing.get_context("fork")
        queue = ctx.Queue()
        per = args.clients // 2
        procs = [ctx.Process(target=client_process, args=(
            port, per if i == 0 else args.clients - per, args.seconds, routes, articles,
            i * per, queue)) for i in range(2)]
        for p in procs:
            p.start()
        parts = [queue.get() for _ in procs]
        for p in procs:
            p.join()
        cpu = server_cpu_seconds(proc.pid)
        cpu = None if cpu is None or cpu_at_start is None else cpu - cpu_at_start
        drain(port, args.send_wait)  # the background senders empty the outbox
    finally:
        stop(proc)
    if spy is not None:
        spy.wait()
        print_profile(spy.args[-1])
    latencies, errors, filed = defaultdict(list), defaultdict(int), []
    for lat, err, fil, kinds in parts:
        for route, values in lat.items():
            latencies[route].extend(values)
        for route, count in err.items():
            errors[route] += count
        for kind_, count in kinds.items():
            errors[f"  {kind_}"] += count
        filed.extend(fil)
    tickets, pending, problems = verify(url, instance, filed)
    return latencies, errors, filed, tickets, pending, problems, skipped, instance, cpu


def report(kind, args, result):
    latencies, errors, filed, tickets, pending, problems, skipped, _, cpu = result
    print(f"\n== {kind}: {args.clients} visitors, {args.seconds:.0f} s, gunicorn"
          f" {args.workers} workers x {args.threads} threads ==")
    print(f"{'route':<14}{'requests':>9}{'req/s':>9}{'p50 ms':>9}{'p95 ms':>9}{'errors':>8}")
    total = 0
    for route in sorted(latencies):
        values = sorted(latencies[route])
        total += len(values)
        print(f"{route:<14}{len(values):>9}{len(values) / args.seconds:>9.1f}"
              f"{statistics.median(values) * 1000:>9.1f}{percentile(values, 95) * 1000:>9.1f}"
              f"{errors.get(route, 0):>8}")
    error_count = sum(v for k, v in errors.items() if not k.startswith("  "))
    print(f"{'all':<14}{total:>9}{total / args.seconds:>9.1f}{'':>18}{error_count:>8}")
    if cpu is not None and total:
        print(f"server CPU: {cpu:.1f} s, {1000 * cpu / total:.2f} ms per request")
    for kind_, count in sorted(errors.items()):
        if kind_.startswith("  "):
            print(f"error: {kind_.strip()} x{count}")
    for line in skipped:
        print(f"skipped: {line}")
    told = len(filed)
    others = sum(v for k, v in problems.items() if k not in ("lost", "duplicated"))
    print(f"check: {told} requests confirmed to visitors, {tickets} in the database,"
          f" lost {problems.get('lost', 0)}, duplicated {problems.get('duplicated', 0)},"
          f" other problems {others} {problems or ''}; mail still unsent after the run:"
          f" {pending}")
    suggests = sorted(latencies["suggest"])
    suggest_p95 = percentile(suggests, 95) * 1000 if suggests else 0.0
    ok = error_count == 0 and not problems and suggest_p95 < TARGET_SUGGEST_P95_MS
    print(f"targets: zero errors {'met' if error_count == 0 else 'MISSED'}, nothing lost or"
          f" doubled {'met' if not problems else 'MISSED'}, suggest p95 {suggest_p95:.1f} ms"
          f" < {TARGET_SUGGEST_P95_MS} ms"
          f" {'met' if suggest_p95 < TARGET_SUGGEST_P95_MS else 'MISSED'}")
    rates = {r: len(v) / args.seconds for r, v in latencies.items()}
    return ok, rates, (statistics.median(suggests) * 1000 if suggests else 0.0, suggest_p95,
                       total / args.seconds, cpu / total * 1000 if cpu and total else 0.0)


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--database", choices=("both", "sqlite", "postgresql"), default="both")
    parser.add_argument("--postgres-url", help="a database the run may write into")
    parser.add_argument("--seconds", type=float, default=30.0)
    parser.add_argument("--clients", type=int, nargs="+", default=[16],
                        help="visitors; several counts (--clients 8 16) run one after the"
                             " other, each on a fresh database, and are compared")
    parser.add_argument("--workers", type=int, default=4)
    parser.add_argument("--threads", type=int, default=8, help="per worker (default 8, as the"
                        " sample deploy)")
    parser.add_argument("--redis", action="store_true",
                        help="sessions and limits in a throwaway redis-server (REDIS_URL)")
    parser.add_argument("--py-spy", action="store_true",
                        help="sample the workers with py-spy and print where the time goes")
    parser.add_argument("--send-wait", type=float, default=30.0,
                        help="at most this long after the load for the senders to empty the"
                             " outbox")
    args = parser.parse_args(argv)
    print(f"machine: {os.cpu_count()} cores, load average {os.getloadavg()[0]:.2f}")
    log_dir = Path(tempfile.mkdtemp(prefix="helpdesk-load-logs-"))
    if args.postgres_url and len(args.clients) > 1 and args.database != "sqlite":
        parser.error("--postgres-url takes one --clients count (each run needs a fresh database)")
    results, all_ok, compared = {}, True, []
    kinds = ["sqlite", "postgresql"] if args.database == "both" else [args.database]
    for kind in kinds:
        for clients in args.clients:
            with ExitStack() as stack:
                if kind == "sqlite":
                    instance = Path(tempfile.mkdtemp(prefix="helpdesk-load-db-"))
                    url = f"sqlite:///{instance / 'helpdesk.sqlite3'}"
                elif args.postgres_url:
                    url = args.postgres_url
                else:
                    bindir = server_programs()
                    if bindir is None:
                        print(NOT_FOUND)
                        break
                    url = stack.enter_context(throwaway_cluster(bindir, "helpdesk_load"))
                redis_url = None
                if args.redis:
                    if redis_program() is None:
                        raise SystemExit(REDIS_NOT_FOUND)
                    folder = Path(tempfile.mkdtemp(prefix="helpdesk-load-redis-"))
                    redis_url = stack.enter_context(throwaway_redis(folder, "everysec")).url
                label = f"{kind} + Redis (sessions, limits)" if redis_url else kind
                run = argparse.Namespace(**{**vars(args), "clients": clients})
                ok, rates, figures = report(label, run, run_one(kind, url, run, log_dir,
                                                                redis_url))
                all_ok, results[kind] = all_ok and ok, rates
                compared.append((kind, clients, *figures))
    if len(args.clients) > 1:
        print("\nBy visitors: suggest p50 / p95, all requests per second, server CPU per"
              " request")
        for kind, clients, p50, p95, rate, cpu_ms in compared:
            print(f"  {kind:<11}{clients:>3} visitors  suggest p50 {p50:6.1f} ms  p95"
                  f" {p95:6.1f} ms  {rate:7.1f} req/s  {cpu_ms:5.2f} ms CPU/request")
    if len(results) == 2:
        print("\nPostgreSQL / SQLite requests per second:")
        for route in sorted(results["sqlite"]):
            base = results["sqlite"][route]
            print(f"  {route:<14}{results['postgresql'].get(route, 0) / base if base else 0:>6.2f}")
    print(f"\nserver logs: {log_dir}")
    return 0 if all_ok else 1


if __name__ == "__main__":
    sys.exit(main())
