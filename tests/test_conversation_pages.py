"""One request's page for its requester: details, conversation, reply, solved, reopen, rating."""

import io
import re
from datetime import timedelta

import pytest
from accounts import file_request, make_user, outbox, page_token, sign_in, ticket
from filing import PNG, multipart

from helpdesk.extensions import db
from helpdesk.models import Ticket, User, utcnow
from helpdesk.tickets import conversation
from helpdesk.tickets.service import Upload


@pytest.fixture
def ann(app, client):
    sign_in(client, app, "ann@example.com")
    return client


def reply(client, ref, body="Thanks, here is more.", files=(), **extra):
    fields = {"csrf_token": page_token(client, f"/requests/{ref}"), "body": body, **extra}
    data, content_type = multipart(fields, files)
    return client.post(f"/requests/{ref}/reply", data=data, content_type=content_type)


def press(client, ref, action, **data):
    data["csrf_token"] = page_token(client, f"/requests/{ref}")
    return client.post(f"/requests/{ref}/{action}", data=data)


def agent_says(app, ref, body, internal=False, files=()):
    with app.test_request_context():
        agent = db.session.execute(db.select(User).where(User.role == "agent")).scalar_one_or_none()
        if agent is None:
            agent = User(email="agent@example.com", role="agent", email_verified_at=utcnow())
            db.session.add(agent)
            db.session.commit()
        conversation.add_reply(Ticket.by_ref(ref), body=body, author=agent, internal=internal,
                               uploads=[Upload(io.BytesIO(c), n) for n, c in files])


def text(response):
    return response.get_data(as_text=True)


# --- what the page shows -------------------------------------------------------------------------

def test_the_page_shows_summary_type_fields_status_and_environment(app, ann):
    ref = file_request(app, fields={"application": "mobile", "section": "Reports"})
    with app.app_context():
        found = Ticket.by_ref(ref)
        found.environment = {"browser": "Firefox 128", "os": "Windows 11"}
        db.session.commit()
    page = text(ann.get(f"/requests/{ref}"))
    assert "The export button does nothing" in page and "Technical support" in page
    assert "Reports" in page and "Waiting for support" in page
    assert "Firefox 128" in page


def test_the_conversation_shows_public_replies_rendered_from_markdown(app, ann):
    ref = file_request(app)
    agent_says(app, ref, "Please **clear the cache** and see [the guide](https://example.com/g).")
    page = text(ann.get(f"/requests/{ref}"))
    assert "<strong>clear the cache</strong>" in page
    assert ('<a href="https://example.com/g" rel="nofollow noopener noreferrer">the guide</a>'
            in page)
    assert "Waiting for you" in page and "Support" in page


def test_internal_notes_and_their_files_never_reach_the_requester(app, ann):
    ref = file_request(app)
    agent_says(app, ref, "Refund abuse suspected", internal=True, files=[("notes.txt", b"secret")])
    page = text(ann.get(f"/requests/{ref}"))
    assert "Refund abuse suspected" not in page and "notes.txt" not in page
    with app.app_context():
        from helpdesk.models import Attachment
        note_file = db.session.execute(db.select(Attachment)).scalar_one()
        url = f"/attachments/{note_file.public_id}/notes.txt"
    assert ann.get(url).status_code == 404


def test_the_requesters_files_are_listed_and_download(app, ann):
    ref = file_request(app, files=[("shot.png", PNG)])
    page = text(ann.get(f"/requests/{ref}"))
    link = re.search(r'href="(/attachments/[^"]+/shot.png)"', page).group(1)
    assert ann.get(link).data == PNG


def test_a_follow_up_links_to_the_closed_request(app, ann):
    ref = file_request(app)
    with app.app_context():
        found = Ticket.by_ref(ref)
        found.status, found.closed_at = "closed", utcnow() - timedelta(days=60)
        db.session.commit()
    response = reply(ann, ref, body="Back again")
    new_ref = re.search(r"/requests/(HD-\d+)", response.headers["Location"]).group(1)
    assert new_ref != ref
    new_page = text(ann.get(f"/requests/{new_ref}"))
    assert f"follows up <a href=\"/requests/{ref}\">{ref}</a>" in new_page
    assert f'<a href="/requests/{new_ref}">{new_ref}</a>' in text(ann.get(f"/requests/{ref}"))


# --- replying ------------------------------------------------------------------------------------

def test_a_reply_is_added_and_sets_waiting_for_support(app, ann):
    ref = file_request(app)
    agent_says(app, ref, "Which browser?")
    response = reply(ann, ref, body="Firefox, latest.")
    assert response.status_code == 303 and re.search(r"#m\d+$", response.headers["Location"])
    page = text(ann.get(f"/requests/{ref}"))
    assert "Firefox, latest." in page and "Waiting for support" in page


def test_a_reply_notifies_the_agents(make_app):
    app = make_app(AGENT_NOTIFY_ADDRESS="team@example.com")
    client = app.test_client()
    ref = file_request(app)
    sign_in(client, app, "ann@example.com")
    reply(client, ref, body="More details")
    (mail,) = [m for m in outbox(app, "team@example.com") if "New reply" in m.subject]
    assert "More details" in mail.body_text


