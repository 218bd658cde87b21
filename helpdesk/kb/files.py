"""Load the Markdown files of ARTICLES_DIR into `Article` and `Category` objects.

Files are the source of truth; the index is derived from them. Real-world folders hold
files with no front matter, broken YAML, inline HTML and odd names; anything that cannot be
read raises `ArticleError`, which the caller reports and skips, so one bad file never takes
the site down.
"""

import calendar
import datetime
import hashlib
import logging
import os
import re
from dataclasses import dataclass, field
from pathlib import Path, PurePosixPath

import yaml
from babel import localedata

log = logging.getLogger(__name__)

CATEGORY_FILES = ("_category.md", "index.md")
CATEGORY_NAMES = tuple(name[:-3] for name in CATEGORY_FILES)
# "name.fr.md", "name.pt_BR.md", "name.pt-BR.md": a translation's locale before ".md".
_LOCALE_SUFFIX = re.compile(r"\.([a-z]{2,3}(?:[_-][A-Za-z]{2,4})?)$")
IMAGE_EXTENSIONS = {".png", ".jpg", ".jpeg", ".gif", ".webp", ".svg"}

_FRONT_MATTER = re.compile(r"\A---[ \t]*\r?\n(.*?)\r?\n(?:---|\.\.\.)[ \t]*(?:\r?\n|\Z)", re.S)
_FIRST_HEADING = re.compile(r"^[ \t]{0,3}#[ \t]+(.+?)[ \t#]*$", re.M)
_LEADING_HEADING = re.compile(r"\A\s*#[ \t]+.+?(?:\r?\n|\Z)")


class ArticleError(Exception):
    """A file that cannot become an article; the message says why."""


@dataclass
class Article:
    slug: str
    title: str
    category: str
    body: str
    summary: str = ""
    tags: tuple = ()
    order: int | None = None
    draft: bool = False
    updated: float = 0.0
    sha256: str = ""
    key: str = ""  # links the translations of one article (front matter `translation_key`)

    @property
    def name(self):
        return PurePosixPath(self.slug).name


@dataclass
class Category:
    slug: str  # the folder path under ARTICLES_DIR, "" for the top
    title: str
    description: str = ""
    order: int | None = None
    children: list = field(default_factory=list)

    @property
    def parent(self):
        if not self.slug:
            return None
        parent = str(PurePosixPath(self.slug).parent)
        return "" if parent == "." else parent


def humanize(name):
    """A readable title from a file or folder name: `reset-password_2` -> `Reset password 2`."""
    words = re.sub(r"[-_]+", " ", name).strip()
    return words[:1].upper() + words[1:] if words else name


def split_front_matter(text):
    """Return (metadata mapping, body). Raises ArticleError for YAML that does not parse."""
    match = _FRONT_MATTER.match(text)
    if not match:
        return {}, text
    try:
        meta = yaml.safe_load(match.group(1))
    except yaml.YAMLError as exc:
        mark = getattr(exc, "problem_mark", None)
        where = f" (line {mark.line + 2})" if mark is not None else ""
        raise ArticleError(f"front matter is not valid YAML{where}") from None
    if meta is None:
        meta = {}
    if not isinstance(meta, dict):
        raise ArticleError("front matter is not a mapping of keys to values")
    return meta, text[match.end():]


def _text(value):
    if value is None:
        return ""
    if isinstance(value, (list, tuple, dict)):
        raise ArticleError("expected text, got a list or mapping")
    return str(value).strip()


def _tags(meta):
    raw = meta.get("tags", meta.get("labels"))
    if raw is None:
        return ()
    items = raw.split(",") if isinstance(raw, str) else raw
    if not isinstance(items, (list, tuple)):
        items = [items]
    seen = []
    for item in items:
        tag = str(item).strip()
        if tag and tag not in seen:
            seen.append(tag)
    return tuple(seen)


def _order(meta):
    value = meta.get("order")
    if value is None or isinstance(value, bool):
        return None
    try:
        return int(value)
    except (TypeError, ValueError):
        raise ArticleError(f"order must be a number, got {value!r}") from None


def _draft(meta):
    value = meta.get("draft", False)
    if isinstance(value, str):
        return value.strip().lower() in {"true", "yes", "1", "on"}
    return bool(value)


def decode(raw):
    try:
        return raw.decode("utf-8-sig")
    except UnicodeDecodeError:
        raise ArticleError("file is not UTF-8 text") from None


def _front_matter_date(meta):
    """`updated:` (or `last_updated:`) as a unix time: a YAML date, a date-time, or an ISO
    string; None when absent or unreadable (the caller falls back)."""
    value = meta.get("updated", meta.get("last_updated"))
    if isinstance(value, str):
        try:
            value = datetime.datetime.fromisoformat(value.strip())
        except ValueError:
            return None
    if isinstance(value, datetime.datetime):
        if value.tzinfo is None:
            value = value.replace(tzinfo=datetime.timezone.utc)
        return value.timestamp()
    if isinstance(value, datetime.date):
        return float(calendar.timegm(value.timetuple()))
    return None


