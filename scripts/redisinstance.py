"""A throwaway Redis from Debian's redis-server, for tests and benchmarks.

`RedisServer(folder).start()` runs redis-server on a free port on 127.0.0.1 with its data
in `folder`; `url` is what REDIS_URL takes. Writes go to an append-only file synced on
every write (`fsync="always"`, the default here; "everysec" is what most sites run), so
a server killed and started again (`kill()`, `start()`) comes back with what it held.
"""

import shutil
import socket
import subprocess
import time
from contextlib import contextmanager
from pathlib import Path

PROGRAM = "/usr/bin/redis-server"
NOT_FOUND = f"redis-server not found at {PROGRAM}: run `apt-get install redis-server`"


def program():
    """The redis-server program, or None."""
    return PROGRAM if Path(PROGRAM).exists() else shutil.which("redis-server")


def free_port():
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


class RedisServer:
    """One redis-server process; it may be killed and started again on the same port."""

    def __init__(self, folder, port=None, fsync="always"):
        self.fsync = fsync
        self.folder = Path(folder)
        self.folder.mkdir(parents=True, exist_ok=True)
        self.port = port or free_port()
        self.proc = None

    @property
    def url(self):
        return f"redis://127.0.0.1:{self.port}/0"

    def start(self, timeout=30):
        self.proc = subprocess.Popen(
            [program() or PROGRAM, "--port", str(self.port), "--bind", "127.0.0.1",
             "--dir", str(self.folder), "--save", "", "--appendonly", "yes",
             "--appendfsync", self.fsync, "--daemonize", "no",
             "--logfile", str(self.folder / "redis.log")],
            stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, start_new_session=True)
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if self.proc.poll() is not None:
                raise RuntimeError(f"redis-server exited with {self.proc.returncode}:\n"
                                   + self.log())
            if self.answers():
                return self
            time.sleep(0.05)
        self.kill()
        raise RuntimeError("redis-server did not answer in time:\n" + self.log())

    def answers(self):
        try:
            with socket.create_connection(("127.0.0.1", self.port), timeout=1) as sock:
                sock.sendall(b"PING\r\n")
                return sock.recv(16).startswith(b"+PONG")
        except OSError:
            return False

    def log(self):
        path = self.folder / "redis.log"
        return path.read_text(errors="replace")[-4000:] if path.exists() else ""

    def kill(self):
        """Gone at once, as a crash or a lost host would leave it."""
        if self.proc is not None and self.proc.poll() is None:
            self.proc.kill()
            self.proc.wait(30)

    def stop(self):
        if self.proc is not None and self.proc.poll() is None:
            self.proc.terminate()
            try:
                self.proc.wait(30)
            except subprocess.TimeoutExpired:
                self.kill()


@contextmanager
def throwaway_redis(folder, fsync="always"):
    """A running RedisServer with its data in `folder`, stopped afterwards."""
    server = RedisServer(folder, fsync=fsync).start()
    try:
        yield server
    finally:
        server.stop()
