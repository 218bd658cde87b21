"""Spam and people's data: marking spam, blocking a sender (the request form refuses them
quietly), deleting a request with its files, exporting a requester's data and erasing it."""

import io
import json
import zipfile

from accounts import file_request, make_user, outbox, ticket
from desk import page, queue_refs, reply, send, signed_in
from filing import PNG, post_request

from helpdesk.extensions import db
from helpdesk.models import (
    Attachment,
    BlockedSender,
    Event,
    Outbox,
    Ticket,
    TicketChange,
    User,
)
from helpdesk.tickets import storage
from helpdesk.tickets.service import is_blocked


def stored_files(app):
    with app.app_context():
        keys = db.session.execute(db.select(Attachment.storage_key)).scalars().all()
        return {key: storage.path_for(key) for key in keys}


# --- spam and blocking ---

def test_marking_spam_hides_the_request_and_records_who_did_it(app):
    client = signed_in(app)
    ref = file_request(app, email="spammer@example.com", summary="Cheap watches")
    send(client, f"/agent/requests/{ref}/spam", {})
    assert ref not in queue_refs(page(client, "/agent/?view=all"))
    with app.app_context():
        change = db.session.execute(db.select(TicketChange)).scalars().one()
        assert (change.field, change.new, change.actor_email) == ("spam", "yes",
                                                                  "agent@example.com")


def test_not_spam_brings_it_back(app):
    client = signed_in(app)
    ref = file_request(app)
    send(client, f"/agent/requests/{ref}/spam", {})
    send(client, f"/agent/requests/{ref}/not-spam", {})
    assert ref in queue_refs(page(client, "/agent/"))


def test_marking_spam_without_blocking_leaves_the_sender_free(app, client):
    agent = signed_in(app)
    ref = file_request(app, email="spammer@example.com")
    send(agent, f"/agent/requests/{ref}/spam", {})
    with app.app_context():
        assert not is_blocked("spammer@example.com")


def test_a_blocked_senders_next_request_is_refused_quietly(app, client):
    agent = signed_in(app)
    ref = file_request(app, email="spammer@example.com")
    send(agent, f"/agent/requests/{ref}/spam", {"block": "y"})
    mails_before = len(outbox(app))
    response = post_request(client, email="Spammer@Example.com", summary="More watches")
    assert response.status_code == 200
    assert "Thank you, your request was sent" in response.get_data(as_text=True)
    with app.app_context():
        assert db.session.execute(db.select(db.func.count(Ticket.id))).scalar() == 1
    assert len(outbox(app)) == mails_before


def test_other_senders_are_not_affected_by_a_block(app, client):
    agent = signed_in(app)
    ref = file_request(app, email="spammer@example.com")
    send(agent, f"/agent/requests/{ref}/spam", {"block": "y"})
    assert post_request(client, email="ann@example.com").status_code == 303


def test_is_blocked_answers_for_inbound_mail(app):
    agent = signed_in(app)
    send(agent, "/agent/requesters/block", {"email": "Spammer@Example.com "})
    with app.app_context():
        assert is_blocked("spammer@example.com") and is_blocked(" SPAMMER@example.com")
        assert not is_blocked("ann@example.com") and not is_blocked("")


def test_unblocking_lets_the_sender_file_again(app, client):
    agent = signed_in(app)
    send(agent, "/agent/requesters/block", {"email": "spammer@example.com"})
    assert "spammer@example.com" in page(agent, "/agent/blocked")
    send(agent, "/agent/requesters/unblock", {"email": "spammer@example.com"})
    assert post_request(client, email="spammer@example.com").status_code == 303


# --- deleting a request ---

def test_an_admin_deletes_a_request_with_its_files(app):
    admin = signed_in(app, role="admin")
    ref = file_request(app, files=[("a.png", PNG)])
    keep = file_request(app, email="bob@example.com", files=[("b.png", PNG)])
    reply(admin, ref, "With a file", files=[(io.BytesIO(PNG), "c.png")])
    files = stored_files(app)
    assert len(files) == 3
    assert "cannot be undone" in page(admin, f"/agent/requests/{ref}/delete")
    response = send(admin, f"/agent/requests/{ref}/delete", {})
    assert response.status_code == 303
    assert ticket(app, ref) is None and ticket(app, keep) is not None
    remaining = stored_files(app)
    assert len(remaining) == 1 and all(p.exists() for p in remaining.values())
    assert sum(p.exists() for p in files.values()) == 1
    with app.app_context():
        assert db.session.execute(db.select(db.func.count(Outbox.id)).where(
            Outbox.ticket_id == Ticket.id_from_ref(ref))).scalar() == 0


