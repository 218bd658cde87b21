"""Searching the help center: what people type finds the right articles, and nothing breaks."""

import html
import re

import pytest

SCREENSHOTS = "/articles/requests/taking-screenshots"
ATTACHMENTS = "/articles/requests/attachments"


def results_page(client, q, **params):
    response = client.get("/search", query_string={"q": q, **params})
    assert response.status_code == 200
    return response.get_data(as_text=True)


def result_urls(page):
    return [html.unescape(h) for h in re.findall(r'<li class="result">\s*<a href="([^"]+)"', page)]


def suggest_urls(client, q):
    response = client.get("/api/suggest", query_string={"q": q})
    assert response.status_code == 200
    return [r["url"] for r in response.get_json()["results"]]


# --- finding the right article ----------------------------------------------------------


def test_another_form_of_a_word_finds_the_article(client):
    assert ATTACHMENTS in result_urls(results_page(client, "attaching"))


def test_a_plural_finds_the_singular(client):
    assert SCREENSHOTS == result_urls(results_page(client, "screenshots"))[0]


def test_a_half_typed_last_word_suggests_the_article(client):
    assert suggest_urls(client, "screensh")[0] == SCREENSHOTS


def test_a_half_typed_word_after_full_words_narrows_suggestions(client):
    assert suggest_urls(client, "take a screensh")[0] == SCREENSHOTS


def test_a_word_in_the_title_ranks_above_the_same_word_in_the_body(make_app, write_article):
    write_article("guides/settings.md",
                  "---\ntitle: General settings\n---\n"
                  "Change your language, time zone and the flumox integration from the settings "
                  "page. Most people never need to open this page more than once.\n")
    write_article("guides/flumox.md",
                  "---\ntitle: Connecting Flumox\n---\n"
                  "Open the integrations page and follow the steps on screen to connect.\n")
    client = make_app().test_client()
    assert result_urls(results_page(client, "flumox")) == [
        "/articles/guides/flumox", "/articles/guides/settings"]


def test_a_question_full_of_small_words_still_finds_the_answer(client):
    assert result_urls(results_page(client, "how do I take a screenshot"))[0] == SCREENSHOTS


def test_a_question_full_of_small_words_still_suggests_the_answer(client):
    assert suggest_urls(client, "how do I take a screenshot")[0] == SCREENSHOTS


def test_search_ignores_letter_case(client):
    lower = result_urls(results_page(client, "screenshot"))
    assert result_urls(results_page(client, "SCREENSHOT")) == lower


# --- hostile and odd input ------------------------------------------------------------------

HOSTILE = [
    "title:x OR *",
    "*",
    "?",
    '"unbalanced',
    "(((",
    ")))",
    "a AND NOT b",
    "NOT",
    "password~2",
    "pass*",
    "[a TO z]",
    "{a TO z}",
    "slug:account/passwords",
    "body:password^100",
    "x" * 10_000,
    "screenshot " * 1_000,
    "pass\x00word",
    "\x00",
    "🔥📱 can't sign in 😡",
    "<script>alert(1)</script>",
    "%00%27%22",
    "\\",
    "     ",
]


@pytest.mark.parametrize("q", HOSTILE, ids=lambda q: repr(q[:20]))
def test_a_hostile_query_gets_a_normal_search_page(client, q):
    response = client.get("/search", query_string={"q": q})
    assert response.status_code == 200
    assert "Search the help center" in response.get_data(as_text=True)


@pytest.mark.parametrize("q", HOSTILE, ids=lambda q: repr(q[:20]))
def test_a_hostile_query_gets_a_normal_suggest_answer(client, q):
    response = client.get("/api/suggest", query_string={"q": q})
    assert response.status_code == 200
    assert isinstance(response.get_json()["results"], list)


def test_boolean_words_are_not_operators(client):
    # Parsed as syntax, `NOT xylophone` would match every article without that word.
    assert result_urls(results_page(client, "NOT xylophone")) == []


def test_field_syntax_and_wildcards_do_not_widen_the_search(paged):
    # Parsed as syntax, `OR *` would match every article.
    page = results_page(paged, "title:x OR *")
    total = int(re.search(r"(\d+) results? for", page).group(1)) if "results for" in page else 0
    published = paged.get("/healthz").get_json()["index"]["articles"]
    assert total < published


def test_a_lone_wildcard_does_not_list_every_article(client):
    assert result_urls(results_page(client, "*")) == []


