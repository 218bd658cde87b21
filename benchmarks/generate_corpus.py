"""Generate a large, realistic help center for benchmarks.

The generated articles imitate the real Magento support corpus in ../shared/corpora (read
at run time, never copied into the repository):

- article lengths: each article takes the prose length, heading count and code blocks of a
  randomly chosen real article (lengths jittered by +-15%), so the length distribution,
  including the long tail, follows the real one;
- vocabulary: body words are drawn by the real corpus' word frequencies (so "the", "patch"
  and "Magento" are as common as there), titles by the frequencies of title words, tags by
  the frequencies of the real labels, headings by the frequencies of real headings (help
  centers repeat "Issue", "Cause", "Solution" in most articles) and code lines from the
  tokens of the real code blocks;
- layout: YAML front matter with `title` and `tags` (a list) or `labels` (comma-separated,
  as the Magento files do), two levels of category folders, each with a `_category.md`,
  and articles spread unevenly over them (a few folders hold most articles).

Output is deterministic for a given seed, article count and source corpus.

Usage:
    .venv/bin/python benchmarks/generate_corpus.py [OUT_DIR] [--articles N] [--seed S]

Without OUT_DIR the articles go to a new temporary folder, whose path is printed.
`benchmarks/search.py` imports `generate` and `sample_queries` from here.
"""

import argparse
import bisect
import random
import re
import statistics
import sys
import tempfile
from collections import Counter
from dataclasses import dataclass, field
from itertools import accumulate
from pathlib import Path

import yaml

HERE = Path(__file__).resolve().parent
SOURCE = HERE.parent.parent / "shared" / "corpora" / "kb" / "magento-support-kb" / "src"
DEFAULT_SEED = 20240611

_FRONT_MATTER = re.compile(r"\A---[ \t]*\r?\n(.*?)\r?\n---[ \t]*(?:\r?\n|\Z)", re.S)
_FENCE = re.compile(r"^\s*(```|~~~)")
_HEADING = re.compile(r"^(#{2,4})[ \t]+(.+?)[ \t#]*$")
_LINK_TARGET = re.compile(r"\]\([^)]*\)")
_URL = re.compile(r"https?://\S+")
_TAG = re.compile(r"<[^>]+>")
_WORD = re.compile(r"\w+(?:[.'’-]\w+)*")


@dataclass
class Shape:
    """The measurable shape of one real article."""

    words: int
    headings: int
    code_blocks: list  # number of lines of each code block


class Sampler:
    """Draw items by their observed frequency (cumulative weights, binary search)."""

    def __init__(self, counter):
        items = sorted(counter.items(), key=lambda kv: (-kv[1], kv[0]))
        self.items = [item for item, _ in items]
        self.cumulative = list(accumulate(count for _, count in items))

    def __len__(self):
        return len(self.items)

    def draw(self, rng, k=1):
        total = self.cumulative[-1]
        return [self.items[bisect.bisect_left(self.cumulative, rng.random() * total)]
                for _ in range(k)]


@dataclass
class Profile:
    """Word, title, tag, heading and code statistics of a real corpus."""

    shapes: list = field(default_factory=list)
    words: Counter = field(default_factory=Counter)
    title_words: Counter = field(default_factory=Counter)
    title_lengths: list = field(default_factory=list)
    tags: Counter = field(default_factory=Counter)
    tag_counts: list = field(default_factory=list)
    headings: Counter = field(default_factory=Counter)
    code_tokens: Counter = field(default_factory=Counter)


def _split_front_matter(text):
    match = _FRONT_MATTER.match(text)
    if not match:
        return {}, text
    try:
        meta = yaml.safe_load(match.group(1))
    except yaml.YAMLError:
        meta = None
    return (meta if isinstance(meta, dict) else {}), text[match.end():]


def _words(line):
    line = _URL.sub(" ", _TAG.sub(" ", _LINK_TARGET.sub("]", line)))
    return _WORD.findall(line)


