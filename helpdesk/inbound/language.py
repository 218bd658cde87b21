"""The language a mail is written in: its `Content-Language` header when it names one of
the site's languages, else the one whose common short words ("the", "and"; "le", "et")
its text uses clearly more than any other's, else the site's default.

The short words are Whoosh's own stop-word lists (whoosh.lang.stopwords), so no language
model is needed; a mail too short or too mixed to tell reads as DEFAULT_LOCALE.
"""

import re

from whoosh.lang.stopwords import stoplists

from .. import locales

WORD = re.compile(r"[^\W\d_]+(?:['’][^\W\d_]+)?")
MAX_CHARS = 20_000  # enough text to tell; the rest of a long mail changes nothing
MIN_HITS = 5  # fewer common words than this: too short to tell
MARGIN = 1.5  # the winner must use this many times the runner-up's common words


def of_mail(message, text):
    """The language code to keep on a request made from this mail."""
    return declared(message.get("Content-Language")) or detected(text) or locales.default()


def declared(header):
    """The first language of a `Content-Language` header the site offers ("fr-FR" -> "fr")."""
    for tag in str(header or "")[:200].split(","):
        code = locales.pick(tag.strip())
        if code:
            return code
    return None


def detected(text):
    """The offered language whose stop words the text uses most, if it is clear; else None."""
    words = [w.lower() for w in WORD.findall((text or "")[:MAX_CHARS])]
    # "l'adresse", "d’un": French elisions count as their article.
    words += [w.split("'")[0].split("’")[0] for w in words if "'" in w or "’" in w]
    counts = []
    for code in locales.offered():
        stops = stoplists.get(code.partition("_")[0])
        if stops:
            counts.append((sum(1 for w in words if w in stops), code))
    counts.sort(reverse=True)
    if not counts or counts[0][0] < MIN_HITS:
        return None
    if len(counts) > 1 and counts[0][0] < MARGIN * counts[1][0]:
        return None
    return counts[0][1]
