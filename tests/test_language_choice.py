"""Which language a page is in, and the switch on every page that changes it."""

import re

import pytest
from accounts import get_user, make_user, page_token, post, sign_in

from helpdesk import create_app

FRENCH = {"Accept-Language": "fr-FR,fr;q=0.9,en;q=0.5"}


def page_language(response):
    return re.search(r'<html lang="([^"]+)"', response.get_data(as_text=True)).group(1)


def test_a_browser_asking_for_french_gets_french_pages(client):
    assert page_language(client.get("/", headers=FRENCH)) == "fr"


def test_a_browser_asking_for_nothing_gets_the_default_language(client):
    assert page_language(client.get("/")) == "en"


def test_the_default_language_is_the_sites_own(make_app):
    app = make_app(DEFAULT_LOCALE="fr")
    assert page_language(app.test_client().get("/")) == "fr"


def test_a_language_the_site_does_not_offer_falls_through_to_the_next_choice(client):
    client.set_cookie("lang", "de")
    assert page_language(client.get("/", headers={"Accept-Language": "de, fr;q=0.5"})) == "fr"


def test_an_odd_cookie_is_ignored(client):
    client.set_cookie("lang", "../../etc/passwd")
    assert page_language(client.get("/")) == "en"


def test_the_switch_beats_the_browsers_language(client):
    client.set_cookie("lang", "en")
    assert page_language(client.get("/", headers=FRENCH)) == "en"


def test_the_switch_remembers_the_choice_for_a_year_and_goes_back(client):
    response = client.get("/language/fr?next=/articles/")
    assert response.status_code == 303
    assert response.headers["Location"] == "/articles/"
    cookie = response.headers["Set-Cookie"]
    assert cookie.startswith("lang=fr;") and "Max-Age=31536000" in cookie
    assert page_language(client.get("/articles/")) == "fr"


def test_the_switch_makes_no_session_for_a_visitor(app, client):
    response = client.get("/language/fr?next=/")
    cookies = response.headers.get_all("Set-Cookie")
    assert [c.split("=")[0] for c in cookies] == ["lang"]


@pytest.mark.parametrize("target", ["//evil.example/", "https://evil.example/", "/\\evil.example",
                                    "\\\\evil.example", "/%2F/evil.example", "javascript:alert(1)"])
def test_the_switch_never_sends_anyone_off_site(client, target):
    response = client.get("/language/fr", query_string={"next": target})
    assert response.headers["Location"] == "/"


def test_the_switch_for_a_language_not_offered_is_not_found(client):
    assert client.get("/language/de?next=/").status_code == 404
    assert "Set-Cookie" not in client.get("/language/xx").headers


def test_every_page_lists_each_language_in_its_own_name(client):
    page = client.get("/articles/", headers=FRENCH).get_data(as_text=True)
    assert '<a href="/language/en?next=/articles/" lang="en" hreflang="en">English</a>' in page
    assert ('<a href="/language/fr?next=/articles/" lang="fr" hreflang="fr"'
            ' aria-current="true">Français</a>') in page


def test_a_saved_choice_beats_the_switch(app, client):
    make_user(app, "ann@example.com")
    sign_in(client, app, "ann@example.com")
    post(client, "/language", {"locale": "fr", "next": "/"})
    client.set_cookie("lang", "en")
    assert page_language(client.get("/", headers={"Accept-Language": "en"})) == "fr"


def test_signed_in_the_switch_saves_the_choice_to_the_account(app, client):
    make_user(app, "ann@example.com")
    sign_in(client, app, "ann@example.com")
    response = post(client, "/language", {"locale": "fr", "next": "/requests"})
    assert response.status_code == 303 and response.headers["Location"] == "/requests"
    assert get_user(app, "ann@example.com").locale == "fr"
    other_browser = app.test_client()
    sign_in(other_browser, app, "ann@example.com")
    assert page_language(other_browser.get("/")) == "fr"


def test_signed_in_the_switch_is_a_form(app, client):
    make_user(app, "ann@example.com")
    sign_in(client, app, "ann@example.com")
    page = client.get("/articles/").get_data(as_text=True)
    forms = re.findall(r'<form method="post" action="/language".*?</form>', page, re.S)
    french = next(form for form in forms if 'name="locale" value="fr"' in form)
    assert 'name="next" value="/articles/"' in french and 'name="csrf_token"' in french
    assert '<button type="submit" class="link-button" lang="en" aria-current="true">English' \
        in page


def test_the_saving_switch_needs_the_forms_token(app, client):
    make_user(app, "ann@example.com")
    sign_in(client, app, "ann@example.com")
    response = client.post("/language", data={"locale": "fr", "next": "/"})
    assert response.status_code == 400
    assert get_user(app, "ann@example.com").locale is None


def test_the_saving_switch_refuses_a_language_not_offered(app, client):
    make_user(app, "ann@example.com")
    sign_in(client, app, "ann@example.com")
    assert post(client, "/language", {"locale": "de", "next": "/"}).status_code == 404
    assert get_user(app, "ann@example.com").locale is None


def test_the_account_page_shows_and_changes_the_saved_language(app, client):
    make_user(app, "ann@example.com")
    sign_in(client, app, "ann@example.com")
    page = client.get("/account").get_data(as_text=True)
    assert '<option value="fr" lang="fr">Français</option>' in page
    token = page_token(client, "/account")
    response = client.post("/language", data={"csrf_token": token, "locale": "fr",
                                              "next": "/account"})
    assert response.headers["Location"] == "/account"
    page = client.get("/account").get_data(as_text=True)
    assert '<option value="fr" lang="fr" selected>Français</option>' in page


def test_an_empty_choice_forgets_the_saved_language(app, client):
    make_user(app, "ann@example.com")
    sign_in(client, app, "ann@example.com")
    post(client, "/language", {"locale": "fr", "next": "/"})
    post(client, "/language", {"locale": "", "next": "/account"})
    assert get_user(app, "ann@example.com").locale is None
    assert page_language(client.get("/", headers={"Accept-Language": "en"})) == "en"


@pytest.mark.parametrize("settings, message", [
    ({"SUPPORTED_LOCALES": ("en", "xx")}, "SUPPORTED_LOCALES: 'xx' is not a language Babel knows"),
    ({"DEFAULT_LOCALE": "de"}, "DEFAULT_LOCALE 'de' is not one of SUPPORTED_LOCALES (en, fr)"),
    ({"SUPPORTED_LOCALES": ()}, "SUPPORTED_LOCALES is empty"),
    ({"DEFAULT_LOCALE": "en/../"}, "DEFAULT_LOCALE: 'en/../' is not a language code"),
])
def test_a_language_setting_that_cannot_work_stops_the_start(tmp_path, settings, message):
    with pytest.raises(RuntimeError) as error:
        create_app({"INSTANCE_PATH": str(tmp_path), "TESTING": True, "SECRET_KEY": "x",
                    "KB_INDEX_ON_START": False, **settings})
    assert message in str(error.value)


def test_languages_come_from_the_environment_comma_separated(tmp_path, monkeypatch):
    monkeypatch.setenv("HELPDESK_SUPPORTED_LOCALES", "fr, en")
    monkeypatch.setenv("HELPDESK_DEFAULT_LOCALE", "fr")
    app = create_app({"INSTANCE_PATH": str(tmp_path), "TESTING": True, "SECRET_KEY": "x",
                      "KB_INDEX_ON_START": False})
    assert app.config["SUPPORTED_LOCALES"] == ("fr", "en")
    assert app.config["DEFAULT_LOCALE"] == "fr"
