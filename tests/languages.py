"""A small help center written in English and French, for the tests of articles and search
per language: a printer article in both languages, a label article in English only, a
password article in French only with its accents, and a French category title."""

FRENCH = {"Accept-Language": "fr-FR,fr;q=0.9"}
ENGLISH = {"Accept-Language": "en-GB,en;q=0.9"}

PRINTER = "/articles/devices/zebra-printer"
LABELS = "/articles/devices/zebra-labels"
RESET = "/articles/devices/reinitialiser-le-mot-de-passe"


def write_bilingual(write_article):
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
