"""The README's curl calls for the mobile app, run verbatim against a live gunicorn."""

import json
import os
import re
import shutil
import subprocess
from pathlib import Path

import pytest
from accounts import last_link, token_of
from filing import PNG
from processes import gunicorn
from support import missing

from helpdesk.extensions import db
from helpdesk.models import Ticket

README = Path(__file__).resolve().parent.parent / "README.md"


def block(name):
    """The shell block after `<!-- api-flow: name -->` in the README."""
    found = re.search(rf"<!-- api-flow: {name} -->\s*```sh\n(.*?)```", README.read_text(),
                      re.S)
    assert found, f"no api-flow {name} block in README.md"
    return found.group(1)


def run(script, cwd, **env):
    done = subprocess.run(["bash", "-euo", "pipefail", "-c", script], cwd=cwd,
                          env={**os.environ, **env}, capture_output=True, text=True, timeout=60)
    assert done.returncode == 0, done.stderr
    return done.stdout


@pytest.fixture
def tools():
    for tool in ("curl", "jq"):
        if shutil.which(tool) is None:
            missing(f"{tool} is not installed (apt-get install {tool})")


def test_the_readme_flow_signs_in_files_with_a_screenshot_and_follows(make_app, tmp_path,
                                                                      tools):
    app = make_app(EXTERNAL_URL="http://help.example.com")
    (tmp_path / "screenshot.png").write_bytes(PNG)
    with gunicorn(app, tmp_path, workers=1) as server:
        hd = f"http://127.0.0.1:{server.port}"
        asked = json.loads(run(block("ask"), tmp_path, HD=hd))
        assert asked["sent"] is True
        code = token_of(last_link(app, "ann@example.com", "/login/link"))
        out = run(block("file"), tmp_path, HD=hd, CODE=code)
    followed = [json.loads(line) for line in out.strip().splitlines()]
    one, listed = followed
    assert one["summary"] == "Export does nothing" and one["status"] == "open"
    assert one["messages"][0]["attachments"][0]["name"] == "screenshot.png"
    assert one["environment"]["app_device"] == "iPhone 15"
    assert [r["ref"] for r in listed["items"]] == [one["ref"]]
    with app.app_context():
        filed = db.session.execute(db.select(Ticket)).scalar_one()
        assert filed.requester_email == "ann@example.com"
