"""Articles as files: front matter, titles, odd files, categories, links, images and drafts."""

import html
import re
from urllib.parse import urljoin

import pytest

# A 1x1 transparent PNG.
PNG = bytes.fromhex(
    "89504e470d0a1a0a0000000d4948445200000001000000010806000000"
    "1f15c4890000000d49444154789c6360000002000001e221bc330000000049454e44ae426082")


def page_text(response):
    assert response.status_code == 200, response.status_code
    return response.get_data(as_text=True)


def heading(page):
    match = re.search(r'<h1 id="article-title">(.*?)</h1>', page, re.S)
    return html.unescape(match.group(1)) if match else None


def section(page, title_id):
    """The HTML of the page section labelled by `title_id`."""
    start = page.index(f'id="{title_id}"')
    return page[start:page.index("</section>", start)]


def links(fragment):
    return [html.unescape(h) for h in re.findall(r'<a [^>]*href="([^"]*)"', fragment)]


def article_body(page):
    start = page.index('<div class="article-body">')
    return page[start:page.index('<section id="feedback"', start)]


def search_slugs(client, q):
    page = client.get("/search", query_string={"q": q}).get_data(as_text=True)
    return [html.unescape(h) for h in re.findall(r'<li class="result">\s*<a href="([^"]+)"', page)]


def suggest_slugs(client, q):
    answer = client.get("/api/suggest", query_string={"q": q}).get_json()
    return [r["slug"] for r in answer["results"]]


# --- front matter ----------------------------------------------------------------------


def test_front_matter_title_is_the_page_heading(make_app, write_article):
    write_article("guides/setup.md", "---\ntitle: Setting up the desktop app\n---\nBody text.\n")
    page = page_text(make_app().test_client().get("/articles/guides/setup"))
    assert heading(page) == "Setting up the desktop app"
    assert "<title>Setting up the desktop app · Help Center</title>" in page


def test_tags_given_as_a_list_show_on_the_article(make_app, write_article):
    write_article("guides/tags.md", "---\ntitle: Tagged\ntags: [billing, invoices]\n---\nText.\n")
    page = page_text(make_app().test_client().get("/articles/guides/tags"))
    assert re.findall(r'<span class="tag">(.*?)</span>', page) == ["billing", "invoices"]


def test_tags_given_as_a_comma_separated_string_are_split(make_app, write_article):
    write_article("guides/tags.md",
                  "---\ntitle: Tagged\ntags: billing, invoices ,refunds\n---\nText.\n")
    page = page_text(make_app().test_client().get("/articles/guides/tags"))
    assert re.findall(r'<span class="tag">(.*?)</span>', page) == ["billing", "invoices", "refunds"]


def test_labels_are_read_like_tags(make_app, write_article):
    write_article("guides/labels.md",
                  "---\ntitle: Labelled\nlabels: 500 error,site down\n---\nText.\n")
    page = page_text(make_app().test_client().get("/articles/guides/labels"))
    assert re.findall(r'<span class="tag">(.*?)</span>', page) == ["500 error", "site down"]


def test_a_tag_finds_the_article_in_search(make_app, write_article):
    write_article("guides/labels.md",
                  "---\ntitle: Labelled\nlabels: [quuxfrobnicator]\n---\nText.\n")
    assert search_slugs(make_app().test_client(), "quuxfrobnicator") == ["/articles/guides/labels"]


def test_the_summary_shows_under_the_article_in_its_category(make_app, write_article):
    write_article("guides/summary.md",
                  "---\ntitle: With a summary\n"
                  "summary: A one-line promise of what you learn.\n---\nText.\n")
    page = page_text(make_app().test_client().get("/articles/guides/"))
    assert "A one-line promise of what you learn." in page


def test_an_article_without_front_matter_is_published(make_app, write_article):
    write_article("guides/plain.md", "Just some text about the zamboni feature.\n")
    client = make_app().test_client()
    assert client.get("/articles/guides/plain").status_code == 200
    assert search_slugs(client, "zamboni") == ["/articles/guides/plain"]


# --- titles -------------------------------------------------------------------------------


def test_without_a_title_the_first_heading_is_the_title(make_app, write_article):
    write_article("guides/heading.md", "# Exporting your data\n\nOpen the menu.\n")
    page = page_text(make_app().test_client().get("/articles/guides/heading"))
    assert heading(page) == "Exporting your data"


def test_the_title_heading_is_not_printed_twice(make_app, write_article):
    write_article("guides/heading.md", "# Exporting your data\n\nOpen the menu.\n")
    page = page_text(make_app().test_client().get("/articles/guides/heading"))
    assert "Exporting your data" not in article_body(page)


