"""What the user typed, as the ranking sees it: words, identifiers and the word being typed.

Free text is cut into tokens with the index's own analysis (`analysis.py`); nothing in it
is query syntax. On the request form the summary is what the user typed first and the
description is extra context: its words are kept apart (`also`) so the ranking can weigh
them less, and a long description cannot drown a short summary.
"""

from dataclasses import dataclass, field

from .analysis import ENGLISH, MAX_PARTS, identifier_parts, tokens_of

ALSO_MAX_TERMS = 12  # distinct description words kept, the first ones written
ALSO_MEANING_WORDS = 40  # of the description, embedded after the summary


@dataclass
class UserQuery:
    """Tokens as typed (identifiers whole), the token still being typed, and the
    description's words."""

    text: str
    words: list
    prefix: str = ""
    also: list = field(default_factory=list)
    also_text: str = ""  # the description as written, for the meaning of the whole
    correct: bool = True  # unknown words may be corrected to the nearest indexed ones

    def __bool__(self):
        return bool(self.words or self.prefix or self.also)

    @property
    def key(self):
        """What identifies the query for caches."""
        return tuple(self.words), self.prefix, tuple(self.also), self.correct


def user_query(text, *, max_chars=200, max_terms=12, prefix_last=False, also="",
               lang=ENGLISH, correct=True):
    """Cut free text into tokens; `prefix_last` keeps a last token typed up to the end of
    the text apart as the word still being typed. `lang` (analysis.Language) says which
    words are stop words."""
    stem = lang.stem
    text = (text or "")[:max_chars]
    words = tokens_of(text)
    prefix = ""
    if prefix_last and words and text[-1:].isalnum():
        prefix = words.pop()
        if len(prefix) < 2:
            prefix = ""
    # The cap counts words that matter: a long question keeps its last words.
    words = [w for w in words if stem(w.lower()) or identifier_parts(w)][:max_terms]
    also = (also or "")[:max_chars * 5]
    return UserQuery(text=text, words=words, prefix=prefix, also=_also_words(also, words, stem),
                     also_text=" ".join(also.split()[:ALSO_MEANING_WORDS]), correct=correct)


def _also_words(text, words, stem):
    """Distinct description tokens the summary does not already hold."""
    seen = {w.lower() for w in words}
    found = []
    for token in tokens_of(text):
        if token.lower() not in seen and stem(token.lower()):
            seen.add(token.lower())
            found.append(token)
            if len(found) == ALSO_MAX_TERMS:
                break
    return found


@dataclass
class Concept:
    """One thing the user asked for: index terms that each stand for it, with weights."""

    word: str
    terms: dict  # stem -> weight
    corrected: str | None = None  # the word to show in "Did you mean"
    # Terms looked up in titles, tags, headings and summaries only, never in bodies.
    short_only: frozenset = frozenset()
    whole: bool = False  # an identifier typed whole; its parts follow as concepts
    weak: bool = False  # filler: lifts articles other words found, never finds one alone
    share: float = 1.0  # how much it counts: less for the description's words


def spelled(token):
    """(whole identifier or None, [plain words]) of one token, lower case."""
    parts = identifier_parts(token)
    if not parts:
        return None, [token.lower()]
    whole = token.lower() if len(parts) <= MAX_PARTS else None
    return whole, [p.lower() for p in parts]


def meaningful(uq, lang=ENGLISH):
    """Whether anything but stop and filler words was typed: meaning alone must not answer
    "nothing happens when I click"."""
    for token in [*uq.words, uq.prefix, *uq.also]:
        term = lang.stem(token.lower()) if token else None
        if identifier_parts(token) or (term and term not in lang.filler_terms):
            return True
    return False
