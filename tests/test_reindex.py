"""Keeping the index in step with the articles folder: the CLI, a running app, app start."""

import gc
import html
import os
import re
import shutil
import warnings

import pytest

FOLLOWING = "requests/following-your-request.md"
FOLLOWING_URL = "/articles/requests/following-your-request"
NEVER = 10**9  # a KB_CHECK_INTERVAL that keeps a running app from looking at files


def search_urls(client, q):
    page = client.get("/search", query_string={"q": q}).get_data(as_text=True)
    return [html.unescape(h) for h in re.findall(r'<li class="result">\s*<a href="([^"]+)"', page)]


def reindex(app, *args):
    result = app.test_cli_runner().invoke(args=["kb", "reindex", *args])
    assert result.exit_code == 0, result.output
    return result.output


def counts(output):
    """{"added": n, "updated": n, "removed": n, "skipped": n} from the reindex summary's
    first line, the default language's (the other languages' lines follow)."""
    found = re.findall(r"(\d+) (added|updated|removed|skipped)", output.splitlines()[0])
    return {word: int(n) for n, word in found}


def delete_article(articles_dir, slug):
    """Delete an article in every language it is written in (name.md, name.fr.md)."""
    folder, _, name = (articles_dir / slug).as_posix().rpartition("/")
    for path in articles_dir.joinpath(folder).glob(f"{name}.*md"):
        path.unlink()


def edit(path, text):
    """Change a file's content and make sure its stat() moves, as an editor's save would."""
    before = path.stat().st_mtime_ns
    path.write_text(text)
    os.utime(path, ns=(before + 2_000_000_000, before + 2_000_000_000))


# --- `helpdesk kb reindex` ---------------------------------------------------------------------


def test_reindex_with_nothing_changed_changes_nothing(app):
    output = reindex(app)
    assert counts(output) == {"added": 0, "updated": 0, "removed": 0, "skipped": 0}


def test_reindex_reports_how_many_articles_are_indexed(app):
    published = app.test_client().get("/healthz").get_json()["index"]["articles"]
    assert f"{published} articles indexed" in reindex(app)


def test_reindex_after_editing_one_article_updates_only_that_one(app, articles_dir):
    path = articles_dir / FOLLOWING
    edit(path, path.read_text() + "\nAsk about the quibblestone reference.\n")
    assert counts(reindex(app))["updated"] == 1


def test_reindex_makes_an_edit_searchable(make_app, articles_dir):
    app = make_app(KB_CHECK_INTERVAL=NEVER)
    path = articles_dir / FOLLOWING
    edit(path, path.read_text() + "\nAsk about the quibblestone reference.\n")
    reindex(app)
    assert search_urls(app.test_client(), "quibblestone") == [FOLLOWING_URL]


def test_reindex_after_a_save_without_changes_updates_nothing(app, articles_dir):
    path = articles_dir / FOLLOWING
    edit(path, path.read_text())
    assert counts(reindex(app)) == {"added": 0, "updated": 0, "removed": 0, "skipped": 0}


def test_reindex_after_deleting_an_article_removes_it_from_search(make_app, articles_dir):
    app = make_app(KB_CHECK_INTERVAL=NEVER)
    client = app.test_client()
    assert "/articles/requests/taking-screenshots" in search_urls(client, "screenshot")
    delete_article(articles_dir, "requests/taking-screenshots")
    assert counts(reindex(app))["removed"] == 1
    assert "/articles/requests/taking-screenshots" not in search_urls(client, "screenshot")
    assert client.get("/articles/requests/taking-screenshots").status_code == 404


def test_reindex_after_adding_an_article_finds_it(make_app, write_article):
    app = make_app(KB_CHECK_INTERVAL=NEVER)
    write_article("faq/printing.md", "# Printing a request\n\nUse the flibbertine button.\n")
    assert counts(reindex(app))["added"] == 1
    assert search_urls(app.test_client(), "flibbertine") == ["/articles/faq/printing"]


def test_full_reindex_rebuilds_every_article(app):
    published = app.test_client().get("/healthz").get_json()["index"]["articles"]
    output = reindex(app, "--full")
    assert counts(output)["added"] == published
    assert search_urls(app.test_client(), "screenshot")


def test_full_reindex_picks_up_an_edit(make_app, articles_dir):
    app = make_app(KB_CHECK_INTERVAL=NEVER)
    path = articles_dir / FOLLOWING
    edit(path, path.read_text() + "\nAsk about the quibblestone reference.\n")
    reindex(app, "--full")
    assert search_urls(app.test_client(), "quibblestone") == [FOLLOWING_URL]


# --- a running app ------------------------------------------------------------------------------


def test_a_running_app_finds_a_new_article_without_restart(client, write_article):
    assert search_urls(client, "flibbertine") == []
    write_article("faq/printing.md", "# Printing a request\n\nUse the flibbertine button.\n")
    assert search_urls(client, "flibbertine") == ["/articles/faq/printing"]
    assert client.get("/articles/faq/printing").status_code == 200


def test_a_running_app_finds_the_new_text_of_an_edited_article(client, articles_dir):
    assert search_urls(client, "quibblestone") == []
    path = articles_dir / FOLLOWING
    edit(path, path.read_text() + "\nAsk about the quibblestone reference.\n")
    assert search_urls(client, "quibblestone") == [FOLLOWING_URL]


@pytest.fixture
def large_help_center(make_app, write_article):
    """A help center big enough that an edit leaves the old copy of an article in a large
    index segment (Whoosh merges only small ones away), where a word of the old text sits
    among the same word in other articles."""
    for n in range(150):
        write_article(f"faq/filler-{n}.md", f"# Filler {n}\n\nThe flibbertine, number {n}, "
                      + "in a long article about other things " * 10 + "\n")
    path = write_article("faq/printing.md", "# Printing with the flibbertine\n\n"
                         "Use the flibbertine.\n")
    return make_app().test_client(), path


