"""Words as people type them: identifiers, filler words, typos, and the snippets shown."""

import pytest


def suggested(client, text, limit=5):
    response = client.get("/api/suggest", query_string={"q": text, "limit": limit})
    return response.get_json()["results"]


def slugs(client, text, limit=5):
    return [r["slug"] for r in suggested(client, text, limit)]


def marked(result):
    return [result["snippet"][a:b] for a, b in result["highlights"]]


# --- identifiers: whole and by their parts ------------------------------------------------

@pytest.fixture
def settings_articles(write_article):
    write_article("lab/realpath.md", "---\ntitle: Realpath cache size best practice\n---\n"
                  "Give the realpath cache ten megabytes. Slow file lookups follow a small one.\n")
    write_article("lab/php-ini.md", "---\ntitle: PHP settings we recommend\n---\n"
                  "Set realpath_cache_size to 10M in php.ini and restart the workers.\n")
    write_article("lab/upgrade.md", "---\ntitle: After installing a module\n---\n"
                  "Run bin/magento setup:upgrade, then clear the cache.\n")
    write_article("lab/patch.md", "---\ntitle: Patch for wrong cart totals\n---\n"
                  "Patch MDVA-34591 fixes cart price rules. Ask support for MDVA-12345 too.\n")
    write_article("lab/sql.md", "---\ntitle: Database refuses the import\n---\n"
                  "The log shows SQLSTATE[HY000] General error 2006 when the server left.\n")
    write_article("lab/code.md", "---\ntitle: A block that is never cached\n---\n"
                  "The isScopePrivate flag turns off caching for the whole block.\n")


def test_an_identifier_typed_whole_finds_it_whole_and_in_words(client, settings_articles):
    assert set(slugs(client, "realpath_cache_size recommended value")[:2]) == {
        "lab/php-ini", "lab/realpath"}


def test_the_parts_of_an_identifier_find_it_written_whole(client, settings_articles):
    assert "lab/php-ini" in slugs(client, "realpath cache size ")


def test_an_identifier_finds_an_article_written_in_its_separate_words(client, settings_articles):
    assert "lab/realpath" in slugs(client, "realpath_cache_size")


@pytest.mark.parametrize("typed, expected", [
    ("setup:upgrade", "lab/upgrade"),
    ("setup upgrade", "lab/upgrade"),
    ("MDVA-34591", "lab/patch"),
    ("mdva 34591", "lab/patch"),
    ("SQLSTATE[HY000]", "lab/sql"),
    ("sqlstate hy000", "lab/sql"),
    ("isScopePrivate", "lab/code"),
    ("scope private", "lab/code"),
])
def test_identifiers_are_found_whole_and_by_their_parts(client, settings_articles, typed,
                                                        expected):
    assert slugs(client, typed + " ")[0] == expected


def test_a_patch_number_finds_its_own_patch_not_another(client, settings_articles,
                                                        write_article):
    write_article("lab/other.md", "---\ntitle: Another patch\n---\nPatch MDVA-34592 only.\n")
    assert slugs(client, "MDVA-34592 ")[0] == "lab/other"


def test_an_identifier_being_typed_completes(client, settings_articles):
    assert "lab/php-ini" in slugs(client, "realpath_ca")


def test_the_identifier_is_marked_in_the_snippet(client, settings_articles):
    found = next(r for r in suggested(client, "realpath_cache_size ") if r["slug"] == "lab/php-ini")
    assert "realpath_cache_size" in marked(found)


# --- filler words ----------------------------------------------------------------------------

def test_a_filler_word_alone_finds_nothing(client):
    # The shipped articles hold "too" here and there; nobody asking about a big
    # attachment wants those.
    assert slugs(client, "attachment too big ", limit=10) == ["requests/attachments"]


@pytest.mark.parametrize("typed", ["nothing happens when I click ", "too ", "don't ",
                                   "still nothing "])
def test_a_query_of_filler_words_suggests_nothing(client, typed):
    assert slugs(client, typed) == []


def test_filler_words_are_not_marked_in_snippets(client):
    for result in suggested(client, "my file is too big "):
        assert "too" not in [m.lower() for m in marked(result)]


def test_a_filler_word_still_lifts_an_article_found_by_other_words(client, write_article):
    write_article("lab/a.md", "---\ntitle: Quokka food\n---\nQuokkas eat leaves.\n")
    write_article("lab/b.md", "---\ntitle: Quokka noise\n---\nQuokkas are loud at night,"
                  " far too loud to sleep.\n")
    assert slugs(client, "quokka too loud ")[0] == "lab/b"


# --- typos -----------------------------------------------------------------------------------

def test_a_typo_is_corrected_to_the_nearest_word_only(client):
    # "resset" is one edit from "reset" and two from "rest": only "reset" counts, so no
    # article comes up just for the rest of something.
    found = suggested(client, "pasword resset ", limit=10)
    assert found[0]["slug"] == "account/passwords"
    for result in found:
        assert {m.lower() for m in marked(result)} & {"password", "passwords", "reset"}


def test_the_search_page_offers_the_nearest_word(client):
    page = client.get("/search", query_string={"q": "pasword resset"}).get_data(as_text=True)
    assert 'href="/search?q=password+reset"' in page


# --- snippets --------------------------------------------------------------------------------

def test_a_snippet_is_made_of_whole_sentences(client, write_article):
    write_article("lab/whole.md", "---\ntitle: Quokkas\n---\n"
                  "Quokkas live on an island. They are small and friendly. A quokka can climb"
                  " trees. Visitors often take photos with them. Feeding them is not allowed.\n")
    (result,) = [r for r in suggested(client, "quokka climb ") if r["slug"] == "lab/whole"]
    assert result["snippet"].endswith(".") and not result["snippet"].startswith("…")
    assert "A quokka can climb trees." in result["snippet"]


def test_a_snippet_never_runs_table_cells_together(client, write_article):
    write_article("lab/table.md", "---\ntitle: Upload limits\n---\n"
                  "These limits apply to every upload of a quokka photo.\n\n"
                  "| What | Limit |\n| --- | --- |\n| Quokka photos | 5 |\n| Size | 10 MiB |\n")
    (result,) = [r for r in suggested(client, "quokka photos limit ") if r["slug"] == "lab/table"]
    assert result["snippet"] == "These limits apply to every upload of a quokka photo."


def test_an_article_found_by_its_title_shows_its_summary(client, write_article):
    write_article("lab/summary.md", "---\ntitle: Wombat burrows\nsummary: Where wombats sleep"
                  " and why.\n---\nThey dig deep tunnels under the ground.\n")
    (result,) = suggested(client, "wombat ")
    assert result["snippet"] == ("Where wombats sleep and why."
                                 " They dig deep tunnels under the ground.")