def test_without_title_or_heading_the_file_name_is_the_title(make_app, write_article):
    write_article("guides/reset-your_router.md", "Unplug it and plug it back in.\n")
    page = page_text(make_app().test_client().get("/articles/guides/reset-your_router"))
    assert heading(page) == "Reset your router"


# --- broken and odd files -----------------------------------------------------------------

BAD_YAML = "---\ntitle: [unclosed\nsummary: oops: here\n---\nThe body of a broken file.\n"


def test_an_article_with_bad_yaml_is_skipped(make_app, write_article):
    write_article("guides/broken.md", BAD_YAML)
    assert make_app().test_client().get("/articles/guides/broken").status_code == 404


def test_an_article_with_bad_yaml_does_not_take_the_site_down(make_app, write_article):
    write_article("guides/broken.md", BAD_YAML)
    write_article("guides/fine.md", "---\ntitle: A fine article\n---\nAll good.\n")
    client = make_app().test_client()
    assert client.get("/").status_code == 200
    assert client.get("/articles/guides/").status_code == 200
    assert client.get("/articles/guides/fine").status_code == 200
    assert client.get("/articles/account/passwords").status_code == 200
    assert client.get("/healthz").get_json()["index"]["skipped"] == 1


def test_reindex_reports_the_article_with_bad_yaml(make_app, write_article):
    write_article("guides/broken.md", BAD_YAML)
    result = make_app().test_cli_runner().invoke(args=["kb", "reindex"])
    assert result.exit_code == 0
    assert "skipped guides/broken: front matter is not valid YAML" in result.output
    assert "1 skipped" in result.output


def test_a_file_that_is_not_utf8_is_reported_and_skipped(make_app, articles_dir):
    (articles_dir / "guides").mkdir()
    (articles_dir / "guides" / "latin1.md").write_bytes("Caf\xe9 cr\xe8me".encode("latin-1"))
    app = make_app()
    result = app.test_cli_runner().invoke(args=["kb", "reindex"])
    assert "skipped guides/latin1: file is not UTF-8 text" in result.output
    assert app.test_client().get("/").status_code == 200


def test_inline_html_in_an_article_is_kept(make_app, write_article):
    write_article("guides/html.md",
                  "Intro.\n\n<details><summary>Show the steps</summary>\n\n"
                  "<p>Press <kbd>Ctrl</kbd> + <kbd>S</kbd>.</p>\n</details>\n")
    body = article_body(page_text(make_app().test_client().get("/articles/guides/html")))
    assert "<details>" in body and "<summary>Show the steps</summary>" in body
    assert "<kbd>Ctrl</kbd>" in body


ODD_NAME = 'Odd names/Can\'t "sync" on Wi-Fi.md'
ODD_SLUG = 'Odd names/Can\'t "sync" on Wi-Fi'


def test_a_file_name_with_spaces_and_quotes_is_reachable_from_its_category(make_app, write_article):
    write_article(ODD_NAME, "---\ntitle: Sync fails on Wi-Fi\n---\nThe gribblefix setting.\n")
    client = make_app().test_client()
    category = page_text(client.get("/articles/Odd names/"))
    href = next(h for h in links(category) if "sync" in h.lower())
    assert heading(page_text(client.get(href))) == "Sync fails on Wi-Fi"


def test_a_file_name_with_spaces_and_quotes_is_reachable_from_search(make_app, write_article):
    write_article(ODD_NAME, "---\ntitle: Sync fails on Wi-Fi\n---\nThe gribblefix setting.\n")
    client = make_app().test_client()
    [href] = search_slugs(client, "gribblefix")
    assert heading(page_text(client.get(href))) == "Sync fails on Wi-Fi"


def test_a_file_name_with_spaces_and_quotes_is_reachable_from_suggestions(make_app, write_article):
    write_article(ODD_NAME, "---\ntitle: Sync fails on Wi-Fi\n---\nThe gribblefix setting.\n")
    client = make_app().test_client()
    [result] = client.get("/api/suggest?q=gribblefix").get_json()["results"]
    assert result["slug"] == ODD_SLUG
    assert heading(page_text(client.get(result["url"]))) == "Sync fails on Wi-Fi"


# --- categories ---------------------------------------------------------------------------


def test_a_folder_is_a_category_listed_on_the_home_page(make_app, write_article):
    write_article("mobile-app/offline-mode.md", "# Offline mode\n\nText.\n")
    page = page_text(make_app().test_client().get("/"))
    assert "/articles/mobile-app/" in links(section(page, "categories-title"))
    assert "Mobile app" in section(page, "categories-title")


