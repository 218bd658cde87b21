"""Helpers for tests about languages: French from this branch's own fragment
(i18n/fr-core.po), compiled into a site's instance/translations folder as a site would
override the shipped catalog."""

import io
from pathlib import Path

from babel.messages.mofile import write_mo
from babel.messages.pofile import read_po

ROOT = Path(__file__).resolve().parent.parent
FRAGMENT = ROOT / "i18n" / "fr-core.po"


def install_french(instance_path, extra=None):
    """Compile the fragment (plus `extra` {msgid: msgstr}) into
    <instance>/translations/fr/LC_MESSAGES/messages.mo."""
    with FRAGMENT.open("rb") as source:
        catalog = read_po(source, locale="fr", charset="utf-8")
    for msgid, msgstr in (extra or {}).items():
        catalog.add(msgid, msgstr)
    folder = Path(instance_path) / "translations" / "fr" / "LC_MESSAGES"
    folder.mkdir(parents=True, exist_ok=True)
    buffer = io.BytesIO()
    write_mo(buffer, catalog)
    (folder / "messages.mo").write_bytes(buffer.getvalue())
