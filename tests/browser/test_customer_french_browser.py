"""The customer's journey in a French browser: the home page, a search, an article, the
request form with its live answers, the confirmation and its mail, sign-in, My requests
and a request all read in French, fit a phone without sideways scrolling (French runs
longer than English) and have no serious accessibility problem on a phone or a desktop."""

import pytest
from accounts import file_request, make_user
from layout_pages import FORM, PASSWORD, REQUESTER
from playwright.sync_api import expect

pytestmark = pytest.mark.browser

SUMMARY = "Impossible de réinitialiser mon mot de passe depuis l’application"


@pytest.fixture
def server(live_server):
    server = live_server(DEBUG=True)  # the outbox page shows the mail that was sent
    server.app.debug = True
    return server


@pytest.fixture
def reads_well(fits_and_reads_well):
    """The page is in French, fits a phone, and axe finds nothing serious at either width."""
    def check(page, name):
        expect(page.locator("html")).to_have_attribute("lang", "fr")
        fits_and_reads_well(page, f"French {name}")
    return check


def sign_in(page, server):
    make_user(server.app, REQUESTER, role="requester", password=PASSWORD)
    page.goto(server.url + "/login")
    expect(page.get_by_role("heading", name="Se connecter")).to_be_visible()
    page.fill("#email", REQUESTER)
    page.fill("#password", PASSWORD)
    page.get_by_role("button", name="Se connecter").click()
    expect(page.locator(".nav-account").first).to_have_text(REQUESTER)


def test_the_home_page_welcomes_in_french(server, french_page, reads_well):
    french_page.goto(server.url + "/")
    expect(french_page.get_by_role("heading", name="Comment pouvons-nous vous aider ?")
           ).to_be_visible()
    expect(french_page.get_by_role("link", name="Contacter le support").first).to_be_visible()
    reads_well(french_page, "home")


def test_a_search_in_french_finds_the_french_article(server, french_page, reads_well):
    french_page.goto(server.url + "/search?q=mot+de+passe+oublié")
    expect(french_page.get_by_role("heading", name="Rechercher dans le Centre d’aide")
           ).to_be_visible()
    expect(french_page.locator(".result a").first).to_have_text(
        "Utiliser un mot de passe et le réinitialiser")
    reads_well(french_page, "search")


def test_an_article_reads_in_french_and_offers_english(server, french_page, reads_well):
    french_page.goto(server.url + "/articles/account/passwords")
    expect(french_page.get_by_role("heading", name="Utiliser un mot de passe et le réinitialiser")
           ).to_be_visible()
    expect(french_page.get_by_role("link", name="English").first).to_be_visible()
    reads_well(french_page, "article")


def test_the_form_suggests_french_answers_while_typing(server, french_page, reads_well):
    french_page.goto(server.url + FORM)
    french_page.locator("#summary").press_sequentially("mot de passe oublié", delay=20)
    answers = french_page.get_by_role("listbox", name="Réponses suggérées").get_by_role("option")
    expect(answers.first).to_contain_text("Utiliser un mot de passe et le réinitialiser")
    expect(answers.first).to_be_in_viewport()
    reads_well(french_page, "form")


def test_the_confirmation_and_its_mail_are_in_french(server, french_page, reads_well):
    page = french_page
    page.goto(server.url + FORM)
    page.fill("#email", REQUESTER)
    page.fill("#summary", SUMMARY)
    page.fill("#description", "Le lien reçu par e-mail m’indique qu’il a expiré.")
    page.select_option("#application", "mobile")
    page.get_by_role("button", name="Envoyer la demande").click()
    expect(page.get_by_role("heading", name="Merci, votre demande a bien été envoyée")
           ).to_be_visible()
    reads_well(page, "confirmation")
    page.goto(server.url + "/dev/outbox")
    expect(page.get_by_text(f"Nous avons bien reçu votre demande : {SUMMARY}")).to_be_visible()
    mail = page.frame_locator("iframe.mail-frame").first
    expect(mail.locator("html")).to_have_attribute("lang", "fr")
    expect(mail.get_by_role("link", name="Voir votre demande")).to_be_visible()


def test_my_requests_and_a_request_read_in_french(server, french_page, reads_well):
    page = french_page
    file_request(server.app, email=REQUESTER, summary=SUMMARY)
    sign_in(page, server)
    page.goto(server.url + "/requests")
    expect(page.get_by_role("heading", name="Mes demandes")).to_be_visible()
    reads_well(page, "my-requests")
    page.get_by_role("link", name=SUMMARY).click()
    expect(page.get_by_role("heading", name=SUMMARY)).to_be_visible()
    expect(page.get_by_role("button", name="Envoyer la réponse")).to_be_visible()
    reads_well(page, "request")


def test_the_technical_details_read_in_french_and_are_not_repeated(server, french_page):
    page = french_page
    page.goto(server.url + FORM)
    line = page.locator("#env-line")
    expect(line).to_contain_text("langue fr-FR")
    expect(line).to_contain_text("fuseau horaire Europe/Paris")
    page.reload()
    expect(line).to_contain_text("fuseau horaire Europe/Paris")
    assert line.inner_text().count("langue ") == 1
