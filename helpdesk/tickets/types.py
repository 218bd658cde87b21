"""Request types: read and check the TOML file that defines them.

The file is read once when the app starts. Any mistake stops the start with a message that
names the file and the line, because a help desk silently missing a request type (or a
required field) is worse than one that refuses to start until the file is fixed.
"""

import re
import tomllib
from dataclasses import dataclass, field, replace
from pathlib import Path

from flask import current_app
from flask_babel import get_locale

from .. import locales

SHIPPED = Path(__file__).resolve().parent.parent / "request_types.toml"
INSTANCE_FILE = "request_types.toml"

KINDS = ("text", "textarea", "select", "checkbox")
DEFAULT_MAX = {"text": 255, "textarea": 5000}
SLUG = re.compile(r"^[a-z0-9]+(?:-[a-z0-9]+)*$")
FIELD_NAME = re.compile(r"^[a-z][a-z0-9_]{0,39}$")
# Names the form itself uses and its hidden fields.
RESERVED = {"email", "summary", "description", "attachments", "csrf_token", "website",
            "submission_token", "suggested", "include_environment", "find", "send",
            "app_version", "os", "device", "type"}

TYPE_KEYS = {"slug", "name", "description", "order", "prompts", "fields"}
FIELD_KEYS = {"name", "label", "kind", "required", "help", "choices", "max_length"}
# A language's own table inside a type ([types.fr]) or a field ([types.fields.fr]) holds
# these keys; whatever it leaves out is read in the default language.
TYPE_TEXT_KEYS = {"name", "description", "prompts"}
FIELD_TEXT_KEYS = {"label", "help", "choices"}
LANGUAGE = re.compile(r"^[a-z]{2,3}(?:_[A-Z]{2})?$")


class RequestTypesError(Exception):
    """The request types file cannot be used; the message says where and why."""


@dataclass(frozen=True)
class TypeField:
    name: str
    label: str
    kind: str
    required: bool = False
    help: str = ""
    choices: tuple = ()  # ((value, label), ...)
    max_length: int | None = None
    # {"fr": {"label": ..., "help": ..., "choices": {value: label}}}
    translations: dict = field(default_factory=dict, compare=False, hash=False, repr=False)

    def in_language(self, code):
        """This field as readers of `code` see it (the default language where untranslated)."""
        text = self.translations.get(code)
        if not text:
            return self
        labels = text.get("choices", {})
        return replace(self, label=text.get("label", self.label),
                       help=text.get("help", self.help),
                       choices=tuple((v, labels.get(v, label)) for v, label in self.choices))

    def display(self, value):
        """The value as a person reads it (a select's label, Yes/No for a checkbox)."""
        if self.kind == "checkbox":
            return "Yes" if value else "No"
        if self.kind == "select":
            return dict(self.choices).get(value, value or "")
        return value or ""


@dataclass(frozen=True)
class RequestType:
    slug: str
    name: str
    description: str
    order: int
    prompts: tuple = ()
    fields: tuple = field(default_factory=tuple)
    # {"fr": {"name": ..., "description": ..., "prompts": (...)}}
    translations: dict = field(default_factory=dict, compare=False, hash=False, repr=False)

    def field_named(self, name):
        return next((f for f in self.fields if f.name == name), None)

    def in_language(self, code):
        """This type as readers of `code` see it (the default language where untranslated)."""
        text = self.translations.get(code, {})
        return replace(self, name=text.get("name", self.name),
                       description=text.get("description", self.description),
                       prompts=text.get("prompts", self.prompts),
                       fields=tuple(f.in_language(code) for f in self.fields))


def resolve_path(config, instance_path):
    """REQUEST_TYPES_FILE, else instance/request_types.toml when present, else the default."""
    if config.get("REQUEST_TYPES_FILE"):
        return Path(config["REQUEST_TYPES_FILE"])
    local = Path(instance_path) / INSTANCE_FILE
    return local if local.exists() else SHIPPED


def load(path):
    """Read and check a request types file; returns the types in display order."""
    path = Path(path)
    try:
        source = path.read_text(encoding="utf-8")
    except (OSError, UnicodeDecodeError) as exc:
        raise RequestTypesError(f"request types file {path}: cannot read it ({exc})") from None
    try:
        data = tomllib.loads(source)
    except tomllib.TOMLDecodeError as exc:
        # tomllib's message already ends with "(at line N, column M)".
        raise RequestTypesError(f"request types file {path}: {exc}") from None
    return parse(data, source, str(path))


def parse(data, source="", where="request types file"):
    lines = _Lines(source)
    types = data.get("types")
    extra = set(data) - {"types"}
    if extra:
        raise RequestTypesError(f"{where}: unknown top-level key {sorted(extra)[0]!r};"
                                " request types go in [[types]] tables")
    if not isinstance(types, list) or not types:
        raise RequestTypesError(f"{where}: no request types: add at least one [[types]] table")
    found, seen = [], set()
    for number, raw in enumerate(types):
        found.append(_parse_type(raw, number, seen, lines, where))
    return sorted(found, key=lambda t: (t.order, t.name.lower()))


