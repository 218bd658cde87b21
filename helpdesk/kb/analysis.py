"""How text becomes index terms: words, identifiers, stems, stop words and filler words.

Articles and what users type go through the same analysis, so a word typed matches the
word written:

* A token is a run of word characters, joined by `.`, `:`, `/`, `-` or a bracketed part, so
  `realpath_cache_size`, `catalog.product.price`, `MDVA-34591`, `setup:upgrade` and
  `SQLSTATE[HY000]` are one token each.
* An identifier (a token with joiners, or a code-style `camelCase` word) is indexed whole
  and also as its parts (`realpath`, `cache`, `size`), the way Elasticsearch's
  word_delimiter_graph does: "realpath cache size" finds `realpath_cache_size`, and the
  identifier typed whole also lifts the articles that spell it exactly (`MDVA-34591`, not
  `MDVA-34592`).
* Stop words say nothing and are dropped. Filler words ("too", "nothing", "click") are kept
  but weak: they may lift an article other words found, never find one alone, and are
  never highlighted.
* Each language has its own stop words and stemmer (`Language`): English keeps the Porter
  stemmer it was tuned with, other languages get Whoosh's Snowball stemmer and stop list.
  Accents are folded before anything else (`réinitialiser` and `reinitialiser` are one
  term); stored text, titles and snippets keep them.
"""

import re
import unicodedata
from functools import lru_cache

from whoosh.analysis import (
    STOP_WORDS,
    CharsetFilter,
    Filter,
    LowercaseFilter,
    RegexTokenizer,
    StemFilter,
    StopFilter,
)
from whoosh.lang import has_stemmer, stopwords_for_language
from whoosh.support.charset import accent_map

# Words people type into a help center's box that say nothing about the problem.
HELP_STOP_WORDS = frozenset(STOP_WORDS) | {
    "how", "do", "does", "did", "doing", "i", "im", "me", "my", "mine", "what", "why", "where",
    "which", "who", "whom", "there", "their", "they", "them", "was", "were", "been", "has",
    "had", "would", "should", "could", "am", "its", "our", "so", "but", "about", "into",
    "than", "then", "also", "just", "please", "help", "hi", "hello", "thanks", "any", "some",
}

# Words that describe a problem's mood rather than the problem: on their own they would
# find any article that happens to hold them ("attachment too big" found "...check too").
FILLER_WORDS = frozenset({
    "too", "don", "dont", "doesn", "doesnt", "didn", "didnt", "isn", "isnt", "wasn", "won",
    "cant", "cannot", "nothing", "anything", "something", "everything", "click", "clicked",
    "clicking", "clicks", "get", "gets", "got", "getting", "want", "wanted", "need", "needs",
    "like", "still", "even", "really", "very", "much", "many", "lot", "lots", "thing",
    "things", "now", "way", "keep", "keeps", "kept", "try", "tried", "trying", "see", "seems",
    "seem", "anymore", "anyone", "someone", "every", "all", "only", "again", "ever",
    "happen", "happens", "happened", "happening", "since", "after", "before", "because",
    "here", "able", "unable", "without", "instead", "same", "other", "another", "one",
    "guys", "weird", "strange", "suddenly", "today", "yesterday", "anybody", "somebody",
})

# French readers type these in a help center's box; Whoosh's French stop list has the
# pronouns and auxiliaries, not the politeness and question words.
FRENCH_STOP_WORDS = frozenset({
    "comment", "pourquoi", "quand", "quoi", "quel", "quelle", "quels", "quelles", "faire",
    "fait", "faut", "peux", "peut", "puis", "pouvez", "bonjour", "merci", "svp", "aide",
    "aider", "cela", "ça", "ca", "cet", "cette", "est-ce", "alors", "aussi", "donc", "si",
    "les", "où", "mes", "mon", "ma", "nos", "tout", "tous", "toute", "toutes",
})
FRENCH_FILLER_WORDS = frozenset({
    "rien", "toujours", "encore", "jamais", "vraiment", "très", "trop", "beaucoup", "chose",
    "choses", "cliquer", "clique", "cliqué", "essayé", "essaie", "essayer", "marche",
    "veux", "voudrais", "besoin", "depuis", "après", "avant", "parce", "autre", "même",
    "seulement", "aujourd", "hier", "soudain", "quelqu", "quelque",
})

