"""The help center in every language it is written in: one `KnowledgeBase` per language
(its own files, index and analysis), and what a reader of one language sees of them.

A reader's catalog is every article of their language, then the default language's
articles that have no translation into it, each shown once. Translations of one article
share a key: the slug (the same file name beside each other, `name.fr.md` beside
`name.md`), or the front matter's `translation_key`. The default language's index keeps
the slugs, history and statistics exactly as a one-language site has them.
"""

import math
import threading
from dataclasses import dataclass

from . import catalog
from .analysis import identifier_parts, tokens_of
from .ranking import Results


@dataclass
class Shown:
    """The version of an article a reader gets at a slug, and whether it is the reader's
    language (`fallback` when it is another: the default language's, or the only one)."""

    info: catalog.ArticleInfo
    fallback: bool = False
    moved: bool = False  # the reader's version lives at another slug: send them there


class Shelf:
    """`editions`: {locale: KnowledgeBase}, the default language first."""

    def __init__(self, editions):
        self.editions = dict(editions)
        self.default_locale = next(iter(self.editions))
        self.default = self.editions[self.default_locale]
        self._views = {}  # locale -> (stamp, ReaderView)
        self._lock = threading.Lock()

    # --- upkeep: every edition alike --------------------------------------------------

    def start(self):
        for kb in self.editions.values():
            kb.start()

    def check(self):
        for kb in self.editions.values():
            kb.check()

    def sync(self, full=False, wait=True):
        """Bring every language's index up to date; {locale: SyncReport}."""
        return {locale: kb.sync(full=full, wait=wait) for locale, kb in self.editions.items()}

    def summary(self, reports):
        """Lines saying what `sync` did: the default language's as a one-language site
        says it, then each other language that has articles ("fr: 12 articles ...")."""
        lines = []
        for locale, report in reports.items():
            kb = self.editions[locale]
            if locale != self.default_locale and not (kb.articles or report.errors):
                continue
            lead = "" if locale == self.default_locale else f"{locale}: "
            lines.append(f"{lead}{len(kb.articles)} articles indexed ({len(report.added)} added,"
                         f" {len(report.updated)} updated, {len(report.deleted)} removed,"
                         f" {len(report.errors)} skipped)")
        return lines

    def wait(self, timeout=None):
        for kb in self.editions.values():
            kb.wait(timeout)

    def stop(self):
        for kb in self.editions.values():
            kb.stop()

    @property
    def warming(self):
        return self.default.warming

    def edition(self, locale):
        """The KnowledgeBase of `locale`, or the default language's."""
        return self.editions.get(locale) or self.default

    # --- what a reader sees -----------------------------------------------------------

    def reader(self, locale):
        """The catalog of a reader of `locale` (a `ReaderView`), rebuilt when an index
        changed."""
        locale = locale if locale in self.editions else self.default_locale
        stamp = tuple(id(kb.articles) for kb in self.editions.values())
        cached = self._views.get(locale)
        if cached is not None and cached[0] == stamp:
            return cached[1]
        with self._lock:
            view = ReaderView(self, locale)
            self._views[locale] = (stamp, view)
        return view

    def catalog(self, locale):
        return self.reader(locale).articles

    def knows(self, slug):
        """Whether any language publishes an article at `slug`."""
        return any(slug in kb.articles for kb in self.editions.values())

    def info(self, slug, locale):
        """The ArticleInfo a reader of `locale` gets for a slug of any language, or None."""
        shown = self.resolve(slug, locale)
        return shown.info if shown else None

    def resolve(self, slug, locale):
        """What a reader of `locale` gets at `slug` (a `Shown`), or None."""
        return self.reader(locale).resolve(slug)

    def versions(self, info):
        """{locale: ArticleInfo} of every language the article of `info` is written in."""
        found = {}
        for locale in self.editions:
            version = self.reader(locale).by_key.get(info.key)
            if version is not None and version.locale == locale:
                found[locale] = version
        return found

    def load(self, info):
        """(Article, Rendered) of one version, read from its language's files."""
        return self.edition(info.locale).load(info.slug)

    def related(self, info, locale, limit=5):
        """Articles like `info`, as a reader of `locale` gets them."""
        reader = self.reader(locale)
        found = [reader.for_key(other.key) for other in
                 self.edition(info.locale).related(info.slug, limit=limit)]
        unique = {f.slug: f for f in found if f is not None and f.slug != info.slug}
        return list(unique.values())

    # --- searching --------------------------------------------------------------------

    def search(self, text, locale, page=1, pagelen=10):
        """A page of `Results` whose hits are (ArticleInfo, Hit): the reader's language
        first, then the default language's articles that have no translation into it."""
        reader = self.reader(locale)
        if reader.locale == self.default_locale:
            results = self.default.search(text, page=page, pagelen=pagelen)
            return _paired(results, reader.articles)
        page = max(page, 1)
        own, other, total, pages = self._both(reader, text, page, pagelen)
        if page > pages:
            page = pages
            own, other, total, pages = self._both(reader, text, page, pagelen)
        if own.warming:
            return Results(hits=[], total=0, warming=True)
        hits = [(reader.articles.get(h.slug), h) for h in own.hits] + \
               [(reader.articles.get(h.slug), h) for h in other.hits]
        hits = [(info, h) for info, h in hits if info is not None]
        return Results(hits=hits[(page - 1) * pagelen:page * pagelen], total=total, page=page,
                       pages=pages, corrected=own.corrected)

    def _both(self, reader, text, page, pagelen):
        top = page * pagelen
        own = self.edition(reader.locale).search(text, page=1, pagelen=top)
        other = self.default.search(reader.fallback_text(text), page=1, pagelen=top,
                                    fallback=True, skip=reader.translated)
        total = own.total + other.total
        return own, other, total, max(1, math.ceil(total / pagelen))

    def suggest(self, text, locale, limit=5, also=""):
        """[(ArticleInfo, Hit)] while typing, the reader's language first."""
        reader = self.reader(locale)
        hits = self.edition(reader.locale).suggest(text, limit=limit, also=also)
        if reader.locale != self.default_locale and len(hits) < limit:
            hits = hits + self.default.suggest(
                reader.fallback_text(text), limit=limit - len(hits),
                also=reader.fallback_text(also), fallback=True, skip=reader.translated)
        return [(reader.articles[h.slug], h) for h in hits if h.slug in reader.articles]