def _parse_type(raw, number, seen, lines, source_name):
    where = f"{source_name}, line {lines.table(number)}"
    if not isinstance(raw, dict):
        raise RequestTypesError(f"{where}: each request type must be a [[types]] table")
    slug = raw.get("slug")
    label = f"{where} (type {slug!r})" if isinstance(slug, str) else where
    texts = {key: value for key, value in raw.items() if LANGUAGE.match(key)}
    raw = {key: value for key, value in raw.items() if key not in texts}
    unknown = set(raw) - TYPE_KEYS
    if unknown:
        raise RequestTypesError(f"{label}: unknown key {sorted(unknown)[0]!r}"
                                f" (allowed: {', '.join(sorted(TYPE_KEYS))})")
    if not isinstance(slug, str) or not SLUG.match(slug) or len(slug) > 64:
        raise RequestTypesError(f"{label}: 'slug' must be lower-case letters, digits and '-'")
    if slug in seen:
        raise RequestTypesError(f"{label}: the slug {slug!r} is used twice")
    seen.add(slug)
    name = _text(raw, "name", label, required=True)
    description = _text(raw, "description", label)
    order = raw.get("order", 100)
    if not isinstance(order, int) or isinstance(order, bool):
        raise RequestTypesError(f"{label}: 'order' must be a whole number")
    prompts = raw.get("prompts", [])
    if not isinstance(prompts, list) or not all(isinstance(p, str) for p in prompts):
        raise RequestTypesError(f"{label}: 'prompts' must be a list of strings")
    fields_raw = raw.get("fields", [])
    if not isinstance(fields_raw, list):
        raise RequestTypesError(f"{label}: 'fields' must be [[types.fields]] tables")
    fields, names = [], set()
    for index, item in enumerate(fields_raw):
        fields.append(_parse_field(
            item, names, f"{source_name}, line {lines.field(number, index)} (type {slug!r}"))
    translations = {}
    for code, text in texts.items():
        where = f"{label}, [{code}]"
        _only(text, TYPE_TEXT_KEYS, where)
        found = {key: _text(text, key, where, required=True) for key in ("name", "description")
                 if key in text}
        if "prompts" in text:
            if not isinstance(text["prompts"], list) or not all(
                    isinstance(p, str) for p in text["prompts"]):
                raise RequestTypesError(f"{where}: 'prompts' must be a list of strings")
            found["prompts"] = tuple(text["prompts"])
        translations[code] = found
    return RequestType(slug=slug, name=name, description=description, order=order,
                       prompts=tuple(prompts), fields=tuple(fields), translations=translations)


def _only(table, allowed, where):
    if not isinstance(table, dict):
        raise RequestTypesError(f"{where}: a language's texts must be a table")
    unknown = set(table) - allowed
    if unknown:
        raise RequestTypesError(f"{where}: unknown key {sorted(unknown)[0]!r}"
                                f" (allowed: {', '.join(sorted(allowed))})")


def _field_texts(text, choices, where):
    _only(text, FIELD_TEXT_KEYS, where)
    found = {key: _text(text, key, where, required=key == "label")
             for key in ("label", "help") if key in text}
    if "choices" in text:
        labels = text["choices"]
        values = {v for v, _ in choices}
        if (not isinstance(labels, dict) or not all(
                isinstance(v, str) and v.strip() for v in labels.values())):
            raise RequestTypesError(f"{where}: 'choices' must be a table of value = \"Label\"")
        if set(labels) - values:
            raise RequestTypesError(f"{where}: 'choices' names a value the field does not"
                                    f" offer: {sorted(set(labels) - values)[0]!r}")
        found["choices"] = {v: label.strip() for v, label in labels.items()}
    return found


