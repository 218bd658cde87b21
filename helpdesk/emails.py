"""One way to write an email address: trimmed and lower-cased, as every stored address is
and every look-up compares. (Checking that an address is valid is the forms' and inbound
mail's job; this only makes two spellings of one address equal.)"""


def normalize_email(value):
    return (value or "").strip().lower()


# --- "did you mean": a mistyped common domain ---------------------------------------------
# The providers most people write from. A domain one or two key slips from one of these
# (and not itself on the list) is most likely that one mistyped: "gmial.con" -> gmail.com.
COMMON_DOMAINS = frozenset({
    "gmail.com", "googlemail.com", "yahoo.com", "yahoo.co.uk", "yahoo.fr", "yahoo.de",
    "ymail.com", "hotmail.com", "hotmail.co.uk", "hotmail.fr", "hotmail.de", "hotmail.it",
    "outlook.com", "outlook.fr", "outlook.de", "live.com", "live.co.uk", "live.fr", "msn.com",
    "icloud.com", "me.com", "mac.com", "aol.com", "gmx.com", "gmx.de", "gmx.net", "web.de",
    "mail.com", "protonmail.com", "proton.me", "pm.me", "yandex.ru", "yandex.com", "mail.ru",
    "comcast.net", "verizon.net", "att.net", "sbcglobal.net", "orange.fr", "free.fr",
    "laposte.net", "sfr.fr", "wanadoo.fr", "btinternet.com", "virginmedia.com", "sky.com",
    "t-online.de", "libero.it", "qq.com", "163.com", "126.com", "naver.com", "fastmail.com",
    "zoho.com",
})
_LONGEST = max(len(d) for d in COMMON_DOMAINS)


def _slips(a, b, limit):
    """Edits (insert, delete, change, swap two neighbours) from a to b; limit + 1 once over."""
    if abs(len(a) - len(b)) > limit:
        return limit + 1
    before, row = None, list(range(len(b) + 1))
    for i in range(1, len(a) + 1):
        current = [i] + [0] * len(b)
        for j in range(1, len(b) + 1):
            cost = a[i - 1] != b[j - 1]
            current[j] = min(row[j] + 1, current[j - 1] + 1, row[j - 1] + cost)
            if i > 1 and j > 1 and a[i - 1] == b[j - 2] and a[i - 2] == b[j - 1]:
                current[j] = min(current[j], before[j - 2] + 1)
        before, row = row, current
    return row[-1]


def suggest_address(address):
    """The address with its domain corrected ("frank@gmail.com" for "frank@gmial.con"), or
    None when the domain is a common one, far from all of them, or could be two."""
    local, at, domain = normalize_email(address).rpartition("@")
    if not at or not local or not domain or domain in COMMON_DOMAINS:
        return None
    if len(domain) > _LONGEST + 2:
        return None
    best, best_slips, tie = None, 3, False
    for common in COMMON_DOMAINS:
        allowed = 1 if len(common) < 8 else 2  # short names are close to too much
        slips = _slips(domain, common, allowed)
        if slips <= allowed and slips <= best_slips:
            tie = slips == best_slips and best is not None
            best, best_slips = common, slips
    if best is None or tie:
        return None
    return f"{address.strip().rpartition('@')[0]}@{best}"
