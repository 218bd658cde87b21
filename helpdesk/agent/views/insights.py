"""Insights (/agent/insights) and their CSV export.

The page is in the reader's language; the CSV files are always in English (headers,
stage names, durations), so a spreadsheet or script reading them sees the same columns
whoever exported them.
"""

from babel.numbers import format_decimal, format_percent
from flask import Response, abort, render_template, request
from flask_babel import force_locale, get_locale
from flask_babel import gettext as _

from ...kb import get_kb
from ...vocabulary import AGENT_STATUS_LABELS, STATUSES
from .. import charts, csvfile, gaps, insights
from . import bp, day, number, type_name


def _percent(value):
    """ "42%" ("42 %" in French); "–" when there is nothing to divide."""
    return "–" if value is None else format_percent(value, locale=get_locale())


def _one_decimal(value):
    """An average as "4.5" ("4,5" in French)."""
    return format_decimal(value, "0.0", locale=get_locale())


@bp.get("/insights")
def insights_page():
    period, problem = insights.parse_period(request.args)
    funnel = insights.funnel(period)
    stats = insights.filed_requests(period)
    ratings = insights.satisfaction(period)
    articles = gaps.articles(period, get_kb().articles)
    weeks = [day(monday, "d MMM") for monday, _counts, _rate in funnel.weeks]
    trend = charts.lines(weeks, [
        (label, f"series-{key}", [counts[key] for _, counts, _ in funnel.weeks])
        for key, label in insights.FUNNEL if key in ("searches", "solved", "filed")])
    status_totals = {s: sum(n for (_, st), n in stats.by_type_status.items() if st == s)
                     for s in STATUSES}
    return render_template(
        "agent/insights.html", period=period, problem=problem, funnel=funnel,
        funnel_labels=insights.FUNNEL, percent=_percent, trend=trend,
        one_decimal=_one_decimal,
        funnel_chart=charts.horizontal_bars(
            [(label, funnel.totals[key]) for key, label in insights.FUNNEL], fmt=number),
        stats=stats, statuses=STATUSES, status_totals=status_totals,
        status_chart=charts.horizontal_bars(
            [(AGENT_STATUS_LABELS[s], status_totals[s]) for s in STATUSES], fmt=number),
        type_chart=charts.horizontal_bars(
            [(type_name(t), stats.per_type[t]) for t in stats.types], fmt=number),
        duration=insights.duration, ratings=ratings,
        rating_chart=charts.horizontal_bars(
            [(_("%(score)d ★", score=score), n) for score, n in ratings.distribution.items()],
            label_width=60, fmt=number),
        no_results=gaps.no_results(period), no_click=gaps.no_click(period),
        filed=gaps.filed_after_suggestions(period), articles=articles,
        retention=insights.retention(), tables=TABLES)


# --- CSV -------------------------------------------------------------------------------------

def _funnel_rows(period):
    funnel = insights.funnel(period)
    header = ["stage", "count"]
    rows = [(label, funnel.totals[key]) for key, label in insights.FUNNEL]
    rows.append(("Deflection rate", _percent(funnel.rate)))
    return header, rows


def _weekly_rows(period):
    funnel = insights.funnel(period)
    header = ["week starting"] + [label for _, label in insights.FUNNEL] + ["deflection rate"]
    rows = [[monday.isoformat()] + [counts[key] for key, _ in insights.FUNNEL]
            + [_percent(rate)] for monday, counts, rate in funnel.weeks]
    return header, rows


def _no_results_rows(period):
    return ["query", "times"], gaps.no_results(period, limit=500)


def _no_click_rows(period):
    return ["query", "times"], gaps.no_click(period, limit=500)


def _filed_rows(period):
    filed = gaps.filed_after_suggestions(period, limit=5000)
    # No summary: the export is statistics, and a request's text stays with the request.
    return (["filed at", "request", "suggestions shown"],
            [(when.isoformat(timespec="seconds"), ref, shown)
             for when, _summary, ref, shown in filed.rows])


def _article_rows(period):
    return (["article", "title", "views", "helpful", "not helpful", "suggested", "opened",
             "solved"],
            [(a.slug, a.title, a.views, a.helpful, a.not_helpful, a.suggested, a.opened,
              a.solved) for a in gaps.articles(period, get_kb().articles)])


def _request_rows(period):
    stats = insights.filed_requests(period)
    header = ["type"] + list(STATUSES) + ["total"]
    rows = [[type_name(t)] + [stats.by_type_status.get((t, s), 0) for s in STATUSES]
            + [stats.per_type[t]]
            for t in stats.types]
    rows.append(["Median first response", insights.duration(stats.first_response)])
    rows.append(["Median resolution time", insights.duration(stats.resolution)])
    return header, rows


def _rating_rows(period):
    ratings = insights.satisfaction(period)
    rows = [(f"{score} of 5", n, "", "") for score, n in ratings.distribution.items()]
    rows += [(f"{score} of 5", "", ref, comment) for _, score, comment, ref in ratings.comments]
    return ["rating", "count", "request", "comment"], rows


TABLES = {
    "funnel": ("Deflection funnel", _funnel_rows),
    "weekly": ("Weekly trend", _weekly_rows),
    "no-results": ("Queries with no results", _no_results_rows),
    "no-click": ("Queries with no click", _no_click_rows),
    "filed-after-suggestions": ("Requests filed after suggestions", _filed_rows),
    "articles": ("Articles", _article_rows),
    "requests": ("Requests per type and status", _request_rows),
    "ratings": ("Satisfaction", _rating_rows),
}


@bp.get("/insights/export.csv")
def insights_csv():
    name = request.args.get("table", "", type=str)
    if name not in TABLES:
        abort(404)
    period, _problem = insights.parse_period(request.args)
    with force_locale("en"):
        header, rows = TABLES[name][1](period)
        text = csvfile.render(header, rows)
    filename = f"{name}-{period.first_day.isoformat()}-{period.last_day.isoformat()}.csv"
    return Response(text, mimetype="text/csv", headers={
        "Content-Disposition": f'attachment; filename="{filename}"'})
