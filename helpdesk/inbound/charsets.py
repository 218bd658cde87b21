"""Turn the bytes of a mail part into text, whatever charset it claims (or lies about).

Real mail declares charsets Python does not know ("unknown-8bit", "x-user-defined"),
declares US-ASCII and sends UTF-8, or sends Windows code pages labelled ISO-8859-1. The
order here: the declared charset (through a table of well-known supersets), strictly;
then UTF-8, strictly; then charset-normalizer's guess; and last the declared charset (or
Windows-1252) with replacement characters, so decoding never fails.
"""

import codecs
import re

from charset_normalizer import from_bytes

# Labels that name no charset, or one whose superset decodes the same bytes better.
SUPERSETS = {
    "us-ascii": "ascii", "ascii": "ascii", "ansi_x3.4-1968": "ascii",
    "iso-8859-1": "cp1252", "latin1": "cp1252", "latin-1": "cp1252", "iso8859-1": "cp1252",
    "gb2312": "gb18030", "gbk": "gb18030", "x-gbk": "gb18030", "euc-cn": "gb18030",
    "big5": "big5hkscs", "ks_c_5601-1987": "cp949", "euc-kr": "cp949",
    "shift_jis": "cp932", "shift-jis": "cp932", "sjis": "cp932", "x-sjis": "cp932",
    "iso-2022-jp": "iso2022_jp_ext", "unicode-1-1-utf-7": "utf-7", "utf7": "utf-7",
    "iso-8859-8-i": "iso-8859-8", "windows-874": "cp874", "tis-620": "cp874",
    "utf8": "utf-8", "x-unicode20utf8": "utf-8",
}
MS_JIS = "x-ms-iso-2022-jp"  # Microsoft's ISO-2022-JP (CP50220): NEC and IBM extensions
# Mail labelled with one charset is often written in a close relative of it.
RELATIVES = {
    "iso2022_jp_ext": (MS_JIS, "cp932", "euc_jp"), "iso2022_jp": (MS_JIS, "cp932", "euc_jp"),
    "cp932": ("euc_jp",), "euc_jp": ("cp932",), "gb18030": ("big5hkscs",),
    "big5hkscs": ("gb18030",), "cp949": ("gb18030",), "koi8_r": ("cp1251",),
    "cp1251": ("koi8_r",), "ascii": ("utf-8",),
}
SINGLE_BYTE_PREFIXES = ("cp12", "iso8859", "latin", "koi8", "mac", "cp4", "cp8", "tis")
NOT_A_CHARSET = {"unknown-8bit", "x-unknown", "unknown", "x-user-defined", "default",
                 "charset", "8bit", "binary", ""}
GUESS_SAMPLE = 64 * 1024
# C0 controls that have no place in text shown to people (tab, newline and CR stay).
_CONTROLS = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f]")


def codec_for(label):
    """The Python codec for a MIME charset label, or None when it names none we know."""
    name = (label or "").strip().strip('"').strip("'").lower()
    if name in NOT_A_CHARSET or len(name) > 40:
        return None
    # "iso-gb2312", "x-mac-roman", "csISOLatin1": prefixes some mail programs add.
    for candidate in (name, name.removeprefix("x-"), name.removeprefix("iso-"),
                      name.removeprefix("cs")):
        candidate = SUPERSETS.get(candidate, candidate)
        try:
            return codecs.lookup(candidate).name
        except (LookupError, ValueError):
            continue
    return None


def decode(data, declared=None):
    """Text from `data` (bytes); never raises. Controls other than tab/CR/LF are removed."""
    if not data:
        return ""
    codec = codec_for(declared)
    if b"\x1b$" in data or b"\x1b(" in data:
        codec = codec if codec and codec.startswith("iso2022") else "iso2022_jp_ext"
    text = None
    for candidate in candidates(codec):
        text = _strict(data, candidate)
        if text is not None:
            break
    if text is None and _has_utf8_sequences(data):
        # Mostly UTF-8 with a few Windows-1252 bytes pasted in: the most common mix.
        text = data.decode("utf-8", errors=MIXED_ERRORS)
    if text is None:
        text = _guess(data)
    if text is None:
        text = data.decode(codec if codec not in (None, "ascii") else "cp1252", errors="replace")
    return clean(text)


