"""The help center: Markdown articles, their index, and the pages that show them."""

from flask import current_app

from .library import KnowledgeBase

EXTENSION_KEY = "helpdesk.kb"


def init_app(app):
    kb = KnowledgeBase(app.config["ARTICLES_DIR"], app.config["INDEX_DIR"],
                       check_interval=app.config["KB_CHECK_INTERVAL"])
    app.extensions[EXTENSION_KEY] = kb
    if app.config["KB_INDEX_ON_START"]:
        kb.ensure_open()
    return kb


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
