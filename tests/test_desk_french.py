"""The agent desk in French: an agent whose browser asks for French reads the queue, a
request and Insights in French, the same words the requester reads follow the
requester's language, and what programs read (the API's codes, the CSV files) stays as
it was."""

import re
from html import unescape

import pytest
from accounts import file_request, make_user, sign_in_with_password
from apiclient import bearer, token_for
from desk import page, reply, signed_in

NBSP = "\u00a0"


@pytest.fixture
def app(make_app):
    return make_app()


def in_french(client):
    client.set_cookie("lang", "fr")
    return client


def text(html):
    """The page's words, tags dropped, spaces folded (no-break spaces kept)."""
    return re.sub(r"[ \t\n]+", " ", unescape(re.sub(r"<[^>]+>", " ", html)))


def test_the_queue_reads_in_french(app):
    file_request(app, summary="L'export ne fait rien")
    words = text(page(in_french(signed_in(app)), "/agent/?view=all"))
    assert "File d’attente" in words
    for phrase in ("Mes demandes ouvertes", "Non attribuées", "Résolues", "Attribuée à",
                   "Priorité", "Dernière activité", "Ouverte", "Normale", "Pour les demandes "
                   "sélectionnées", "Changer le statut"):
        assert phrase in words, phrase
    assert "Waiting for customer" not in words and "Last activity" not in words


def test_each_queue_row_tells_its_age_and_dates_in_french(app):
    ref = file_request(app, summary="L'export ne fait rien")
    html = page(in_french(signed_in(app)), "/agent/?view=all")
    assert f'aria-label="Sélectionner {ref}"' in html
    assert re.search(r'title="Envoyée le \d{1,2} \w+ \d{4} à \d\d:\d\d UTC">1\xa0min<', html)
    assert f"il y a 1{NBSP}min" in text(html)


def test_a_request_on_the_desk_reads_in_french(app):
    ref = file_request(app)
    words = text(page(in_french(signed_in(app)), f"/agent/requests/{ref}"))
    for phrase in ("Répondre ou ajouter une note", "Envoyer la réponse", "Ajouter une note "
                   "interne", "et passer le statut à", "En attente du client", "Résolue",
                   "Fermée", "Propriétés", "Historique", f"Priorité{NBSP}: Normale"):
        assert phrase in words, phrase


def test_a_reply_is_confirmed_in_french_with_the_status_it_left(app):
    ref = file_request(app)
    agent = in_french(signed_in(app))
    reply(agent, ref, "Bonjour, pouvez-vous essayer à nouveau ?", then_status="resolved")
    words = text(page(agent, f"/agent/requests/{ref}"))
    assert f"Le statut est maintenant «{NBSP}Résolue{NBSP}»." in words
    assert "statut Ouverte → Résolue" in words  # the history, in French words


def test_insights_read_in_french(app):
    words = text(page(in_french(signed_in(app)), "/agent/insights?from=2026-11-06&to=2026-12-03"))
    for phrase in ("Statistiques", "Entonnoir de résolution autonome", "Évolution par semaine",
                   "Contenus manquants", "Demandes par statut", "Satisfaction",
                   "Du 6 novembre 2026 au 3 décembre 2026 (UTC), 28 jours."):
        assert phrase in words, phrase


def test_the_requester_reads_the_status_in_their_own_language(app, client):
    ref = file_request(app, email="ann@example.com")
    make_user(app, "ann@example.com", password="a long enough password")
    sign_in_with_password(client, "ann@example.com", "a long enough password")
    assert "Waiting for support" in text(page(client, f"/requests/{ref}"))
    assert "En attente du support" in text(page(in_french(client), f"/requests/{ref}"))


def test_the_api_keeps_its_codes_whatever_the_language(app, client):
    ref = file_request(app)
    secret = token_for(app, "agent@example.com", scope="agent", access="read")
    found = client.get(f"/api/v1/desk/requests/{ref}",
                       headers=bearer(secret) | {"Accept-Language": "fr-FR"}).get_json()
    assert found["status"] == "open" and found["priority"] == "normal"
    assert isinstance(found["status_label"], str)


def test_the_csv_files_stay_in_english_for_a_french_agent(app):
    file_request(app)
    agent = in_french(signed_in(app))
    csv = agent.get("/agent/insights/export.csv?table=funnel").get_data(as_text=True)
    assert csv.splitlines()[:2] == ["stage,count", "Searches,0"]
    assert "Deflection rate" in csv
