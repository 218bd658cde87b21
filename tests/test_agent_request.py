"""One request for agents: what the page shows and what an agent can do there."""

import io
import re
from html import unescape

from accounts import file_request, get_user, make_user, outbox, ticket
from desk import page, reply, reply_form, send, signed_in, user_id
from filing import PNG

from helpdesk.extensions import db
from helpdesk.models import FailingAddress, Message, SavedReply, Ticket, TicketChange
from helpdesk.tickets import conversation


def add_message(app, ref, body, author_email="ann@example.com", internal=False):
    with app.test_request_context():
        author = None
        if author_email != "ann@example.com":
            author = db.session.merge(get_user(app, author_email))
        conversation.add_reply(Ticket.by_ref(ref), body=body, author=author,
                               author_email=author_email, internal=internal)


def changes(app, ref):
    with app.app_context():
        return [(c.field, c.old, c.new, c.actor_email) for c in db.session.execute(
            db.select(TicketChange).where(TicketChange.ticket_id == Ticket.by_ref(ref).id)
            .order_by(TicketChange.id)).scalars()]


# --- the page ---

def test_the_page_shows_the_request_like_the_requester_sees_it(app):
    client = signed_in(app)
    ref = file_request(app, summary="Export button does nothing", files=[("shot.png", PNG)])
    html = page(client, f"/agent/requests/{ref}")
    assert "Export button does nothing" in html
    assert "I click Export and nothing happens." in html
    assert "shot.png" in html and 'class="thumb"' in html
    assert "<dt>Application</dt><dd>Web (in a browser)</dd>" in html


def test_the_page_shows_internal_notes_marked_as_such(app):
    client = signed_in(app)
    ref = file_request(app)
    add_message(app, ref, "Customer is on the legacy plan", "agent@example.com", internal=True)
    html = page(client, f"/agent/requests/{ref}")
    note = re.search(r'<li class="message[^"]*message-internal".*?</li>', html, re.S).group(0)
    assert "Internal note" in note and "legacy plan" in note


def test_the_page_lists_the_requesters_other_requests(app):
    client = signed_in(app)
    older = file_request(app, summary="Cannot print invoices")
    ref = file_request(app)
    file_request(app, email="someone@example.com", summary="Not Ann's")
    html = page(client, f"/agent/requests/{ref}")
    other = html.split('id="requester-title"')[1]
    assert older in other and "Cannot print invoices" in other and "Not Ann" not in other


def test_the_page_shows_the_environment_block(app):
    client = signed_in(app)
    ref = file_request(app)
    with app.app_context():
        found = Ticket.by_ref(ref)
        found.environment = {"user_agent": "Mozilla/5.0 (X11; Linux x86_64) Firefox/128.0",
                             "language": "de-DE", "timezone": "Europe/Berlin"}
        db.session.commit()
    html = page(client, f"/agent/requests/{ref}")
    env = html.split('id="env-title"')[1]
    assert "de-DE" in env and "Europe/Berlin" in env


def test_the_page_shows_the_audit_trail(app):
    client = signed_in(app)
    ref = file_request(app)
    send(client, f"/agent/requests/{ref}/update", {"status": "resolved", "priority": "high"})
    history = page(client, f"/agent/requests/{ref}").split('id="audit-title"')[1]
    assert "agent@example.com" in history
    assert "priority normal → high" in history
    assert "status Open → Resolved" in history


def test_the_page_marks_an_address_our_mail_bounces_from(app):
    client = signed_in(app)
    ref = file_request(app)
    with app.app_context():
        db.session.add(FailingAddress(email="ann@example.com", reason="550 no such user"))
        db.session.commit()
    assert "email to this address is bouncing" in page(client, f"/agent/requests/{ref}")


def test_an_unknown_reference_is_404(app):
    client = signed_in(app)
    assert client.get("/agent/requests/HD-99999").status_code == 404
    assert client.get("/agent/requests/nonsense").status_code == 404


# --- replies and notes ---

def test_a_public_reply_is_added_and_sets_waiting_for_customer(app):
    client = signed_in(app)
    ref = file_request(app)
    response = reply(client, ref, "Please try **again**.")
    assert response.status_code == 303
    found = ticket(app, ref)
    assert found.status == "waiting_customer"
    assert found.messages[-1].body == "Please try **again**."
    assert not found.messages[-1].internal


def test_a_public_reply_is_mailed_to_the_requester(app):
    client = signed_in(app)
    ref = file_request(app)
    reply(client, ref, "Please try again.")
    mails = [m for m in outbox(app, "ann@example.com") if "Re:" in m.subject]
    assert len(mails) == 1 and "Please try again." in mails[0].body_text


def test_a_public_reply_carries_its_files(app):
    client = signed_in(app)
    ref = file_request(app)
    reply(client, ref, "See the screenshot.", files=[(io.BytesIO(PNG), "steps.png")])
    found = ticket(app, ref)
    assert [a.original_name for a in found.messages[-1].attachments] == ["steps.png"]
    (mail,) = [m for m in outbox(app, "ann@example.com") if "Re:" in m.subject]
    assert re.search(r"steps\.png: http\S+/attachments/\S+steps\.png\?t=", mail.body_text)


