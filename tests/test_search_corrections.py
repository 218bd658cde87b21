""""Did you mean" offers only words that published articles hold."""

import re

import pytest

ARTICLE = ("---\ntitle: Aquarium care\n{draft}---\n"
           "Feed the zebrafish twice a day and keep the water warm.\n")


def did_you_mean(client, text):
    page = client.get("/search", query_string={"q": text}).get_data(as_text=True)
    found = re.search(r'Did you mean.*?href="/search\?q=([^"]+)"', page, re.S)
    return found.group(1) if found else None


@pytest.fixture
def aquarium(write_article):
    return write_article("lab/aquarium.md", ARTICLE.format(draft=""))


def test_a_published_word_is_offered_for_a_typo(client, aquarium):
    assert did_you_mean(client, "zebrafsh") == "zebrafish"


def test_the_words_of_an_article_made_a_draft_are_no_longer_offered(client, aquarium):
    assert did_you_mean(client, "zebrafsh") == "zebrafish"
    aquarium.write_text(ARTICLE.format(draft="draft: true\n"), encoding="utf-8")
    assert did_you_mean(client, "zebrafsh") is None


def test_the_words_of_a_removed_article_are_no_longer_offered(client, aquarium):
    assert did_you_mean(client, "zebrafsh") == "zebrafish"
    aquarium.unlink()
    assert did_you_mean(client, "zebrafsh") is None


def test_a_reindex_of_the_folder_forgets_them_too(app, aquarium):
    client = app.test_client()
    assert did_you_mean(client, "zebrafsh") == "zebrafish"
    aquarium.unlink()
    app.test_cli_runner().invoke(args=["kb", "reindex"])
    assert did_you_mean(client, "zebrafsh") is None
