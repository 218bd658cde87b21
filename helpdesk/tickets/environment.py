"""The requester's technical environment: what support needs to reproduce a problem.

Three sources, all untrusted and bounded: the User-Agent header (parsed with ua-parser),
what the page's script reports (language, time zone, screen size, the OS version from
User-Agent Client Hints), and the mobile app's prefill (`?app_version=&os=&device=`).
The requester sees the one-line summary built here and may leave it out.
"""

import re

from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from ua_parser import parse as parse_user_agent

MAX_VALUE = 80
# What the browser and the app may report, as form field -> stored key.
CLIENT_FIELDS = {"env_language": "language", "env_timezone": "timezone",
                 "env_screen": "screen", "env_os_version": "platform_version"}
APP_FIELDS = {"app_version": "app_version", "os": "app_os", "device": "app_device"}
_SAFE = re.compile(r"[^\w .,:;/()+\-_@#]", re.UNICODE)
_SCREEN = re.compile(r"^\d{2,5}x\d{2,5}$")


def clean(value, limit=MAX_VALUE):
    """One short line of plain text, or "" (no controls, no markup characters)."""
    text = " ".join(str(value or "").split())
    return _SAFE.sub("", text)[:limit].strip()


def from_user_agent(header):
    """Browser, version, OS and device as ua-parser reads them; {} when unknown."""
    header = (header or "")[:512]
    if not header:
        return {}
    result = parse_user_agent(header)
    found = {}
    if result.user_agent and result.user_agent.family != "Other":
        found["browser"] = result.user_agent.family
        if result.user_agent.major:
            found["browser_version"] = result.user_agent.major
    if result.os and result.os.family != "Other":
        found["os"] = result.os.family
        version = ".".join(p for p in (result.os.major, result.os.minor) if p)
        if version:
            found["os_version"] = version
    if result.device and result.device.family not in ("Other", "Spider"):
        found["device"] = result.device.family
    return {key: clean(value) for key, value in found.items() if clean(value)}


def collect(user_agent, form):
    """The environment to attach: the parsed User-Agent plus reported and prefilled fields."""
    env = from_user_agent(user_agent)
    for field, key in {**CLIENT_FIELDS, **APP_FIELDS}.items():
        value = clean(form.get(field, ""))
        if value:
            env[key] = value
    if "screen" in env and not _SCREEN.match(env["screen"]):
        del env["screen"]
    _windows_eleven(env)
    if user_agent:
        env["user_agent"] = " ".join(user_agent.split())[:512]
    return env


def _windows_eleven(env):
    """Windows 11 sends "Windows NT 10.0"; its Client Hints platform version is 13 or more."""
    version = env.pop("platform_version", "")
    if env.get("os") == "Windows" and version:
        major = version.split(".")[0]
        if major.isdigit():
            env["os_version"] = "11" if int(major) >= 13 else "10"


def describe(env):
    """One line a person reads: "Chrome 131 on Windows 11, English (en-GB), ..."."""
    if not env:
        return ""
    parts = []
    browser = " ".join(p for p in (env.get("browser"), env.get("browser_version")) if p)
    system = " ".join(p for p in (env.get("os"), env.get("os_version")) if p)
    if browser and system:
        parts.append(_("%(browser)s on %(system)s", browser=browser, system=system))
    elif browser or system:
        parts.append(browser or system)
    if env.get("device"):
        parts.append(env["device"])
    app = [env.get("app_version") and _("app %(version)s", version=env["app_version"]),
           env.get("app_os"), env.get("app_device")]
    if any(app):
        parts.append(_("mobile app: %(details)s", details=" / ".join(p for p in app if p)))
    # The same texts as the script's (helpdesk.js), which recognises them in a line the
    # server wrote so that it replaces them instead of adding them twice.
    if env.get("language"):
        parts.append(_("language %(value)s", value=env["language"]))
    if env.get("timezone"):
        parts.append(_("time zone %(value)s", value=env["timezone"]))
    if env.get("screen"):
        parts.append(_("screen %(value)s", value=env["screen"]))
    return ", ".join(parts)


LABELS = (("browser", _l("Browser")), ("browser_version", _l("Browser version")),
          ("os", _l("Operating system")), ("os_version", _l("OS version")),
          ("device", _l("Device")), ("app_version", _l("App version")),
          ("app_os", _l("App OS")), ("app_device", _l("App device")),
          ("language", _l("Language")), ("timezone", _l("Time zone")),
          ("screen", _l("Screen")), ("user_agent", _l("User-Agent")))


def rows(env):
    """(label, value) pairs in a stable order, for pages and mail."""
    return [(label, env[key]) for key, label in LABELS if (env or {}).get(key)]
