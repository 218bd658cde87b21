"""The reader's language, chosen the way the help center's readers expect.

Order: the signed-in person's saved choice, then the switch they used on a page (a
cookie), then what the browser asks for (`Accept-Language`), then `DEFAULT_LOCALE`. Only
the languages in `SUPPORTED_LOCALES` are ever chosen, so a cookie or a header naming
anything else falls through to the next step.
"""

import re
from functools import lru_cache
from pathlib import Path

from babel import Locale, UnknownLocaleError
from flask import current_app, g, has_request_context, request
from flask_babel import get_translations

# The switch on every page remembers the choice here; read, never trusted as is.
COOKIE = "lang"
COOKIE_MAX_AGE = 365 * 24 * 3600


# A site's own catalogs (instance/translations/<code>/LC_MESSAGES/messages.mo) are read
# after the shipped ones, so their entries win: a site corrects or adds a language without
# editing the package.
SITE_TRANSLATIONS = "translations"


def configured(config):
    """SUPPORTED_LOCALES as a tuple; an instance config may also write "en fr" or "en,fr"."""
    value = config["SUPPORTED_LOCALES"]
    if isinstance(value, str):
        value = re.split(r"[\s,]+", value)
    return tuple(code for code in value if code)


def offered(config=None):
    """The site's languages, the default first ("en", "fr")."""
    config = config or current_app.config
    default = normalize(config["DEFAULT_LOCALE"]) or "en"
    others = [normalize(code) for code in configured(config)]
    return tuple(dict.fromkeys([default, *filter(None, others)]))


def check(config):
    """Stop the start on a language setting that cannot work, naming the setting."""
    codes = configured(config)
    if not codes:
        raise RuntimeError("SUPPORTED_LOCALES is empty: list the languages the site offers,"
                           " for example \"en,fr\"")
    for key, code in [("DEFAULT_LOCALE", config["DEFAULT_LOCALE"]),
                      *(("SUPPORTED_LOCALES", c) for c in codes)]:
        if not normalize(code):
            raise RuntimeError(f"{key}: {code!r} is not a language code (such as \"fr\" or"
                               " \"pt_BR\")")
        try:
            Locale.parse(normalize(code))
        except (UnknownLocaleError, ValueError):
            raise RuntimeError(f"{key}: {code!r} is not a language Babel knows") from None
    if normalize(config["DEFAULT_LOCALE"]) not in {normalize(c) for c in codes}:
        raise RuntimeError(f"DEFAULT_LOCALE {config['DEFAULT_LOCALE']!r} is not one of"
                           f" SUPPORTED_LOCALES ({', '.join(codes)}): add it there")


def translation_directories(config, instance_path):
    """BABEL_TRANSLATION_DIRECTORIES: the package's catalogs, then the site's own."""
    if config.get("BABEL_TRANSLATION_DIRECTORIES"):
        return config["BABEL_TRANSLATION_DIRECTORIES"]
    return ";".join(["translations", str(Path(instance_path) / SITE_TRANSLATIONS)])


@lru_cache(maxsize=64)
def own_name(code):
    """A language in its own words: "English", "Français"."""
    name = Locale.parse(code).get_display_name(code) or code
    return name[:1].upper() + name[1:]


def default(config=None):
    return offered(config)[0]


def normalize(code):
    """ "fr-CA" or "FR_ca" -> "fr_CA"; "" for anything that is not a language tag."""
    code = (code or "").strip().replace("-", "_")
    if not code or len(code) > 16 or not code.replace("_", "").isalnum():
        return ""
    language, _, region = code.partition("_")
    return language.lower() + ("_" + region.upper() if region else "")


def pick(code, config=None):
    """`code` if the site offers it (or its language without the region), else None."""
    code = normalize(code)
    languages = offered(config)
    if code in languages:
        return code
    base = code.partition("_")[0]
    return base if base in languages else None


def saved_choice():
    """The signed-in person's saved language, if they saved one."""
    from flask_login import current_user
    return getattr(current_user, "locale", None) if current_user else None


def choose():
    """Flask-Babel's locale selector: the language of this request's pages and texts."""
    if not has_request_context():
        return default()
    if "locale" not in g:
        g.locale = pick(saved_choice()) or _unsaved()
    return g.locale


def for_keystroke():
    """The language of a call made on every keystroke (suggestions): the one its page
    asks for (`lang`, the page's own language), else the switch, the browser, the default.
    Never the saved choice: reading it loads the session and the account on every
    keystroke, and the page that asks already chose with it."""
    if not has_request_context():
        return default()
    return pick(request.args.get("lang")) or _unsaved()


def _unsaved():
    return (pick(request.cookies.get(COOKIE))
            or pick(request.accept_languages.best_match(
                [code.replace("_", "-") for code in offered()]))
            or default())


# Flask-Babel keeps what it chose for the request in this namespace on `g` (`babel_locale`,
# replaced by `force_locale` and dropped by `refresh`); the catalog is kept there too, with
# the locale it belongs to.
_BABEL_STATE = "_flask_babel"
_CACHED = "helpdesk_catalog"


def catalog():
    """The translations of the language being written in, found once per language per
    request. Flask-Babel's `get_translations` finds the locale and its catalog again on
    each call, which pages that translate a few hundred texts pay for every one."""
    state = getattr(g._get_current_object(), _BABEL_STATE, None) if g else None
    locale = getattr(state, "babel_locale", None)
    if locale is None:  # nothing chosen yet (or no request): Flask-Babel chooses
        return get_translations()
    cached = getattr(state, _CACHED, None)
    if cached is None or cached[0] is not locale:
        cached = (locale, get_translations())
        setattr(state, _CACHED, cached)
    return cached[1]


def gettext(string, **variables):
    """Flask-Babel's `gettext` through `catalog`, for texts made once per row of a page."""
    text = catalog().ugettext(string)
    return text % variables if variables else text