def _paired(results, articles):
    results.hits = [(articles[h.slug], h) for h in results.hits if h.slug in articles]
    return results


class ReaderView(catalog.Listing):
    """The articles and categories a reader of one language gets, built from every
    edition's catalog at one moment."""

    def __init__(self, shelf, locale):
        self.locale = locale
        own = shelf.edition(locale)
        self.lang = own.lang
        default = shelf.default
        self.by_key = {}  # translation key -> the version this reader gets
        articles = {}
        for info in own.articles.values():
            self.by_key.setdefault(info.key, info)
            articles[info.slug] = info
        translated = set()
        if own is not default:
            for info in default.articles.values():
                if info.key in self.by_key:
                    translated.add(info.slug)
                elif info.slug not in articles:
                    self.by_key[info.key] = info
                    articles[info.slug] = info
        self.articles = articles
        self.translated = frozenset(translated)  # default-language slugs this reader skips
        # Other languages' slugs this reader may be sent from (a shared link, a switch).
        self._elsewhere = {slug: info for kb in shelf.editions.values() if kb is not own
                           for slug, info in kb.articles.items()}
        described = getattr(own, "described", {})
        self.categories = (own.categories if own is default
                           else catalog.build_categories(articles, described))

    def for_key(self, key):
        return self.by_key.get(key)

    def resolve(self, slug):
        info = self.articles.get(slug)
        if info is None:
            other = self._elsewhere.get(slug)
            if other is None:
                return None
            info = self.by_key.get(other.key)
            if info is None:  # written only in a language the reader does not read
                return Shown(other, fallback=True)
            return Shown(info, fallback=info.locale != self.locale, moved=info.slug != slug)
        return Shown(info, fallback=info.locale != self.locale)

    def counts(self):
        return {slug: self.count_in(slug) for slug in self.categories}

    def breadcrumbs(self, category):
        return catalog.breadcrumbs(self.categories, category)

    def fallback_text(self, text):
        """What was typed, without this reader's stop words, for the default language's
        index: "comment réinitialiser mon mot de passe" must not look up "comment"."""
        if not text or self.lang is None:
            return text or ""
        kept = [t for t in tokens_of(text) if self.lang.stem(t.lower()) or identifier_parts(t)]
        # A last word typed up to the end stays the word being typed.
        return " ".join(kept) + ("" if text[-1:].isalnum() else " ")