def parse_article(slug, raw, mtime=0.0, committed=None):
    """Build an Article from a file's bytes.

    Its `updated` time: the front matter's date, else `committed` (the file's last git
    commit), else `mtime`.
    """
    if b"\x00" in raw:
        raise ArticleError("file holds binary data")
    meta, body = split_front_matter(decode(raw))
    if not body.strip() and not meta:
        raise ArticleError("file is empty")
    title = _text(meta.get("title"))
    if not title:
        heading = _FIRST_HEADING.search(body)
        title = heading.group(1).strip() if heading else humanize(PurePosixPath(slug).name)
    # A leading "# Title" repeats the page title; the page prints the title itself.
    leading = _LEADING_HEADING.match(body)
    if leading and leading.group(0).strip().lstrip("#").strip() == title:
        body = body[leading.end():]
    parent = str(PurePosixPath(slug).parent)
    return Article(
        slug=slug,
        title=title,
        category="" if parent == "." else parent,
        body=body,
        summary=_text(meta.get("summary") or meta.get("description")),
        tags=_tags(meta),
        order=_order(meta),
        draft=_draft(meta),
        updated=next(t for t in (_front_matter_date(meta), committed, mtime) if t is not None),
        sha256=hashlib.sha256(raw).hexdigest(),
        key=_text(meta.get("translation_key")).strip("/") or slug,
    )


def article_path(root, slug, suffix=""):
    """The file behind a slug, or None when the slug points outside root or nowhere.
    `suffix` is a translation's locale (".fr"), "" for the default language's file."""
    return safe_file(root, f"{slug}{suffix}.md")


def split_locale(name, editions=None):
    """(name without its locale suffix, locale or None) for a file name without ".md":
    "passwords.fr" -> ("passwords", "fr"). Only a code that names a language counts
    ("notes.js" is no translation); `editions` maps the site's locales to themselves
    and their spellings ({"fr": "fr", "pt-br": "pt_BR"}...)."""
    match = _LOCALE_SUFFIX.search(name)
    if not match:
        return name, None
    code = match.group(1)
    language, _, region = code.replace("-", "_").partition("_")
    code = language.lower() + ("_" + region.upper() if region else "")
    if editions and code in editions:
        return name[:match.start()], code
    if localedata.exists(code):
        return name[:match.start()], code
    return name, None


class Edition:
    """Which files belong to one language: `locale`, and whether it is the default (whose
    files carry no suffix) among the site's `supported` locales."""

    def __init__(self, locale, default, supported):
        self.locale, self.default = locale, default
        self.supported = frozenset(supported) | {default}
        self.is_default = locale == default
        self.suffix = "" if self.is_default else f".{locale}"

    def owns(self, code):
        """Whether a file whose name carries `code` (None: no suffix) is in this edition."""
        return code == self.locale or (code is None and self.is_default)


_warned = set()  # files already reported as in a language the site does not offer


def _unsupported(path, code):
    if path not in _warned:
        _warned.add(path)
        log.warning("%s ignored: %s is not in SUPPORTED_LOCALES", path, code)


def safe_file(root, relpath):
    """A regular file inside root (symlinks resolved), or None."""
    if not relpath or "\x00" in relpath or "\\" in relpath:
        return None
    root = Path(root).resolve()
    parts = PurePosixPath(relpath).parts
    if any(part in ("..", "") or part.startswith(".") for part in parts):
        return None
    candidate = (root / Path(*parts)).resolve()
    if root not in candidate.parents or not candidate.is_file():
        return None
    return candidate


def walk(root, edition=None):
    """Stat every Markdown file under root without reading any (the cheap change check).

    Returns ({article slug: (path, stat)}, {folder slug: (path, stat)} for category
    description files). Hidden folders and folders starting with `_` are skipped;
    symlinked folders are not followed.

    `edition` (an `Edition`) keeps the files of one language: "name.fr.md" is the French
    "name"; a file without a suffix, the default language's. A folder's category file in
    that language wins over the default language's. A file in a language the site does
    not offer is skipped (with a warning, once). Without `edition`, every file is taken
    as it is named (the benchmarks' corpora).
    """
    articles, categories = {}, {}
    pending = [(str(root), "")]
    while pending:
        folder, prefix = pending.pop()
        try:
            entries = list(os.scandir(folder))
        except OSError:
            continue
        found_category, found_rank = None, None
        for entry in entries:
            name = entry.name
            if name.startswith("."):
                continue
            if entry.is_dir(follow_symlinks=False):
                if not name.startswith("_"):
                    pending.append((entry.path, f"{prefix}{name}/"))
                continue
            if not name.endswith(".md"):
                continue
            try:
                stat = entry.stat()
            except OSError:
                continue
            stem, code = name[:-3], None
            if edition is not None:
                stem, code = split_locale(stem, edition.supported)
                if code is not None and code not in edition.supported:
                    _unsupported(entry.path, code)
                    continue
                if not edition.owns(code) and not (stem in CATEGORY_NAMES and code is None):
                    continue
            if stem in CATEGORY_NAMES:
                # This language's file first, then `_category.md` before `index.md`.
                rank = (code is None, CATEGORY_NAMES.index(stem))
                if found_rank is None or rank < found_rank:
                    found_category, found_rank = (Path(entry.path), stat), rank
                continue
            slug = prefix + stem
            if code is not None and slug in articles:
                continue  # "name.md" and "name.en.md" both: the one without suffix wins
            articles[slug] = (Path(entry.path), stat)
        if found_category:
            categories[prefix.rstrip("/")] = found_category
    return articles, categories


def parse_category(slug, raw):
    """Category metadata from a `_category.md` or `index.md` file."""
    meta, body = split_front_matter(decode(raw))
    description = _text(meta.get("description"))
    if not description:
        # The first paragraph of the body describes the folder.
        paragraphs = [p.strip() for p in re.split(r"\n\s*\n", body) if p.strip()]
        paragraphs = [p for p in paragraphs if not p.startswith("#")]
        description = paragraphs[0] if paragraphs else ""
    name = PurePosixPath(slug).name if slug else ""
    return {
        "title": _text(meta.get("title")) or humanize(name),
        "description": description,
        "order": _order(meta),
    }