def candidates(codec):
    """The codecs to try strictly, in order, for text labelled `codec`."""
    found = [codec] if codec and codec != "ascii" else []
    found.extend(RELATIVES.get(codec, ()))
    found.append("utf-8")
    return list(dict.fromkeys(found))


def is_single_byte(codec):
    """Single-byte charsets decode any bytes, so they are the last ones to try."""
    return (codec or "").replace("-", "").replace("_", "").startswith(SINGLE_BYTE_PREFIXES)


MIXED_ERRORS = "helpdesk-cp1252-fallback"
_UTF8_SEQUENCE = re.compile(
    rb"[\xc2-\xdf][\x80-\xbf]|[\xe0-\xef][\x80-\xbf]{2}|[\xf0-\xf4][\x80-\xbf]{3}")


def _cp1252_fallback(error):
    """Codec error handler: bytes that are not UTF-8 read as Windows-1252."""
    bad = error.object[error.start:error.end]
    return bad.decode("cp1252", errors="replace"), error.end


codecs.register_error(MIXED_ERRORS, _cp1252_fallback)


def _has_utf8_sequences(data):
    return _UTF8_SEQUENCE.search(data[:GUESS_SAMPLE]) is not None


def clean(text):
    return _CONTROLS.sub("", text)


def _strict(data, codec):
    if codec == MS_JIS:
        return _ms_iso2022jp(data)
    try:
        return data.decode(codec)
    except (UnicodeDecodeError, LookupError, ValueError):
        return None


def _guess(data):
    """charset-normalizer's best reading of a sample, applied to the whole."""
    best = from_bytes(data[:GUESS_SAMPLE]).best()
    if best is None or not best.encoding:
        return None
    return data.decode(best.encoding, errors="replace")


_JIS_ESCAPE = re.compile(rb"\x1b(\$[@B]|\([BJI])")


def _ms_iso2022jp(data):
    """ISO-2022-JP as Windows writes it (CP50220, which Python lacks): the JIS X 0208
    segments may hold NEC row 13 ("①", "㈱"...), so each is mapped to Shift_JIS and read
    as CP932, which has those characters."""
    out = bytearray()
    mode = b"(B"
    position = 0
    for match in _JIS_ESCAPE.finditer(data):
        out += _jis_segment(data[position:match.start()], mode)
        mode = match.group(1)
        position = match.end()
    out += _jis_segment(data[position:], mode)
    try:
        return bytes(out).decode("cp932")
    except UnicodeDecodeError:
        return None


def _jis_segment(chunk, mode):
    if mode == b"(I":  # JIS X 0201 katakana: the Shift_JIS half-width range
        return bytes(b | 0x80 if 0x21 <= b <= 0x5F else b for b in chunk)
    if mode not in (b"$B", b"$@"):
        return chunk
    out = bytearray()
    for i in range(0, len(chunk) - 1, 2):
        j1, j2 = chunk[i], chunk[i + 1]
        if not (0x21 <= j1 <= 0x7E and 0x21 <= j2 <= 0x7E):
            out += bytes((j1, j2))
            continue
        s1 = ((j1 - 0x21) >> 1) + 0x81
        if s1 > 0x9F:
            s1 += 0x40
        if j1 % 2:
            s2 = j2 + 0x1F + (1 if j2 >= 0x60 else 0)
        else:
            s2 = j2 + 0x7E
        out += bytes((s1, s2))
    if len(chunk) % 2:
        out += chunk[-1:]
    return bytes(out)
