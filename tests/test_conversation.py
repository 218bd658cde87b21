"""The conversation service: replies, notes, status rules, reopening, ratings, the audit trail."""

import io
import re
from datetime import timedelta

import pytest
from accounts import file_request, make_user, outbox
from filing import PNG

from helpdesk.extensions import db
from helpdesk.models import (
    Attachment,
    Message,
    Rating,
    Ticket,
    TicketChange,
    User,
    utcnow,
)
from helpdesk.outgoing.outbox import send_pending
from helpdesk.tickets import conversation, storage
from helpdesk.tickets.service import TooManyFiles, Upload
from helpdesk.vocabulary import REQUESTER_STATUS_LABELS


@pytest.fixture
def mail_app(make_app, smtp_server):
    return make_app(**smtp_server.config(), EXTERNAL_URL="https://help.example.com")


def load(ref):
    return Ticket.by_ref(ref)


def agent(email="agent@example.com"):
    return db.session.execute(db.select(User).where(User.email == email)).scalar_one()


def set_fields(app, ref, **values):
    with app.app_context():
        found = load(ref)
        for name, value in values.items():
            setattr(found, name, value)
        db.session.commit()


def deliver(app):
    with app.app_context():
        send_pending()


def bodies(smtp_server):
    return [m.get_body(("plain",)).get_content() for m in smtp_server.messages]


# --- a requester's reply ----------------------------------------------------------------------

def test_a_requester_reply_sets_waiting_for_support(app):
    ref = file_request(app)
    set_fields(app, ref, status="waiting_customer")
    with app.test_request_context():
        message = conversation.add_reply(load(ref), body="Still broken.",
                                         author_email="ann@example.com")
        assert message.ticket.status == "open"
        assert REQUESTER_STATUS_LABELS[message.ticket.status] == "Waiting for support"


def test_a_requester_reply_notifies_the_assignee_by_mail(mail_app, smtp_server):
    ref = file_request(mail_app)
    assignee = make_user(mail_app, "agent@example.com", role="agent")
    set_fields(mail_app, ref, assignee_id=assignee, status="waiting_customer")
    deliver(mail_app)
    smtp_server.envelopes.clear()
    with mail_app.test_request_context():
        conversation.add_reply(load(ref), body="Here is **more** detail.",
                               author_email="ann@example.com")
    deliver(mail_app)
    (mail,) = smtp_server.messages
    assert mail["To"] == "agent@example.com"
    assert mail["Subject"] == f"[{ref}] New reply: The export button does nothing"
    assert "Here is **more** detail." in bodies(smtp_server)[0]


def test_without_an_assignee_the_reply_goes_to_the_agents_address(make_app, smtp_server):
    app = make_app(**smtp_server.config(), AGENT_NOTIFY_ADDRESS="team@example.com")
    ref = file_request(app)
    deliver(app)
    smtp_server.envelopes.clear()
    with app.test_request_context():
        conversation.add_reply(load(ref), body="More.", author_email="ann@example.com")
    deliver(app)
    assert [m["To"] for m in smtp_server.messages] == ["team@example.com"]


# --- an agent's reply and internal notes ------------------------------------------------------

def test_an_agent_reply_sets_waiting_for_you_and_mails_the_requester(mail_app, smtp_server):
    ref = file_request(mail_app)
    make_user(mail_app, "agent@example.com", role="agent")
    deliver(mail_app)
    smtp_server.envelopes.clear()
    with mail_app.test_request_context():
        message = conversation.add_reply(load(ref), body="Try clearing the cache.",
                                         author=agent())
        assert message.ticket.status == "waiting_customer"
    deliver(mail_app)
    (mail,) = smtp_server.messages
    assert mail["To"] == "ann@example.com"
    assert mail["Subject"] == f"[{ref}] Re: The export button does nothing"
    text = bodies(smtp_server)[0]
    assert "Try clearing the cache." in text
    assert re.search(rf"https://help\.example\.com/requests/{ref}\?t=\S+", text)


def test_the_agents_attachments_are_listed_in_the_mail_with_working_links(mail_app, smtp_server):
    ref = file_request(mail_app)
    make_user(mail_app, "agent@example.com", role="agent")
    deliver(mail_app)
    smtp_server.envelopes.clear()
    with mail_app.test_request_context():
        conversation.add_reply(load(ref), body="See the screenshot.", author=agent(),
                               uploads=[Upload(io.BytesIO(PNG), "steps.png")])
    deliver(mail_app)
    text = bodies(smtp_server)[0]
    link = re.search(r"- steps\.png: https://help\.example\.com(/attachments/\S+)", text).group(1)
    download = mail_app.test_client().get(link)  # a fresh browser, straight from the mail
    assert download.status_code == 200 and download.data == PNG


def test_an_internal_note_changes_nothing_for_the_requester(app):
    ref = file_request(app)
    make_user(app, "agent@example.com", role="agent")
    before = len(outbox(app))
    with app.test_request_context():
        note = conversation.add_reply(load(ref), body="Customer is on the legacy plan.",
                                      author=agent(), internal=True)
        assert note.internal and note.ticket.status == "open"
    assert len(outbox(app)) == before