def test_a_query_with_markup_is_shown_back_as_text(client):
    page = results_page(client, "<script>alert(1)</script>")
    assert "<script>alert(1)</script>" not in page
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in page


def test_a_very_long_query_is_shown_back_cut_short(client):
    page = results_page(client, "screenshot " * 1_000)
    field = re.search(r'<input id="search-q"[^>]*value="([^"]*)"', page).group(1)
    assert 0 < len(field) <= 200


# --- the results page ------------------------------------------------------------------------


def test_results_show_snippets_with_the_matched_words_marked(client):
    page = results_page(client, "password")
    marks = re.findall(r"<mark>(.*?)</mark>", page)
    assert marks
    assert all(m.lower().startswith("password") for m in marks)


def test_results_say_how_many_articles_matched(client):
    page = results_page(client, "screenshot")
    count = int(re.search(r"(\d+) results? for", page).group(1))
    assert count == len(result_urls(page)) >= 2


def test_each_result_links_to_a_working_article(client):
    for url in result_urls(results_page(client, "request")):
        assert client.get(url).status_code == 200


@pytest.fixture
def paged(make_app):
    """Three results per page, so the shipped articles fill several pages."""
    return make_app(SEARCH_PAGE_SIZE=3).test_client()


def test_results_come_in_pages_with_a_link_to_the_next(paged):
    page = results_page(paged, "request")
    assert len(result_urls(page)) == 3
    assert re.search(r"Page 1 of \d+", page)
    next_link = html.unescape(re.search(r'<a rel="next" href="([^"]+)"', page).group(1))
    assert "page=2" in next_link and "q=request" in next_link


def test_the_second_page_shows_the_next_results(paged):
    first = result_urls(results_page(paged, "request"))
    second_page = results_page(paged, "request", page=2)
    second = result_urls(second_page)
    assert second and not set(first) & set(second)
    assert "Page 2 of" in second_page
    assert re.search(r'<ol class="results" start="4"', second_page)


@pytest.mark.parametrize("page", ["abc", "-1", "0", "", "1.5"])
def test_a_nonsense_page_number_shows_the_first_page(paged, page):
    first = result_urls(results_page(paged, "request"))
    assert result_urls(results_page(paged, "request", page=page)) == first


def test_a_page_number_past_the_end_still_answers(paged):
    page = results_page(paged, "request", page=999)
    assert "results for" in page


def test_no_results_explains_and_offers_to_contact_support(client):
    page = results_page(client, "xylophonequux")
    assert "No articles match" in page and "xylophonequux" in page
    support = re.search(r'<a class="button" href="([^"]+)">Contact support</a>', page)
    assert support and support.group(1) == "/requests/new"


def test_an_empty_search_shows_the_search_box_without_results(client):
    page = results_page(client, "")
    assert 'name="q"' in page
    assert "No articles match" not in page and "results for" not in page


def test_search_works_without_javascript_from_the_home_page_form(client):
    home = client.get("/").get_data(as_text=True)
    form = re.search(r'<form class="search-form[^"]*" action="([^"]+)" method="get"', home)
    assert form, "the home page should have a plain GET search form"
    assert re.search(r'<input id="search-q" type="search" name="q"', home)
    page = client.get(form.group(1), query_string={"q": "screenshot"}).get_data(as_text=True)
    assert SCREENSHOTS in result_urls(page)


@pytest.mark.parametrize("word", ["settings", "menu", "device"])
def test_a_word_many_shipped_articles_mention_still_finds_them(client, word):
    # Each of these words is in five to seven of the twelve shipped articles.
    assert result_urls(results_page(client, word))


def test_a_word_many_articles_mention_only_in_their_text_still_finds_them(make_app, write_article):
    # Six of the eighteen articles mention "gizmotron", never in a title, tag or heading.
    for n in range(6):
        write_article(f"widgets/tip-{n}.md",
                      f"---\ntitle: Widget tip {n}\n---\nThe gizmotron widget, tip number {n}.\n")
    client = make_app().test_client()
    assert len(result_urls(results_page(client, "gizmotron"))) == 6


def test_the_search_box_keeps_what_was_typed(client):
    page = results_page(client, 'can\'t "sign in" & more')
    field = re.search(r'<input id="search-q"[^>]*value="([^"]*)"', page).group(1)
    assert html.unescape(field) == 'can\'t "sign in" & more'
