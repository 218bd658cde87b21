"""Display names: people name themselves on the account page, admins name agents on People,
the request form asks "Your name"; pages, saved replies and reply mail use them."""

import json

from accounts import file_request, get_user, make_user, outbox, post, ticket
from desk import PASSWORD, page, reply, send, signed_in, user_id
from filing import post_request, ref_from
from inbound import build, take, tickets
from test_agent_spam import export

from helpdesk.extensions import db
from helpdesk.models import SavedReply


def name_agent(app, email, name):
    with app.app_context():
        from helpdesk.auth.service import set_display_name
        from helpdesk.models import User
        set_display_name(db.session.execute(db.select(User).where(User.email == email))
                         .scalar_one(), name)


def reply_mail(app, to="ann@example.com"):
    (mail,) = [m for m in outbox(app, to) if "Re:" in m.subject]
    return mail


# --- setting names ---

def test_a_person_names_themselves_on_the_account_page(app):
    client = signed_in(app, "carol@example.com", role="requester")
    response = post(client, "/account/name", {"display_name": "  Carol   Customer "},
                    token_from="/account")
    assert response.status_code == 303
    html = page(client, "/account")
    assert "We call you Carol Customer from now on." in html
    assert 'value="Carol Customer"' in html
    assert get_user(app, "carol@example.com").display_name == "Carol Customer"


def test_an_empty_name_goes_back_to_the_address(app):
    client = signed_in(app, "carol@example.com", role="requester")
    post(client, "/account/name", {"display_name": "Carol"}, token_from="/account")
    post(client, "/account/name", {"display_name": ""}, token_from="/account")
    assert get_user(app, "carol@example.com").display_name is None


def test_a_name_too_long_is_refused_and_kept_in_the_box(app):
    client = signed_in(app, "carol@example.com", role="requester")
    long_name = "Carol " * 20
    response = post(client, "/account/name", {"display_name": long_name},
                    token_from="/account")
    assert response.status_code == 400
    html = response.get_data(as_text=True)
    assert "Keep your name under 80 characters." in html and long_name.strip() in html
    assert get_user(app, "carol@example.com").display_name is None


def test_a_name_stays_on_one_line(app):
    client = signed_in(app, "carol@example.com", role="requester")
    post(client, "/account/name", {"display_name": "Carol\r\nBcc: x@evil.example"},
         token_from="/account")
    assert get_user(app, "carol@example.com").display_name == "Carol Bcc: x@evil.example"


def test_an_admin_names_an_agent_on_the_people_page(app):
    admin = signed_in(app, "admin@example.com", role="admin")
    make_user(app, "dana@example.com", role="agent", password=PASSWORD)
    dana = user_id(app, "dana@example.com")
    response = send(admin, f"/agent/people/{dana}/name", {"display_name": "Dana Agent"},
                    token_from="/agent/people")
    assert response.status_code == 303
    html = page(admin, "/agent/people")
    assert "dana@example.com is called Dana Agent now." in html
    assert 'value="Dana Agent"' in html


# --- where names are used ---

def test_the_reply_mail_is_signed_by_the_agent_and_greets_once(app):
    client = signed_in(app, "dana@example.com")
    name_agent(app, "dana@example.com", "Dana Agent")
    ref = file_request(app)
    reply(client, ref, "Hello Carol Customer,\n\nThe export works again.")
    text = reply_mail(app).body_text
    assert text.startswith("Hello Carol Customer,\n\nThe export works again.")
    assert "support answered" not in text and text.count("Hello") == 1
    assert "\n-- \nDana Agent, Help Center\n" in text
    assert "Dana Agent" in reply_mail(app).body_html


def test_an_agent_without_a_name_signs_for_the_team_not_with_an_address(app):
    client = signed_in(app, "dana@example.com")
    ref = file_request(app)
    reply(client, ref, "The export works again.")
    text = reply_mail(app).body_text
    assert "\n-- \nThe Help Center team\n" in text and "dana@example.com" not in text


def test_the_requester_reads_the_agents_name_on_their_page(app):
    client = signed_in(app, "dana@example.com")
    name_agent(app, "dana@example.com", "Dana Agent")
    ref = file_request(app, email="carol@example.com")
    reply(client, ref, "The export works again.")
    carol = signed_in(app, "carol@example.com", role="requester")
    html = page(carol, f"/requests/{ref}")
    assert 'Dana Agent <span class="badge">Support</span>' in html
    assert "dana@example.com" not in html


def test_your_name_on_the_form_is_kept_with_the_request_and_shown_to_agents(app, client):
    ref = ref_from(post_request(client, name="Carol Customer", email="carol@example.com"))
    assert ticket(app, ref).requester_name == "Carol Customer"
    agent = signed_in(app, "dana@example.com")
    html = page(agent, f"/agent/requests/{ref}")
    assert "from Carol Customer <a" in html
    assert "<strong>Carol Customer</strong> carol@example.com" in html


def test_the_name_on_the_form_is_optional(app, client):
    ref = ref_from(post_request(client))
    assert ticket(app, ref).requester_name is None


def test_a_name_typed_on_the_form_does_not_rename_someone_elses_account(app, client):
    make_user(app, "carol@example.com")
    post_request(client, name="Mallory", email="carol@example.com")
    assert get_user(app, "carol@example.com").display_name is None


def test_saved_replies_fill_in_both_names(app):
    client = signed_in(app, "dana@example.com")
    name_agent(app, "dana@example.com", "Dana Agent")
    with app.app_context():
        db.session.add(SavedReply(title="Thanks", body="Hello {name},\n\nRegards, {agent}",
                                  created_by_id=user_id(app, "dana@example.com")))
        db.session.commit()
        saved_id = db.session.execute(db.select(SavedReply.id)).scalar_one()
    ref = ref_from(post_request(app.test_client(), name="Carol Customer"))
    html = reply(client, ref, "", action="insert_saved", saved_reply=str(saved_id)) \
        .get_data(as_text=True)
    assert "Hello Carol Customer,\n\nRegards, Dana Agent" in html
    assert "Regards, dana@example.com" not in html


def test_the_export_of_a_requesters_data_holds_their_names(app, client):
    ref = ref_from(post_request(client, name="Carol Customer", email="carol@example.com"))
    make_user(app, "carol@example.com")
    name_agent(app, "carol@example.com", "Carol C.")
    admin = signed_in(app, "admin@example.com", role="admin")
    data = json.loads(export(admin, "carol@example.com").read("data.json"))
    assert data["account"]["name"] == "Carol C."
    assert [(r["ref"], r["name"]) for r in data["requests"]] == [(ref, "Carol Customer")]


def test_a_request_by_mail_keeps_the_senders_name(app):
    take(app, build(sender="Carol Customer <carol@example.org>"))
    (found,) = tickets(app)
    assert found.requester_name == "Carol Customer"


def test_mail_about_a_request_uses_the_name_given_on_the_form(app, client):
    signed_in(app, "dana@example.com")
    ref = ref_from(post_request(client, name="Carol Customer", email="carol@example.com"))
    (received,) = outbox(app, "carol@example.com")
    assert received.body_text.startswith("Hello Carol Customer,\n")
    (notice,) = outbox(app, "dana@example.com")
    assert notice.body_text.startswith(
        f"New request {ref} from Carol Customer <carol@example.com>")
    assert "Carol Customer &lt;carol@example.com&gt;" in notice.body_html


def test_without_a_name_the_mail_greets_plainly(app, client):
    post_request(client, email="carol@example.com")
    (received,) = outbox(app, "carol@example.com")
    assert received.body_text.startswith("Hello,\n")
