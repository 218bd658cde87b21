"""The French catalog: complete, compiled, in step with the code, and what readers see."""

import gettext
import json
import re
from pathlib import Path

import pytest
from babel.messages.extract import extract_from_dir
from babel.messages.pofile import read_po
from filing import form_page, hidden_fields, multipart
from flask import render_template
from flask_babel import force_locale
from languages import override_french

ROOT = Path(__file__).resolve().parent.parent
TRANSLATIONS = ROOT / "helpdesk" / "translations"
PO = TRANSLATIONS / "fr" / "LC_MESSAGES" / "messages.po"
MO = TRANSLATIONS / "fr" / "LC_MESSAGES" / "messages.mo"
POT = TRANSLATIONS / "messages.pot"
# The keywords of the extraction command in docs/translating.md.
KEYWORDS = {"_": None, "gettext": None, "ngettext": (1, 2), "_l": None, "t": None,
            "tNodes": None, "tn": (1, 2)}
FRENCH = {"Accept-Language": "fr-FR,fr;q=0.9"}
NBSP = "\u00a0"
PLACEHOLDER = re.compile(r"%\((\w+)\)[sd]")


def catalog(path):
    with open(path, "rb") as source:
        return read_po(source)


def texts(message):
    return list(message.string) if isinstance(message.string, tuple) else [message.string]


def ids(message):
    return list(message.id) if isinstance(message.id, tuple) else [message.id]


def test_every_text_of_the_template_has_a_finished_french_translation():
    french = catalog(PO)
    unfinished = []
    for message in catalog(POT):
        if not message.id:
            continue
        found = french.get(message.id, context=message.context)
        if found is None or found.fuzzy or not all(texts(found)):
            unfinished.append(message.id)
    assert unfinished == []


def test_french_keeps_every_placeholder_of_the_english():
    wrong = [message.id for message in catalog(PO) if message.id
             for text in texts(message)
             if set(PLACEHOLDER.findall(text)) != set(PLACEHOLDER.findall(ids(message)[-1]))]
    assert wrong == []


def test_french_puts_a_no_break_space_before_double_punctuation():
    loose = [text for message in catalog(PO) if message.id for text in texts(message)
             if re.search(r" [:;?!»]|« ", text)]
    assert loose == []


def test_french_writes_the_typographic_apostrophe():
    straight = [text for message in catalog(PO) if message.id for text in texts(message)
                if "'" in text]
    assert straight == []


def test_the_committed_mo_says_what_the_po_says():
    with open(MO, "rb") as compiled:
        mo = gettext.GNUTranslations(compiled)
    drifted = []
    for message in catalog(PO):
        if not message.id:
            continue
        if isinstance(message.id, tuple):
            got = [mo.ngettext(*message.id, n) for n in (1, 2)]
        elif message.context:
            got = [mo.pgettext(message.context, message.id)]
        else:
            got = [mo.gettext(message.id)]
        if got != texts(message):
            drifted.append(message.id)
    assert drifted == []


def test_the_template_holds_every_text_the_code_marks():
    """A string wrapped in the code but not extracted again would stay English."""
    method_map = [("helpdesk/**.py", "python"), ("helpdesk/templates/**.html", "jinja2"),
                  ("helpdesk/templates/**.txt", "jinja2"),
                  ("helpdesk/static/helpdesk.js", "javascript")]
    marked = {message[0] if isinstance(message, tuple) and message[1] is None else message
              for _file, _line, message, _comments, _context
              in extract_from_dir(str(ROOT), method_map, keywords=KEYWORDS)}
    marked = {m for m in marked if m}
    in_template = {message.id for message in catalog(POT) if message.id}
    assert sorted(map(str, marked - in_template)) == []


# --- what a French reader sees -----------------------------------------------------------

def test_a_french_browser_gets_the_help_center_in_french(client):
    page = client.get("/", headers=FRENCH).get_data(as_text=True)
    assert '<html lang="fr">' in page
    assert f"Comment pouvons-nous vous aider{NBSP}?" in page
    assert "Contacter le support" in page and "Se connecter" in page
    assert "How can we help?" not in page


def test_a_site_rewords_one_french_text_and_keeps_the_shipped_rest(make_app, tmp_path):
    override_french(tmp_path / "instance", {"Sign in": "Connexion"})
    page = make_app().test_client().get("/", headers=FRENCH).get_data(as_text=True)
    assert ">Connexion</a>" in page and ">Se connecter</a>" not in page
    assert ">Contacter le support</a>" in page


def test_an_english_browser_gets_the_same_english_page_as_before(client):
    page = client.get("/", headers={"Accept-Language": "en-US"}).get_data(as_text=True)
    assert '<html lang="en">' in page and "How can we help?" in page
    assert 'id="texts"' not in page  # the script's own English needs no block


def test_a_french_page_carries_the_scripts_texts_as_data_not_code(client):
    page = client.get("/requests/new/technical-support", headers=FRENCH).get_data(as_text=True)
    block = re.search(r'<script type="application/json" id="texts">(.*?)</script>', page, re.S)
    assert block, "a French page should carry the script's translations"
    data = json.loads(block.group(1))
    assert data["messages"]["Suggested answers"] == "Réponses suggérées"
    assert data["plurals"]["%(num)s help article matches."][1].endswith("correspondent.")
    assert data["plural_rule"] == "n>1"
    scripts = re.findall(r"<script\b[^>]*>", page)
    assert all(" src=" in tag or 'type="application/json"' in tag for tag in scripts)


def test_the_request_form_explains_mistakes_in_french(client):
    hidden = hidden_fields(form_page(client, headers=FRENCH))
    body, content_type = multipart({**hidden, "email": "ann@example.com", "summary": "",
                                    "description": ""})
    page = client.post("/requests/new/technical-support", data=body,
                       content_type=content_type, headers=FRENCH).get_data(as_text=True)
    assert f"Veuillez vérifier le formulaire{NBSP}: rien n’a encore été envoyé." in page
    assert "Donnez un objet court à votre demande." in page
    assert "Décrivez le problème ou votre question." in page
    assert "ann@example.com" in page  # what was typed stays


def test_a_missing_page_says_so_in_french(client):
    response = client.get("/no/such/page", headers=FRENCH)
    page = response.get_data(as_text=True)
    assert response.status_code == 404 and "<h1>Page introuvable</h1>" in page


def test_the_json_api_answers_developers_in_english(client):
    response = client.get("/api/v1/no-such-thing", headers=FRENCH)
    assert response.status_code == 404
    assert "introuvable" not in response.get_data(as_text=True)


@pytest.mark.parametrize("template", ["mail/sign_in_link.txt", "mail/sign_in_link.html"])
def test_a_mail_rendered_in_french_reads_french(app, template):
    with app.test_request_context("/"), force_locale("fr"):
        text = render_template(template, site_name="Aide Exemple", email="ann@example.com",
                               link="https://help.example.com/l/abc", minutes=15)
    assert "Bonjour," in text
    assert "Voici votre lien" in text or "Ouvrez ce lien pour vous connecter" in text
    assert "pendant 15 minutes" in text and "sign in" not in text


def test_a_page_tells_caches_it_depends_on_the_readers_language(client):
    vary = client.get("/", headers=FRENCH).headers.get("Vary", "")
    assert "Accept-Language" in vary and "Cookie" in vary