def test_only_agents_write_internal_notes(app):
    ref = file_request(app)
    with app.test_request_context(), pytest.raises(conversation.NotAllowed):
        conversation.add_reply(load(ref), body="psst", author_email="ann@example.com",
                               internal=True)


def test_an_empty_reply_is_refused(app):
    ref = file_request(app)
    with app.test_request_context(), pytest.raises(conversation.EmptyReply):
        conversation.add_reply(load(ref), body="   ", author_email="ann@example.com")


# --- after resolution -------------------------------------------------------------------------

def test_a_reply_within_the_reopen_period_reopens_a_closed_request(app):
    ref = file_request(app)
    set_fields(app, ref, status="closed", closed_at=utcnow() - timedelta(days=3))
    with app.test_request_context():
        message = conversation.add_reply(load(ref), body="It broke again.",
                                         author_email="ann@example.com")
        assert message.ticket.ref == ref
        assert message.ticket.status == "open" and message.ticket.closed_at is None


def test_a_reply_after_the_reopen_period_starts_a_new_linked_request(app):
    ref = file_request(app)
    set_fields(app, ref, status="closed", closed_at=utcnow() - timedelta(days=30))
    with app.test_request_context():
        message = conversation.add_reply(load(ref), body="It broke again, months later.",
                                         author_email="ann@example.com")
        new = message.ticket
        assert new.ref != ref and new.parent_id == load(ref).id
        assert new.status == "open" and new.requester_email == "ann@example.com"
        assert new.type == "technical-support" and new.messages == [message]
        assert load(ref).status == "closed"


def test_the_new_linked_request_is_announced_to_the_requester(app):
    ref = file_request(app)
    set_fields(app, ref, status="closed", closed_at=utcnow() - timedelta(days=30))
    with app.test_request_context():
        new_ref = conversation.add_reply(load(ref), body="Again.",
                                         author_email="ann@example.com").ticket.ref
    (mail,) = [m for m in outbox(app, "ann@example.com") if new_ref in m.subject]
    assert f"after {ref}" in mail.subject and ref in mail.body_text


def test_an_agent_resolving_mails_a_satisfaction_link(mail_app, smtp_server):
    make_user(mail_app, "agent@example.com", role="agent")
    ref = file_request(mail_app)
    deliver(mail_app)
    smtp_server.envelopes.clear()
    with mail_app.test_request_context():
        conversation.resolve(load(ref), actor=agent())
        assert load(ref).status == "resolved" and load(ref).resolved_at is not None
    deliver(mail_app)
    (mail,) = smtp_server.messages
    assert mail["Subject"] == f"[{ref}] Resolved: The export button does nothing"
    assert re.search(rf"https://help\.example\.com/requests/{ref}\?t=\S+#rate",
                     bodies(smtp_server)[0])


def test_a_resolved_request_cannot_be_resolved_again(app):
    ref = file_request(app)
    with app.test_request_context():
        conversation.resolve(load(ref))
        with pytest.raises(conversation.NotAllowed):
            conversation.resolve(load(ref))


def test_reopen_works_within_the_reopen_period(app):
    ref = file_request(app)
    set_fields(app, ref, status="resolved", resolved_at=utcnow() - timedelta(days=13))
    with app.test_request_context():
        conversation.reopen(load(ref), actor_email="ann@example.com")
        assert load(ref).status == "open" and load(ref).resolved_at is None


def test_reopen_is_refused_after_the_reopen_period(app):
    ref = file_request(app)
    set_fields(app, ref, status="closed", resolved_at=utcnow() - timedelta(days=20),
               closed_at=utcnow() - timedelta(days=15))
    with app.test_request_context(), pytest.raises(conversation.ReopenPeriodOver):
        conversation.reopen(load(ref))


def test_reopen_is_refused_for_an_open_request(app):
    ref = file_request(app)
    with app.test_request_context(), pytest.raises(conversation.NotAllowed):
        conversation.reopen(load(ref))


def test_a_rating_is_kept_with_its_comment(app):
    ref = file_request(app)
    with app.test_request_context():
        conversation.resolve(load(ref))
        conversation.rate(load(ref), 4, "Quick and friendly")
        rating = load(ref).rating
        assert (rating.score, rating.comment) == (4, "Quick and friendly")


def test_a_rating_waits_for_resolution(app):
    ref = file_request(app)
    with app.test_request_context(), pytest.raises(conversation.NotAllowed):
        conversation.rate(load(ref), 5)


@pytest.mark.parametrize("score", [0, 6, "five", None, True, "3.5"])
def test_a_rating_is_a_whole_number_from_one_to_five(app, score):
    ref = file_request(app)
    with app.test_request_context():
        conversation.resolve(load(ref))
        with pytest.raises(conversation.ConversationError):
            conversation.rate(load(ref), score)


