"""What readers see of an article's Markdown, and what hostile Markdown cannot do."""

import re

import pytest

from helpdesk.kb.rendering import render_article
from helpdesk.markup import plain_text, render_user_text

FULL = """\
# Exporting reports

Intro paragraph.

## Before you start

| Plan | Exports per day |
| --- | ---: |
| Free | 5 |
| Team | 500 |

## Running the export

```python
def export(report):
    return report.to_csv()
```

### From the mobile app

!!! note "Heads up"
    Exports from the mobile app are emailed to you.

!!! warning
    Large exports can take a few minutes.
"""


@pytest.fixture
def page(make_app, write_article):
    write_article("guides/exporting.md", FULL)
    response = make_app().test_client().get("/articles/guides/exporting")
    assert response.status_code == 200
    return response.get_data(as_text=True)


def article_body(page):
    start = page.index('<div class="article-body">')
    return page[start:page.index('<section id="feedback"', start)]


def toc(page):
    start = page.index('class="toc"')
    return page[start:page.index("</nav>", start)]


# --- what a help center needs ---------------------------------------------------------


def test_a_markdown_table_becomes_a_table(page):
    body = article_body(page)
    assert '<table tabindex="0">' in body  # it may scroll sideways: the keyboard reaches it
    assert re.findall(r"<th[^>]*>(.*?)</th>", body) == ["Plan", "Exports per day"]


def test_a_right_aligned_table_column_keeps_its_alignment(page):
    assert '<td align="right">500</td>' in article_body(page)


def test_fenced_code_is_highlighted(page):
    body = article_body(page)
    block = body[body.index('<div class="highlight">'):]
    assert '<pre tabindex="0">' in block
    # Pygments marks the keyword and the function name with token classes.
    assert re.search(r'<span class="k">def</span>', block)
    assert re.search(r'<span class="nf">export</span>', block)


def test_the_page_loads_the_code_highlighting_styles(page, client):
    assert 'href="/static/pygments.css"' in page
    with client.get("/static/pygments.css") as response:
        assert response.status_code == 200


def test_headings_get_anchors_that_can_be_linked(page):
    body = article_body(page)
    assert re.search(r'<h2 id="before-you-start">Before you start', body)
    assert re.search(r'<a class="headerlink" href="#before-you-start"', body)


def test_the_page_has_a_table_of_contents_of_its_sections(page):
    nav = toc(page)
    assert "On this page" in nav
    assert re.findall(r'href="#([^"]+)">([^<]+)</a>', nav) == [
        ("before-you-start", "Before you start"),
        ("running-the-export", "Running the export"),
        ("from-the-mobile-app", "From the mobile app"),
    ]


def test_every_table_of_contents_entry_points_at_a_heading(page):
    body = article_body(page)
    for anchor in re.findall(r'href="#([^"]+)"', toc(page)):
        assert f'id="{anchor}"' in body


def test_a_note_becomes_a_titled_callout(page):
    body = article_body(page)
    assert '<div class="admonition note">' in body
    assert '<p class="admonition-title">Heads up</p>' in body
    assert "Exports from the mobile app are emailed to you." in body


def test_a_warning_becomes_a_callout_titled_by_its_kind(page):
    body = article_body(page)
    assert '<div class="admonition warning">' in body
    assert '<p class="admonition-title">Warning</p>' in body


def test_headings_with_non_ascii_words_get_readable_anchors():
    rendered = render_article("## Configuración de correo\n\nTexto.\n")
    assert rendered.toc == [(2, "configuración-de-correo", "Configuración de correo")]


# --- a hostile article ----------------------------------------------------------------------

HOSTILE = """\
# Totally normal article

[click me](javascript:alert('link'))

<a href="JaVaScRiPt:alert('mixed case')">mixed case</a>

<a href=" javascript:alert('spaced')">spaced</a>

[data url](data:text/html;base64,PHNjcmlwdD5hbGVydCgxKTwvc2NyaXB0Pg==)

<script>alert('script')</script>

<img src="images/pic.png" onerror="alert('onerror')" alt="A picture">

<iframe src="https://evil.example/"></iframe>

<style>body { display: none }</style>

<div onclick="alert('onclick')" style="position:fixed">Click anywhere</div>

<form action="https://evil.example/"><input name="password"></form>

<svg><script>alert('svg')</script></svg>

Safe [docs](https://example.com/docs) remain.
"""