def test_category_metadata_comes_from_its_category_file(make_app, write_article):
    write_article("billing/_category.md",
                  "---\ntitle: Billing and payments\n"
                  "description: Invoices, cards and refunds.\n---\n")
    write_article("billing/refunds.md", "# Refunds\n\nText.\n")
    client = make_app().test_client()
    home = section(page_text(client.get("/")), "categories-title")
    assert "Billing and payments" in home and "Invoices, cards and refunds." in home
    category = page_text(client.get("/articles/billing/"))
    assert "<h1>Billing and payments</h1>" in category
    assert "Invoices, cards and refunds." in category


def test_an_index_file_describes_its_folder(make_app, write_article):
    write_article("setup/index.md",
                  "---\ntitle: Getting set up\n---\n"
                  "# Getting set up\n\nEverything for your first day.\n")
    write_article("setup/install.md", "# Installing\n\nText.\n")
    page = page_text(make_app().test_client().get("/articles/setup/"))
    assert "<h1>Getting set up</h1>" in page
    assert "Everything for your first day." in page


def test_an_index_file_is_not_an_article(make_app, write_article):
    write_article("setup/index.md",
                  "---\ntitle: Getting set up\n---\nEverything for your first day.\n")
    write_article("setup/install.md", "# Installing\n\nText.\n")
    client = make_app().test_client()
    assert client.get("/articles/setup/index").status_code == 404
    assert links(section(page_text(client.get("/articles/setup/")), "articles-title")) == [
        "/articles/setup/install"]


def test_categories_are_ordered_by_their_order_setting(client):
    page = page_text(client.get("/"))
    assert links(section(page, "categories-title")) == [
        "/articles/contact-support/", "/articles/requests/", "/articles/account/", "/articles/faq/"]


def test_a_category_lists_its_articles_in_their_order(make_app, write_article):
    write_article("guides/c.md", "---\ntitle: Alpha comes last\norder: 3\n---\nText.\n")
    write_article("guides/a.md", "---\ntitle: Zulu comes first\norder: 1\n---\nText.\n")
    write_article("guides/b.md", "---\ntitle: Mike is second\norder: 2\n---\nText.\n")
    write_article("guides/d.md", "---\ntitle: Unordered after the ordered\n---\nText.\n")
    page = page_text(make_app().test_client().get("/articles/guides/"))
    assert links(section(page, "articles-title")) == [
        "/articles/guides/a", "/articles/guides/b", "/articles/guides/c", "/articles/guides/d"]


def test_a_nested_folder_shows_breadcrumbs_to_its_parents(make_app, write_article):
    write_article("guides/_category.md", "---\ntitle: Guides\n---\n")
    write_article("guides/mobile/sync.md", "# Syncing\n\nText.\n")
    page = page_text(make_app().test_client().get("/articles/guides/mobile/sync"))
    start = page.index('class="breadcrumbs"')
    crumbs = page[start:page.index("</nav>", start)]
    assert links(crumbs) == ["/", "/articles/", "/articles/guides/", "/articles/guides/mobile/"]


def test_a_folder_url_without_a_slash_redirects_to_the_category(client):
    response = client.get("/articles/account")
    assert response.status_code == 301
    assert response.headers["Location"] == "/articles/account/"


def test_an_unknown_category_is_not_found(client):
    assert client.get("/articles/no-such-folder/").status_code == 404


# --- slugs and links ------------------------------------------------------------------------


def test_the_article_url_is_its_path_without_md(client):
    page = page_text(client.get("/articles/account/passwords"))
    assert heading(page) == "Using a password and resetting it"


def test_a_md_url_redirects_to_the_article(client):
    response = client.get("/articles/account/passwords.md")
    assert response.status_code == 301
    assert response.headers["Location"] == "/articles/account/passwords"


def test_a_relative_link_to_another_md_file_opens_that_article(make_app, write_article):
    write_article("guides/first.md", "# First\n\nSee [the second one](second.md#details).\n")
    write_article("guides/second.md", "# Second\n\n## Details\n\nText.\n")
    client = make_app().test_client()
    url = "/articles/guides/first"
    [href] = links(article_body(page_text(client.get(url))))
    target = urljoin(url, href)
    assert target == "/articles/guides/second#details"
    assert heading(page_text(client.get(target))) == "Second"


def test_a_relative_link_into_another_folder_opens_that_article(make_app, write_article):
    write_article("guides/first.md", "# First\n\nSee [passwords](../account/passwords.md).\n")
    client = make_app().test_client()
    url = "/articles/guides/first"
    [href] = links(article_body(page_text(client.get(url))))
    assert heading(page_text(client.get(urljoin(url, href)))) == "Using a password and resetting it"


