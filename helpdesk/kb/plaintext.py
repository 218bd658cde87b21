"""Markdown to plain text for the index: an article's readable words and its headings.

Search needs the words a reader sees, not HTML: links keep their text, images their alt
text, code stays (users paste error messages), markup and table rules go. Snippets need
less: whole sentences of prose, never a table's cells or code run together.
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
_MARKUP = re.compile(r"(\*\*|__|`+|^[ \t]*[>*+-][ \t]+|^[ \t]*\d+\.[ \t]+"
                     r"|^[ \t]*\|?[-:| ]+\|[-:| ]*$|^!!!.*$|^\?\?\?.*$)", re.M)
_SPACES = re.compile(r"[ \t]+")
_BLANKS = re.compile(r"\n{3,}")
_HTML_TABLE = re.compile(r"<table\b.*?</table\s*>", re.I | re.S)
_BLOCK_TAG = re.compile(r"</?(?:p|div|br|li|ul|ol|h[1-6]|tr|blockquote|pre)\b[^>]*>", re.I)
_TABLE_RULE = re.compile(r"^[ \t]*\|?[ \t]*:?-{3,}")
_LIST_ITEM = re.compile(r"^[ \t]*(?:[*+-]|\d+\.)[ \t]+")
_SENTENCE_END = re.compile(r"(?<=[.!?])\s+(?=[\"'(\[]?[A-Z0-9])")


def _inline_text(text):
    """Images, links and HTML tags replaced by their text; entities decoded."""
    text = _IMAGE.sub(r"\1", text)
    text = _LINK.sub(r"\1", text)
    text = _REF_DEF.sub("", text)
    text = _TAG.sub(" ", text)
    return _ENTITY.sub(lambda m: _ENTITIES[m.group(1)], text)


def to_plain_text(body):
    """Readable text of a Markdown body (code kept: users paste error messages)."""
    text = _inline_text(body)
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


def sentences(body):
    """The prose of a Markdown body as whole sentences (list items count as one each).

    Headings, tables, code and admonition titles are left out: a snippet made of them
    would run cells or lines together.
    """
    text = _inline_text(_BLOCK_TAG.sub("\n\n", _HTML_TABLE.sub("\n\n", body)))
    found, paragraph, fenced = [], [], False
    for line in text.splitlines():
        if _FENCE.match(line):
            fenced = not fenced
        if fenced or _FENCE.match(line) or not line.strip() or _not_prose(line):
            _flush(paragraph, found)
            continue
        if _LIST_ITEM.match(line):
            _flush(paragraph, found)
        paragraph.append(line)
    _flush(paragraph, found)
    return found


def _not_prose(line):
    return bool(_HEADING.match(line) or line.count("|") >= 2 or _TABLE_RULE.match(line)
                or line.lstrip().startswith(("!!!", "???")))


def _flush(paragraph, found):
    """Turn the lines of one paragraph into sentences appended to `found`."""
    if not paragraph:
        return
    text = "\n".join(paragraph).replace("`", "").replace("**", "").replace("__", "")
    text = _SPACES.sub(" ", _MARKUP.sub(" ", text).replace("\n", " ")).strip()
    paragraph.clear()
    found.extend(s for s in _SENTENCE_END.split(text) if len(s) > 1)