def test_an_internal_note_changes_no_status_and_mails_nobody(app):
    client = signed_in(app)
    ref = file_request(app)
    before = len(outbox(app))
    reply(client, ref, "Checked the logs, nothing yet.", action="note")
    found = ticket(app, ref)
    assert found.status == "open" and found.messages[-1].internal
    assert len(outbox(app)) == before


def test_an_internal_note_never_reaches_the_requesters_page(app):
    client = signed_in(app)
    ref = file_request(app)
    reply(client, ref, "Secret: the customer owes us money", action="note")
    requester = signed_in(app, "ann@example.com", role="requester")
    assert "owes us money" not in page(requester, f"/requests/{ref}")


def test_an_empty_reply_is_refused_with_a_message(app):
    client = signed_in(app)
    ref = file_request(app)
    response = reply(client, ref, "   ")
    assert response.status_code == 400
    assert "Write a message or attach a file." in response.get_data(as_text=True)


def test_a_refused_file_keeps_the_draft(app):
    client = signed_in(app)
    ref = file_request(app)
    response = reply(client, ref, "My careful answer", files=[(io.BytesIO(b"MZ\x90"), "x.exe")])
    assert response.status_code == 400
    html = response.get_data(as_text=True)
    assert "My careful answer</textarea>" in html and "x.exe" in html


def test_an_expired_form_keeps_the_draft(app):
    client = signed_in(app)
    ref = file_request(app)
    _, seen = reply_form(client, ref)
    response = client.post(f"/agent/requests/{ref}/reply",
                           data={"csrf_token": "stale", "seen": seen, "body": "Keep me",
                                 "send": "1"})
    assert response.status_code == 400
    assert "Keep me</textarea>" in response.get_data(as_text=True)
    assert len(ticket(app, ref).messages) == 1


def test_preview_shows_the_rendered_reply_and_sends_nothing(app):
    client = signed_in(app)
    ref = file_request(app)
    html = reply(client, ref, "A *quick* check", action="preview").get_data(as_text=True)
    assert "<em>quick</em>" in html and "A *quick* check</textarea>" in html
    assert len(ticket(app, ref).messages) == 1


# --- someone else was faster ---

def test_a_reply_is_held_back_when_another_agent_replied_meanwhile(app):
    client = signed_in(app)
    make_user(app, "bob@example.com", role="agent")
    ref = file_request(app)
    token, seen = reply_form(client, ref)
    add_message(app, ref, "Bob's answer: restart the app", "bob@example.com")
    response = client.post(f"/agent/requests/{ref}/reply", data={
        "csrf_token": token, "seen": seen, "body": "My answer", "send": "1"})
    assert response.status_code == 409
    html = response.get_data(as_text=True)
    assert "While you were writing, this request changed" in html
    assert "Bob&#39;s answer: restart the app" in html
    assert "My answer</textarea>" in html
    assert [m.body for m in ticket(app, ref).messages][-1] == "Bob's answer: restart the app"


def test_sending_again_after_the_warning_sends_the_reply(app):
    client = signed_in(app)
    make_user(app, "bob@example.com", role="agent")
    ref = file_request(app)
    token, seen = reply_form(client, ref)
    add_message(app, ref, "Bob was here", "bob@example.com", internal=True)
    warned = client.post(f"/agent/requests/{ref}/reply", data={
        "csrf_token": token, "seen": seen, "body": "My answer", "send": "1"})
    fresh = re.search(r'name="seen"[^>]*value="([^"]*)"', warned.get_data(as_text=True)).group(1)
    confirmed = client.post(f"/agent/requests/{ref}/reply", data={
        "csrf_token": token, "seen": fresh, "body": "My answer", "send": "1"})
    assert confirmed.status_code == 303
    assert ticket(app, ref).messages[-1].body == "My answer"


def test_a_change_of_status_meanwhile_also_holds_the_reply_back(app):
    client = signed_in(app)
    ref = file_request(app)
    token, seen = reply_form(client, ref)
    other = signed_in(app, "bob@example.com")
    send(other, f"/agent/requests/{ref}/update", {"status": "resolved"})
    response = client.post(f"/agent/requests/{ref}/reply", data={
        "csrf_token": token, "seen": seen, "body": "My answer", "note": "1"})
    assert response.status_code == 409
    assert "bob@example.com</strong> changed status" in response.get_data(as_text=True)


# --- properties ---

def test_each_property_change_is_recorded_with_who_made_it(app):
    client = signed_in(app)
    ref = file_request(app)
    bob = make_user(app, "bob@example.com", role="agent")
    send(client, f"/agent/requests/{ref}/update", {
        "status": "waiting_customer", "priority": "urgent", "assignee": str(bob),
        "type": "billing"})
    found = ticket(app, ref)
    assert (found.status, found.priority, found.assignee_id, found.type) == (
        "waiting_customer", "urgent", bob, "billing")
    assert changes(app, ref) == [
        ("priority", "normal", "urgent", "agent@example.com"),
        ("type", "technical-support", "billing", "agent@example.com"),
        ("assignee", None, "bob@example.com", "agent@example.com"),
        ("status", "open", "waiting_customer", "agent@example.com")]