def test_a_reply_with_an_attachment(app, ann):
    ref = file_request(app)
    reply(ann, ref, body="Screenshot attached", files=[("after.png", PNG)])
    found = ticket(app, ref)
    assert [a.original_name for a in found.messages[-1].attachments] == ["after.png"]
    assert "after.png" in text(ann.get(f"/requests/{ref}"))


def test_a_refused_file_keeps_the_reply_text_and_saves_nothing(app, ann):
    ref = file_request(app)
    response = reply(ann, ref, body="my long explanation", files=[("x.png", b"<html>")])
    page = text(response)
    assert response.status_code == 400
    assert "my long explanation" in page and "x.png" in page and "Choose your files again" in page
    assert len(ticket(app, ref).messages) == 1


def test_an_empty_reply_is_explained(app, ann):
    ref = file_request(app)
    response = reply(ann, ref, body="  ")
    assert response.status_code == 400 and "Write a message" in text(response)


def test_preview_shows_the_rendered_reply_and_sends_nothing(app, ann):
    ref = file_request(app)
    response = reply(ann, ref, body="**bold** and <script>alert(1)</script>", preview="1")
    page = text(response)
    assert response.status_code == 200
    assert "<strong>bold</strong>" in page and "&lt;script&gt;alert(1)&lt;/script&gt;" in page
    assert "Preview (not sent yet)" in page
    assert len(ticket(app, ref).messages) == 1


def test_a_reply_from_an_expired_page_keeps_the_text(app, ann):
    ref = file_request(app)
    data, content_type = multipart({"csrf_token": "expired", "body": "typed with care"})
    response = ann.post(f"/requests/{ref}/reply", data=data, content_type=content_type)
    assert response.status_code == 400
    assert "typed with care" in text(response) and "nothing was sent" in text(response)
    assert len(ticket(app, ref).messages) == 1


# --- solved, reopen, rating ----------------------------------------------------------------------

def test_my_problem_is_solved_resolves_and_asks_for_a_rating(app, ann):
    ref = file_request(app)
    response = press(ann, ref, "solve")
    assert response.headers["Location"].endswith("#rate")
    page = text(ann.get(f"/requests/{ref}"))
    assert "Resolved" in page and "Rate our help" in page and ticket(app, ref).status == "resolved"


def test_reopen_is_offered_within_the_period_and_works(app, ann):
    ref = file_request(app)
    press(ann, ref, "solve")
    assert "Reopen" in text(ann.get(f"/requests/{ref}"))
    press(ann, ref, "reopen")
    assert ticket(app, ref).status == "open"


def test_after_the_period_reopen_is_refused_and_not_offered(app, ann):
    ref = file_request(app)
    with app.app_context():
        found = Ticket.by_ref(ref)
        found.status, found.closed_at = "closed", utcnow() - timedelta(days=30)
        db.session.commit()
    page = text(ann.get(f"/requests/{ref}"))
    assert ">Reopen<" not in page and "starts a new request" in page
    response = press(ann, ref, "reopen")
    assert "cannot be reopened" in text(ann.get(response.headers["Location"]))
    assert ticket(app, ref).status == "closed"


def test_a_rating_is_saved_once_with_its_comment(app, ann):
    ref = file_request(app)
    press(ann, ref, "solve")
    press(ann, ref, "rate", score="5", comment="Fast!")
    page = text(ann.get(f"/requests/{ref}"))
    assert "You rated this request 5 out of 5" in page and "Fast!" in page
    press(ann, ref, "rate", score="1")
    assert ticket(app, ref).rating.score == 5


def test_a_rating_outside_one_to_five_keeps_the_comment(app, ann):
    ref = file_request(app)
    press(ann, ref, "solve")
    response = press(ann, ref, "rate", score="9", comment="my words")
    assert response.status_code == 400 and "my words" in text(response)
    assert ticket(app, ref).rating is None


def test_the_rating_form_only_appears_after_resolution(app, ann):
    ref = file_request(app)
    assert "Rate our help" not in text(ann.get(f"/requests/{ref}"))
    assert press(ann, ref, "rate", score="5").status_code == 400
    assert ticket(app, ref).rating is None


def test_the_signed_link_lets_the_requester_act_without_an_account(app):
    ref = file_request(app)
    with app.test_request_context():
        from helpdesk.tickets import links
        token = links.view_token(Ticket.by_ref(ref))
    browser = app.test_client()
    page = text(browser.get(f"/requests/{ref}?t={token}"))
    assert "Email me a sign-in link" in page
    assert reply(browser, ref, body="From the mail link").status_code == 303
    message = ticket(app, ref).messages[-1]
    assert (message.author_id, message.author_email) == (None, "ann@example.com")


def test_agents_see_the_page_without_the_requesters_buttons(app):
    ref = file_request(app)
    make_user(app, "agent@example.com", role="agent")
    client = app.test_client()
    sign_in(client, app, "agent@example.com")
    page = text(client.get(f"/requests/{ref}"))
    assert "The export button does nothing" in page and "My problem is solved" not in page
