"""Search finds the answer the way people type: typos, half words, words in any order."""

import pytest


def suggested(client, text, limit=5):
    found = client.get("/api/suggest", query_string={"q": text, "limit": limit}).json["results"]
    return [r["slug"] for r in found]


def searched(client, text):
    return client.get("/search", query_string={"q": text}).get_data(as_text=True)


@pytest.mark.parametrize("typed, expected", [
    ("pasword reset", "account/passwords"),
    ("chnage my emial adress", "account/changing-your-email-address"),
    ("screenshott on android", "requests/taking-screenshots"),
])
def test_a_misspelled_question_still_finds_the_article(client, typed, expected):
    assert suggested(client, typed)[0] == expected


def test_the_search_page_offers_the_corrected_words(client):
    page = searched(client, "pasword reset")
    assert "Did you mean" in page
    assert 'href="/search?q=password+reset"' in page


def test_a_correctly_spelled_query_is_not_corrected(client):
    assert "Did you mean" not in searched(client, "password reset")


def test_a_misspelled_word_typed_last_is_corrected_too(client):
    assert suggested(client, "reset my pasword")[0] == "account/passwords"


def test_the_half_typed_last_word_completes_to_indexed_words(client):
    assert suggested(client, "how do I take a screensh")[0] == "requests/taking-screenshots"


def test_a_word_in_the_title_outranks_the_same_word_in_a_body(client, write_article):
    write_article("lab/body.md", "---\ntitle: Office hours\n---\nWe talk about widgets once.\n")
    write_article("lab/title.md", "---\ntitle: Widgets explained\n---\nA short page.\n")
    ranked = suggested(client, "widgets ", limit=10)
    assert ranked.index("lab/title") < ranked.index("lab/body")


def test_an_article_with_every_word_beats_one_repeating_a_single_word(client, write_article):
    write_article("lab/repeats.md", "---\ntitle: Notes A\n---\n" + "zorblat " * 40 + "\n")
    write_article("lab/both.md", "---\ntitle: Notes\n---\nThe zorblat needs a quixel to start.\n")
    ranked = suggested(client, "zorblat quixel ", limit=10)
    assert ranked[0] == "lab/both"


def test_words_standing_together_beat_the_same_words_far_apart(client, write_article):
    filler = "Nothing to see here. " * 30
    write_article("lab/apart.md", f"---\ntitle: A\n---\nThe blue {filler} widget.\n")
    write_article("lab/together.md", f"---\ntitle: B\n---\nThe blue widget. {filler}\n")
    ranked = suggested(client, "blue widget ", limit=10)
    assert ranked.index("lab/together") < ranked.index("lab/apart")


def test_configured_synonyms_find_articles_written_with_other_words(make_app, tmp_path,
                                                                    write_article):
    write_article("lab/gizmo.md", "---\ntitle: Resetting the gizmo\n---\nWhen the gizmo stops"
                  " answering, reset it: hold the gizmo's button for ten seconds.\n")
    synonyms = tmp_path / "synonyms.txt"
    synonyms.write_text("# our users call it a doohickey\ngizmo, doohickey\n")
    plain = make_app(SEARCH_SYNONYMS_FILE=None).test_client()
    assert "lab/gizmo" not in suggested(plain, "my doohickey ")
    configured = make_app(SEARCH_SYNONYMS_FILE=str(synonyms)).test_client()
    assert suggested(configured, "my doohickey ")[0] == "lab/gizmo"


def test_the_shipped_synonyms_connect_common_words(client):
    assert "account/signing-in-with-an-email-link" in suggested(client, "login link ")
