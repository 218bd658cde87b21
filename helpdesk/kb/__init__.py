"""The help center: Markdown articles, their index, and the pages that show them."""

import logging

from flask import current_app

from .library import KnowledgeBase
from .modelstore import ModelError, resolve
from .ranking import Ranker, load_synonyms

EXTENSION_KEY = "helpdesk.kb"

log = logging.getLogger(__name__)


def init_app(app):
    synonyms_file = app.config.get("SEARCH_SYNONYMS_FILE")
    ranker = Ranker(synonyms=load_synonyms(synonyms_file) if synonyms_file else None)
    kb = KnowledgeBase(app.config["ARTICLES_DIR"], app.config["INDEX_DIR"],
                       check_interval=app.config["KB_CHECK_INTERVAL"], ranker=ranker,
                       max_query_chars=app.config["SEARCH_MAX_QUERY_CHARS"],
                       max_query_terms=app.config["SEARCH_MAX_TERMS"],
                       background=app.config["KB_BACKGROUND"],
                       warm_terms=app.config["KB_WARM_TERMS"] if app.config["KB_BACKGROUND"] else 0,
                       semantic=semantic_folder(app))
    app.extensions[EXTENSION_KEY] = kb
    if app.config["KB_INDEX_ON_START"]:
        kb.start()
    return kb


def semantic_folder(app):
    """The folder of the configured semantic model, or None (search by words only). The
    model is loaded later, on the index thread; nothing is fetched here."""
    spec = app.config.get("SEARCH_SEMANTIC_MODEL") or ""
    if not spec.strip():
        return None
    try:
        return resolve(spec.strip(), app.instance_path)[0]
    except ModelError as exc:
        log.error("SEARCH_SEMANTIC_MODEL: %s; search stays lexical", exc)
        return None


def get_kb():
    return current_app.extensions[EXTENSION_KEY]


def segments(snippet, spans):
    """Split a snippet into (text, highlighted) pieces for templates to mark up safely."""
    pieces, pos = [], 0
    for start, end in spans:
        if start < pos:
            continue
        if start > pos:
            pieces.append((snippet[pos:start], False))
        pieces.append((snippet[start:end], True))
        pos = end
    if pos < len(snippet):
        pieces.append((snippet[pos:], False))
    return pieces
