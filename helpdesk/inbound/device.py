"""The mobile app's device details block, read into a request's environment.

The app's "Contact support" opens a mail whose body ends with lines like

    App version: 3.2.1
    OS: Android 14
    Device: Pixel 7

(the format is documented for app developers in docs/email.md). Each line is
"Label: value" at the start of a line; labels are case-insensitive; the first of each
wins; quoted lines ("> ...") are not read, so a reply that quotes an older mail does not
change anything. Values are cut and cleaned like every other environment value.
"""

import re

from ..tickets import environment

LABELS = {
    "app version": "app_version",
    "os": "app_os", "os version": "app_os", "operating system": "app_os",
    "device": "app_device", "device model": "app_device",
    "language": "language", "locale": "language",
    "time zone": "timezone", "timezone": "timezone",
}
# The keys that make it the app's block (language alone is not a device).
APP_KEYS = {"app_version", "app_os", "app_device"}
MAX_LINES = 400  # only the top of a long mail is read
_LINE = re.compile(r"^\s*([A-Za-z][A-Za-z ]{0,30}?)\s*:\s*(\S.*?)\s*$")


def details(text):
    """{"app_version": ..., "app_os": ..., "app_device": ...} from a mail body, or None."""
    found = {}
    for line in (text or "").splitlines()[:MAX_LINES]:
        if line.lstrip().startswith(">"):
            continue
        match = _LINE.match(line)
        if not match:
            continue
        key = LABELS.get(" ".join(match.group(1).lower().split()))
        value = environment.clean(match.group(2))
        if key and value and key not in found:
            found[key] = value
    if not APP_KEYS & set(found):
        return None
    return found


def block(app_version="", os="", device="", language="", timezone=""):
    """The device details block as the app should write it (see docs/email.md)."""
    lines = [("App version", app_version), ("OS", os), ("Device", device),
             ("Language", language), ("Time zone", timezone)]
    return "--\r\n" + "".join(f"{label}: {' '.join(str(value).split())}\r\n"
                              for label, value in lines if str(value or "").strip())


def mailto_link(address, subject="Help with the app", text="", **details):
    """A `mailto:` link (RFC 6068) that opens a mail to support with the details block:
    the reference for app developers, documented in docs/email.md."""
    from urllib.parse import quote
    body = (text.rstrip() + "\r\n" if text.strip() else "") + "\r\n\r\n" + block(**details)
    return (f"mailto:{quote(address, safe='@')}?subject={quote(subject, safe='')}"
            f"&body={quote(body, safe='')}")