@pytest.fixture
def hostile_body(make_app, write_article):
    write_article("guides/hostile.md", HOSTILE)
    response = make_app().test_client().get("/articles/guides/hostile")
    assert response.status_code == 200
    return article_body(response.get_data(as_text=True))


def test_a_javascript_link_in_an_article_loses_its_href(hostile_body):
    assert "click me" in hostile_body
    assert "javascript:" not in hostile_body.lower()


def test_a_data_url_link_in_an_article_loses_its_href(hostile_body):
    assert "data url" in hostile_body
    assert "data:text/html" not in hostile_body


def test_a_raw_script_in_an_article_is_removed_with_its_content(hostile_body):
    assert "<script" not in hostile_body.lower()
    assert "alert(" not in hostile_body


def test_an_image_keeps_its_picture_but_loses_its_onerror_handler(hostile_body):
    img = re.search(r"<img [^>]*>", hostile_body).group(0)
    assert 'src="images/pic.png"' in img and 'alt="A picture"' in img
    assert "onerror" not in img


def test_event_handlers_and_inline_styles_are_stripped(hostile_body):
    assert "Click anywhere" in hostile_body
    assert not re.search(r"\son[a-z]+=", hostile_body)
    assert "style=" not in hostile_body


def test_iframes_styles_and_forms_are_removed(hostile_body):
    for tag in ("<iframe", "<style", "<form", "<input", "<svg"):
        assert tag not in hostile_body.lower()
    assert "display: none" not in hostile_body


def test_ordinary_links_survive_sanitizing(hostile_body):
    assert re.search(r'<a [^>]*href="https://example.com/docs"[^>]*>docs</a>', hostile_body)


# --- text typed by users ----------------------------------------------------------------------


def test_user_text_shows_raw_html_as_text():
    html = render_user_text("Look: <script>alert(1)</script> and <b>bold</b>")
    assert "<script" not in html and "<b>" not in html
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in html
    assert "&lt;b&gt;bold&lt;/b&gt;" in html


def test_user_text_cannot_smuggle_an_image_with_a_handler():
    html = render_user_text('<img src=x onerror="alert(1)">')
    assert "<img" not in html
    assert "&lt;img" in html


def test_user_text_keeps_markdown_formatting():
    html = render_user_text("**Steps**\n\n1. Open the app\n2. Tap *Sync*\n\n`code`")
    assert "<strong>Steps</strong>" in html
    assert "<ol>" in html and "<em>Sync</em>" in html and "<code>code</code>" in html


@pytest.mark.parametrize("url", [
    "https://example.com/page", "http://example.com/page", "mailto:support@example.com"])
def test_user_text_keeps_web_and_mail_links(url):
    html = render_user_text(f"[the link]({url})")
    assert f'href="{url}"' in html
    assert 'rel="nofollow noopener noreferrer"' in html


@pytest.mark.parametrize("url", [
    "javascript:alert(1)", "JAVASCRIPT:alert(1)", "data:text/html,hi", "vbscript:msgbox(1)",
    "ftp://example.com/file", "file:///etc/passwd"])
def test_user_text_links_to_other_schemes_lose_their_href(url):
    html = render_user_text(f"[the link]({url})")
    assert "the link" in html
    assert "href" not in html


def test_user_text_images_are_not_shown():
    html = render_user_text("![tracking pixel](https://evil.example/pixel.png)")
    assert "<img" not in html
    assert "evil.example" not in html


def test_user_text_tables_keep_column_alignment():
    html = render_user_text("| Item | Cost |\n| --- | ---: |\n| Plan | 10 |\n")
    assert '<td align="right">10</td>' in html


def test_user_text_keeps_line_breaks():
    assert "<br" in render_user_text("first line\nsecond line")


def test_empty_user_text_renders_as_nothing():
    assert render_user_text("") == ""
    assert render_user_text(None) == ""


# --- hostile input costs what its size costs -----------------------------------------------
#
# Each input is as long as the longest form field (20,000 characters) or, for text that
# came by mail, longer. The old renderer needed 70 s for the brackets alone; these tests
# give every input together a generous budget in a child process (so a slow renderer is
# stopped, not waited for) and check what a reader sees.

RENDER_BUDGET = 90  # seconds for all the inputs below together

CHILD = """
import json, sys
from helpdesk.kb.rendering import render_article
from helpdesk.markup import plain_text, render_user_text
out = {}
for name, (kind, text) in json.load(sys.stdin).items():
    out[name] = render_article(text).html if kind == "article" else render_user_text(text)
json.dump(out, sys.stdout)
"""