def test_every_relative_link_in_the_shipped_articles_works(client):
    for slug in ["account/passwords", "account/signing-in-with-an-email-link",
                 "account/changing-your-email-address", "contact-support/ways-to-contact-support",
                 "faq/common-questions"]:
        url = f"/articles/{slug}"
        for href in links(article_body(page_text(client.get(url)))):
            if href.startswith(("http:", "https:", "mailto:", "#")):
                continue
            target = urljoin(url, href).split("#")[0]
            assert client.get(target).status_code == 200, f"{href} on {url}"


# --- images ---------------------------------------------------------------------------------


def test_a_relative_image_is_served_from_the_article_folder(make_app, write_article, articles_dir):
    write_article("guides/pic.md", "# Pic\n\n![The menu](images/menu.png)\n")
    (articles_dir / "guides" / "images").mkdir()
    (articles_dir / "guides" / "images" / "menu.png").write_bytes(PNG)
    client = make_app().test_client()
    url = "/articles/guides/pic"
    [src] = re.findall(r'<img [^>]*src="([^"]+)"', article_body(page_text(client.get(url))))
    with client.get(urljoin(url, src)) as image:
        assert image.status_code == 200
        assert image.mimetype == "image/png"
        assert image.data == PNG


def test_the_shipped_screenshot_shows_on_its_article(client):
    url = "/articles/contact-support/ways-to-contact-support"
    [src] = re.findall(r'<img [^>]*src="([^"]+)"', article_body(page_text(client.get(url))))
    with client.get(urljoin(url, src)) as image:
        assert image.mimetype == "image/png"


@pytest.mark.parametrize("url", [
    "/articles/../secret.png",
    "/articles/guides/../../secret.png",
    "/articles/guides/..%2f..%2fsecret.png",
    "/articles/%2e%2e/secret.png",
    "/articles//secret.png",
])
def test_an_image_url_cannot_reach_outside_the_articles_folder(
        make_app, write_article, tmp_path, url):
    write_article("guides/pic.md", "# Pic\n")
    (tmp_path / "secret.png").write_bytes(PNG)
    with make_app().test_client().get(url, follow_redirects=True) as response:
        assert response.status_code == 404
        assert response.data != PNG


@pytest.mark.parametrize("relpath", ["guides/.hidden.png", ".private/menu.png"])
def test_hidden_files_in_the_articles_folder_are_not_served(
        make_app, write_article, articles_dir, relpath):
    write_article("guides/pic.md", "# Pic\n")
    (articles_dir / relpath).parent.mkdir(parents=True, exist_ok=True)
    (articles_dir / relpath).write_bytes(PNG)
    with make_app().test_client().get(f"/articles/{relpath}") as response:
        assert response.status_code == 404


def test_article_markdown_source_is_not_served_as_a_file(client):
    response = client.get("/articles/account/_category.md")
    assert response.status_code == 404


# --- drafts ---------------------------------------------------------------------------------

DRAFT = "---\ntitle: Upcoming zorblatt feature\ndraft: true\n---\nThe zorblatt launches soon.\n"


def test_a_draft_article_is_not_published(make_app, write_article):
    write_article("guides/upcoming.md", DRAFT)
    assert make_app().test_client().get("/articles/guides/upcoming").status_code == 404


def test_a_draft_article_never_appears_in_search(make_app, write_article):
    write_article("guides/upcoming.md", DRAFT)
    client = make_app().test_client()
    assert search_slugs(client, "zorblatt") == []


def test_a_draft_article_never_appears_in_suggestions(make_app, write_article):
    write_article("guides/upcoming.md", DRAFT)
    client = make_app().test_client()
    assert suggest_slugs(client, "zorblatt") == []
    assert suggest_slugs(client, "zorbl") == []


def test_a_draft_article_is_not_listed_in_its_category(make_app, write_article):
    write_article("guides/upcoming.md", DRAFT)
    write_article("guides/live.md", "# Live\n\nText.\n")
    page = page_text(make_app().test_client().get("/articles/guides/"))
    assert "zorblatt" not in page.lower()


def test_an_article_turned_into_a_draft_leaves_search(make_app, write_article):
    path = write_article("guides/upcoming.md", DRAFT.replace("draft: true", "draft: false"))
    client = make_app().test_client()
    assert search_slugs(client, "zorblatt") == ["/articles/guides/upcoming"]
    path.write_text(DRAFT + "\nNow with more words, so the file changes size.\n")
    assert search_slugs(client, "zorblatt") == []
    assert client.get("/articles/guides/upcoming").status_code == 404


