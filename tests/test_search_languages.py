"""Searching in the reader's language: French words in their French forms, accents or not,
the reader's language first and the default language's untranslated articles below."""

import html
import re

import pytest
from languages import ENGLISH, FRENCH, LABELS, PRINTER, RESET, write_bilingual


@pytest.fixture
def client(make_app, articles_dir, write_article):
    write_bilingual(articles_dir, write_article)
    return make_app().test_client()


def results(client, q, headers):
    page = client.get("/search", query_string={"q": q}, headers=headers).get_data(as_text=True)
    return [(html.unescape(url), html.unescape(title)) for url, title in re.findall(
        r'<li class="result"[^>]*>\s*<a href="([^"]+)">([^<]+)</a>', page)]


def suggestions(client, q, headers):
    return client.get("/api/suggest", query_string={"q": q}, headers=headers).get_json()["results"]


def test_a_french_plural_finds_the_article_about_the_singular(client):
    assert results(client, "imprimantes", FRENCH)[0] == (PRINTER, "Connecter une imprimante Zebra")


def test_a_french_verb_finds_the_article_in_another_form_of_it(client):
    # Snowball's French stemmer joins "connecter", "connectez" and "connectée"...
    assert results(client, "connectez", FRENCH)[0][0] == PRINTER


def test_the_french_noun_of_a_verb_finds_it_through_the_french_synonyms(client):
    # ...but not the noun "connexion" (stem "connexion"): the French synonyms file does.
    assert [url for url, _ in results(client, "connexion", FRENCH)] == [PRINTER]


def test_a_word_typed_without_its_accents_finds_the_accented_one(client):
    assert results(client, "reinitialiser", FRENCH)[0][0] == RESET


def test_a_participle_typed_without_its_accent_finds_the_accented_one(client):
    # The stemmer reads accents ("connectée" -> connect, "connectee" -> connecte): the
    # index holds both stems, so either spelling finds the article.
    assert results(client, "connectee", FRENCH)[0][0] == PRINTER


def test_the_result_shows_the_accents_as_written(client):
    found = suggestions(client, "reinitialiser", FRENCH)[0]
    marked = [found["snippet"][start:end] for start, end in found["highlights"]]
    assert found["title"] == "Réinitialiser le mot de passe de la borne"
    assert "réinitialiser" in marked


def test_a_french_reader_gets_the_french_article_first_then_english_ones(client):
    assert results(client, "zebra", FRENCH) == [
        (PRINTER, "Connecter une imprimante Zebra"), (LABELS, "Zebra label sizes")]


def test_an_english_reader_gets_the_english_articles_only(client):
    assert results(client, "zebra", ENGLISH) == [
        (PRINTER, "Connecting a Zebra printer"), (LABELS, "Zebra label sizes")]


def test_an_english_result_for_a_french_reader_says_it_is_in_english(client):
    page = client.get("/search", query_string={"q": "zebra"}, headers=FRENCH).get_data(
        as_text=True)
    assert f'<li class="result" lang="en">\n            <a href="{LABELS}"' in page


def test_french_words_are_not_corrected_into_english_ones(client):
    # "imprimante" is no misspelt English word: no English article comes up for it.
    assert [url for url, _ in results(client, "imprimante", FRENCH)] == [PRINTER]


def test_suggestions_while_typing_in_french_come_in_french(client):
    found = suggestions(client, "imprim", FRENCH)
    assert [(r["url"], r["title"]) for r in found] == [(PRINTER, "Connecter une imprimante Zebra")]


def test_the_request_form_suggests_french_articles_to_a_french_reader(client):
    response = client.get("/requests/suggest", headers=FRENCH,
                          query_string={"q": "mon imprimante zebra", "type": "technical-support"})
    titles = [r["title"] for r in response.get_json()["results"]]
    assert titles == ["Connecter une imprimante Zebra", "Zebra label sizes"]


def test_suggestions_follow_the_language_of_the_page_that_asks(client):
    # A French page (chosen from the account's saved language) asks in French even when
    # the browser asks for English.
    found = client.get("/api/suggest", query_string={"q": "imprimantes", "lang": "fr"},
                       headers=ENGLISH).get_json()["results"]
    assert found[0]["title"] == "Connecter une imprimante Zebra"