def test_a_request_is_rated_once(app):
    ref = file_request(app)
    with app.test_request_context():
        conversation.resolve(load(ref))
        conversation.rate(load(ref), 5)
        with pytest.raises(conversation.AlreadyRated):
            conversation.rate(load(ref), 1)
        assert db.session.scalar(db.select(db.func.count(Rating.id))) == 1


# --- the audit trail -------------------------------------------------------------------------

def test_status_changes_are_recorded_with_who_and_when(app):
    ref = file_request(app)
    make_user(app, "agent@example.com", role="agent")
    with app.test_request_context():
        conversation.set_status(load(ref), "waiting_customer", actor=agent())
        conversation.resolve(load(ref), actor_email="Ann@Example.com")
        changes = [(c.field, c.old, c.new, c.actor_email, c.actor_id is not None)
                   for c in load(ref).changes]
    assert changes == [("status", "open", "waiting_customer", "agent@example.com", True),
                       ("status", "waiting_customer", "resolved", "ann@example.com", False)]


def test_record_change_ignores_what_did_not_change(app):
    ref = file_request(app)
    with app.test_request_context():
        assert conversation.record_change(load(ref), "priority", "normal", "normal") is None
        change = conversation.record_change(load(ref), "priority", "normal", "high",
                                            actor_email="agent@example.com")
        db.session.commit()
        assert db.session.get(TicketChange, change.id).new == "high"


def test_an_unknown_status_is_refused(app):
    ref = file_request(app)
    with app.test_request_context(), pytest.raises(ValueError):
        conversation.set_status(load(ref), "deleted")


# --- files --------------------------------------------------------------------------------------

def test_reply_files_are_stored_like_the_request_forms(app):
    ref = file_request(app)
    with app.test_request_context():
        message = conversation.add_reply(load(ref), body="Log attached.",
                                         author_email="ann@example.com",
                                         uploads=[Upload(io.BytesIO(b"ERROR 42\n"), "app.log")])
        (item,) = message.attachments
        assert (item.original_name, item.content_type, item.ticket_id) == (
            "app.log", "text/plain", load(ref).id)
        assert storage.path_for(item.storage_key).read_bytes() == b"ERROR 42\n"


def test_a_refused_file_on_the_web_refuses_the_whole_reply(app):
    ref = file_request(app)
    with app.test_request_context():
        with pytest.raises(storage.AttachmentRefused):
            conversation.add_reply(load(ref), body="two files", author_email="ann@example.com",
                                   uploads=[Upload(io.BytesIO(b"fine"), "ok.txt"),
                                            Upload(io.BytesIO(b"<html></html>"), "x.png")])
        assert len(load(ref).messages) == 1
        assert db.session.scalar(db.select(db.func.count(Attachment.id))) == 0
    assert storage_files(app) == []


def test_too_many_files_on_the_web_are_refused(make_app):
    app = make_app(ATTACHMENT_MAX_COUNT=1)
    ref = file_request(app)
    with app.test_request_context(), pytest.raises(TooManyFiles):
        conversation.add_reply(load(ref), body="files", author_email="ann@example.com",
                               uploads=[Upload(io.BytesIO(b"a"), "a.txt"),
                                        Upload(io.BytesIO(b"b"), "b.txt")])


def test_by_mail_good_files_are_kept_and_refused_ones_listed_with_the_reason(app):
    ref = file_request(app)
    with app.test_request_context():
        message = conversation.add_reply(
            load(ref), body="Files attached.", author_email="ann@example.com", source="email",
            subject="Re: [HD-1001] The export button does nothing",
            uploads=[Upload(io.BytesIO(b"fine"), "ok.txt"),
                     Upload(io.BytesIO(b"MZ\x90\x00"), "setup.exe")])
        assert [a.original_name for a in message.attachments] == ["ok.txt"]
        assert [r.name for r in message.refused] == ["setup.exe"]
        assert "Files not attached:\n- setup.exe: this kind of file is not accepted" in message.body
        assert message.subject == "Re: [HD-1001] The export button does nothing"


def storage_files(app):
    import os
    root = app.config["UPLOAD_DIR"]
    return [os.path.join(d, f) for d, _, names in os.walk(root) for f in names]


def test_a_failed_commit_leaves_no_message_and_no_file(app):
    ref = file_request(app)
    with app.test_request_context():
        found = load(ref)
        ticket_id = found.id
        # The request is deleted by someone else while this reply is being written.
        with db.engine.begin() as other:
            other.execute(db.delete(Message).where(Message.ticket_id == ticket_id))
            other.execute(db.delete(Ticket).where(Ticket.id == ticket_id))
        with pytest.raises(Exception):
            conversation.add_reply(found, body="late", author_email="ann@example.com",
                                   uploads=[Upload(io.BytesIO(b"data"), "late.txt")])
        assert db.session.scalar(db.select(db.func.count(Attachment.id))) == 0
    assert storage_files(app) == []
