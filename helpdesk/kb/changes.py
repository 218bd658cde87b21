"""What changed in ARTICLES_DIR since the manifest: new manifest entries, documents to
(re)index and slugs to drop. Only files whose stats moved are read, and only those whose
content hash changed are indexed again."""

import logging
from pathlib import PurePosixPath

from . import files, manifest
from .index import article_document
from .plaintext import headings, sentences, to_plain_text
from .semantic import article_texts

log = logging.getLogger(__name__)


def compare(found, known, report, committed=None):
    """(entries, documents, deleted) for the files `found` by a scan against the manifest's
    `known` entries; fills `report` (a SyncReport). `committed` (history.CommitTimes, or
    None) dates the files that are read."""
    entries, documents, deleted = {}, [], []
    for slug, (mtime, size, path) in found.items():
        old = known.get(slug)
        if manifest.unchanged(old, mtime, size):
            entries[slug] = old
        else:
            entry, doc = read_file(slug, path, mtime, size, old, committed)
            entries[slug] = entry
            was_published = bool(old and old["status"] == "ok")
            if doc is not None:
                documents.append(doc)
                (report.updated if was_published else report.added).append(slug)
            elif was_published and entry["status"] != "ok":
                deleted.append(slug)
        if entries[slug]["status"] == "error":
            report.errors[slug] = entries[slug]["error"]
    deleted.extend(slug for slug, old in known.items()
                   if slug not in found and old["status"] == "ok")
    report.deleted = deleted
    return entries, documents, deleted


def read_file(slug, path, mtime, size, old, committed=None):
    """Manifest entry and index document (None when unchanged or unpublished)."""
    entry = {"mtime_ns": mtime, "size": size}
    try:
        when = committed.get(_relative(committed.root, path)) if committed else None
        article = files.parse_article(slug, path.read_bytes(), mtime / 1e9, when)
    except (OSError, files.ArticleError) as exc:
        reason = exc.args[0] if isinstance(exc, files.ArticleError) else exc.strerror
        return {**entry, "status": "error", "error": str(reason), "sha256": ""}, None
    entry.update(
        status="draft" if article.draft else "ok", sha256=article.sha256,
        title=article.title, category=article.category, summary=article.summary,
        tags=list(article.tags), order=article.order, updated=article.updated,
        key=article.key,
    )
    if article.draft:
        return entry, None
    if old and old.get("sha256") == article.sha256 and old["status"] == "ok":
        return entry, None  # touched, not changed
    doc = article_document(slug, article.category, article.title, headings(article.body),
                           article.tags, article.summary, to_plain_text(article.body),
                           sentences(article.body))
    return entry, doc


def _relative(root, path):
    try:
        return path.resolve().relative_to(root).as_posix()
    except ValueError:
        return None


def read_category(slug, path):
    try:
        return files.parse_category(slug, path.read_bytes())
    except (OSError, files.ArticleError) as exc:
        log.warning("category file %s ignored: %s", path, exc)
        return {"title": files.humanize(PurePosixPath(slug).name), "description": "",
                "order": None}


def embedding_texts(articles_dir, slug):
    """The texts embedded for a published article, or None when it cannot be read now."""
    path = files.article_path(articles_dir, slug)
    try:
        article = files.parse_article(slug, path.read_bytes()) if path else None
    except (OSError, files.ArticleError):
        return None
    if article is None or article.draft:
        return None
    return article_texts(article.title, article.tags, to_plain_text(article.body))
