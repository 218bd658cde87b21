"""Small text helpers every layer may use."""

LIKE_ESCAPE = "\\"


def like_escaped(text):
    """`text` for a LIKE pattern (with escape=LIKE_ESCAPE): its % and _ match themselves."""
    return text.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")


def byte_size(n):
    """A size as people read it: "10 MiB", "300 KiB" (never "0 KiB")."""
    return f"{n / (1024 * 1024):.0f} MiB" if n >= 1024 * 1024 else f"{max(n // 1024, 1)} KiB"
