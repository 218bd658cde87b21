"""The reader's language, chosen the way the help center's readers expect.

Order: the signed-in person's saved choice, then the switch they used on a page (a
cookie), then what the browser asks for (`Accept-Language`), then `DEFAULT_LOCALE`. Only
the languages in `SUPPORTED_LOCALES` are ever chosen, so a cookie or a header naming
anything else falls through to the next step.
"""

from flask import current_app, g, has_request_context, request

# The switch on every page remembers the choice here; read, never trusted as is.
COOKIE = "lang"
COOKIE_MAX_AGE = 365 * 24 * 3600


def offered(config=None):
    """The site's languages, the default first ("en", "fr")."""
    config = config or current_app.config
    default = normalize(config["DEFAULT_LOCALE"]) or "en"
    others = [normalize(code) for code in config["SUPPORTED_LOCALES"]]
    return tuple(dict.fromkeys([default, *filter(None, others)]))


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
        g.locale = (pick(saved_choice()) or pick(request.cookies.get(COOKIE))
                    or pick(request.accept_languages.best_match(
                        [code.replace("_", "-") for code in offered()]))
                    or default())
    return g.locale