def _parse_field(raw, names, where):
    if not isinstance(raw, dict):
        raise RequestTypesError(f"{where}): each field must be a [[types.fields]] table")
    name = raw.get("name")
    label = f"{where}, field {name!r})" if isinstance(name, str) else f"{where})"
    texts = {key: value for key, value in raw.items() if LANGUAGE.match(key)}
    raw = {key: value for key, value in raw.items() if key not in texts}
    unknown = set(raw) - FIELD_KEYS
    if unknown:
        raise RequestTypesError(f"{label}: unknown key {sorted(unknown)[0]!r}"
                                f" (allowed: {', '.join(sorted(FIELD_KEYS))})")
    if not isinstance(name, str) or not FIELD_NAME.match(name):
        raise RequestTypesError(f"{label}: 'name' must start with a letter and use only"
                                " lower-case letters, digits and '_'")
    if name in RESERVED or name.startswith("env_"):
        raise RequestTypesError(f"{label}: the name {name!r} is used by the form itself")
    if name in names:
        raise RequestTypesError(f"{label}: the name {name!r} is used twice in this type")
    names.add(name)
    kind = raw.get("kind", "text")
    if kind not in KINDS:
        raise RequestTypesError(f"{label}: 'kind' must be one of {', '.join(KINDS)}")
    required = raw.get("required", False)
    if not isinstance(required, bool):
        raise RequestTypesError(f"{label}: 'required' must be true or false")
    choices = ()
    if kind == "select":
        choices = _choices(raw.get("choices"), label)
    elif "choices" in raw:
        raise RequestTypesError(f"{label}: 'choices' only applies to kind = \"select\"")
    max_length = raw.get("max_length", DEFAULT_MAX.get(kind))
    if kind in DEFAULT_MAX and (not isinstance(max_length, int) or isinstance(max_length, bool)
                                or not 1 <= max_length <= 100_000):
        raise RequestTypesError(f"{label}: 'max_length' must be a whole number from 1 to 100000")
    if "choices" in {key for text in texts.values() if isinstance(text, dict) for key in text} \
            and kind != "select":
        raise RequestTypesError(f"{label}: 'choices' only applies to kind = \"select\"")
    translations = {code: _field_texts(text, choices, f"{label}, [{code}]")
                    for code, text in texts.items()}
    return TypeField(name=name, label=_text(raw, "label", label, required=True), kind=kind,
                     required=required, help=_text(raw, "help", label), choices=choices,
                     max_length=max_length if kind in DEFAULT_MAX else None,
                     translations=translations)


def _choices(value, label):
    if not isinstance(value, list) or not value:
        raise RequestTypesError(f"{label}: a select needs 'choices', a list of [value, label]")
    pairs = []
    for item in value:
        if isinstance(item, str):
            item = [item, item]
        if (not isinstance(item, list) or len(item) != 2
                or not all(isinstance(part, str) and part for part in item)):
            raise RequestTypesError(f"{label}: each choice must be [\"value\", \"Label\"]")
        pairs.append(tuple(item))
    if len({v for v, _ in pairs}) != len(pairs):
        raise RequestTypesError(f"{label}: a choice value is listed twice")
    return tuple(pairs)


def _text(raw, key, label, required=False):
    value = raw.get(key, "")
    if not isinstance(value, str) or (required and not value.strip()):
        raise RequestTypesError(f"{label}: {key!r} must be {'a non-empty' if required else 'a'}"
                                " string")
    return value.strip()


class _Lines:
    """Line numbers of [[types]] and [[types.fields]] headers, for error messages.

    tomllib reports syntax errors with their line but returns plain dicts without
    positions, so schema errors locate the n-th table header in the source instead.
    """

    HEADER = re.compile(r"^\s*\[\[\s*(types(?:\s*\.\s*fields)?)\s*\]\]")

    def __init__(self, source):
        self.types = []  # [(line, [field lines])]
        for number, text in enumerate(source.splitlines(), start=1):
            match = self.HEADER.match(text)
            if not match:
                continue
            if match.group(1) == "types":
                self.types.append((number, []))
            elif self.types:
                self.types[-1][1].append(number)

    def table(self, index):
        return self.types[index][0] if index < len(self.types) else "?"

    def field(self, type_index, field_index):
        if type_index < len(self.types) and field_index < len(self.types[type_index][1]):
            return self.types[type_index][1][field_index]
        return self.table(type_index)


EXTENSION_KEY = "helpdesk.request_types"  # by slug, in the default language
IN_LANGUAGES_KEY = "helpdesk.request_types.languages"  # the same per offered language


def init_app(app):
    """Load the request types; a bad file stops the start with its line and reason."""
    loaded = load(resolve_path(app.config, app.instance_path))
    # Each offered language's copy is made once here: pages ask for them on every view.
    app.extensions[IN_LANGUAGES_KEY] = {
        code: {t.slug: t.in_language(code) for t in loaded} for code in locales.offered(app.config)}
    app.extensions[EXTENSION_KEY] = app.extensions[IN_LANGUAGES_KEY][locales.default(app.config)]


def request_types(code=None):
    """The site's request types by slug, in their order, in `code` (default: the reader's
    language); texts a language leaves out are in the default language."""
    code = code or str(get_locale() or "")
    return current_app.extensions[IN_LANGUAGES_KEY].get(code) or \
        current_app.extensions[EXTENSION_KEY]


def for_mail(device_details):
    """The request type, and its field values, of a request made from mail: the app's type
    (its "application" field set to mobile) for mail carrying the app's device details."""
    types = request_types()
    config = current_app.config
    wanted = config["MAIL_APP_REQUEST_TYPE"] if device_details else config["MAIL_REQUEST_TYPE"]
    request_type = types.get(wanted) or types.get(config["MAIL_REQUEST_TYPE"]) or \
        next(iter(types.values()))
    fields = {}
    application = request_type.field_named("application") if device_details else None
    if application is not None and "mobile" in dict(application.choices):
        fields["application"] = "mobile"
    return request_type, fields
