"""`helpdesk mail ingest|fetch|retry`: thin commands over inbound/."""

import sys

import click
from flask.cli import with_appcontext

from . import ingest, kept
from .imap import FetchError, fetch

# sysexits.h EX_TEMPFAIL: an MTA that pipes mail to `ingest` retries delivery later.
EXIT_KEPT = 75


@click.command("ingest")
@click.argument("file", type=click.File("rb"), required=False)
@with_appcontext
def ingest_command(file):
    """Handle one raw RFC 822 message from FILE or standard input (an MTA pipe).

    Exits 0 when the mail was handled, including when it was ignored on purpose
    (bounce, auto-reply, already received); 75 when it was kept for retry.
    """
    raw = (file or sys.stdin.buffer).read()
    outcome = ingest.ingest(raw, source="pipe", keep_busy=True)
    click.echo(outcome.describe(), err=outcome.kept)
    if outcome.kept:
        raise SystemExit(EXIT_KEPT)


@click.command("fetch")
@with_appcontext
def fetch_command():
    """Fetch unseen mail over IMAP and handle each (safe to run from cron every minute)."""
    try:
        report = fetch()
    except FetchError as exc:
        click.echo(f"mail fetch: {exc}", err=True)
        raise SystemExit(1) from None
    click.echo(report.describe())
    if report.kept:
        raise SystemExit(EXIT_KEPT)


@click.command("retry")
@with_appcontext
def retry_command():
    """Try again every mail kept after a failure; handled ones leave the kept folder."""
    left = 0
    for item in kept.listing():
        outcome = ingest.retry(item.name)
        click.echo(f"{item.name}: {outcome.describe()}", err=outcome.kept)
        left += outcome.kept
    click.echo(f"{left} still kept")
    if left:
        raise SystemExit(EXIT_KEPT)


def register(group):
    """Add the incoming-mail commands to the `mail` group of helpdesk/commands.py."""
    for command in (ingest_command, fetch_command, retry_command):
        group.add_command(command)
