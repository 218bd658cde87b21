"""Times read in the reader's own zone: the one the browser reported (a cookie), checked
against the tz database, else UTC; the zone is always written after the time."""

from datetime import datetime

import pytest
from accounts import file_request
from desk import signed_in

from helpdesk.extensions import db
from helpdesk.models import Message, Ticket

SENT = datetime(2026, 12, 3, 5, 36)  # stored as UTC


@pytest.fixture
def ref(app):
    ref = file_request(app, email="ann@example.com")
    with app.app_context():
        ticket = Ticket.by_ref(ref)
        ticket.created_at = ticket.updated_at = SENT
        for message in db.session.execute(db.select(Message)).scalars():
            message.created_at = SENT
        db.session.commit()
    return ref


@pytest.fixture
def ann(app, ref):
    return signed_in(app, "ann@example.com", role="requester")


def page(client, path, zone=None):
    if zone is not None:
        client.set_cookie("tz", zone)
    return client.get(path).get_data(as_text=True)


def test_my_requests_shows_the_time_in_the_browsers_zone_with_its_name(ann, ref):
    assert "3 Dec 2026, 06:36 CET" in page(ann, "/requests", "Europe/Paris")


def test_a_request_shows_when_it_was_sent_in_the_browsers_zone(ann, ref):
    html = page(ann, f"/requests/{ref}", "Asia/Kolkata")
    assert "3 December 2026, 11:06 IST" in html and "05:36 UTC" not in html


def test_without_a_zone_times_are_utc_and_say_so(ann, ref):
    assert "3 Dec 2026, 05:36 UTC" in page(ann, "/requests")


def test_a_zone_the_tz_database_does_not_know_reads_as_utc(ann, ref):
    for odd in ("Mars/Olympus_Mons", "../../etc/passwd", "Europe/Paris" * 10):
        assert "3 Dec 2026, 05:36 UTC" in page(ann, "/requests", odd)


def test_a_zone_without_letters_is_written_as_an_offset(ann, ref):
    assert "3 December 2026, 09:36 UTC+04" in page(ann, f"/requests/{ref}", "Asia/Dubai")


def test_the_desk_shows_the_agents_own_zone(app, ref):
    agent = signed_in(app)
    html = page(agent, f"/agent/requests/{ref}", "America/New_York")
    assert "3 December 2026, 00:36 EST" in html


def test_a_french_reader_reads_the_date_in_french_in_their_zone(ann, ref):
    ann.set_cookie("lang", "fr")
    html = page(ann, f"/requests/{ref}", "Europe/Paris")
    assert "3 décembre 2026 à 06:36 CET" in html


def test_a_french_reader_reads_short_dates_in_french(ann, ref):
    ann.set_cookie("lang", "fr")
    assert "3 déc. 2026, 06:36 CET" in page(ann, "/requests", "Europe/Paris")
