"""Times in the reader's time zone: a zone name checked against the tz database, and
dates written with the zone they are in.

Times are stored as naive UTC. The name comes from the browser (a cookie the page's
script sets), so anything not in the tz database reads as UTC; the zone is always written
after the time, so nobody has to guess which one it is.
"""

from datetime import timezone
from functools import lru_cache
from zoneinfo import ZoneInfo, available_timezones

MAX_NAME = 64


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


def when(moment, tz, style="long"):
    """ "3 December 2026, 06:36 CET" (long), "3 Dec 2026, 06:36 CET" (short), "06:36 CET" (time)."""
    if moment is None:
        return ""
    there = local(moment, tz)
    pattern = {"long": "%-d %B %Y, %H:%M", "short": "%-d %b %Y, %H:%M", "time": "%H:%M",
               "date": "%-d %B %Y"}[style]
    text = there.strftime(pattern)
    return text if style == "date" else f"{text} {zone_label(there)}"