def read_profile(source=SOURCE):
    """Measure every Markdown file under `source`."""
    source = Path(source)
    paths = sorted(source.rglob("*.md"))
    if not paths:
        raise SystemExit(f"no Markdown files under {source}: the generator learns from that "
                         "corpus (../shared/corpora beside the checkout)")
    profile = Profile()
    for path in paths:
        meta, body = _split_front_matter(path.read_text(encoding="utf-8", errors="replace"))
        title = str(meta.get("title") or path.stem.replace("-", " "))
        title_words = _words(title)
        profile.title_words.update(title_words)
        profile.title_lengths.append(max(1, len(title_words)))
        raw_tags = meta.get("tags", meta.get("labels")) or []
        tags = raw_tags.split(",") if isinstance(raw_tags, str) else list(raw_tags)
        tags = [str(t).strip() for t in tags if str(t).strip()]
        profile.tags.update(tags)
        profile.tag_counts.append(len(tags))

        words = headings = 0
        code_blocks, in_code, code_lines = [], False, 0
        for line in body.splitlines():
            if _FENCE.match(line):
                if in_code:
                    code_blocks.append(max(1, code_lines))
                in_code, code_lines = not in_code, 0
                continue
            if in_code:
                code_lines += 1
                profile.code_tokens.update(line.split())
                continue
            heading = _HEADING.match(line)
            if heading:
                headings += 1
                profile.headings[heading.group(2).strip()] += 1
                continue
            found = _words(line)
            words += len(found)
            profile.words.update(found)
        profile.shapes.append(Shape(words=words, headings=headings, code_blocks=code_blocks))
    return profile


def _slugify(words, limit=60):
    slug = re.sub(r"[^a-z0-9]+", "-", " ".join(words).lower()).strip("-")
    return slug[:limit].rstrip("-") or "article"


@dataclass
class GeneratedArticle:
    slug: str
    title: str
    tags: list