def test_assign_to_me(app):
    client = signed_in(app)
    ref = file_request(app)
    send(client, f"/agent/requests/{ref}/update", {"assignee": str(user_id(app,
                                                                          "agent@example.com"))})
    assert ticket(app, ref).assignee_id == user_id(app, "agent@example.com")


def test_unassigning_is_recorded(app):
    client = signed_in(app)
    ref = file_request(app)
    send(client, f"/agent/requests/{ref}/update", {"assignee": str(user_id(app,
                                                                          "agent@example.com"))})
    send(client, f"/agent/requests/{ref}/update", {"assignee": "none"})
    assert ticket(app, ref).assignee_id is None
    assert changes(app, ref)[-1] == ("assignee", "agent@example.com", None, "agent@example.com")


def test_values_outside_the_lists_are_refused(app):
    client = signed_in(app)
    ref = file_request(app)
    response = send(client, f"/agent/requests/{ref}/update", {"priority": "whenever"})
    assert "Choose a priority from the list." in client.get(response.headers["Location"]
                                                            ).get_data(as_text=True)
    assert ticket(app, ref).priority == "normal"


def test_a_request_cannot_be_assigned_to_a_deactivated_agent(app):
    client = signed_in(app)
    ref = file_request(app)
    gone = make_user(app, "gone@example.com", role="agent", active=False)
    send(client, f"/agent/requests/{ref}/update", {"assignee": str(gone)})
    assert ticket(app, ref).assignee_id is None


# --- help articles and saved replies ---

def test_the_article_search_works_without_javascript(app):
    client = signed_in(app)
    ref = file_request(app)
    html = reply(client, ref, "Draft so far", action="kb_search", kb_q="password").get_data(
        as_text=True)
    assert re.search(r'name="insert_article" value="[^"]*password', html)
    assert "Draft so far</textarea>" in html


def test_inserting_an_article_adds_its_link_to_the_draft(app):
    client = signed_in(app)
    ref = file_request(app)
    from helpdesk.kb import get_kb
    with app.app_context():
        slug = next(s for s in get_kb().articles if "password" in s)
        title = get_kb().articles[slug].title
    html = reply(client, ref, "Hello,", action="insert_article", value=slug).get_data(
        as_text=True)
    # HTML drops the one line break right after <textarea>.
    draft = unescape(re.search(r'<textarea[^>]*name="body"[^>]*>\r?\n?(.*?)</textarea>', html,
                               re.S).group(1))
    assert draft.startswith("Hello,\n\n[")
    assert f"[{title}](http://localhost/articles/{slug})" in draft


def test_the_live_article_search_answers_json_for_the_script(app):
    client = signed_in(app)
    response = client.get("/agent/kb?q=password")
    assert response.mimetype == "application/json"
    first = response.get_json()["results"][0]
    assert first["link"] == f"[{first['title']}]({first['url']})"


def test_a_saved_reply_is_inserted_with_the_requesters_name_and_reference(app):
    client = signed_in(app)
    ref = file_request(app, email="ann.smith@example.com")
    with app.app_context():
        db.session.add(SavedReply(title="Thanks", body="Hi {name}, thanks for {ref}!"))
        db.session.commit()
        reply_id = db.session.execute(db.select(SavedReply.id)).scalar()
    html = reply(client, ref, "", action="insert_saved", saved_reply=str(reply_id)).get_data(
        as_text=True)
    assert f"Hi Ann Smith, thanks for {ref}!</textarea>" in html


def test_saved_replies_are_offered_already_filled_in_for_the_script(app):
    client = signed_in(app)
    ref = file_request(app)
    with app.app_context():
        db.session.add(SavedReply(title="Hello", body="Dear {name}, about “{summary}”"))
        db.session.commit()
    html = page(client, f"/agent/requests/{ref}")
    assert 'data-text="Dear Ann, about “The export button does nothing”"' in html


def test_placeholders_are_plain_text_not_a_template(app):
    client = signed_in(app)
    ref = file_request(app)
    with app.app_context():
        db.session.add(SavedReply(title="T", body="{{ config.SECRET_KEY }} {name}"))
        db.session.commit()
        reply_id = db.session.execute(db.select(SavedReply.id)).scalar()
    html = reply(client, ref, "", action="insert_saved", saved_reply=str(reply_id)).get_data(
        as_text=True)
    assert "{{ config.SECRET_KEY }} Ann</textarea>" in html


def test_the_agents_page_is_never_cached(app):
    client = signed_in(app)
    ref = file_request(app)
    assert client.get(f"/agent/requests/{ref}").headers["Cache-Control"] == "private, no-store"


def test_a_request_shows_who_sent_each_message(app):
    client = signed_in(app)
    ref = file_request(app)
    reply(client, ref, "From support")
    with app.app_context():
        messages = db.session.execute(db.select(Message).order_by(Message.id)).scalars().all()
        assert [m.author_email for m in messages] == ["ann@example.com", "agent@example.com"]