def test_a_running_app_forgets_the_old_text_of_an_edited_article(large_help_center):
    client, path = large_help_center
    assert search_urls(client, "flibbertine")[0] == "/articles/faq/printing"
    edit(path, "# Printing a request\n\nUse the print button.\n")
    assert "/articles/faq/printing" not in search_urls(client, "flibbertine")


def test_an_edited_article_is_suggested_once(large_help_center):
    client, path = large_help_center
    edit(path, "# Printing with the flibbertine\n\nUse the flibbertine, top right.\n")
    found = [r["slug"] for r in client.get("/api/suggest?q=flibbert").get_json()["results"]]
    assert found.count("faq/printing") == 1
    assert found[0] == "faq/printing"


def test_a_running_app_shows_the_new_title_of_an_edited_article(client, articles_dir):
    path = articles_dir / FOLLOWING
    edit(path, path.read_text().replace("title: Following your request",
                                        "title: Keeping track of your request"))
    page = client.get("/articles/requests/following-your-request").get_data(as_text=True)
    assert "Keeping track of your request" in page
    listing = client.get("/articles/requests/").get_data(as_text=True)
    assert "Keeping track of your request" in listing


def test_a_running_app_drops_a_deleted_article(client, articles_dir):
    assert "/articles/requests/taking-screenshots" in search_urls(client, "screenshot")
    delete_article(articles_dir, "requests/taking-screenshots")
    assert "/articles/requests/taking-screenshots" not in search_urls(client, "screenshot")
    assert client.get("/articles/requests/taking-screenshots").status_code == 404
    assert "taking-screenshots" not in client.get("/articles/requests/").get_data(as_text=True)


def test_a_running_app_drops_a_deleted_article_from_suggestions(client, articles_dir):
    delete_article(articles_dir, "requests/taking-screenshots")
    slugs = [r["slug"] for r in client.get("/api/suggest?q=screensh").get_json()["results"]]
    assert "requests/taking-screenshots" not in slugs


def test_a_running_app_lists_a_new_category(client, write_article):
    write_article("billing/_category.md", "---\ntitle: Billing and payments\n---\n")
    write_article("billing/refunds.md", "# Refunds\n\nText.\n")
    assert "Billing and payments" in client.get("/").get_data(as_text=True)


# --- app start ------------------------------------------------------------------------------------


def test_app_start_brings_a_stale_index_up_to_date(make_app, articles_dir, write_article):
    make_app()  # builds the index
    path = articles_dir / FOLLOWING
    edit(path, path.read_text() + "\nAsk about the quibblestone reference.\n")
    write_article("faq/printing.md", "# Printing a request\n\nUse the flibbertine button.\n")
    delete_article(articles_dir, "requests/taking-screenshots")

    client = make_app(KB_CHECK_INTERVAL=NEVER).test_client()
    assert search_urls(client, "quibblestone") == [FOLLOWING_URL]
    assert search_urls(client, "flibbertine") == ["/articles/faq/printing"]
    assert "/articles/requests/taking-screenshots" not in search_urls(client, "screenshot")


def test_app_start_with_an_up_to_date_index_keeps_it(make_app):
    first = make_app()
    reindex(first)
    second = make_app(KB_CHECK_INTERVAL=NEVER)
    assert counts(reindex(second)) == {"added": 0, "updated": 0, "removed": 0, "skipped": 0}
    assert search_urls(second.test_client(), "screenshot")


def corrupt_index(tmp_path):
    """Overwrite every Whoosh file; the manifest stays valid, so only opening can tell."""
    index = tmp_path / "instance" / "index"
    damaged = [p for p in index.iterdir()
               if p.is_file() and p.name != "manifest.json" and "lock" not in p.name.lower()]
    assert any(p.suffix == ".toc" for p in damaged), "expected Whoosh files in the index folder"
    for path in damaged:
        path.write_bytes(b"\x00garbage\xff" * 64)


def test_app_start_rebuilds_a_corrupt_index(make_app, tmp_path):
    make_app()
    corrupt_index(tmp_path)
    client = make_app(KB_CHECK_INTERVAL=NEVER).test_client()
    assert "/articles/requests/taking-screenshots" in search_urls(client, "screenshot")
    assert client.get("/healthz").get_json()["index"]["ok"] is True


def test_opening_a_corrupt_index_leaves_no_file_open(make_app, tmp_path):
    make_app()
    corrupt_index(tmp_path)
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        make_app(KB_CHECK_INTERVAL=NEVER)
        gc.collect()
    leaks = [str(w.message) for w in caught if issubclass(w.category, ResourceWarning)]
    assert leaks == []


def test_app_start_rebuilds_a_deleted_index(make_app, tmp_path):
    make_app()
    shutil.rmtree(tmp_path / "instance" / "index")
    client = make_app(KB_CHECK_INTERVAL=NEVER).test_client()
    assert "/articles/requests/taking-screenshots" in search_urls(client, "screenshot")


@pytest.mark.parametrize("garbage", [b"", b"{not json", b'{"version": 999}'])
def test_app_start_recovers_from_a_damaged_manifest(make_app, tmp_path, garbage):
    make_app()
    (tmp_path / "instance" / "index" / "manifest.json").write_bytes(garbage)
    client = make_app(KB_CHECK_INTERVAL=NEVER).test_client()
    assert "/articles/requests/taking-screenshots" in search_urls(client, "screenshot")
    assert client.get("/articles/account/").status_code == 200
