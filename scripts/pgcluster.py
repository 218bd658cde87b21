"""A throwaway PostgreSQL cluster from Debian's server programs, for tests and benchmarks.

`throwaway_cluster()` runs initdb into a temporary folder (as the `postgres` user when
started as root: initdb and postgres refuse to run as root), starts the server on a free
port on 127.0.0.1 with trust authentication, creates one database and yields its
SQLAlchemy URL; afterwards the server is stopped and the folder removed.
`running_cluster()` yields the Cluster itself (its `url`, `stop()`, `start()`), for tests
that take the server away mid-load.
"""

import os
import shutil
import socket
import subprocess
import tempfile
import time
from contextlib import contextmanager
from pathlib import Path

NOT_FOUND = "PostgreSQL not found: skipped the PostgreSQL run (apt-get install postgresql)"


def server_programs():
    """The bin folder of the newest Debian PostgreSQL server, or None."""
    found = [p for p in Path("/usr/lib/postgresql").glob("*/bin") if (p / "initdb").exists()]
    if not found:
        pg_config = shutil.which("pg_config")
        if pg_config:
            out = subprocess.run([pg_config, "--bindir"], capture_output=True, text=True)
            candidate = Path(out.stdout.strip())
            if (candidate / "initdb").exists():
                return candidate
        return None

    def version(path):
        name = path.parent.name
        return int(name) if name.isdigit() else 0
    return max(found, key=version)


def free_port():
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def as_server_user():
    """initdb and postgres refuse to run as root: use the `postgres` account then."""
    if os.geteuid() != 0:
        return []
    runuser = shutil.which("runuser")
    if runuser is None:
        raise SystemExit("running as root needs `runuser` to start PostgreSQL")
    try:
        import pwd
        pwd.getpwnam("postgres")
    except KeyError:
        raise SystemExit("running as root, but there is no `postgres` user to"
                         " run the PostgreSQL server (apt-get install postgresql creates it)")
    return [runuser, "-u", "postgres", "--"]


class Cluster:
    """A running private cluster: its SQLAlchemy `url`, and a way to restart it."""

    def __init__(self, bindir, data, log, port, prefix):
        self.bindir, self.data, self.log, self.port, self.prefix = bindir, data, log, port, prefix
        self.url = None

    def _pg_ctl(self, *args):
        subprocess.run([*self.prefix, str(self.bindir / "pg_ctl"), "-D", str(self.data), *args],
                       check=True, stdout=subprocess.DEVNULL)

    def start(self):
        # A test cluster: durability is not needed, speed is.
        options = (f"-p {self.port} -c listen_addresses=127.0.0.1 -k {self.data} -c fsync=off"
                   " -c synchronous_commit=off -c full_page_writes=off -c max_connections=200")
        self._pg_ctl("-l", str(self.log), "-o", options, "-w", "-t", "60", "start")

    def stop(self):
        self._pg_ctl("-m", "fast", "-w", "stop")

    def restart(self):
        """Stopped (every connection cut, as a restart or failover does) and started again."""
        self.stop()
        self.start()


@contextmanager
def running_cluster(bindir, database="helpdesk_test"):
    """A private cluster in a temporary folder; yields its Cluster."""
    prefix = as_server_user()
    folder = Path(tempfile.mkdtemp(prefix="helpdesk-pg-"))
    data, log = folder / "data", folder / "server.log"
    if prefix:
        shutil.chown(folder, user="postgres", group="postgres")
    cluster = Cluster(bindir, data, log, free_port(), prefix)
    try:
        subprocess.run([*prefix, str(bindir / "initdb"), "-D", str(data), "--auth=trust",
                        "--username=postgres", "--encoding=UTF8", "--no-locale", "--no-sync"],
                       check=True, stdout=subprocess.DEVNULL)
        cluster.start()
        try:
            subprocess.run([str(bindir / "createdb"), "-h", "127.0.0.1", "-p", str(cluster.port),
                            "-U", "postgres", database], check=True)
            cluster.url = f"postgresql+psycopg://postgres@127.0.0.1:{cluster.port}/{database}"
            yield cluster
        finally:
            subprocess.run([*prefix, str(bindir / "pg_ctl"), "-D", str(data), "-m", "fast",
                            "-w", "stop"], stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    finally:
        time.sleep(0.1)
        shutil.rmtree(folder, ignore_errors=True)


@contextmanager
def throwaway_cluster(bindir, database="helpdesk_test"):
    """A private cluster in a temporary folder; yields its SQLAlchemy URL."""
    with running_cluster(bindir, database) as cluster:
        yield cluster.url