# --- more real-world files ----------------------------------------------------------------------


def test_an_article_saved_with_windows_line_endings_and_a_bom_keeps_its_front_matter(
        make_app, articles_dir):
    (articles_dir / "guides").mkdir()
    text = "---\r\ntitle: Saved on Windows\r\ntags: [notepad]\r\n---\r\n\r\nBody text.\r\n"
    (articles_dir / "guides" / "windows.md").write_bytes(b"\xef\xbb\xbf" + text.encode())
    page = page_text(make_app().test_client().get("/articles/guides/windows"))
    assert heading(page) == "Saved on Windows"
    assert '<span class="tag">notepad</span>' in page
    assert "title:" not in article_body(page)


def test_a_heading_title_saved_with_windows_line_endings_is_clean(make_app, articles_dir):
    (articles_dir / "guides").mkdir()
    (articles_dir / "guides" / "crlf.md").write_bytes(b"# Saved on Windows\r\n\r\nBody.\r\n")
    page = page_text(make_app().test_client().get("/articles/guides/crlf"))
    assert heading(page) == "Saved on Windows"


def test_an_order_that_is_not_a_number_is_reported(make_app, write_article):
    write_article("guides/ordered.md", "---\ntitle: Ordered\norder: first\n---\nText.\n")
    result = make_app().test_cli_runner().invoke(args=["kb", "reindex"])
    assert "skipped guides/ordered: order must be a number" in result.output


def test_front_matter_that_is_a_list_is_reported(make_app, write_article):
    write_article("guides/listy.md", "---\n- one\n- two\n---\nText.\n")
    result = make_app().test_cli_runner().invoke(args=["kb", "reindex"])
    assert "skipped guides/listy: front matter is not a mapping" in result.output


@pytest.mark.parametrize("value", ["yes", "true", "True", "on"])
def test_draft_written_as_a_word_hides_the_article(make_app, write_article, value):
    write_article("guides/upcoming.md", f"---\ntitle: Upcoming\ndraft: {value}\n---\nText.\n")
    assert make_app().test_client().get("/articles/guides/upcoming").status_code == 404


@pytest.mark.parametrize("value", ["no", "false", "off"])
def test_draft_turned_off_as_a_word_publishes_the_article(make_app, write_article, value):
    write_article("guides/ready.md", f"---\ntitle: Ready\ndraft: {value}\n---\nText.\n")
    assert make_app().test_client().get("/articles/guides/ready").status_code == 200


def test_an_article_at_the_top_of_the_folder_is_listed_on_the_home_page(make_app, write_article):
    write_article("getting-started.md", "---\ntitle: Getting started\n---\nWelcome.\n")
    client = make_app().test_client()
    home = page_text(client.get("/"))
    assert "/articles/getting-started" in links(section(home, "general-title"))
    assert heading(page_text(client.get("/articles/getting-started"))) == "Getting started"


def test_markup_in_front_matter_is_shown_as_text(make_app, write_article):
    write_article("guides/markup.md",
                  "---\ntitle: <img src=x onerror=alert(1)> Title\n"
                  "summary: <script>alert(2)</script>\ntags: [\"<b>bold</b>\"]\n---\nText.\n")
    client = make_app().test_client()
    page = page_text(client.get("/articles/guides/markup"))
    category = page_text(client.get("/articles/guides/"))
    for html_text in (page, category):
        assert "<img src=x" not in html_text and "<script>alert(2)" not in html_text
        assert "<b>bold</b>" not in html_text
    assert "&lt;img src=x onerror=alert(1)&gt; Title" in page
    assert "&lt;script&gt;alert(2)&lt;/script&gt;" in category


def test_an_svg_image_cannot_run_script_when_opened(make_app, write_article, articles_dir):
    write_article("guides/pic.md", "# Pic\n\n![Diagram](diagram.svg)\n")
    (articles_dir / "guides" / "diagram.svg").write_text(
        '<svg xmlns="http://www.w3.org/2000/svg"><script>alert(1)</script></svg>')
    with make_app().test_client().get("/articles/guides/diagram.svg") as response:
        assert response.status_code == 200
        policy = response.headers["Content-Security-Policy"]
        assert "sandbox" in policy and "default-src 'none'" in policy
        assert "script-src" not in policy
        assert response.headers["X-Content-Type-Options"] == "nosniff"


def test_a_missing_image_is_not_found(client):
    with client.get("/articles/contact-support/images/nothing-here.png") as response:
        assert response.status_code == 404
