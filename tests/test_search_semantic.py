"""Finding articles by meaning (the semantic extra), and words only without it.

These tests use a small real model made on the spot (see semantic_models.py); the real
model is exercised in test_search_semantic_model.py.
"""

import fcntl
import logging
import os

import numpy as np
import pytest
from semantic_models import folder_texts, tiny_model

from helpdesk.kb import changes, get_kb, semantic, vectors

CART = ("---\ntitle: Customers come back to an empty cart\n---\n"
        "After paying on the bank's page some customers return to an empty cart.\n")
PARAPHRASE = "trolley vanished"  # no word of the article, the same meaning to the model
GROUPS = [["basket", "cart", "trolley"], ["empty", "vanished"], ["paying", "payment"]]


@pytest.fixture
def model(tmp_path, articles_dir):
    return tiny_model(tmp_path / "tiny-model", GROUPS, folder_texts(articles_dir) + [CART])


@pytest.fixture
def cart(write_article):
    return write_article("lab/cart.md", CART)


@pytest.fixture
def semantic_app(make_app, model, cart):
    return make_app(SEARCH_SEMANTIC_MODEL=str(model))


def slugs(client, text):
    return [r["slug"] for r in client.get("/api/suggest", query_string={"q": text}).json["results"]]


def kb_of(app):
    with app.app_context():
        return get_kb()


def stored(app):
    kb = kb_of(app)
    with np.load(kb.index_dir / vectors.NAME) as data:
        return dict(zip(data["slugs"].tolist(), data["shas"].tolist()))


def test_without_a_model_search_finds_by_words_only(make_app, cart):
    client = make_app().test_client()
    assert slugs(client, PARAPHRASE + " ") == []


def test_a_paraphrase_with_no_shared_word_finds_the_article(semantic_app):
    assert slugs(semantic_app.test_client(), PARAPHRASE + " ") == ["lab/cart"]


def test_a_half_typed_paraphrase_finds_it_too(semantic_app):
    assert slugs(semantic_app.test_client(), "trolley vani") == ["lab/cart"]


def test_the_search_page_shows_an_article_found_by_meaning(semantic_app):
    page = semantic_app.test_client().get("/search", query_string={"q": PARAPHRASE})
    assert "/articles/lab/cart" in page.get_data(as_text=True)
    assert "1 result for" in page.get_data(as_text=True)


def test_the_request_form_suggests_by_meaning(semantic_app):
    data = semantic_app.test_client().get(
        "/requests/suggest", query_string={"type": "technical-support", "q": PARAPHRASE}).json
    assert [r["slug"] for r in data["results"]] == ["lab/cart"]


def test_a_symptom_told_below_a_long_list_finds_its_article(make_app, write_article,
                                                           articles_dir, tmp_path):
    # The symptom comes after 240 words of settings, past the text embedded for the whole
    # article: the passage that tells it is what comes close.
    settings = " ".join(f"setting{n}" for n in range(240))
    text = ("---\ntitle: Empty cart settings\n---\n"
            f"{settings}. Empty cart: the cart is empty after paying.\n")
    write_article("lab/settings.md", text)
    # Wide vectors keep 240 unrelated words' sum close to orthogonal to the query.
    model = tiny_model(tmp_path / "model", GROUPS, folder_texts(articles_dir) + [text],
                       dimensions=1024)
    client = make_app(SEARCH_SEMANTIC_MODEL=str(model)).test_client()
    assert slugs(client, PARAPHRASE + " ") == ["lab/settings"]


def test_articles_are_found_by_meaning_before_their_passages_are_embedded(
        write_article, articles_dir, tmp_path):
    settings = " ".join(f"setting{n}" for n in range(240))
    text = ("---\ntitle: Empty cart settings\n---\n"
            f"{settings}. Empty cart: the cart is empty after paying.\n")
    write_article("lab/settings.md", text)
    write_article("lab/cart.md", CART)
    model = tiny_model(tmp_path / "model", GROUPS, folder_texts(articles_dir) + [text, CART],
                       dimensions=1024)
    (tmp_path / "vectors").mkdir()
    index = vectors.VectorIndex(semantic.load_encoder(model), tmp_path / "vectors")
    published = {"lab/cart": "1", "lab/settings": "2"}
    texts = {slug: changes.embedding_texts(articles_dir, slug) for slug in published}
    found = lambda: [slug for cosine, slug in index.nearest(PARAPHRASE, published, 2)  # noqa: E731
                     if cosine > 0.3]

    # Indexing stops once every article has its whole vector (a restart, a busy worker):
    stop = []
    index.refresh(published, texts.get, between=lambda: stop.append(True),
                  stopping=lambda: bool(stop))
    assert found() == ["lab/cart"]  # the cart's title says it; the settings bury it

    index.refresh(published, texts.get)  # the passages, next time round
    assert found() == ["lab/cart", "lab/settings"]  # the settings' passage tells it too


