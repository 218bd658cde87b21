"""The real sentence-embedding model (made by `helpdesk kb model`, named by
HELPDESK_TEST_SEMANTIC_MODEL): a paraphrase that words alone miss finds its article."""

import shutil

import pytest
from semantic_models import real_model, require_semantic
from support import MAGENTO, require_corpus

pytestmark = pytest.mark.slow

QUERY = "people return from the bank page and everything they picked is gone"
ANSWER = "storefront/customers-get-logged-out-or-lose-cart-content-on-magento-storefront"


@pytest.fixture
def magento_part(tmp_path):
    """Two folders of the real Magento KB (39 articles), in a help center of their own."""
    root = require_corpus(MAGENTO)
    target = tmp_path / "magento"
    for folder in ("storefront", "payments"):
        shutil.copytree(root / "troubleshooting" / folder, target / folder)
    return target


def suggested(app, text):
    return [r["slug"] for r in
            app.test_client().get("/api/suggest", query_string={"q": text}).json["results"]]


def test_a_paraphrase_words_miss_is_found_by_meaning(make_app, magento_part):
    require_semantic()
    model = real_model()
    words = make_app(ARTICLES_DIR=str(magento_part))
    assert suggested(words, QUERY)[0] != ANSWER
    meaning = make_app(ARTICLES_DIR=str(magento_part), SEARCH_SEMANTIC_MODEL=str(model),
                       INDEX_DIR=str(magento_part.parent / "semantic-index"))
    assert suggested(meaning, QUERY)[0] == ANSWER


def test_the_model_command_checks_the_real_model(make_app):
    require_semantic()
    model = real_model()
    result = make_app(SEARCH_SEMANTIC_MODEL=str(model)).test_cli_runner().invoke(
        args=["kb", "model"])
    assert result.exit_code == 0, result.output
    assert "384 dimensions" in result.output
