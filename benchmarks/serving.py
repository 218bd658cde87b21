"""Run a WSGI app under gunicorn on 127.0.0.1 and load it with http_load.py.

`benchmarks/search.py` uses this to compare `/api/suggest` with the bare route of
bare_app.py: same gunicorn settings, same client, same URLs.
"""

import json
import socket
import subprocess
import sys
import time
import urllib.request
from contextlib import contextmanager
from pathlib import Path

HERE = Path(__file__).resolve().parent
HOST = "127.0.0.1"  # loopback only
GUNICORN_SETTINGS = ["--workers", "2", "--worker-class", "sync"]
CLIENT = {"processes": 2, "threads": 4}


def free_port():
    with socket.socket() as sock:
        sock.bind((HOST, 0))
        return sock.getsockname()[1]


@contextmanager
def gunicorn(app_spec, chdir, env, log_path):
    """Serve `app_spec` from `chdir`; yields the port once a request gets an answer."""
    port = free_port()
    command = [sys.executable, "-m", "gunicorn", *GUNICORN_SETTINGS, "--bind", f"{HOST}:{port}",
               "--chdir", str(chdir), "--log-level", "warning", "--timeout", "120", app_spec]
    with open(log_path, "ab") as log:
        proc = subprocess.Popen(command, env=env, stdout=log, stderr=log)
    try:
        deadline = time.monotonic() + 120
        while True:
            if proc.poll() is not None:
                raise RuntimeError(f"gunicorn exited with {proc.returncode}; see {log_path}")
            try:
                with urllib.request.urlopen(f"http://{HOST}:{port}/api/suggest?q=warm",
                                            timeout=5) as response:
                    if response.status == 200:
                        break
            except OSError:
                pass
            if time.monotonic() > deadline:
                raise RuntimeError(f"gunicorn did not answer in time; see {log_path}")
            time.sleep(0.2)
        yield port
    finally:
        proc.terminate()
        try:
            proc.wait(timeout=30)
        except subprocess.TimeoutExpired:
            proc.kill()
            proc.wait()


def load(port, paths_file, seconds):
    """Figures from http_load.py: requests per second, client-side p50/p95, errors."""
    command = [sys.executable, str(HERE / "http_load.py"), "--host", HOST, "--port", str(port),
               "--paths", str(paths_file), "--processes", str(CLIENT["processes"]),
               "--threads", str(CLIENT["threads"]), "--warmup", "2", "--seconds", str(seconds)]
    done = subprocess.run(command, capture_output=True, text=True)
    if done.returncode:
        raise RuntimeError(f"the load client failed:\n{done.stderr}")
    return json.loads(done.stdout)
