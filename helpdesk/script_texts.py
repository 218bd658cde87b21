"""The translations helpdesk.js needs, embedded in every page as a JSON data block.

The script writes its sentences in English through `t("...")` and `tn("...", "...", n)`;
the msgids are found once per process by Babel's JavaScript extractor (the same one
`pybabel extract` runs, see babel.cfg), and each language's JSON is built once and kept.
An English page carries no block: the script's own English is the text.
CSP forbids inline scripts, but `type="application/json"` is data, never run.
"""

import json
from functools import lru_cache
from pathlib import Path

from babel.messages.extract import extract_javascript
from flask import current_app
from flask_babel import get_locale, get_translations
from markupsafe import Markup

SCRIPT = Path(__file__).parent / "static" / "helpdesk.js"
KEYWORDS = {"t": None, "tNodes": None, "tn": (1, 2)}

# The two rules the offered languages use: French counts 0 and 1 as singular.
PLURAL_RULES = {"fr": "n>1"}


@lru_cache(maxsize=1)
def msgids(path=SCRIPT):
    """(singulars, plural pairs) that the script asks for, in the order it uses them."""
    singles, plurals = [], []
    with open(path, "rb") as script:
        for _line, function, message, _comments in extract_javascript(script, KEYWORDS, [], {}):
            if function == "tn":
                plurals.append(tuple(message[:2]))
            else:  # t("text", {values}) comes as ("text", None)
                singles.append(message[0] if isinstance(message, tuple) else message)
    return tuple(dict.fromkeys(singles)), tuple(dict.fromkeys(plurals))


def build(translations, language):
    """The JSON text for one language: only the entries whose translation differs."""
    singles, plurals = msgids()
    messages = {text: translations.gettext(text) for text in singles}
    forms = {one: [translations.ngettext(one, many, 1), translations.ngettext(one, many, 2)]
             for one, many in plurals}
    data = {
        "messages": {k: v for k, v in messages.items() if v != k},
        "plurals": {k: v for k, v in forms.items() if v != [k, dict(plurals)[k]]},
    }
    if data["messages"] or data["plurals"]:
        data["plural_rule"] = PLURAL_RULES.get(language, "n!=1")
    else:
        return ""  # English: the script's own text, no block
    # Safe inside <script>: no "</script>" or "<!--" can close or confuse the block.
    text = json.dumps(data, ensure_ascii=False, sort_keys=True)
    return text.replace("<", "\\u003c").replace(">", "\\u003e").replace("&", "\\u0026")


def for_page():
    """This request's language's JSON ("" for English), built once and kept for the process."""
    locale = str(get_locale() or "en")
    cache = current_app.extensions.setdefault("helpdesk.script_texts", {})
    if locale not in cache:
        cache[locale] = Markup(build(get_translations(), locale.partition("_")[0]))
    return cache[locale]
