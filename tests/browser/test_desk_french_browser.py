"""The agent desk in a French browser: the queue, a request with its reply form and
status choice, and Insights read in French, fit a phone without sideways scrolling
(French runs longer than English) and have no serious accessibility problem on a phone
or a desktop."""

import pytest
from accounts import file_request, make_user
from playwright.sync_api import expect

pytestmark = pytest.mark.browser

PASSWORD = "a long enough password"
AGENT = "maximilian.oberhuber-agent@example-company.com"
REQUESTER = "alexandra.konstantinopoulou@example-company.com"
SUMMARY = ("Le bouton d'export ne fait rien quand le rapport dépasse mille lignes, même "
           "après une nouvelle connexion")


@pytest.fixture
def server(live_server):
    return live_server()


def sign_in(page, server):
    """Sign in as the agent through /login, whatever language its button speaks."""
    make_user(server.app, AGENT, role="agent", password=PASSWORD)
    page.goto(server.url + "/login")
    page.fill("#email", AGENT)
    page.fill("#password", PASSWORD)
    page.press("#password", "Enter")
    expect(page.locator(".nav-account").first).to_have_text(AGENT)


def test_the_queue_reads_in_french_and_fits_a_phone(server, french_page, fits_and_reads_well):
    page = french_page
    file_request(server.app, email=REQUESTER, summary=SUMMARY)
    sign_in(page, server)
    page.goto(server.url + "/agent/")
    expect(page.get_by_role("heading", name="File d’attente")).to_be_visible()
    tabs = page.get_by_role("list", name="Vues")
    expect(tabs.get_by_role("link", name="Mes demandes ouvertes")).to_be_visible()
    expect(tabs.get_by_role("link", name="Résolues")).to_be_visible()
    expect(page.get_by_label("Attribuée à")).to_be_visible()
    row = page.get_by_role("row").filter(has_text=SUMMARY)
    expect(row.get_by_text("Ouverte", exact=True)).to_be_visible()
    expect(row.get_by_text("Normale", exact=True)).to_be_visible()
    fits_and_reads_well(page, "French queue")


def test_a_request_is_answered_in_french(server, french_page, fits_and_reads_well):
    page = french_page
    ref = file_request(server.app, email=REQUESTER, summary=SUMMARY)
    sign_in(page, server)
    page.goto(f"{server.url}/agent/requests/{ref}")
    expect(page.get_by_role("heading", name="Répondre ou ajouter une note")).to_be_visible()
    status = page.get_by_label("et passer le statut à")
    expect(status.locator("option:checked")).to_have_text("En attente du client")
    expect(page.get_by_role("button", name="Ajouter une note interne")).to_be_visible()
    expect(page.get_by_role("heading", name="Propriétés")).to_be_visible()
    fits_and_reads_well(page, "French request")

    page.get_by_label("Réponse ou note").fill("Bonjour, pouvez-vous réessayer maintenant ?")
    status.select_option(label="Résolue")
    page.get_by_role("button", name="Envoyer la réponse").click()
    expect(page.get_by_text("Le statut est maintenant «\u00a0Résolue\u00a0».")).to_be_visible()
    expect(page.locator(".request-meta .status")).to_have_text("Résolue")


def test_insights_read_in_french_and_fit_a_phone(server, french_page, fits_and_reads_well):
    page = french_page
    sign_in(page, server)
    page.goto(server.url + "/agent/insights")
    expect(page.get_by_role("heading", name="Statistiques", exact=True)).to_be_visible()
    for heading in ("Entonnoir de résolution autonome", "Évolution par semaine",
                    "Contenus manquants", "Satisfaction"):
        expect(page.get_by_role("heading", name=heading)).to_be_visible()
    expect(page.get_by_role("columnheader", name="Étape")).to_be_visible()
    fits_and_reads_well(page, "French insights")
