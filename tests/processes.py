"""Helpers for tests that run the app in real processes: gunicorn, CLI commands, servers.

`child_env(app, ...)` gives a child process the same instance folder, database, articles,
index and upload folders as the test's app (through HELPDESK_* variables), so a test can
look at what the child did through its own app.
"""

import http.client
import json
import os
import signal
import subprocess
import sys
import time
from contextlib import contextmanager
from pathlib import Path

from mailsink import free_port

ROOT = Path(__file__).resolve().parent.parent
GUNICORN_CONF = ROOT / "deploy" / "gunicorn.conf.py"
SHARED_KEYS = ("SQLALCHEMY_DATABASE_URI", "ARTICLES_DIR", "INDEX_DIR", "UPLOAD_DIR",
               "SECRET_KEY", "MAIL_SERVER", "MAIL_PORT", "MAIL_DEFAULT_SENDER", "EXTERNAL_URL")


def child_env(app, **settings):
    """Environment for a child process serving the same data as `app`; `settings` win."""
    env = {k: v for k, v in os.environ.items() if not k.startswith("HELPDESK_")}
    env["HELPDESK_INSTANCE_PATH"] = app.instance_path
    for key in SHARED_KEYS:
        if app.config.get(key) is not None:
            env[f"HELPDESK_{key}"] = str(app.config[key])
    env.update({"HELPDESK_RATELIMIT_ENABLED": "false", "HELPDESK_MAIL_BACKGROUND_SENDER": "false",
                "HELPDESK_EVENTS_FLUSH_SECONDS": "0.5"})
    for key, value in settings.items():
        if isinstance(value, bool):
            value = "true" if value else "false"
        env[f"HELPDESK_{key}"] = str(value)
    return env


def cli(app, *args, timeout=120, **settings):
    """Run `flask --app helpdesk <args>` in a new process; returns CompletedProcess."""
    return subprocess.run([sys.executable, "-m", "flask", "--app", "helpdesk", *args],
                          cwd=ROOT, env=child_env(app, **settings), capture_output=True,
                          text=True, timeout=timeout)


def get(port, path, headers=None, timeout=30):
    """(status, headers, body text) of one GET to 127.0.0.1:port."""
    conn = http.client.HTTPConnection("127.0.0.1", port, timeout=timeout)
    try:
        conn.request("GET", path, headers=headers or {})
        response = conn.getresponse()
        return response.status, dict(response.getheaders()), response.read().decode()
    finally:
        conn.close()


def get_json(port, path):
    status, _, body = get(port, path)
    return status, json.loads(body)


def eventually(check, timeout=30.0, interval=0.1):
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if check():
            return True
        time.sleep(interval)
    return check()


class Server:
    """A server process in its own process group, answering on 127.0.0.1:port."""

    def __init__(self, proc, port, log_path):
        self.proc, self.port, self.log_path = proc, port, log_path

    def log(self):
        return Path(self.log_path).read_text(errors="replace")

    def stop(self):
        if self.proc.poll() is None:
            os.killpg(self.proc.pid, signal.SIGTERM)
            try:
                self.proc.wait(timeout=30)
            except subprocess.TimeoutExpired:
                os.killpg(self.proc.pid, signal.SIGKILL)
                self.proc.wait()


def _wait_until_up(server, timeout=90):
    def answers():
        if server.proc.poll() is not None:
            raise RuntimeError(f"the server exited with {server.proc.returncode}:\n{server.log()}")
        try:
            return get(server.port, "/healthz", timeout=5)[0] == 200
        except OSError:
            return False
    if not eventually(answers, timeout=timeout, interval=0.2):
        server.stop()
        raise RuntimeError(f"the server did not answer in time:\n{server.log()}")


@contextmanager
def gunicorn(app, log_dir, workers=2, config=GUNICORN_CONF, **settings):
    """gunicorn with the deploy config on a free port, serving `app`'s data."""
    port = free_port()
    env = child_env(app, **settings)
    env["GUNICORN_BIND"] = f"127.0.0.1:{port}"
    env["GUNICORN_WORKERS"] = str(workers)
    log_path = Path(log_dir) / f"gunicorn-{port}.log"
    with open(log_path, "wb") as log:
        proc = subprocess.Popen([sys.executable, "-m", "gunicorn", "--config", str(config),
                                 "wsgi:app"], cwd=ROOT, env=env, stdout=log, stderr=log,
                                start_new_session=True)
    server = Server(proc, port, log_path)
    try:
        _wait_until_up(server)
        yield server
    finally:
        server.stop()


def worker_pids(master_pid):
    """The pids of a gunicorn master's workers (its child processes)."""
    found = []
    for entry in Path("/proc").iterdir():
        if not entry.name.isdigit():
            continue
        try:
            stat = (entry / "stat").read_text()
        except OSError:
            continue
        if int(stat.rsplit(")", 1)[1].split()[1]) == master_pid:
            found.append(int(entry.name))
    return found
