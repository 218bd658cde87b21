"""Times in the reader's time zone: a zone name checked against the tz database, and
dates written with the zone they are in, in the reader's language (Babel's month names).

Times are stored as naive UTC. The name comes from the browser (a cookie the page's
script sets), so anything not in the tz database reads as UTC; the zone is always written
after the time, so nobody has to guess which one it is.
"""

from datetime import timezone
from functools import lru_cache
from zoneinfo import ZoneInfo, available_timezones

from babel import Locale, dates

MAX_NAME = 64

# Babel patterns (CLDR syntax) for the shipped languages: English keeps the day first
# ("3 December 2026, 06:36") as pages always wrote it; French links date and time with "à".
# Other languages get Babel's own long (date) and medium (short) patterns.
PATTERNS = {
    "en": {"long": "d MMMM y, HH:mm", "short": "d MMM y, HH:mm", "time": "HH:mm",
           "date": "d MMMM y"},
    "fr": {"long": "d MMMM y 'à' HH:mm", "short": "d MMM y, HH:mm", "time": "HH:mm",
           "date": "d MMMM y"},
}


@lru_cache(maxsize=1)
def _known():
    return frozenset(available_timezones())


@lru_cache(maxsize=512)
def zone(name):
    """The ZoneInfo for a tz database name, or UTC for anything else (empty, unknown, odd)."""
    if not name or len(name) > MAX_NAME or name not in _known():
        return timezone.utc
    return ZoneInfo(name)


def local(moment, tz):
    """A stored naive-UTC datetime in `tz`."""
    if moment.tzinfo is None:
        moment = moment.replace(tzinfo=timezone.utc)
    return moment.astimezone(tz)


def zone_label(moment):
    """"UTC", "CET", or "UTC+05:30" where the tz database has no letters for the zone."""
    name = moment.tzname() or "UTC"
    if name[0] in "+-":
        return "UTC" + name[:3] + (":" + name[3:] if name[3:] else "")
    return name


@lru_cache(maxsize=64)
def pattern(style, code):
    """The Babel pattern of `style` ("long", "short", "time", "date") in language `code`."""
    locale = Locale.parse(code or "en")
    known = PATTERNS.get(str(locale)) or PATTERNS.get(locale.language)
    if known:
        return known[style]
    if style == "time":
        return "HH:mm"
    day = locale.date_formats["long" if style in ("long", "date") else "medium"].pattern
    if style == "date":
        return day
    return str(locale.datetime_formats["medium"]).replace("{1}", day).replace("{0}", "HH:mm")


def when(moment, tz, style="long", code="en"):
    """ "3 December 2026, 06:36 CET" (long), "3 Dec 2026, 06:36 CET" (short), "06:36 CET"
    (time), "3 December 2026" (date); in French "3 décembre 2026 à 06:36 CET" and so on."""
    if moment is None:
        return ""
    there = local(moment, tz)
    text = dates.format_datetime(there, pattern(style, code), tzinfo=there.tzinfo,
                                 locale=code or "en")
    return text if style == "date" else f"{text} {zone_label(there)}"
