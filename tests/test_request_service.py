"""The ticket service used by every channel: one transaction, nothing half-made."""

import io

import pytest

from helpdesk.extensions import db
from helpdesk.models import Attachment, Outbox, Ticket
from helpdesk.tickets import service, storage


def new_request(app, **overrides):
    values = dict(request_type=app.extensions["helpdesk.request_types"]["billing"],
                  email="Bob@Example.com", summary="Charged twice",
                  description="Invoice 42 was charged twice.", channel="email")
    values.update(overrides)
    return service.NewRequest(**values)


def test_a_mail_channel_request_gets_its_reference_and_confirmation(app):
    with app.test_request_context():
        ticket = service.open_request(new_request(app))
        assert ticket.ref == "HD-1001" and ticket.channel == "email"
        assert ticket.messages[0].source == "email"
        outbox = db.session.execute(db.select(Outbox)).scalars().all()
        assert [o.to for o in outbox] == ["bob@example.com"]


def test_inbound_mail_keeps_good_files_and_lists_refused_ones(app):
    with app.test_request_context():
        new = new_request(app, skip_refused_files=True, uploads=[
            service.Upload(io.BytesIO(b"fine"), "notes.txt"),
            service.Upload(io.BytesIO(b"<html><script>x</script>"), "fake.png")])
        ticket = service.open_request(new)
        assert [a.original_name for a in ticket.attachments] == ["notes.txt"]
        assert [r.name for r in new.refused] == ["fake.png"]


def test_a_failure_after_storing_files_rolls_everything_back(app):
    with app.test_request_context():
        # No address to confirm to: queuing the mail fails after the files were written.
        with pytest.raises(ValueError):
            service.open_request(new_request(app, email="", uploads=[
                service.Upload(io.BytesIO(b"data"), "a.txt")]))
        assert db.session.execute(db.select(Ticket)).first() is None
        assert db.session.execute(db.select(Attachment)).first() is None
        assert storage.orphans(set(), older_than=-1) == []


def test_the_same_submission_token_never_files_twice(app):
    with app.test_request_context():
        first = service.open_request(new_request(app, submission_token="tok-1"))
        with pytest.raises(service.AlreadyFiled) as again:
            service.open_request(new_request(app, submission_token="tok-1"))
        assert again.value.ticket.id == first.id
