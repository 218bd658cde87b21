"""Insights: the deflection funnel and its weekly trend, content gaps, articles, requests
and satisfaction over a chosen period, as tables, inline SVG charts and safe CSV; stored
queries dropped after their retention period; resolved requests closing on their own."""

import csv
import io
import re
from datetime import timedelta

from accounts import file_request, post, ticket
from desk import page, reply, send, signed_in
from filing import TECH, post_request

from helpdesk import events
from helpdesk.extensions import db
from helpdesk.models import ArticleVote, Event, Rating, Ticket, utcnow

TODAY = utcnow().replace(hour=12, minute=0, second=0, microsecond=0)


def add_events(app, *rows):
    """Events as (kind, days ago, fields...) rows, written straight to the table."""
    with app.app_context():
        for kind, days_ago, fields in rows:
            db.session.add(Event(kind=kind, created_at=TODAY - timedelta(days=days_ago),
                                 **fields))
        db.session.commit()


def table_after(html, heading_id):
    return html.split(f'id="{heading_id}"')[1].split("</table>")[0]


def cell(table, label):
    match = re.search(rf"<t[hd][^>]*>{re.escape(label)}</t[hd]>\s*<td>(?:<strong>)?([^<]*)",
                      table)
    assert match, f"no row {label}"
    return match.group(1)


def csv_rows(client, name, **period):
    query = "&".join(f"{k}={v}" for k, v in period.items())
    response = client.get(f"/agent/insights/export.csv?table={name}&{query}")
    assert response.status_code == 200 and response.mimetype == "text/csv"
    assert response.headers["Content-Disposition"].startswith("attachment;")
    return list(csv.reader(io.StringIO(response.get_data(as_text=True))))


# --- the funnel ---

def test_the_funnel_counts_each_stage_from_real_visits(app, client):
    agent = signed_in(app)
    client.get("/search?q=password")
    client.get(f"/requests/suggest?type={TECH}&q=password")
    client.get(f"/requests/suggest?type={TECH}&q=qwxzvk")  # nothing found: not "shown"
    client.get(f"/requests/answers/account/passwords?type={TECH}")
    post(client, "/requests/solved", {"slug": "account/passwords"},
         token_from=f"/articles/account/passwords?from=request&type={TECH}")
    post_request(client)
    with app.app_context():
        events.flush()
    funnel = table_after(page(agent, "/agent/insights"), "funnel-title")
    assert [cell(funnel, label) for label in (
        "Searches", "Suggestions shown", "Opened from suggestions", "“Solved” answers",
        "Requests filed")] == ["1", "1", "1", "1", "1"]
    assert cell(funnel, "Deflection rate") == "50%"


def test_the_funnel_counts_only_the_chosen_period(app):
    agent = signed_in(app)
    add_events(app, ("search", 1, {}), ("search", 10, {}), ("search", 40, {}))
    html = page(agent, "/agent/insights")  # the last 28 days
    assert cell(table_after(html, "funnel-title"), "Searches") == "2"
    day = (TODAY - timedelta(days=10)).date().isoformat()
    html = page(agent, f"/agent/insights?from={day}&to={day}")
    assert cell(table_after(html, "funnel-title"), "Searches") == "1"


def test_the_weekly_trend_has_a_row_per_week(app):
    agent = signed_in(app)
    monday = TODAY - timedelta(days=TODAY.weekday() + 7)
    add_events(app, *[("request_filed", (TODAY - monday).days, {})] * 2,
               ("solved", (TODAY - monday).days - 7, {}))
    start, end = monday.date().isoformat(), (monday + timedelta(days=13)).date().isoformat()
    rows = csv_rows(agent, "weekly", **{"from": start, "to": end})
    assert rows[0][0] == "week starting"
    assert [(r[0], r[4], r[5], r[6]) for r in rows[1:]] == [
        (start, "0", "2", "0%"), ((monday + timedelta(days=7)).date().isoformat(), "1", "0",
                                  "100%")]


def test_the_trend_is_drawn_as_inline_svg(app):
    agent = signed_in(app)
    add_events(app, ("search", 1, {}), ("request_filed", 2, {}))
    html = page(agent, "/agent/insights")
    assert re.search(r'<svg class="chart" role="img" aria-label="Searches, solved', html)
    assert "<polyline" in html and "<rect" in html
    assert all(" src=" in tag for tag in re.findall(r"<script[^>]*>", html))  # none inline
    assert "style=" not in html


def test_a_bad_period_says_so_and_shows_the_last_four_weeks(app):
    agent = signed_in(app)
    html = page(agent, "/agent/insights?from=yesterday&to=2024-02-31")
    assert "Dates are written YYYY-MM-DD" in html and "28 days" in html


