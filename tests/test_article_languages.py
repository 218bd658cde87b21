"""Articles in the reader's language: the translation beside the original, the other
languages offered, the default language's article (with a notice) where there is no
translation, and categories and the home page listed per language."""

import logging
import re

import pytest
from languages import ENGLISH, FRENCH, LABELS, PRINTER, RESET, write_bilingual


@pytest.fixture
def client(make_app, articles_dir, write_article):
    write_bilingual(articles_dir, write_article)
    return make_app().test_client()


def page(client, url, headers):
    response = client.get(url, headers=headers)
    assert response.status_code == 200
    return response.get_data(as_text=True)


def heading(text):
    return re.search(r'<h1 id="article-title">([^<]+)</h1>', text).group(1)


def notice(text):
    found = re.search(r'<p class="notice" role="note">([^<]+)</p>', text)
    return found.group(1) if found else None


def test_a_french_reader_gets_the_french_translation(client):
    assert heading(page(client, PRINTER, FRENCH)) == "Connecter une imprimante Zebra"


def test_an_english_reader_gets_the_english_article_at_the_same_address(client):
    assert heading(page(client, PRINTER, ENGLISH)) == "Connecting a Zebra printer"


def test_an_english_reader_is_offered_the_french_version(client):
    text = page(client, PRINTER, ENGLISH)
    switch = f"/language/fr?next={PRINTER.replace('/', '%2F')}"
    assert f'<a href="{switch}" hreflang="fr" lang="fr">Français</a>' in text
    assert f'<link rel="alternate" hreflang="fr" href="{switch}">' in text


def test_a_french_reader_is_offered_the_english_version(client):
    assert 'hreflang="en" lang="en">English</a>' in page(client, PRINTER, FRENCH)


def test_an_article_in_one_language_offers_no_other(client):
    text = page(client, LABELS, ENGLISH)
    assert "Also in:" not in text and 'rel="alternate"' not in text


def test_a_french_reader_gets_the_english_article_where_there_is_no_translation(client):
    text = page(client, LABELS, FRENCH)
    assert heading(text) == "Zebra label sizes"
    assert '<article class="article" aria-labelledby="article-title" lang="en">' in text


def test_the_english_article_tells_a_french_reader_there_is_no_translation_yet(client):
    expected = "Cet article n’est pas encore disponible en français."
    assert notice(page(client, LABELS, FRENCH)) == expected


def test_an_article_written_only_in_french_tells_an_english_reader(client):
    text = page(client, RESET, ENGLISH)
    assert heading(text) == "Réinitialiser le mot de passe de la borne"
    assert notice(text) == "This article is not yet available in English."


def test_a_translated_article_shows_no_notice(client):
    assert notice(page(client, PRINTER, FRENCH)) is None


def test_a_category_lists_a_french_reader_the_french_articles_and_the_untranslated_ones(client):
    text = page(client, "/articles/devices/", FRENCH)
    titles = re.findall(r'<a href="/articles/devices/[^"]+">([^<]+)</a>', text)
    assert sorted(titles) == ["Connecter une imprimante Zebra",
                              "Réinitialiser le mot de passe de la borne", "Zebra label sizes"]


def test_a_category_lists_an_english_reader_the_english_articles(client):
    text = page(client, "/articles/devices/", ENGLISH)
    titles = re.findall(r'<a href="/articles/devices/[^"]+">([^<]+)</a>', text)
    assert sorted(titles) == ["Connecting a Zebra printer", "Zebra label sizes"]


def test_a_category_has_its_title_in_the_readers_language(client):
    assert "<h1>Appareils</h1>" in page(client, "/articles/devices/", FRENCH)


def test_the_home_page_shows_category_titles_in_the_readers_language(client):
    assert ">Appareils<" in page(client, "/", FRENCH)


def test_a_vote_on_a_translation_counts_for_the_article(client):
    client.get(PRINTER, headers=FRENCH)
    token = re.search(r'name="csrf_token" value="([^"]+)"',
                      page(client, PRINTER, FRENCH))
    data = {"helpful": "yes"} | ({"csrf_token": token.group(1)} if token else {})
    client.post(PRINTER, data=data, headers=FRENCH)
    assert "You answered Yes" in page(client, PRINTER, ENGLISH)


def test_a_translation_with_another_name_is_linked_by_its_key(make_app, articles_dir,
                                                              write_article):
    write_bilingual(articles_dir, write_article)
    write_article("devices/etiquettes.fr.md",
                  "---\ntitle: Tailles d’étiquettes\ntranslation_key: devices/zebra-labels\n"
                  "---\nLes imprimantes Zebra prennent des étiquettes de 25 à 100 mm.\n")
    client = make_app().test_client()
    moved = client.get(LABELS, headers=FRENCH)
    assert moved.status_code == 302
    assert moved.headers["Location"] == "/articles/devices/etiquettes"


def test_a_file_in_a_language_the_site_does_not_offer_is_ignored(make_app, write_article,
                                                                  caplog):
    write_article("devices/drucker.de.md", "---\ntitle: Drucker verbinden\n---\nText.\n")
    with caplog.at_level(logging.WARNING):
        client = make_app().test_client()
    assert client.get("/articles/devices/drucker.de").status_code == 404
    assert client.get("/articles/devices/drucker").status_code == 404
    assert "drucker.de.md ignored: de is not in SUPPORTED_LOCALES" in caplog.text
