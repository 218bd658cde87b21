"""The sample reverse proxy (deploy/nginx.conf) run for a test by Debian's nginx, on plain
http on 127.0.0.1, in front of one gunicorn or several hosts."""

import subprocess
from contextlib import contextmanager
from pathlib import Path

from mailsink import free_port
from processes import ROOT, eventually, get
from support import missing

NGINX = "/usr/sbin/nginx"


def nginx_site(gunicorn_ports, port):
    """deploy/nginx.conf for a test: plain http on `port` instead of TLS on 443, its
    upstream the given gunicorn ports (the sample lists one host; a site adds a line per
    host)."""
    site = (ROOT / "deploy" / "nginx.conf").read_text()
    servers = " ".join(f"server 127.0.0.1:{p};" for p in gunicorn_ports)
    site = site.replace("server 127.0.0.1:8000;", servers)
    site = site.replace("listen 443 ssl;", f"listen 127.0.0.1:{port};")
    site = site.replace("listen 80;", f"listen 127.0.0.1:{free_port()};")
    return "\n".join(line for line in site.splitlines() if "ssl_certificate" not in line)


def _answers(port):
    try:
        return get(port, "/healthz")[0] == 200
    except OSError:
        return False


@contextmanager
def nginx(folder, gunicorn_ports):
    """nginx with the sample site in front of `gunicorn_ports`; yields its port."""
    if not Path(NGINX).exists():
        missing(f"nginx not found at {NGINX}: run `apt-get install nginx`")
    port = free_port()
    folder = Path(folder)
    folder.mkdir()
    (folder / "site.conf").write_text(nginx_site(gunicorn_ports, port))
    temp = "".join(f" {kind}_temp_path {folder / kind};" for kind in
                   ("client_body", "proxy", "fastcgi", "uwsgi", "scgi"))
    (folder / "nginx.conf").write_text(
        f"daemon off; worker_processes 1; pid {folder / 'nginx.pid'};"
        f" error_log {folder / 'error.log'};\nevents {{}}\n"
        f"http {{ access_log {folder / 'access.log'};{temp}\n"
        f"  include {folder / 'site.conf'};\n}}\n")
    proxy = subprocess.Popen([NGINX, "-c", str(folder / "nginx.conf"), "-p", str(folder)],
                             stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    try:
        assert eventually(lambda: _answers(port)), (folder / "error.log").read_text()
        yield port
    finally:
        proxy.terminate()
        proxy.wait(30)
