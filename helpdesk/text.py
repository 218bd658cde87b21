"""Small text helpers every layer may use."""

from flask_babel import gettext as _

LIKE_ESCAPE = "\\"
NAME_MAX = 80  # a person's display name, as they typed it


def clean_name(text):
    """A display name as it may be shown and mailed: one line of printable characters,
    spaces collapsed, at most NAME_MAX characters; None when nothing is left."""
    if not isinstance(text, str):
        return None
    printable = "".join(ch if ch.isprintable() else " " for ch in text)
    name = " ".join(printable.split())[:NAME_MAX].strip()
    return name or None


def like_escaped(text):
    """`text` for a LIKE pattern (with escape=LIKE_ESCAPE): its % and _ match themselves."""
    return text.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")


def byte_size(n):
    """A limit as people read it, in whole units: "10 MiB", "300 KiB" (never "0 KiB"), in
    the language of the page or mail ("10 Mio")."""
    if n >= 1024 * 1024:
        return _("%(num)s MiB", num=f"{n / (1024 * 1024):.0f}")
    return _("%(num)s KiB", num=max(n // 1024, 1))
