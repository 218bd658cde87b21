"""What an operator sees: /healthz with the mail backlog, request ids in responses and log
lines, and `helpdesk maintenance`."""

import json
import logging
from datetime import timedelta

from filing import post_request

from helpdesk.extensions import db
from helpdesk.models import Event, Outbox, utcnow

# --- /healthz ---------------------------------------------------------------------------


def test_healthz_counts_mail_waiting_in_the_outbox_and_its_age(app, client):
    post_request(client)
    with app.app_context():
        db.session.execute(db.update(Outbox).values(created_at=utcnow() - timedelta(minutes=5)))
        db.session.commit()
    outbox = client.get("/healthz").json["outbox"]
    assert outbox["ok"] and outbox["pending"] == 1 and outbox["failed"] == 0
    assert 299 <= outbox["oldest_seconds"] <= 400


def test_healthz_counts_mail_given_up_after_every_attempt(make_app):
    app = make_app(MAIL_MAX_ATTEMPTS=3)
    client = app.test_client()
    post_request(client)
    with app.app_context():
        db.session.execute(db.update(Outbox).values(attempts=3, last_error="550 no such user"))
        db.session.commit()
    outbox = client.get("/healthz").json["outbox"]
    assert (outbox["pending"], outbox["failed"]) == (0, 1)


def test_a_mail_backlog_alone_keeps_the_site_healthy(app, client):
    post_request(client)
    response = client.get("/healthz")
    assert response.status_code == 200 and response.json["status"] == "ok"


# --- request ids ------------------------------------------------------------------------


def test_every_response_carries_a_new_request_id(client):
    first = client.get("/").headers["X-Request-ID"]
    second = client.get("/").headers["X-Request-ID"]
    assert len(first) == 32 and first != second


def test_a_request_id_from_the_proxy_is_kept(client):
    response = client.get("/", headers={"X-Request-ID": "nginx-5f2c81d0"})
    assert response.headers["X-Request-ID"] == "nginx-5f2c81d0"


def test_a_hostile_request_id_is_replaced(client):
    hostile = "x\" injected=1 " + "a" * 300
    assert client.get("/", headers={"X-Request-ID": hostile}).headers["X-Request-ID"] != hostile


def test_log_lines_carry_the_request_id(make_app, capsys):
    app = make_app(LOG_FORMAT="keyvalue")
    with app.test_request_context(headers={"X-Request-ID": "req-43"}):
        app.preprocess_request()
        logging.getLogger("helpdesk.tickets").warning("a problem with \"quotes\"")
    err = capsys.readouterr().err
    assert 'request_id=req-43 msg="a problem with \\"quotes\\""' in err
    assert "level=WARNING logger=helpdesk.tickets" in err


def test_json_log_lines_are_one_object_each(make_app, capsys):
    app = make_app(LOG_FORMAT="json")
    with app.test_request_context(headers={"X-Request-ID": "req-7"}):
        app.preprocess_request()
        logging.getLogger("helpdesk.outgoing").error("SMTP refused\nsecond line")
    (line,) = [json.loads(x) for x in capsys.readouterr().err.splitlines() if x.startswith("{")]
    assert line["request_id"] == "req-7" and line["msg"] == "SMTP refused\nsecond line"
    assert line["level"] == "ERROR" and line["logger"] == "helpdesk.outgoing"


def test_log_lines_outside_a_request_say_so(make_app, capsys):
    make_app(LOG_FORMAT="keyvalue")
    logging.getLogger("helpdesk.outgoing.sender").warning("background")
    assert "request_id=- msg=\"background\"" in capsys.readouterr().err


# --- maintenance ------------------------------------------------------------------------


def test_maintenance_reports_each_task(runner):
    result = runner.invoke(args=["maintenance"])
    assert result.exit_code == 0, result.output
    tasks = [line.split(":")[0] for line in result.output.splitlines()]
    assert tasks == ["auto-close", "orphan files", "article index", "desk search index",
                     "events", "outbox", "sessions"]


def test_maintenance_removes_old_events_and_keeps_recent_ones(app, runner):
    with app.app_context():
        old = utcnow() - timedelta(days=app.config["EVENT_RETENTION_DAYS"] + 1)
        db.session.add_all([Event(kind="search", query="old", created_at=old),
                            Event(kind="search", query="new")])
        db.session.commit()
    assert "1 events older than 180 days removed" in runner.invoke(args=["maintenance"]).output
    with app.app_context():
        assert db.session.execute(db.select(Event.query)).scalars().all() == ["new"]


def test_maintenance_removes_mail_delivered_long_ago_but_never_waiting_mail(app, client, runner):
    post_request(client)
    post_request(client, summary="Second")
    with app.app_context():
        first = db.session.execute(db.select(Outbox).order_by(Outbox.id)).scalars().first()
        first.sent_at = utcnow() - timedelta(days=31)
        db.session.commit()
    assert "1 delivered mails older than 30 days removed; 1 waiting" in runner.invoke(
        args=["maintenance"]).output
    with app.app_context():
        assert db.session.execute(db.select(db.func.count(Outbox.id))).scalar() == 1


def test_maintenance_removes_sessions_that_ended_and_keeps_live_ones(app, client, runner):
    from helpdesk.models import WebSession
    client.get("/login")  # a live session (its CSRF token)
    stale = app.test_client()
    stale.get("/login")
    with app.app_context():
        rows = db.session.execute(db.select(WebSession).order_by(WebSession.created_at)
                                  ).scalars().all()
        rows[-1].expires_at = utcnow() - timedelta(minutes=1)
        db.session.commit()
    assert "1 expired sessions removed" in runner.invoke(args=["maintenance"]).output
    with app.app_context():
        assert db.session.execute(db.select(db.func.count(WebSession.id))).scalar() == 1


def test_maintenance_twice_in_a_row_finds_nothing_more_to_do(app, runner):
    runner.invoke(args=["maintenance"])
    second = runner.invoke(args=["maintenance"]).output
    assert "0 orphan attachment files removed" in second and "0 added, 0 updated" in second