HOSTILE_INPUTS = {
    "brackets": ("user", "[" * 20_000),
    "link openers": ("user", "[a" * 10_000),
    "image openers": ("user", "![" * 10_000),
    "unclosed links": ("user", "[a](b" * 4_000),
    "backticks": ("user", "a" + "`" * 19_998 + "b"),
    "emphasis": ("user", "*a **a " * 1_500 + "b" + " a** a*" * 1_500),
    "nested quotes": ("user", "> " * 9_990 + "the deepest line"),
    "mail-sized text": ("user", "[a" * 50_000 + "\n\n**not bold** <b>x</b>"),
    "article brackets": ("article", "[" * 20_000),
    "article link openers": ("article", "[a" * 10_000),
}


@pytest.fixture(scope="module")
def hostile():
    """{name: html} for HOSTILE_INPUTS, rendered in a child process within RENDER_BUDGET."""
    import json
    import subprocess
    import sys
    payload = json.dumps(HOSTILE_INPUTS)
    try:
        done = subprocess.run([sys.executable, "-c", CHILD], input=payload, text=True,
                              capture_output=True, timeout=RENDER_BUDGET, check=True)
    except subprocess.TimeoutExpired:
        pytest.fail(f"rendering {len(payload):,} characters of hostile Markdown took more"
                    f" than {RENDER_BUDGET} s")
    return json.loads(done.stdout)


def shown_text(html):
    from html import unescape
    return unescape(re.sub(r"<[^>]+>", "", html))


def test_twenty_thousand_brackets_are_shown_as_brackets(hostile):
    assert hostile["brackets"] == "<p>" + "[" * 20_000 + "</p>\n"


@pytest.mark.parametrize("name, expected", [
    ("link openers", "[a" * 10_000), ("image openers", "![" * 10_000),
    ("unclosed links", "[a](b" * 4_000), ("backticks", "a" + "`" * 19_998 + "b")])
def test_unfinished_markup_is_shown_as_typed(hostile, name, expected):
    assert shown_text(hostile[name]).strip() == expected


def test_thousands_of_emphasis_marks_keep_every_word(hostile):
    assert shown_text(hostile["emphasis"]).count("a") == 3_000 * 2
    assert "b" in shown_text(hostile["emphasis"])


def test_quotes_nested_deeper_than_markdown_follows_still_show_their_text(hostile):
    text = shown_text(hostile["nested quotes"])
    assert "the deepest line" in text
    assert text.count(">") == 9_990


def test_text_longer_than_any_form_field_is_shown_plain(hostile):
    html = hostile["mail-sized text"]
    assert shown_text(html).startswith("[a" * 50_000)
    assert "**not bold** <b>x</b>" in shown_text(html)
    assert "<strong>" not in html and "<b>" not in html


@pytest.mark.parametrize("name, expected", [
    ("article brackets", "[" * 20_000), ("article link openers", "[a" * 10_000)])
def test_hostile_markup_in_an_article_is_shown_as_typed(hostile, name, expected):
    assert shown_text(hostile[name]).strip() == expected


def test_an_article_nested_deeper_than_markdown_follows_keeps_its_text():
    rendered = render_article("> " * 200 + "deep words\n\n## After\n")
    assert "deep words" in rendered.html and "After" in rendered.html


def test_a_requester_with_a_hostile_description_sees_it_as_typed(app):
    from accounts import file_request, sign_in
    ref = file_request(app, description="[" * 20_000)
    client = app.test_client()
    sign_in(client, app, "ann@example.com")
    assert "[" * 20_000 in client.get(f"/requests/{ref}").get_data(as_text=True)


def test_an_agent_sees_a_hostile_description_as_typed(app):
    from accounts import file_request
    from desk import page, signed_in
    ref = file_request(app, description="[a" * 10_000)
    assert "[a" * 10_000 in page(signed_in(app), f"/agent/requests/{ref}")


def test_markdown_as_plain_text_reads_like_the_rendered_page():
    text = plain_text("Use **bold** and `code`.\n\n1. one\n2. [two](https://example.com/2)\n\n"
                      "> quoted\n\n```\n$ winver\n```\n\n[bad](javascript:alert(1)) ![shot](x.png)")
    assert text == ("Use bold and code.\n\n1. one\n2. two (https://example.com/2)\n\n> quoted\n\n"
                    "    $ winver\n\nbad shot")


def test_a_link_written_as_its_address_is_not_repeated_in_plain_text():
    assert plain_text("See <https://example.com/a>.") == "See https://example.com/a."
