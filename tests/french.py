"""The French catalog as it will ship: the committed messages.po with every fragment of
i18n/fr-*.po folded in (a fragment holds the French for strings added since the catalog
was last merged), compiled into a folder that an app reads through
BABEL_TRANSLATION_DIRECTORIES. Once the fragments are merged this changes nothing."""

from pathlib import Path

from babel.messages import mofile, pofile

ROOT = Path(__file__).resolve().parent.parent
CATALOG = ROOT / "helpdesk" / "translations" / "fr" / "LC_MESSAGES" / "messages.po"
FRAGMENTS = ROOT / "i18n"


def _read(path):
    with open(path, "rb") as source:
        return pofile.read_po(source, locale="fr")


def compiled_french(folder):
    """Compile the merged French catalog under `folder`; returns the folder."""
    catalog = _read(CATALOG)
    for fragment in sorted(FRAGMENTS.glob("fr-*.po")):
        for message in _read(fragment):
            if not message.id:
                continue
            known = catalog.get(message.id, context=message.context)
            if known is None or not any(known.string if isinstance(known.string, tuple)
                                        else [known.string]):
                catalog[message.id] = message  # keeps its context
    target = Path(folder) / "fr" / "LC_MESSAGES"
    target.mkdir(parents=True, exist_ok=True)
    with open(target / "messages.mo", "wb") as out:
        mofile.write_mo(out, catalog)
    return Path(folder)
