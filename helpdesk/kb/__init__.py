"""The help center: Markdown articles, their index, and the pages that show them."""

import logging
from pathlib import Path

from flask import current_app

from ..locales import offered
from .analysis import language
from .files import Edition
from .library import KnowledgeBase
from .modelstore import ModelError, resolve
from .ranking import Ranker, load_synonyms
from .shelf import Shelf

EXTENSION_KEY = "helpdesk.kb"
SHELF_KEY = "helpdesk.kb.shelf"

log = logging.getLogger(__name__)


def init_app(app):
    """One KnowledgeBase per language of SUPPORTED_LOCALES: the default language's in
    INDEX_DIR, each other one's in a folder of INDEX_DIR named for it (`index/fr`)."""
    locales = offered(app.config)
    editions = {locale: _edition(app, locale, locales) for locale in locales}
    shelf = Shelf(editions)
    app.extensions[EXTENSION_KEY] = shelf.default
    app.extensions[SHELF_KEY] = shelf
    if app.config["KB_INDEX_ON_START"]:
        shelf.start()
    return shelf.default


def _edition(app, locale, locales):
    default = locale == locales[0]
    lang = language(locale)
    synonyms = synonyms_file(app.config.get("SEARCH_SYNONYMS_FILE"), None if default else locale)
    ranker = Ranker(synonyms=load_synonyms(synonyms, lang) if synonyms else None, lang=lang)
    index_dir = Path(app.config["INDEX_DIR"])
    background = app.config["KB_BACKGROUND"]
    return KnowledgeBase(app.config["ARTICLES_DIR"], index_dir if default else index_dir / locale,
                         check_interval=app.config["KB_CHECK_INTERVAL"], ranker=ranker,
                         max_query_chars=app.config["SEARCH_MAX_QUERY_CHARS"],
                         max_query_terms=app.config["SEARCH_MAX_TERMS"],
                         background=background,
                         warm_terms=app.config["KB_WARM_TERMS"] if background else 0,
                         # The model reads English: other languages are searched by words.
                         semantic=semantic_folder(app) if default else None,
                         edition=Edition(locale, locales[0], locales))


def synonyms_file(path, locale=None):
    """The synonyms of a language: SEARCH_SYNONYMS_FILE for the default one, and for
    another the file beside it named for it (`synonyms.fr.txt`), when there is one."""
    if not path:
        return None
    if locale is None:
        return path
    path = Path(path)
    found = path.with_name(f"{path.stem}.{locale}{path.suffix}")
    return found if found.is_file() else None


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
    """The default language's KnowledgeBase."""
    return current_app.extensions[EXTENSION_KEY]


def get_shelf():
    """Every language's articles, and what a reader of one gets (`shelf.Shelf`)."""
    return current_app.extensions[SHELF_KEY]


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