class Generator:
    def __init__(self, profile, seed=DEFAULT_SEED):
        self.profile = profile
        self.rng = random.Random(seed)
        self.words = Sampler(profile.words)
        self.title_words = Sampler(profile.title_words)
        self.tags = Sampler(profile.tags) if profile.tags else None
        self.headings = Sampler(profile.headings) if profile.headings else None
        self.code = Sampler(profile.code_tokens) if profile.code_tokens else None
        # Folder names come from words long enough to read as a topic.
        self.topics = Sampler(Counter({w.lower(): c for w, c in profile.title_words.items()
                                       if len(w) > 4 and w.isalpha()}))

    # --- text --------------------------------------------------------------------

    def sentence(self, n):
        words = self.words.draw(self.rng, n)
        words[0] = words[0][:1].upper() + words[0][1:]
        return " ".join(words) + "."

    def prose(self, total):
        """About `total` words as paragraphs and bullet lists."""
        blocks, left = [], total
        while left > 0:
            if self.rng.random() < 0.25:
                items = []
                for _ in range(self.rng.randint(2, 6)):
                    n = min(left, self.rng.randint(3, 12))
                    if n <= 0:
                        break
                    items.append("* " + self.sentence(n))
                    left -= n
                blocks.append("\n".join(items))
                continue
            sentences = []
            for _ in range(self.rng.randint(1, 5)):
                n = min(left, self.rng.randint(6, 24))
                if n <= 0:
                    break
                sentences.append(self.sentence(n))
                left -= n
            blocks.append(" ".join(sentences))
        return blocks

    def code_block(self, lines):
        rows = [" ".join(self.code.draw(self.rng, self.rng.randint(1, 7))) for _ in range(lines)]
        return "```\n" + "\n".join(rows) + "\n```"

    def title(self):
        n = min(14, max(2, self.rng.choice(self.profile.title_lengths)))
        words = self.title_words.draw(self.rng, n)
        return words[0][:1].upper() + words[0][1:] + "".join(" " + w for w in words[1:])

    # --- structure ---------------------------------------------------------------

    def folders(self, count):
        """`count` folders on two levels, each with a weight for how many articles it gets."""
        names, folders = set(), []

        def name():
            for _ in range(1000):
                candidate = _slugify(self.topics.draw(self.rng, self.rng.randint(1, 2)))
                if candidate not in names:
                    names.add(candidate)
                    return candidate
            raise RuntimeError("vocabulary too small for folder names")

        tops = [name() for _ in range(max(1, count // 5))]
        folders.extend(tops)
        while len(folders) < count:
            folders.append(f"{self.rng.choice(tops)}/{name()}")
        weights = [self.rng.paretovariate(1.2) for _ in folders]
        return folders, list(accumulate(weights))

    def article(self, title, tags, use_labels):
        shape = self.rng.choice(self.profile.shapes)
        total = max(15, round(shape.words * self.rng.uniform(0.85, 1.15)))
        sections = shape.headings
        parts = [total // (sections + 1)] * (sections + 1)
        parts[0] += total - sum(parts)
        code_at = {}
        for lines in shape.code_blocks:
            code_at.setdefault(self.rng.randint(0, sections), []).append(lines)
        meta = {"title": title}
        if use_labels:
            meta["labels"] = ",".join(tags)
        else:
            meta["tags"] = tags
        out = ["---", yaml.safe_dump(meta, allow_unicode=True, sort_keys=False,
                                     width=10_000).strip(), "---", ""]
        for section in range(sections + 1):
            if section:
                heading = self.headings.draw(self.rng)[0] if self.headings else "Details"
                out += [f"## {heading}", ""]
            for block in self.prose(parts[section]):
                out += [block, ""]
            for lines in code_at.get(section, ()) if self.code else ():
                out += [self.code_block(lines), ""]
        return "\n".join(out)

    def write(self, target, count):
        target = Path(target)
        folders, cumulative = self.folders(max(4, min(60, count // 40)))
        for folder in folders:
            path = target / folder
            path.mkdir(parents=True, exist_ok=True)
            words = folder.rsplit("/", 1)[-1].replace("-", " ")
            meta = yaml.safe_dump({"title": words[:1].upper() + words[1:]}, sort_keys=False)
            description = self.sentence(self.rng.randint(8, 20))
            (path / "_category.md").write_text(f"---\n{meta}---\n\n{description}\n",
                                               encoding="utf-8")
        used, made = set(), []
        for _ in range(count):
            folder = folders[bisect.bisect_left(cumulative, self.rng.random() * cumulative[-1])]
            title = self.title()
            base = f"{folder}/{_slugify(title.split())}"
            slug, n = base, 2
            while slug in used:
                slug, n = f"{base}-{n}", n + 1
            used.add(slug)
            tag_count = min(8, self.rng.choice(self.profile.tag_counts)) if self.tags else 0
            tags = list(dict.fromkeys(self.tags.draw(self.rng, tag_count))) if tag_count else []
            text = self.article(title, tags, use_labels=self.rng.random() < 0.5)
            (target / f"{slug}.md").write_text(text, encoding="utf-8")
            made.append(GeneratedArticle(slug=slug, title=title, tags=tags))
        return made


def generate(target, count=10_000, seed=DEFAULT_SEED, source=SOURCE):
    """Write `count` articles under `target`; returns their GeneratedArticle records."""
    return Generator(read_profile(source), seed).write(target, count)


def sample_queries(articles, count, seed=DEFAULT_SEED):
    """Queries a user might type for generated articles: a few of a title's words, in order,
    sometimes with one of the article's tags; lower case, as typed."""
    rng = random.Random(seed + 1)
    queries = []
    for article in rng.sample(articles, min(count, len(articles))):
        words = [w.lower() for w in _WORD.findall(article.title) if len(w) > 1]
        if not words:
            continue
        k = min(len(words), rng.randint(2, 5))
        start = rng.randint(0, len(words) - k)
        picked = words[start:start + k]
        if article.tags and rng.random() < 0.3:
            picked.append(rng.choice(article.tags).lower())
        queries.append(" ".join(picked))
    return queries


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("out", nargs="?", help="target folder (default: a new temporary one)")
    parser.add_argument("--articles", type=int, default=10_000, help="how many (10,000)")
    parser.add_argument("--seed", type=int, default=DEFAULT_SEED)
    parser.add_argument("--source", default=str(SOURCE), help="real corpus to imitate")
    args = parser.parse_args(argv)
    out = Path(args.out) if args.out else Path(tempfile.mkdtemp(prefix="helpdesk-corpus-"))
    profile = read_profile(args.source)
    made = Generator(profile, args.seed).write(out, args.articles)
    sizes = [len(_WORD.findall((out / f"{a.slug}.md").read_text(encoding="utf-8")))
             for a in made]
    real = [s.words for s in profile.shapes]
    print(f"wrote {len(made)} articles to {out}")
    print(f"words per article: median {statistics.median(sizes):.0f}"
          f" (source {statistics.median(real):.0f}), max {max(sizes)} (source {max(real)})")
    return 0


if __name__ == "__main__":
    sys.exit(main())
