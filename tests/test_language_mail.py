"""Mail in the requester's language, read from a real SMTP server: a request remembers
the language it was filed in (the form's page, the API's `locale`, the mail's own), and
every mail to the requester is written in it; agents read theirs."""

from datetime import timedelta

import pytest
from accounts import file_request, make_user
from desk import signed_in
from filing import post_request, ref_from
from inbound import MAIL_SETTINGS, build, take

from helpdesk.extensions import db
from helpdesk.models import Ticket, User, utcnow
from helpdesk.outgoing.outbox import send_pending
from helpdesk.tickets import conversation

FRENCH = {"Accept-Language": "fr-FR,fr;q=0.9"}


@pytest.fixture
def mail_app(make_app, smtp_server, tmp_path):
    return make_app(**smtp_server.config(), **MAIL_SETTINGS)


def deliver(app):
    with app.app_context():
        send_pending()


def to(smtp_server, address):
    return [m for m in smtp_server.messages if address in m["To"]]


def text_of(mail):
    return mail.get_body(("plain",)).get_content()


def locale_of(app, ref):
    with app.app_context():
        return Ticket.by_ref(ref).locale


def test_a_request_filed_from_a_french_page_is_confirmed_in_french(mail_app, smtp_server):
    ref = ref_from(post_request(mail_app.test_client(), headers=FRENCH,
                                summary="L’export ne marche pas"))
    deliver(mail_app)
    (mail,) = to(smtp_server, "ann@example.com")
    # Headers are written on one line of plain spaces: the no-break space becomes a space.
    assert mail["Subject"] == f"[{ref}] Nous avons bien reçu votre demande : L’export ne" \
        " marche pas"
    body = text_of(mail)
    assert "Assistance technique" in body and "Web (dans un navigateur)" in body


def test_a_request_filed_from_an_english_page_is_confirmed_in_english(mail_app, smtp_server):
    ref = ref_from(post_request(mail_app.test_client(), summary="Export fails"))
    deliver(mail_app)
    (mail,) = to(smtp_server, "ann@example.com")
    assert mail["Subject"] == f"[{ref}] We received your request: Export fails"
    assert locale_of(mail_app, ref) == "en"


def test_an_agents_reply_is_mailed_in_the_requesters_language_not_the_agents(mail_app,
                                                                            smtp_server):
    ref = ref_from(post_request(mail_app.test_client(), headers=FRENCH, summary="Export"))
    agent = signed_in(mail_app)
    deliver(mail_app)
    smtp_server.envelopes.clear()
    with mail_app.app_context():
        with mail_app.test_request_context():
            conversation.set_status(Ticket.by_ref(ref), "resolved")
    deliver(mail_app)
    (mail,) = to(smtp_server, "ann@example.com")
    assert mail["Subject"] == f"[{ref}] Résolue : Export"
    assert agent  # the agent's own pages stay in English
    assert 'lang="en"' in agent.get("/agent/").get_data(as_text=True)


def test_agents_are_told_in_their_own_saved_language(mail_app, smtp_server):
    make_user(mail_app, "agent@example.com", role="agent")
    with mail_app.app_context():
        db.session.execute(db.update(User).where(User.email == "agent@example.com")
                           .values(locale="fr"))
        db.session.commit()
    ref = file_request(mail_app, summary="Export fails")
    deliver(mail_app)
    (mine,) = to(smtp_server, "ann@example.com")
    (theirs,) = to(smtp_server, "agent@example.com")
    assert mine["Subject"] == f"[{ref}] We received your request: Export fails"
    assert theirs["Subject"] == f"[{ref}] Nouvelle demande : Export fails"


def test_a_french_mail_becomes_a_french_request(mail_app, smtp_server):
    take(mail_app, build(subject="Connexion impossible", body=(
        "Bonjour, je n’arrive plus à me connecter à mon compte depuis hier soir. "
        "Pouvez-vous m’aider à retrouver l’accès ? Merci d’avance pour votre aide.")))
    deliver(mail_app)
    (mail,) = to(smtp_server, "ann@example.org")
    assert "Nous avons bien reçu votre demande" in mail["Subject"]


def declaring(language, raw):
    # Added in front: EmailMessage.set_content drops Content-* headers set before it.
    return f"Content-Language: {language}\r\n".encode() + raw


