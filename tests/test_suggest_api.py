"""`GET /api/suggest`: its JSON contract and its edge cases."""

import re
from urllib.parse import urlsplit

import pytest

RESULT_KEYS = {"slug", "title", "url", "snippet", "highlights"}


def suggest(client, **params):
    response = client.get("/api/suggest", query_string=params)
    assert response.status_code == 200
    assert response.mimetype == "application/json"
    return response.get_json()


@pytest.fixture
def many(make_app, write_article):
    """Fifteen articles that all mention the same word, so limits can be seen."""
    for n in range(15):
        write_article(f"widgets/widget-{n:02}.md",
                      f"---\ntitle: Gizmotron tip {n}\n---\n"
                      f"The gizmotron widget, tip number {n}.\n")
    return make_app().test_client()


# --- shape ----------------------------------------------------------------------------


def test_the_answer_is_json(client):
    response = client.get("/api/suggest?q=password")
    assert response.status_code == 200
    assert response.mimetype == "application/json"


def test_the_answer_has_the_query_and_a_list_of_results(client):
    body = suggest(client, q="password")
    assert set(body) == {"query", "results"}
    assert body["query"] == "password"
    assert isinstance(body["results"], list) and body["results"]


def test_each_result_has_exactly_the_documented_fields_and_types(client):
    for result in suggest(client, q="password")["results"]:
        assert set(result) == RESULT_KEYS
        assert all(isinstance(result[k], str) for k in ("slug", "title", "url", "snippet"))
        assert isinstance(result["highlights"], list)
        for span in result["highlights"]:
            assert isinstance(span, list) and len(span) == 2
            assert all(isinstance(n, int) for n in span)


def test_a_result_names_the_article_by_slug_and_title(client):
    [first, *_] = suggest(client, q="screensh")["results"]
    assert first["slug"] == "requests/taking-screenshots"
    assert first["title"] == "How to take a screenshot or screen recording"


def test_result_urls_are_relative_paths_that_open_the_article(client):
    for result in suggest(client, q="password")["results"]:
        parts = urlsplit(result["url"])
        assert not parts.scheme and not parts.netloc
        assert result["url"].startswith("/") and not result["url"].startswith("//")
        assert result["url"] == f"/articles/{result['slug']}"
        assert client.get(result["url"]).status_code == 200


def test_snippets_are_plain_text_without_tags(client):
    for result in suggest(client, q="password")["results"]:
        assert result["snippet"]
        assert not re.search(r"<[a-zA-Z/!][^>]*>", result["snippet"])
        assert "&lt;" not in result["snippet"] and "&amp;" not in result["snippet"]


def test_highlights_are_ordered_spans_inside_the_snippet(client):
    for result in suggest(client, q="email link")["results"]:
        snippet, previous_end = result["snippet"], 0
        for start, end in result["highlights"]:
            assert previous_end <= start < end <= len(snippet)
            previous_end = end


def test_highlights_cover_the_matched_words(client):
    for result in suggest(client, q="password")["results"]:
        snippet, spans = result["snippet"], result["highlights"]
        assert spans, result["slug"]
        for start, end in spans:
            assert snippet[start:end].lower().startswith("password")
        for match in re.finditer(r"\bpassword\w*", snippet, re.I):
            assert any(s <= match.start() and match.end() <= e for s, e in spans), match.group()


def test_highlights_cover_the_half_typed_word(client):
    [first, *_] = suggest(client, q="screensh")["results"]
    marked = [first["snippet"][s:e].lower() for s, e in first["highlights"]]
    assert marked and all(word.startswith("screensh") for word in marked)


def test_highlighting_a_snippet_with_non_ascii_text_keeps_offsets_right(make_app, write_article):
    write_article("guides/cafe.md",
                  "# Café setup\n\nÜber die Kaffeemaschine: the grindolux menü.\n")
    client = make_app().test_client()
    [result] = suggest(client, q="grindolux")["results"]
    [[start, end]] = result["highlights"]
    assert result["snippet"][start:end] == "grindolux"


# --- limit ------------------------------------------------------------------------------------


def test_five_results_by_default(many):
    assert len(suggest(many, q="gizmotron")["results"]) == 5


def test_limit_asks_for_fewer(many):
    assert len(suggest(many, q="gizmotron", limit=3)["results"]) == 3


@pytest.mark.parametrize("limit", ["0", "-5"])
def test_a_limit_below_one_gives_one_result(many, limit):
    assert len(suggest(many, q="gizmotron", limit=limit)["results"]) == 1


@pytest.mark.parametrize("limit", ["11", "50", "1000000"])
def test_a_limit_above_ten_gives_ten_results(many, limit):
    assert len(suggest(many, q="gizmotron", limit=limit)["results"]) == 10


@pytest.mark.parametrize("limit", ["abc", "", "2.5", "ten", "1e3"])
def test_a_limit_that_is_not_a_whole_number_is_a_json_400(client, limit):
    response = client.get("/api/suggest", query_string={"q": "password", "limit": limit})
    assert response.status_code == 400
    assert response.mimetype == "application/json"
    body = response.get_json()
    assert set(body) == {"error"}
    assert isinstance(body["error"], str) and body["error"]


# --- q ------------------------------------------------------------------------------------------


def test_q_is_cut_to_200_characters(client):
    q = "screenshot " * 30
    body = suggest(client, q=q)
    assert len(body["query"]) == 200
    assert body["query"] == q[:200]


def test_a_q_longer_than_200_characters_still_finds_articles(client):
    body = suggest(client, q="screenshot " * 30)
    assert body["results"]


@pytest.mark.parametrize("q", ["s", "é", " s ", "  "])
def test_under_two_characters_gives_no_results(client, q):
    body = suggest(client, q=q)
    assert body["results"] == []
    assert body["query"] == q


def test_two_characters_are_enough_to_get_suggestions(make_app, write_article):
    write_article("guides/qx.md", "# The QX setting\n\nAbout qxblorp and more.\n")
    client = make_app().test_client()
    assert [r["slug"] for r in suggest(client, q="qx")["results"]] == ["guides/qx"]


def test_a_missing_q_gives_no_results(client):
    assert suggest(client) == {"query": "", "results": []}


def test_words_that_match_nothing_give_no_results(client):
    assert suggest(client, q="xylophonequux")["results"] == []


def test_the_query_is_echoed_as_typed(client):
    assert suggest(client, q="How do I Reset")["query"] == "How do I Reset"


def test_an_unknown_api_url_answers_json(client):
    response = client.get("/api/nothing-here")
    assert response.status_code == 404
    assert response.mimetype == "application/json"
    assert "error" in response.get_json()