def test_an_agent_cannot_delete_a_request(app):
    agent = signed_in(app)
    ref = file_request(app)
    assert send(agent, f"/agent/requests/{ref}/delete", {}).status_code == 403
    assert ticket(app, ref) is not None


# --- a requester's data ---

def export(admin, email):
    with admin.get(f"/agent/requesters/export?email={email}") as response:
        assert response.status_code == 200, response.status_code
        assert response.mimetype == "application/zip"
        assert "attachment" in response.headers["Content-Disposition"]
        return zipfile.ZipFile(io.BytesIO(response.data))


def test_the_export_holds_every_request_message_and_file_of_the_requester(app):
    admin = signed_in(app, role="admin")
    make_user(app, "ann@example.com")
    first = file_request(app, summary="First", files=[("photo.png", PNG)])
    second = file_request(app, summary="Second")
    file_request(app, email="bob@example.com", summary="Bob's")
    reply(admin, second, "Our answer")
    archive = export(admin, "ann@example.com")
    data = json.loads(archive.read("data.json"))
    assert data["email"] == "ann@example.com" and data["account"]["role"] == "requester"
    assert [r["ref"] for r in data["requests"]] == [first, second]
    assert [m["body"] for m in data["requests"][1]["messages"]] == [
        "I click Export and nothing happens.", "Our answer"]
    (picture,) = data["requests"][0]["messages"][0]["attachments"]
    assert archive.read(picture["file"]) == PNG
    assert "Bob's" not in archive.read("data.json").decode()


def test_exporting_an_unknown_address_says_there_is_nothing(app):
    admin = signed_in(app, role="admin")
    response = admin.get("/agent/requesters/export?email=nobody@example.com",
                         follow_redirects=True)
    assert "We hold nothing for nobody@example.com." in response.get_data(as_text=True)


def test_erasing_a_requester_removes_their_requests_files_account_and_mail(app):
    admin = signed_in(app, role="admin")
    make_user(app, "ann@example.com")
    ref = file_request(app, files=[("photo.png", PNG)])
    other = file_request(app, email="bob@example.com")
    files = stored_files(app)
    response = send(admin, "/agent/requesters/erase",
                    {"email": "ann@example.com", "confirm": "ann@example.com"})
    assert response.status_code == 303
    assert ticket(app, ref) is None and ticket(app, other) is not None
    assert not any(p.exists() for p in files.values())
    assert outbox(app, "ann@example.com") == []
    with app.app_context():
        assert db.session.execute(db.select(User).where(User.email == "ann@example.com")
                                  ).scalar_one_or_none() is None


def test_erasing_also_drops_the_statistics_that_quote_the_request(app, client):
    admin = signed_in(app, role="admin")
    ref_response = post_request(client, summary="My private trouble")
    assert ref_response.status_code == 303
    with app.app_context():
        from helpdesk import events
        events.flush()
    send(admin, "/agent/requesters/erase", {"email": "ann@example.com",
                                            "confirm": "ann@example.com"})
    with app.app_context():
        assert db.session.execute(db.select(Event).where(
            Event.query == "My private trouble")).first() is None


def test_erasing_needs_the_address_typed_twice(app):
    admin = signed_in(app, role="admin")
    ref = file_request(app)
    send(admin, "/agent/requesters/erase", {"email": "ann@example.com", "confirm": "ann@"})
    assert ticket(app, ref) is not None


def test_an_agents_account_is_not_erased(app):
    admin = signed_in(app, role="admin")
    make_user(app, "bob@example.com", role="agent")
    response = send(admin, "/agent/requesters/erase",
                    {"email": "bob@example.com", "confirm": "bob@example.com"})
    assert "change the role to requester first" in admin.get(
        response.headers["Location"]).get_data(as_text=True)


def test_a_blocked_address_stays_blocked_after_erasure(app):
    admin = signed_in(app, role="admin")
    file_request(app, email="spammer@example.com")
    send(admin, "/agent/requesters/block", {"email": "spammer@example.com"})
    send(admin, "/agent/requesters/erase", {"email": "spammer@example.com",
                                            "confirm": "spammer@example.com"})
    with app.app_context():
        assert db.session.execute(db.select(BlockedSender)).scalars().one().email == \
            "spammer@example.com"