TOKEN = re.compile(r"\w+(?:[.:/\-]\w+|\[\w+\])*", re.UNICODE)
_JOINERS = re.compile(r"[_:/\-\[\]]+|(?<!\d)\.|\.(?!\d)")
_HUMPS = re.compile(r"[A-Z]+\d*(?![a-z])|[A-Z]?[a-z]+\d*|\d+")
_CAMEL = re.compile(r"[a-z][A-Z]")
MAX_PARTS = 8  # longer runs (paths, URLs) are indexed by their parts only


def identifier_parts(token):
    """The parts of an identifier (original case), or [] for a plain word.

    Split at joiners (a dot only between letters, so "2.4.4" stays whole) and at the humps
    of a code-style word that starts in lower case or has three humps or more (`getMode`,
    `isScopePrivate`, `TierPriceStorage`), not brand names like `PayPal` or `GraphQL`.
    """
    pieces = [p for p in _JOINERS.split(token) if p]
    parts = []
    for piece in pieces:
        humps = _HUMPS.findall(piece) if piece.isascii() and _CAMEL.search(piece) else ()
        code_style = piece[:1].islower() or len(humps) >= 3
        if len(humps) > 1 and code_style and "".join(humps) == piece:
            parts.extend(humps)
        else:
            parts.append(piece)
    return parts if len(parts) > 1 else []


class IdentifierFilter(Filter):
    """An identifier token whole (marked `whole`), then each of its parts."""

    def __call__(self, tokens):
        for token in tokens:
            text = token.text
            parts = identifier_parts(text)
            if not parts:
                token.whole = False
                yield token
                continue
            if len(parts) <= MAX_PARTS:
                token.whole = True
                yield token
            for part in parts:
                token.text, token.whole = part, False
                yield token


class PairFilter(Filter):
    """Neighbouring terms as one term ("clear cach"): phrase and proximity matches at the
    cost of one more term lookup instead of reading positions. Whole identifiers are left
    out: their parts pair up instead. (Whoosh's BiWordFilter fails on a text with no words
    left after stop words.)"""

    def __call__(self, tokens):
        previous = None
        for token in tokens:
            if getattr(token, "whole", False):
                continue
            text = token.text
            if previous is not None:
                token.text = previous + PAIR_SEPARATOR + text
                yield token
            previous = text


PAIR_SEPARATOR = " "
# Accents folded: "réinitialiser" typed without them is the same word.
_FOLD = CharsetFilter(accent_map)


def fold(text):
    """`text` without accents, one character for each (so offsets into it hold)."""
    return "".join(_fold_char(c) for c in text) if not text.isascii() else text


@lru_cache(maxsize=4096)
def _fold_char(char):
    bare = "".join(c for c in unicodedata.normalize("NFD", char) if not unicodedata.combining(c))
    return bare if len(bare) == 1 else char


class BothStemsFilter(Filter):
    """Each word's stem with its accents folded, and, where it differs, the stem of the
    word typed without accents (the stemmer reads accents: "connectée" stems to
    `connect`, "connectee" to `connecte`). The index holds both at one position, so a
    reader typing with accents or without finds the word; queries take one stem (the
    `_one_word` chain), the one for what was typed."""

    def __init__(self, stemmer):
        self.stemmer = stemmer  # a StemFilter (its cache of stems is its own)

    def __call__(self, tokens):
        stem = self.stemmer._stem if hasattr(self.stemmer, "_stem") else self.stemmer.stemfn
        for token in tokens:
            text = token.text
            first = fold(stem(text))
            token.text = first
            yield token
            bare = fold(text)
            if bare != text:
                second = stem(bare)
                if second != first:
                    token.text = second
                    yield token


