"""The gettext functions templates call: Flask-Babel's catalogs, looked up once per language
per request.

Flask-Babel's template functions find the request's language and catalog again on every
call, and Jinja's wrapper around them takes the whole template context, which Jinja copies
for every call made inside a loop; a 100-row queue page made a thousand calls, and they were
a third of its rendering time. These take only the evaluation context (whether the template
escapes) and give the same results, with values escaped and `{% trans %}` blocks as before.
The catalog comes from `locales.catalog`, which follows `force_locale` (mail in its
recipient's language) and `refresh`.
"""

from jinja2 import pass_eval_context
from markupsafe import Markup

from .locales import catalog


def _finish(eval_ctx, text, variables):
    if eval_ctx.autoescape:
        text = Markup(text)
    # Jinja formats every text ("100%%" reads "100%"); one without "%" is the same either way.
    return text % variables if variables or "%" in text else text


@pass_eval_context
def gettext(__eval, __string, **variables):
    return _finish(__eval, catalog().ugettext(__string), variables)


@pass_eval_context
def ngettext(__eval, __singular, __plural, __num, **variables):
    variables.setdefault("num", __num)
    return _finish(__eval, catalog().ungettext(__singular, __plural, __num), variables)


@pass_eval_context
def pgettext(__eval, __string_ctx, __string, **variables):
    variables.setdefault("context", __string_ctx)
    return _finish(__eval, catalog().upgettext(__string_ctx, __string), variables)


@pass_eval_context
def npgettext(__eval, __string_ctx, __singular, __plural, __num, **variables):
    variables.setdefault("context", __string_ctx)
    variables.setdefault("num", __num)
    text = catalog().unpgettext(__string_ctx, __singular, __plural, __num)
    return _finish(__eval, text, variables)


def install(env):
    """Put these in place of Flask-Babel's in `env` (after `babel.init_app`)."""
    env.globals.update(gettext=gettext, _=gettext, ngettext=ngettext, pgettext=pgettext,
                       npgettext=npgettext)
