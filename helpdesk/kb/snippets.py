"""Snippets: the sentences of an article that hold most of what was asked, and where.

An article's stored text is its summary and its prose, one sentence a line (see
`plaintext.sentences`), so a snippet is made of whole sentences: the run of neighbouring
sentences, within the width, that holds the most distinct words asked for. Only a sentence
longer than the width is cut, around its matches. With no match (the article was found by
its title or by meaning), the snippet is the summary or the first sentences.
"""

import re
from functools import lru_cache

from .analysis import ENGLISH, fold, identifier_parts

SNIPPET_CHARS = 200


@lru_cache(maxsize=4096)
def _candidates(heads):
    """A pattern for words that may match: those starting like a wanted term.

    Keyed by first letters only, so the pattern compiled for "pas" serves "pass",
    "passw"... as the user goes on typing."""
    starts = sorted(re.escape(h) for h in heads)
    return re.compile(r"(?<!\w)(?:%s)\w*(?:[.:/\-]\w+|\[\w+\])*" % "|".join(starts),
                      re.IGNORECASE)


def _term_of(surface, words, stem):
    """The wanted term a word of the text stands for, or None."""
    term = stem(surface)
    if term in words:
        return term
    for part in identifier_parts(surface):
        term = stem(part.lower())
        if term in words:
            return term
    return None


def find_matches(text, words, prefix="", lang=ENGLISH):
    """[(start, end, term)] of the words of `text` that match index terms `words` or start
    with the half-typed `prefix`. Matched on the text with its accents folded (one
    character for one, so the offsets point into the text as written)."""
    heads = frozenset(w[:3] for w in words) | ({prefix[:3]} if prefix else set())
    if not heads:
        return []
    matches = []
    prefix = fold(prefix)
    for m in _candidates(heads).finditer(fold(text)):
        surface = m.group(0).lower()
        if prefix and surface.startswith(prefix):
            matches.append((m.start(), m.end(), prefix))
            continue
        # The word as written first: its accents tell the stemmer (see BothStemsFilter).
        written = text[m.start():m.end()].lower()
        term = _term_of(written, words, lang.stem) or (
            _term_of(surface, words, lang.stem) if written != surface else None)
        if term is not None:
            matches.append((m.start(), m.end(), term))
    return matches


def make_snippet(text, words, prefix="", width=SNIPPET_CHARS, lang=ENGLISH):
    """(snippet, [[start, end], ...]): whole sentences around the matched words."""
    lines = text.split("\n") if text else [""]
    starts, pos = [], 0
    for line in lines:
        starts.append(pos)
        pos += len(line) + 1
    matches = find_matches(text, words, prefix, lang)
    first, last = _best_run(lines, starts, matches, width)
    begin, end = starts[first], starts[last] + len(lines[last])
    if end - begin > width:  # one sentence longer than the width
        return _cut_sentence(text[begin:end], begin, matches, width)
    snippet = " ".join(lines[first:last + 1])
    # Lines are joined by one space, as they were by one newline: offsets carry over.
    spans = [[s - begin, e - begin] for s, e, _ in matches if s >= begin and e <= end]
    return snippet, spans


def _best_run(lines, starts, matches, width):
    """(first, last) line numbers of the run of sentences within `width` holding the most
    distinct matched terms (then the most matches); the leading sentences when none."""
    by_line = {}
    line = 0
    for start, _, term in matches:
        while line + 1 < len(starts) and starts[line + 1] <= start:
            line += 1
        by_line.setdefault(line, []).append(term)
    best, best_score = None, (0, 0)
    for first in sorted(by_line):
        last, length, terms = first, len(lines[first]), list(by_line[first])
        while last + 1 < len(lines) and length + 1 + len(lines[last + 1]) <= width:
            last += 1
            length += 1 + len(lines[last])
            terms += by_line.get(last, [])
        score = (len(set(terms)), len(terms))
        if score > best_score:
            best, best_score = (first, _trim(by_line, first, last)), score
    if best is not None:
        return best
    last, length = 0, len(lines[0])
    while last + 1 < len(lines) and length + 1 + len(lines[last + 1]) <= width:
        last += 1
        length += 1 + len(lines[last])
    return 0, last


def _trim(by_line, first, last):
    """Drop trailing sentences of a run that hold no match, keeping one for context."""
    while last > first and last not in by_line and last - 1 not in by_line:
        last -= 1
    return last


def _cut_sentence(sentence, offset, matches, width):
    """`width` characters of one long sentence, around its first match, at word
    boundaries, with ellipses where it was cut."""
    inside = [(s - offset, e - offset) for s, e, _ in matches
              if s >= offset and e <= offset + len(sentence)]
    begin = max(0, inside[0][0] - width // 4) if inside else 0
    if begin:
        space = sentence.find(" ", begin, inside[0][0])
        begin = space + 1 if space != -1 else inside[0][0]
    piece = sentence[begin:begin + width]
    if begin + width < len(sentence):
        space = piece.rfind(" ")
        if space > width // 2:
            piece = piece[:space]
        piece = piece.rstrip() + "…"
    lead = 1 if begin else 0
    snippet = ("…" if begin else "") + piece
    end = begin + len(piece) - (1 if piece.endswith("…") else 0)
    spans = [[s - begin + lead, e - begin + lead] for s, e in inside if s >= begin and e <= end]
    return snippet, spans
