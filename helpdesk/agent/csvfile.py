"""CSV files that spreadsheets open safely.

A cell that begins with "=", "+", "-" or "@" (or a tab or carriage return, which some
programs skip before looking) is read as a formula by Excel, LibreOffice and Google
Sheets: a search query typed by a visitor could run one on an agent's machine. Such cells
get a leading apostrophe, which spreadsheets show as text (the OWASP advice). Numbers are
written as numbers.
"""

import csv
import io

FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")


def cell(value):
    if value is None:
        return ""
    if isinstance(value, bool):
        return "yes" if value else "no"
    if isinstance(value, (int, float)):
        return value
    text = str(value)
    return "'" + text if text.startswith(FORMULA_STARTS) else text


def render(header, rows):
    """The CSV text (with a header row) for `rows` of values."""
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\r\n")
    writer.writerow([cell(h) for h in header])
    for row in rows:
        writer.writerow([cell(v) for v in row])
    return out.getvalue()
