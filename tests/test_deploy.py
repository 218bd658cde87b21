"""The documented production setup runs: gunicorn with deploy/gunicorn.conf.py, several
workers, the test database (SQLite or PostgreSQL), behind a proxy's headers."""

import http.client
import re
from http.cookies import SimpleCookie

import pytest
from filing import PNG, multipart
from nginxproxy import nginx
from processes import ROOT, cli, eventually, get, get_json, gunicorn

from helpdesk.extensions import db
from helpdesk.models import Ticket


@pytest.fixture
def site(make_app, tmp_path):
    app = make_app()
    with gunicorn(app, tmp_path, workers=2) as server:
        yield server


def test_the_help_center_and_the_request_form_are_served(site):
    status, _, home = get(site.port, "/")
    assert status == 200 and "Contact support" in home
    status, _, form = get(site.port, "/requests/new/technical-support")
    assert status == 200 and 'name="summary"' in form


def test_healthz_reports_database_index_and_outbox(site):
    assert eventually(lambda: get_json(site.port, "/healthz")[1]["index"]["warming"] is False)
    status, health = get_json(site.port, "/healthz")
    assert status == 200 and health["status"] == "ok"
    assert health["database"]["ok"] and health["index"]["documents"] > 0
    assert health["outbox"] == {"ok": True, "pending": 0, "oldest_seconds": 0.0, "failed": 0}


def test_search_answers_from_every_worker(site):
    assert eventually(lambda: get_json(site.port, "/healthz")[1]["index"]["warming"] is False)
    answers = [get_json(site.port, "/api/suggest?q=password")[1]["results"] for _ in range(12)]
    assert all(a and a[0]["slug"] == "account/passwords" for a in answers)


def test_the_access_log_carries_the_request_id(site):
    _, headers, _ = get(site.port, "/", headers={"X-Request-ID": "lb-7f3a9c"})
    assert headers["X-Request-ID"] == "lb-7f3a9c"
    assert eventually(lambda: "request_id=lb-7f3a9c" in site.log())


def test_behind_a_proxy_https_from_the_proxy_makes_cookies_secure(make_app, tmp_path):
    app = make_app()
    with gunicorn(app, tmp_path, workers=1, PROXY_FIX_X_FOR=1, PROXY_FIX_X_PROTO=1) as server:
        _, headers, _ = get(server.port, "/requests/new/technical-support",
                            headers={"X-Forwarded-Proto": "https",
                                     "X-Forwarded-For": "203.0.113.9"})
    cookie = headers.get("Set-Cookie", "")
    assert re.search(r";\s*Secure", cookie), cookie
    assert headers.get("Strict-Transport-Security")


def test_without_proxy_settings_forwarded_headers_are_ignored(make_app, tmp_path):
    app = make_app()
    with gunicorn(app, tmp_path, workers=1, PROXY_FIX_X_PROTO=0) as server:
        _, headers, _ = get(server.port, "/requests/new/technical-support",
                            headers={"X-Forwarded-Proto": "https"})
    assert not re.search(r";\s*Secure", headers.get("Set-Cookie", ""))


# --- the sample reverse proxy and crontab -----------------------------------------------

@pytest.fixture
def behind_nginx(make_app, tmp_path):
    app = make_app()
    with gunicorn(app, tmp_path, workers=2, PROXY_FIX_X_FOR=1, PROXY_FIX_X_PROTO=1) as server, \
            nginx(tmp_path / "nginx", [server.port]) as port:
        yield app, server, port


def test_the_sample_nginx_site_serves_the_help_center(behind_nginx):
    _, _, port = behind_nginx
    status, headers, page = get(port, "/")
    assert status == 200 and "Contact support" in page
    assert headers["Strict-Transport-Security"]


def test_one_request_id_runs_from_nginx_through_the_app_to_gunicorns_log(behind_nginx):
    _, server, port = behind_nginx
    request_id = get(port, "/articles/")[1]["X-Request-ID"]
    assert re.fullmatch(r"[0-9a-f]{32}", request_id)  # nginx's $request_id
    assert eventually(lambda: f"request_id={request_id}" in server.log())


def test_a_request_with_a_file_goes_through_the_proxy(behind_nginx):
    app, _, port = behind_nginx
    client = HTTPClient(port)
    assert client.file_request([("screen.png", PNG)]) == 303
    with app.app_context():
        assert db.session.execute(db.select(db.func.count(Ticket.id))).scalar() == 1


def cron_commands():
    """The `helpdesk ...` commands of deploy/crontab, as argument lists."""
    found = []
    for line in (ROOT / "deploy" / "crontab").read_text().splitlines():
        match = re.search(r"\.venv/bin/helpdesk ([^>]+?)\s*>>", line)
        if match:
            found.append(match.group(1).split())
    return found


def test_the_sample_crontab_commands_of_this_release_run(app, tmp_path):
    commands = {tuple(c[:2]) if c[0] == "mail" else (c[0],): c for c in cron_commands()}
    for key in [("mail", "send"), ("maintenance",), ("backup",)]:
        args = [a if a != "/var/backups/helpdesk" else str(tmp_path / "backups")
                for a in commands[key]]
        done = cli(app, *args, KB_INDEX_ON_START=False)
        assert done.returncode == 0, (args, done.stdout, done.stderr)
    assert list((tmp_path / "backups").glob("helpdesk-backup-*.tar.gz"))


class HTTPClient:
    """A browser's visit to the request form over real HTTP."""

    def __init__(self, port):
        self.port = port

    def file_request(self, files):
        conn = http.client.HTTPConnection("127.0.0.1", self.port, timeout=30)
        conn.request("GET", "/requests/new/technical-support")
        response = conn.getresponse()
        page = response.read().decode()
        cookie = SimpleCookie(response.headers.get("Set-Cookie", ""))
        hidden = dict(re.findall(
            r'name="(csrf_token|submission_token)" type="hidden" value="([^"]*)"', page))
        fields = {**hidden, "email": "ann@example.com", "summary": "Export fails",
                  "description": "It times out.", "application": "web"}
        body, content_type = multipart(fields, files)
        conn.request("POST", "/requests/new/technical-support", body=body, headers={
            "Content-Type": content_type,
            "Cookie": "; ".join(f"{k}={v.value}" for k, v in cookie.items())})
        status = conn.getresponse().status
        conn.close()
        return status


def test_the_sample_instance_config_uses_redis_and_only_known_keys():
    import runpy

    import helpdesk.config
    sample = {k: v for k, v in runpy.run_path(str(ROOT / "deploy" / "config.py")).items()
              if k.isupper()}
    assert sample["REDIS_URL"].startswith("redis://")
    assert [k for k in sample if not hasattr(helpdesk.config, k)] == []
