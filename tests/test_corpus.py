"""A real-world help center (794 Magento support articles) loads, renders and is searchable."""

import re

import pytest
from support import MAGENTO, require_corpus

from helpdesk.kb.files import parse_article, walk
from helpdesk.kb.library import KnowledgeBase
from helpdesk.kb.rendering import render_article

pytestmark = pytest.mark.slow

CORPUS_ARTICLES = 794


@pytest.fixture(scope="module")
def corpus_kb(tmp_path_factory):
    """The whole corpus indexed once for this module (a fresh index folder)."""
    root = require_corpus(MAGENTO)
    kb = KnowledgeBase(root, tmp_path_factory.mktemp("magento") / "index", check_interval=1e9)
    report = kb.sync()
    return kb, report


def test_every_corpus_file_is_indexed_without_errors(corpus_kb):
    kb, report = corpus_kb
    assert report.errors == {}
    assert len(report.added) == CORPUS_ARTICLES
    assert len(kb.articles) == CORPUS_ARTICLES
    assert kb.index.doc_count() == CORPUS_ARTICLES


@pytest.fixture(scope="module")
def rendered_corpus():
    """Every corpus file parsed and rendered: {slug: (Article, Rendered)}."""
    root = require_corpus(MAGENTO)
    out = {}
    for slug, (path, st) in sorted(walk(root)[0].items()):
        article = parse_article(slug, path.read_bytes(), st.st_mtime)
        out[slug] = (article, render_article(article.body))
    return out


def test_every_corpus_file_parses_and_renders(rendered_corpus):
    assert len(rendered_corpus) == CORPUS_ARTICLES
    assert [slug for slug, (_, r) in rendered_corpus.items() if not r.html.strip()] == []


def test_no_corpus_article_renders_script(rendered_corpus):
    offenders = [slug for slug, (_, r) in rendered_corpus.items()
                 if "<script" in r.html.lower() or "javascript:" in r.html.lower()]
    assert offenders == []


def test_corpus_articles_with_sections_get_a_table_of_contents(rendered_corpus):
    _, rendered = rendered_corpus["troubleshooting/database/deadlocks-in-mysql"]
    assert len(rendered.toc) >= 2


def test_every_corpus_article_has_a_title(corpus_kb):
    kb, _ = corpus_kb
    assert [slug for slug, info in kb.articles.items() if not info.title.strip()] == []


def test_corpus_folders_become_categories(corpus_kb):
    kb, _ = corpus_kb
    top = {c.slug for c in kb.categories[""].children}
    assert {"troubleshooting", "how-to", "faq", "support-tools"} <= top
    assert kb.count_in("") == CORPUS_ARTICLES


def test_corpus_labels_become_tags(corpus_kb):
    kb, _ = corpus_kb
    info = kb.articles["how-to/general/check-logs-to-troubleshoot-500-and-503-errors-on-magento"]
    assert "503 error" in info.tags and "site down" in info.tags


@pytest.fixture
def corpus_client(corpus_kb, make_app):
    """The help center over the corpus, reusing the index built for this module."""
    kb, _ = corpus_kb
    return make_app(ARTICLES_DIR=str(kb.articles_dir), INDEX_DIR=str(kb.index_dir)).test_client()


def search_urls(client, q):
    page = client.get("/search", query_string={"q": q}).get_data(as_text=True)
    return re.findall(r'<li class="result">\s*<a href="([^"]+)"', page)


@pytest.mark.parametrize("query, slug", [
    ("MDVA-39546",
     "support-tools/patches-available-in-qpt-tool/"
     "mdva-39546-staging-update-start-date-set-to-earlier-date-than-current-date"),
    ("deadlock", "troubleshooting/database/deadlocks-in-mysql"),
    ("check access.log for 503 errors",
     "how-to/general/check-logs-to-troubleshoot-500-and-503-errors-on-magento"),
    ("elasticsearch service not running",
     "troubleshooting/elasticsearch/elasticsearch-service-not-running"),
    ("max_allowed_packet",
     "troubleshooting/database/database-errors-related-to-max_allowed_packet-on-magento"),
])
def test_a_distinctive_search_finds_the_right_corpus_article_first(corpus_client, query, slug):
    urls = search_urls(corpus_client, query)
    assert urls and urls[0] == f"/articles/{slug}"


def test_a_half_typed_corpus_word_suggests_the_matching_article(corpus_client):
    results = corpus_client.get("/api/suggest?q=deadlo").get_json()["results"]
    assert "troubleshooting/database/deadlocks-in-mysql" in [r["slug"] for r in results]


def test_a_corpus_article_page_opens(corpus_client):
    response = corpus_client.get("/articles/troubleshooting/database/deadlocks-in-mysql")
    assert response.status_code == 200


def test_a_second_sync_of_an_unchanged_corpus_changes_nothing(corpus_kb):
    kb, _ = corpus_kb
    report = kb.sync()
    assert (report.added, report.updated, report.deleted) == ([], [], [])
    assert report.errors == {}


def _keystrokes():
    import tomllib

    from support import ROOT
    with open(ROOT / "benchmarks" / "relevance_queries.toml", "rb") as fh:
        queries = [entry["q"] for entry in tomllib.load(fh)["query"]][::4]
    return [q[:n] for q in queries for n in range(2, len(q) + 1, 3)]


def test_suggestions_are_the_best_of_the_full_ranking(corpus_kb):
    """Suggestions pick the five best without sorting every match; they must still be
    exactly the articles the full ranking puts first, ties included, keystroke after
    keystroke."""
    kb, _ = corpus_kb
    ranker, view = kb.ranker, kb.index.view()
    for text in _keystrokes():
        concepts = ranker.concepts(view, kb._query(text, True))
        _, fast = ranker.rank(view, concepts, top=5)
        _, full = ranker.rank(view, concepts)
        assert [doc for _, doc in fast] == [doc for _, doc in full[:5]], text