class Language:
    """The analysis of one language: its stop words, filler words and stemmer.

    Built once per language (`language(code)`); indexes pickle its analyzers in their
    schema, so everything here is plain data and Whoosh's own filters. Stop words are
    matched with and without accents; stems are taken of the word as written, then
    folded (`BothStemsFilter`).
    """

    def __init__(self, code):
        self.code = base = code.partition("_")[0].lower()
        if base == "en":
            stops, fillers = HELP_STOP_WORDS, FILLER_WORDS
            stemmer = StemFilter(cachesize=200_000)  # Porter: what the ranking was tuned on
        else:
            try:
                stops = frozenset(stopwords_for_language(base))
            except KeyError:  # Whoosh has no stop list for it: none
                stops = frozenset()
            stops |= FRENCH_STOP_WORDS if base == "fr" else frozenset()
            fillers = FRENCH_FILLER_WORDS if base == "fr" else frozenset()
            stemmer = StemFilter(lang=base, cachesize=200_000) if has_stemmer(base) else None
        self.stop_words = frozenset(stops) | frozenset(fold(w) for w in stops)
        self.filler_words = frozenset(fillers) | frozenset(fold(w) for w in fillers)
        stop = StopFilter(stoplist=self.stop_words, minsize=2)
        lowered = RegexTokenizer(TOKEN) | IdentifierFilter() | LowercaseFilter() | stop
        one_word = RegexTokenizer(TOKEN) | LowercaseFilter() | stop
        if stemmer is not None:
            self.analyzer = lowered | BothStemsFilter(stemmer)
            self.pair_analyzer = lowered | stemmer | _FOLD | PairFilter()
            one_word = one_word | stemmer | _FOLD
        else:
            self.analyzer = lowered | _FOLD
            self.pair_analyzer = self.analyzer | PairFilter()
            one_word = one_word | _FOLD
        # Unstemmed words: completions of a half-typed word and spelling corrections come
        # from here, so "configura" completes to "configuration".
        self.word_analyzer = lowered | _FOLD
        self._one_word = one_word
        self.stem = lru_cache(maxsize=200_000)(self._stem)
        self.filler_terms = frozenset(filter(None, (self.stem(w) for w in self.filler_words)))

    def _stem(self, word):
        """The index term for one word or whole identifier, or None for a stop word."""
        tokens = [t.text for t in self._one_word(word)]
        return tokens[0] if len(tokens) == 1 else None

    def stems(self, word):
        """Every index term a word may stand for (as written, and without accents)."""
        return {t for t in (self.stem(word), self.stem(fold(word))) if t}

    def __getstate__(self):
        raise TypeError("a Language is not stored; build it with language(code)")


@lru_cache(maxsize=None)
def language(code):
    """The analysis of a language code ("en", "fr", "fr_CA"...), built once."""
    return Language(code)


ENGLISH = language("en")
ANALYZER, PAIR_ANALYZER, WORD_ANALYZER = (ENGLISH.analyzer, ENGLISH.pair_analyzer,
                                          ENGLISH.word_analyzer)
stem = ENGLISH.stem
# Index terms of the filler words.
FILLER_TERMS = ENGLISH.filler_terms


def tokens_of(text):
    """The tokens of a text in their original case (identifiers whole)."""
    return TOKEN.findall(text)


def words_of(text):
    """Lower-case words of a text, each identifier whole and then as its parts."""
    words = []
    for token in tokens_of(text):
        parts = identifier_parts(token)
        if not parts:
            words.append(token.lower())
            continue
        if len(parts) <= MAX_PARTS:
            words.append(token.lower())
        words.extend(p.lower() for p in parts)
    return words