def test_a_period_given_backwards_is_swapped(app):
    agent = signed_in(app)
    html = page(agent, "/agent/insights?from=2025-03-10&to=2025-03-01")
    assert "were swapped" in html and "1 March 2025 to 10 March 2025" in html


# --- content gaps ---

def test_queries_with_no_results_are_listed_most_frequent_first(app):
    agent = signed_in(app)
    add_events(app, *[("search", 1, {"query": "Dark mode", "result_count": 0})] * 3,
               ("suggestion_shown", 2, {"query": "dark mode ", "result_count": 0}),
               ("search", 1, {"query": "fax", "result_count": 0}),
               ("search", 1, {"query": "password", "result_count": 4}))
    gaps = table_after(page(agent, "/agent/insights"), "gaps-title")
    assert re.findall(r"<tr><td>([^<]+)</td><td>(\d+)</td></tr>", gaps) == [
        ("dark mode", "4"), ("fax", "1")]


def test_queries_whose_results_nobody_opened_are_listed(app):
    agent = signed_in(app)
    now = utcnow()
    with app.app_context():
        db.session.add_all([
            Event(kind="search", query="invoice copy", result_count=3, visitor="v1",
                  created_at=now - timedelta(hours=3)),
            Event(kind="search", query="export", result_count=3, visitor="v2",
                  created_at=now - timedelta(hours=3)),
            Event(kind="article_viewed", slug="billing/invoices", visitor="v2",
                  created_at=now - timedelta(hours=3) + timedelta(minutes=2)),
            Event(kind="article_viewed", slug="billing/invoices", visitor="v1",
                  created_at=now - timedelta(hours=1))])  # long after: not a click
        db.session.commit()
    rows = csv_rows(agent, "no-click")
    assert rows == [["query", "times"], ["invoice copy", "1"]]


def test_requests_filed_after_unhelpful_suggestions_show_their_summaries(app, client):
    agent = signed_in(app)
    client.get(f"/requests/suggest?type={TECH}&q=password")
    html = client.get(f"/requests/new/{TECH}").get_data(as_text=True)
    from filing import hidden_fields
    hidden = hidden_fields(html) | {"suggested": "3"}
    post_request(client, summary="Password reset mail never arrives", hidden=hidden)
    post_request(client, summary="No suggestions for this one")
    with app.app_context():
        events.flush()
    html = page(agent, "/agent/insights")
    filed = html.split("Requests filed after suggestions that did not help")[1]
    assert "(1)" in filed.split("</h3>")[0]
    assert "Password reset mail never arrives" in filed
    assert "No suggestions for this one" not in filed


# --- articles ---

def test_each_article_shows_views_votes_suggestions_opens_and_solves(app):
    agent = signed_in(app)
    add_events(app, *[("article_viewed", 1, {"slug": "account/passwords"})] * 3,
               ("suggestion_shown", 1, {"slug": "account/passwords,billing/invoices",
                                        "query": "x", "result_count": 2}),
               ("suggestion_shown", 2, {"slug": "account/passwords", "query": "y",
                                        "result_count": 1}),
               ("suggestion_opened", 1, {"slug": "account/passwords"}),
               ("solved", 1, {"slug": "account/passwords"}))
    with app.app_context():
        db.session.add_all([ArticleVote(slug="account/passwords", visitor="a", helpful=True),
                            ArticleVote(slug="account/passwords", visitor="b", helpful=False),
                            ArticleVote(slug="account/passwords", visitor="c", helpful=True)])
        db.session.commit()
    rows = {r[0]: r[1:] for r in csv_rows(agent, "articles")[1:]}
    assert rows["account/passwords"] == ["Using a password and resetting it", "3", "2", "1",
                                         "2", "1", "1"]
    assert rows["billing/invoices"][1:] == ["0", "0", "0", "1", "0", "0"]


# --- requests and satisfaction ---

def test_requests_are_counted_per_type_and_status(app):
    agent = signed_in(app)
    file_request(app)
    file_request(app, type_slug="billing")
    resolved = file_request(app, type_slug="billing")
    send(agent, f"/agent/requests/{resolved}/update", {"status": "resolved"})
    rows = csv_rows(agent, "requests")
    assert rows[0] == ["type", "open", "waiting_customer", "resolved", "closed", "total"]
    assert rows[1] == ["Billing", "1", "0", "1", "0", "2"]
    assert rows[2] == ["Technical support", "1", "0", "0", "0", "1"]