def test_words_still_lead_when_they_match(semantic_app, write_article):
    write_article("lab/basket.md", "---\ntitle: Trolley sizes\n---\nOur trolley comes in"
                  " three sizes.\n")
    assert slugs(semantic_app.test_client(), "trolley sizes ")[0] == "lab/basket"


def test_vectors_are_stored_beside_the_index_one_per_published_article(semantic_app):
    kb = kb_of(semantic_app)
    assert set(stored(semantic_app)) == set(kb.articles)
    assert stored(semantic_app)["lab/cart"] == kb.articles["lab/cart"].sha256


def test_only_the_edited_article_is_embedded_again(semantic_app, cart, caplog):
    client = semantic_app.test_client()
    before = stored(semantic_app)
    cart.write_text(CART + "Ask your bank to send you back to the shop.\n", encoding="utf-8")
    with caplog.at_level(logging.INFO, logger="helpdesk.kb.vectors"):
        slugs(client, "bank ")
    assert "embedded 1 articles" in caplog.text
    after = stored(semantic_app)
    assert after["lab/cart"] != before["lab/cart"]
    assert {s: h for s, h in after.items() if s != "lab/cart"} == \
        {s: h for s, h in before.items() if s != "lab/cart"}


def test_an_article_made_a_draft_is_not_found_by_meaning(semantic_app, cart):
    client = semantic_app.test_client()
    assert slugs(client, PARAPHRASE + " ") == ["lab/cart"]
    cart.write_text(CART.replace("---\ntitle:", "---\ndraft: true\ntitle:"), encoding="utf-8")
    assert slugs(client, PARAPHRASE + " ") == []
    assert "lab/cart" not in stored(semantic_app)


def test_a_removed_article_is_not_found_by_meaning(semantic_app, cart):
    client = semantic_app.test_client()
    cart.unlink()
    assert slugs(client, PARAPHRASE + " ") == []


def test_filler_words_alone_find_nothing_by_meaning_either(semantic_app):
    assert slugs(semantic_app.test_client(), "nothing happens when I click ") == []


def test_gibberish_finds_nothing_by_meaning(semantic_app):
    assert slugs(semantic_app.test_client(), "qwxzvk ") == []


def test_a_worker_without_vectors_answers_by_words(make_app, model, cart, tmp_path):
    index_dir = tmp_path / "instance" / "index"
    index_dir.mkdir(parents=True)
    with open(index_dir / vectors.LOCK, "w") as held:  # another process is embedding
        fcntl.flock(held, fcntl.LOCK_EX)
        client = make_app(SEARCH_SEMANTIC_MODEL=str(model)).test_client()
        assert slugs(client, "empty cart ")[0] == "lab/cart"
        assert slugs(client, PARAPHRASE + " ") == []
    assert not (index_dir / vectors.NAME).exists()


def test_a_second_process_reads_the_vectors_without_embedding(semantic_app, make_app, model,
                                                              caplog):
    kb_of(semantic_app)  # the first app embedded everything
    with caplog.at_level(logging.INFO, logger="helpdesk.kb.vectors"):
        other = make_app(SEARCH_SEMANTIC_MODEL=str(model))
        assert slugs(other.test_client(), PARAPHRASE + " ") == ["lab/cart"]
    assert "embedded" not in caplog.text


def test_damaged_vectors_are_computed_again(make_app, model, cart, tmp_path):
    make_app(SEARCH_SEMANTIC_MODEL=str(model))
    path = tmp_path / "instance" / "index" / vectors.NAME
    path.write_bytes(b"not a numpy file")
    app = make_app(SEARCH_SEMANTIC_MODEL=str(model))
    assert slugs(app.test_client(), PARAPHRASE + " ") == ["lab/cart"]
    assert "lab/cart" in stored(app)


def test_a_model_made_after_the_start_is_used_without_a_restart(make_app, cart, tmp_path):
    folder = tmp_path / "later-model"
    client = make_app(SEARCH_SEMANTIC_MODEL=str(folder)).test_client()
    assert slugs(client, PARAPHRASE + " ") == []
    tiny_model(folder, GROUPS, [CART])
    assert slugs(client, PARAPHRASE + " ") == ["lab/cart"]


def test_a_missing_model_leaves_search_by_words(make_app, cart, tmp_path):
    client = make_app(SEARCH_SEMANTIC_MODEL=str(tmp_path / "nowhere")).test_client()
    assert slugs(client, "empty cart ")[0] == "lab/cart"


def test_an_unknown_model_name_leaves_search_by_words(make_app, cart):
    client = make_app(SEARCH_SEMANTIC_MODEL="no-such-model").test_client()
    assert slugs(client, "empty cart ")[0] == "lab/cart"


def test_the_model_files_are_only_read(semantic_app, model):
    kb_of(semantic_app)
    assert sorted(os.listdir(model)) == ["helpdesk-model.json", "model.onnx", "tokenizer.json"]

