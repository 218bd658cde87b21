"""Helpers for tests about languages: a small help center written in English and French
(a printer article in both languages, a label article in English only, a password
article in French only with its accents, a French category title), and a site's own
French, written where a site overrides the shipped catalog."""

import io
import shutil
from pathlib import Path

from babel.messages.catalog import Catalog
from babel.messages.mofile import write_mo


def override_french(instance_path, texts):
    """Write a site's own French for `texts` ({English: French}) where a site puts it:
    <instance>/translations/fr/LC_MESSAGES/messages.mo."""
    catalog = Catalog(locale="fr")
    for msgid, msgstr in texts.items():
        catalog.add(msgid, msgstr)
    folder = Path(instance_path) / "translations" / "fr" / "LC_MESSAGES"
    folder.mkdir(parents=True, exist_ok=True)
    buffer = io.BytesIO()
    write_mo(buffer, catalog)
    (folder / "messages.mo").write_bytes(buffer.getvalue())


FRENCH = {"Accept-Language": "fr-FR,fr;q=0.9"}
ENGLISH = {"Accept-Language": "en-GB,en;q=0.9"}

PRINTER = "/articles/devices/zebra-printer"
LABELS = "/articles/devices/zebra-labels"
RESET = "/articles/devices/reinitialiser-le-mot-de-passe"


def write_bilingual(articles_dir, write_article):
    """Replace the shipped help center with this small one."""
    shutil.rmtree(articles_dir)
    articles_dir.mkdir()
    write_article("devices/_category.md", "---\ntitle: Devices\n---\nPrinters and scanners.\n")
    write_article("devices/_category.fr.md",
                  "---\ntitle: Appareils\n---\nImprimantes et lecteurs.\n")
    write_article("devices/zebra-printer.md",
                  "---\ntitle: Connecting a Zebra printer\n---\n"
                  "Plug the Zebra printer in, then open Settings and choose Printers.\n")
    write_article("devices/zebra-printer.fr.md",
                  "---\ntitle: Connecter une imprimante Zebra\n---\n"
                  "Branchez l’imprimante Zebra, puis ouvrez Réglages et choisissez "
                  "Imprimante. Une fois connectée, elle apparaît dans la liste.\n")
    write_article("devices/zebra-labels.md",
                  "---\ntitle: Zebra label sizes\n---\n"
                  "Zebra printers take labels from 25 mm to 100 mm wide.\n")
    write_article("devices/reinitialiser-le-mot-de-passe.fr.md",
                  "---\ntitle: Réinitialiser le mot de passe de la borne\n---\n"
                  "Pour réinitialiser le mot de passe de la borne, maintenez le bouton "
                  "enfoncé dix secondes.\n")
