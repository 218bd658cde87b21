"""Insights keep what people searched for, not what they filed: the request form's text
never becomes a "search query", on the page or in the CSV exports."""

from accounts import file_request
from desk import page, send, signed_in
from filing import TECH, hidden_fields, post_request
from test_agent_insights import cell, csv_rows, table_after

from helpdesk import events
from helpdesk.extensions import db
from helpdesk.models import Event

PRIVATE = "invoice inv-2211 was charged twice on my card"


def flush(app):
    with app.app_context():
        events.flush()


def stored_queries(app):
    with app.app_context():
        return [q for q in db.session.execute(db.select(Event.query)).scalars() if q]


def type_on_the_form(client, summary=PRIVATE, description=""):
    """The form's live answers as the page asks for them while someone types."""
    client.get("/requests/suggest", query_string={"type": TECH, "q": summary,
                                                  "also": description})


def test_what_is_typed_on_the_request_form_is_not_stored(app, client):
    type_on_the_form(client, "", "My card ending 4242 was charged twice")
    type_on_the_form(client)
    post_request(client, summary=PRIVATE)
    flush(app)
    assert stored_queries(app) == []


def test_form_text_never_appears_as_a_query_on_insights_or_in_the_csv(app, client):
    agent = signed_in(app)
    type_on_the_form(client, "zzqx frobnicate " + PRIVATE)  # finds nothing
    type_on_the_form(client)
    flush(app)
    html = page(agent, "/agent/insights")
    assert "inv-2211" not in html and "frobnicate" not in html
    for table in ("no-results", "no-click"):
        assert csv_rows(agent, table) == [["query", "times"]]


def test_the_form_suggestions_still_count_in_the_funnel(app, client):
    agent = signed_in(app)
    type_on_the_form(client, "reset password")
    flush(app)
    funnel = table_after(page(agent, "/agent/insights"), "funnel-title")
    assert cell(funnel, "Suggestions shown") == "1"
    with app.app_context():
        (shown,) = db.session.execute(
            db.select(Event).where(Event.kind == events.SUGGESTION_SHOWN)).scalars()
        assert shown.result_count >= 1 and shown.query is None


def test_help_center_searches_are_still_listed(app, client):
    agent = signed_in(app)
    client.get("/search?q=zzqx+frobnicate")
    flush(app)
    assert csv_rows(agent, "no-results")[1:] == [["zzqx frobnicate", "1"]]


def test_the_filed_after_suggestions_csv_holds_no_summary(app, client):
    agent = signed_in(app)
    hidden = hidden_fields(client.get(f"/requests/new/{TECH}").get_data(as_text=True))
    post_request(client, summary=PRIVATE, hidden=hidden | {"suggested": "2"})
    flush(app)
    rows = csv_rows(agent, "filed-after-suggestions")
    assert rows[0] == ["filed at", "request", "suggestions shown"]
    assert [r[1:] for r in rows[1:]] == [["HD-1001", "2"]]
    assert "inv-2211" not in str(rows)


def test_a_filed_request_erased_later_leaves_no_summary_behind(app, client):
    agent = signed_in(app, role="admin")
    hidden = hidden_fields(client.get(f"/requests/new/{TECH}").get_data(as_text=True))
    post_request(client, summary=PRIVATE, hidden=hidden | {"suggested": "2"})
    file_request(app, email="other@example.com")
    flush(app)
    send(agent, "/agent/requests/HD-1001/delete", {})
    assert "inv-2211" not in page(agent, "/agent/insights")