def test_a_mail_declaring_its_language_is_taken_at_its_word(mail_app):
    take(mail_app, declaring("fr-FR", build(body="Hello, the export does not work for me.")))
    with mail_app.app_context():
        assert db.session.execute(db.select(Ticket.locale)).scalar_one() == "fr"


def test_a_mail_too_short_to_tell_is_in_the_default_language(mail_app):
    take(mail_app, declaring("de", build(body="Merci")))
    with mail_app.app_context():
        assert db.session.execute(db.select(Ticket.locale)).scalar_one() == "en"


def test_an_english_mail_stays_english(mail_app):
    take(mail_app, build(body="Hello, I cannot sign in to my account since yesterday. Could"
                              " you help me get back in? Thanks for your help."))
    with mail_app.app_context():
        assert db.session.execute(db.select(Ticket.locale)).scalar_one() == "en"


def test_a_follow_up_request_keeps_the_language_of_the_closed_one(mail_app, smtp_server):
    ref = ref_from(post_request(mail_app.test_client(), headers=FRENCH, summary="Export"))
    with mail_app.app_context():
        found = Ticket.by_ref(ref)
        found.status, found.closed_at = "closed", utcnow() - timedelta(days=60)
        db.session.commit()
    deliver(mail_app)
    smtp_server.envelopes.clear()
    with mail_app.test_request_context():
        message = conversation.add_reply(Ticket.by_ref(ref), body="Encore moi",
                                         author_email="ann@example.com")
        follow_up = message.ticket.ref
    deliver(mail_app)
    (mail,) = to(smtp_server, "ann@example.com")
    assert mail["Subject"] == f"[{follow_up}] Nouvelle demande à la suite de {ref} : Export"


def test_the_desk_shows_the_requesters_language(mail_app):
    ref = ref_from(post_request(mail_app.test_client(), headers=FRENCH))
    agent = signed_in(mail_app)
    page = agent.get(f"/agent/requests/{ref}").get_data(as_text=True)
    assert "Language: Français" in page


def agent_reading(app, email, language):
    """An agent whose account page saved `language` (None: never chose one)."""
    make_user(app, email, role="agent")
    with app.app_context():
        db.session.execute(db.update(User).where(User.email == email).values(locale=language))
        db.session.commit()


def test_a_french_agent_reads_the_new_request_notice_in_french(mail_app, smtp_server):
    agent_reading(mail_app, "claire@example.com", "fr")
    ref = file_request(mail_app, summary="Export fails")
    deliver(mail_app)
    (mail,) = to(smtp_server, "claire@example.com")
    assert mail["Subject"] == f"[{ref}] Nouvelle demande : Export fails"
    body = text_of(mail)
    assert f"Nouvelle demande {ref} de ann@example.com" in body
    assert "Type de demande\u00a0: Assistance technique" in body
    assert "Ouvrir la demande\u00a0: " in body
    assert "Kind of request" not in body and "Open the request" not in body


def test_an_english_agent_reads_the_same_notice_in_english(mail_app, smtp_server):
    agent_reading(mail_app, "claire@example.com", "fr")
    agent_reading(mail_app, "dan@example.com", "en")
    ref = file_request(mail_app, summary="Export fails")
    deliver(mail_app)
    (mail,) = to(smtp_server, "dan@example.com")
    assert mail["Subject"] == f"[{ref}] New request: Export fails"
    body = text_of(mail)
    assert f"New request {ref} from ann@example.com" in body
    assert "Kind of request: Technical support" in body
    assert "Open the request: " in body


def test_a_requesters_reply_is_told_to_a_french_agent_in_french(mail_app, smtp_server):
    agent_reading(mail_app, "claire@example.com", "fr")
    ref = file_request(mail_app, summary="Export fails")
    deliver(mail_app)
    smtp_server.envelopes.clear()
    with mail_app.test_request_context():
        conversation.add_reply(Ticket.by_ref(ref), body="Still broken",
                               author_email="ann@example.com")
    deliver(mail_app)
    (mail,) = to(smtp_server, "claire@example.com")
    assert mail["Subject"] == f"[{ref}] Nouvelle réponse : Export fails"
    body = text_of(mail)
    assert f"ann@example.com a répondu sur la demande {ref} (Ouverte)." in body
    assert "Objet\u00a0: Export fails" in body and "Still broken" in body
    assert "replied to" not in body
