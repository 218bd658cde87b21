"""Markdown to plain text for the index: an article's readable words and its headings.

Search needs the words a reader sees, not HTML: links keep their text, images their alt
text, code stays (users paste error messages), markup and table rules go.
"""

import re

_TAG = re.compile(r"<[^>]+>")
_FENCE = re.compile(r"^[ \t]*(```|~~~)")
_HEADING = re.compile(r"^[ \t]{0,3}(#{1,6})[ \t]+(.+?)[ \t#]*$")
_IMAGE = re.compile(r"!\[([^\]]*)\]\([^)]*\)")
_LINK = re.compile(r"\[([^\]]+)\]\([^)]*\)")
_REF_DEF = re.compile(r"^[ \t]{0,3}\[[^\]]+\]:\s*\S+.*$", re.M)
_ENTITY = re.compile(r"&(nbsp|amp|lt|gt|quot|#39);")
_ENTITIES = {"nbsp": " ", "amp": "&", "lt": "<", "gt": ">", "quot": '"', "#39": "'"}
_MARKUP = re.compile(r"(\*\*|__|`+|^[ \t]*[>*+-][ \t]+|^[ \t]*\d+\.[ \t]+|^[ \t]*\|?[-:| ]+\|[-:| ]*$"
                     r"|^!!!.*$|^\?\?\?.*$)", re.M)
_SPACES = re.compile(r"[ \t]+")
_BLANKS = re.compile(r"\n{3,}")


def to_plain_text(body):
    """Readable text of a Markdown body (code kept: users paste error messages)."""
    text = _IMAGE.sub(r"\1", body)
    text = _LINK.sub(r"\1", text)
    text = _REF_DEF.sub("", text)
    text = _TAG.sub(" ", text)
    text = _ENTITY.sub(lambda m: _ENTITIES[m.group(1)], text)
    lines = []
    for line in text.splitlines():
        if _FENCE.match(line):
            continue
        heading = _HEADING.match(line)
        if heading:
            line = heading.group(2)
        lines.append(line)
    text = _MARKUP.sub(" ", "\n".join(lines))
    text = text.replace("|", " ")
    text = _SPACES.sub(" ", text)
    return _BLANKS.sub("\n\n", text).strip()


def headings(body):
    """The text of the body's headings, outside fenced code."""
    found, fenced = [], False
    for line in body.splitlines():
        if _FENCE.match(line):
            fenced = not fenced
            continue
        if not fenced:
            heading = _HEADING.match(line)
            if heading:
                found.append(_LINK.sub(r"\1", _TAG.sub("", heading.group(2))).strip("*_` "))
    return found
