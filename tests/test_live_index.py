"""A running help center keeps its index current and keeps serving while it does."""

import shutil
import subprocess
import sys
import textwrap
import time
from pathlib import Path

from helpdesk.kb import get_kb, manifest


def slugs(client, text):
    return [r["slug"] for r in client.get("/api/suggest", query_string={"q": text}).json["results"]]


def eventually(check, timeout=15.0):
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if check():
            return True
        time.sleep(0.05)
    return check()


def kb_of(app):
    with app.app_context():
        return get_kb()


def test_an_edited_article_is_found_without_a_restart(make_app, write_article):
    app = make_app(KB_BACKGROUND=True, KB_CHECK_INTERVAL=0.1)
    kb_of(app).wait(10)
    client = app.test_client()
    write_article("faq/emails-not-arriving.md", "---\ntitle: Emails not arriving\n---\n"
                  "Check the quarantine of your zebrafish mail filter.\n")
    assert eventually(lambda: slugs(client, "zebrafish ") == ["faq/emails-not-arriving"])


def test_a_deleted_article_leaves_search_and_its_page(make_app, articles_dir):
    client = make_app().test_client()
    for name in ("taking-screenshots.md", "taking-screenshots.fr.md"):  # every language
        (articles_dir / "requests" / name).unlink()
    assert "requests/taking-screenshots" not in slugs(client, "screenshot ")
    assert client.get("/articles/requests/taking-screenshots").status_code == 404


def test_checks_for_edits_are_throttled(make_app, write_article):
    app = make_app(KB_CHECK_INTERVAL=3600)
    client = app.test_client()
    write_article("lab/new.md", "---\ntitle: Quokka care\n---\nAll about quokkas.\n")
    assert slugs(client, "quokka ") == []  # not looked for again within the hour
    result = app.test_cli_runner().invoke(args=["kb", "reindex"])
    assert "1 added" in result.output
    assert slugs(client, "quokka ") == ["lab/new"]


def test_a_missing_index_is_rebuilt_while_pages_keep_serving(make_app, tmp_path):
    index_dir = tmp_path / "instance" / "index"
    with manifest.writer_lock(index_dir):  # another process is still building it
        app = make_app(KB_BACKGROUND=True, KB_CHECK_INTERVAL=3600)
        client = app.test_client()
        assert "Search is warming up" in client.get("/search?q=password").get_data(as_text=True)
        assert client.get("/api/suggest?q=password").json["results"] == []
        assert client.get("/articles/account/passwords").status_code == 200
        assert client.get("/healthz").json["index"]["warming"] is True
    kb_of(app).wait(30)
    assert slugs(client, "password ")[0] == "account/passwords"
    assert client.get("/healthz").json["index"]["warming"] is False


def test_a_corrupt_index_is_rebuilt_at_start(make_app, tmp_path):
    make_app()
    index_dir = tmp_path / "instance" / "index"
    for path in index_dir.iterdir():
        if path.suffix in (".toc", ".seg"):
            path.write_bytes(b"\x00garbage" * 64)
    client = make_app().test_client()
    assert slugs(client, "password ")[0] == "account/passwords"


def test_an_index_deleted_under_a_running_site_is_rebuilt(make_app, tmp_path):
    client = make_app().test_client()
    shutil.rmtree(tmp_path / "instance" / "index")
    assert client.get("/").status_code == 200
    assert slugs(client, "password ")[0] == "account/passwords"
    assert manifest.read(tmp_path / "instance" / "index") is not None


def test_a_busy_writer_never_blocks_requests(make_app, write_article, tmp_path):
    client = make_app().test_client()
    write_article("lab/new.md", "---\ntitle: Quokka care\n---\nAll about quokkas.\n")
    with manifest.writer_lock(tmp_path / "instance" / "index"):
        assert slugs(client, "quokka ") == []  # the other writer's turn: answer from the old index
    assert slugs(client, "quokka ") == ["lab/new"]


WRITER = textwrap.dedent("""
    import sys
    from pathlib import Path
    from helpdesk.kb.library import KnowledgeBase
    articles, index, rounds = Path(sys.argv[1]), Path(sys.argv[2]), int(sys.argv[3])
    kb = KnowledgeBase(articles, index, background=False)
    page = articles / "lab" / "churn.md"
    page.parent.mkdir(exist_ok=True)
    for n in range(rounds):
        page.write_text(f"---\\ntitle: Churn {n}\\n---\\nround{n} text\\n")
        kb.sync(full=n % 2 == 0)
""")


def test_readers_never_see_a_half_written_index(make_app, articles_dir, tmp_path):
    """Another process rewrites the index over and over while this one searches."""
    client = make_app().test_client()
    writer = subprocess.Popen(
        [sys.executable, "-c", WRITER, str(articles_dir), str(tmp_path / "instance" / "index"),
         "12"],
        cwd=Path(__file__).resolve().parent.parent)
    answers = 0
    while writer.poll() is None or answers == 0:
        assert slugs(client, "password ")[0] == "account/passwords"
        answers += 1
    assert writer.returncode == 0
    # The other process's last round is what this one now finds.
    assert eventually(lambda: slugs(client, "round11 ") == ["lab/churn"])