def test_median_first_response_and_resolution_times(app):
    agent = signed_in(app)
    refs = [file_request(app) for _ in range(3)]
    for ref in refs:
        reply(agent, ref, "Answer")
        send(agent, f"/agent/requests/{ref}/update", {"status": "resolved"})
    with app.app_context():
        for ref, hours in zip(refs, (1, 2, 30)):
            found = Ticket.by_ref(ref)
            found.created_at = found.messages[-1].created_at - timedelta(hours=hours)
            found.resolved_at = found.created_at + timedelta(hours=hours * 2)
        db.session.commit()
    html = page(agent, "/agent/insights")
    requests = html.split('id="requests-title"')[1]
    assert "Median first response: <strong>2 h</strong> (3 answered)" in requests
    assert "Median time to resolution: <strong>4 h</strong> (3 resolved)" in requests


def test_internal_notes_are_not_a_first_response(app):
    agent = signed_in(app)
    ref = file_request(app)
    reply(agent, ref, "Looking into it", action="note")
    assert "(0 answered)" in page(agent, "/agent/insights")


def test_satisfaction_shows_average_distribution_and_comments(app):
    agent = signed_in(app)
    refs = [file_request(app) for _ in range(3)]
    with app.app_context():
        for ref, score, comment in zip(refs, (5, 4, 1), ("Great", "", "Too slow")):
            db.session.add(Rating(ticket_id=Ticket.id_from_ref(ref), score=score,
                                  comment=comment))
        db.session.commit()
    html = page(agent, "/agent/insights").split('id="ratings-title"')[1]
    assert "Average <strong>3.3</strong> out of 5 from 3 ratings" in html
    assert "Too slow" in html and "Great" in html
    rows = csv_rows(agent, "ratings")
    assert rows[1:6] == [["5 of 5", "1", "", ""], ["4 of 5", "1", "", ""],
                         ["3 of 5", "0", "", ""], ["2 of 5", "0", "", ""],
                         ["1 of 5", "1", "", ""]]


# --- CSV ---

def test_csv_cells_that_look_like_formulas_are_escaped(app):
    agent = signed_in(app)
    add_events(app, *[("search", 1, {"query": q, "result_count": 0})
                      for q in ("=HYPERLINK(\"http://evil\")", "+1+1", "-2", "@SUM(A1)",
                                "plain")])
    rows = csv_rows(agent, "no-results")
    assert sorted(r[0] for r in rows[1:]) == sorted([
        "'=hyperlink(\"http://evil\")", "'+1+1", "'-2", "'@sum(a1)", "plain"])


def test_an_unknown_csv_table_is_404(app):
    agent = signed_in(app)
    assert agent.get("/agent/insights/export.csv?table=users").status_code == 404


# --- retention and auto-close ---

def test_stored_queries_older_than_the_retention_period_are_dropped(make_app):
    app = make_app(EVENT_RETENTION_DAYS=30)
    agent = signed_in(app)
    add_events(app, ("search", 45, {"query": "ancient question", "result_count": 0}),
               ("search", 5, {"query": "recent question", "result_count": 0}))
    result = app.test_cli_runner().invoke(args=["maintenance"])
    assert "1 events older than 30 days removed" in result.output
    start = (TODAY - timedelta(days=60)).date().isoformat()
    queries = [r[0] for r in csv_rows(agent, "no-results", **{"from": start})[1:]]
    assert queries == ["recent question"]
    assert "kept 30 days" in page(agent, "/agent/insights")


def test_maintenance_closes_requests_resolved_longer_ago_than_auto_close_days(make_app):
    app = make_app(AUTO_CLOSE_DAYS=7)
    agent = signed_in(app)
    old, recent, still_open = (file_request(app) for _ in range(3))
    for ref in (old, recent):
        send(agent, f"/agent/requests/{ref}/update", {"status": "resolved"})
    with app.app_context():
        Ticket.by_ref(old).resolved_at = utcnow() - timedelta(days=8)
        db.session.commit()
    result = app.test_cli_runner().invoke(args=["maintenance"])
    assert "auto-close: 1 resolved requests closed" in result.output
    assert [ticket(app, r).status for r in (old, recent, still_open)] == [
        "closed", "resolved", "open"]
    history = page(agent, f"/agent/requests/{old}").split('id="audit-title"')[1]
    assert "Automatically:\n                status Resolved → Closed" in history


def test_auto_close_twice_closes_nothing_more(make_app):
    app = make_app(AUTO_CLOSE_DAYS=7)
    ref = file_request(app)
    with app.app_context():
        found = Ticket.by_ref(ref)
        found.status, found.resolved_at = "resolved", utcnow() - timedelta(days=30)
        db.session.commit()
    runner = app.test_cli_runner()
    runner.invoke(args=["maintenance"])
    assert "auto-close: 0 resolved requests closed" in runner.invoke(args=["maintenance"]).output
    assert ticket(app, ref).status == "closed"
