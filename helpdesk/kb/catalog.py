"""The catalog: what listings and search results need of the published articles and their
categories, read from the manifest, so no page has to open an article file."""

from dataclasses import dataclass
from pathlib import PurePosixPath

from . import files


@dataclass
class ArticleInfo:
    """What listings and search results need of an article, without reading its file."""

    slug: str
    title: str
    category: str
    summary: str = ""
    tags: tuple = ()
    order: int | None = None
    updated: float = 0.0
    sha256: str = ""  # of the file: which version the index and the vectors hold
    key: str = ""  # the same for every translation of one article (`translation_key`)
    locale: str = ""  # the language it is written in ("" where nobody asked)

    @property
    def sort_key(self):
        return (self.order if self.order is not None else 10**9, self.title.lower())


def from_manifest(data, locale=""):
    """(published {slug: ArticleInfo}, errors {slug: reason}, categories {slug: Category})
    of one language's manifest."""
    published, errors = {}, {}
    for slug, entry in data["files"].items():
        if entry["status"] == "ok":
            published[slug] = ArticleInfo(
                slug=slug, title=entry["title"], category=entry["category"],
                summary=entry.get("summary", ""), tags=tuple(entry.get("tags", ())),
                order=entry.get("order"), updated=entry.get("updated", 0.0),
                sha256=entry.get("sha256", ""), key=entry.get("key") or slug, locale=locale)
        elif entry["status"] == "error":
            errors[slug] = entry["error"]
    return published, errors, build_categories(published, data["categories"])


def build_categories(published, described):
    """Every folder holding a published article (at any depth), with its parents."""
    folders = {""}
    for category in {info.category for info in published.values()}:
        while category and category not in folders:
            folders.add(category)
            category = category.rpartition("/")[0]
    categories = {}
    for slug in folders:
        meta = described.get(slug, {})
        categories[slug] = files.Category(
            slug=slug,
            title=meta.get("title") or files.humanize(PurePosixPath(slug).name or "Articles"),
            description=meta.get("description", ""), order=meta.get("order"))
    for slug, category in categories.items():
        if slug:
            categories[category.parent].children.append(category)
    for category in categories.values():
        category.children.sort(key=lambda c: (c.order if c.order is not None else 10**9,
                                              c.title.lower()))
    return categories


def breadcrumbs(categories, category):
    """The categories from the top down to `category`."""
    trail, slug = [], category
    while slug:
        found = categories.get(slug) or files.Category(
            slug=slug, title=files.humanize(PurePosixPath(slug).name))  # still warming
        trail.append(found)
        slug = found.parent
    return list(reversed(trail))


class Listing:
    """What a page lists of a set of published articles (`self.articles`, slug -> info):
    shared by the whole help center and by one reader's language of it."""

    def articles_in(self, category):
        """Published articles directly in a folder, in their authors' order."""
        found = [a for a in self.articles.values() if a.category == category]
        return sorted(found, key=lambda a: a.sort_key)

    def count_in(self, category):
        """Published articles in a folder and its subfolders."""
        prefix = category + "/" if category else ""
        return sum(1 for a in self.articles.values()
                   if a.category == category or a.category.startswith(prefix))
