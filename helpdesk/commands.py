"""The project's commands (`helpdesk kb|mail|maintenance|users|backup|restore|run`), thin
callers of the services, added to the app's CLI by `register`."""

import click
from flask import current_app
from flask.cli import run_command, with_appcontext
from flask_migrate import upgrade

from .agent.cli import users_group
from .backup import backup_command, restore_command
from .inbound.commands import register as register_mail_commands
from .kb import get_shelf
from .kb.modelstore import ModelError, ensure
from .maintenance import run
from .outgoing.hook_delivery import deliver_pending
from .outgoing.outbox import send_pending


def _upgrade_database():
    upgrade()


@click.command("run")
@click.pass_context
@with_appcontext
def run_with_migrations(ctx, **kwargs):
    """Apply database migrations, then run the development server."""
    _upgrade_database()
    ctx.forward(run_command)


# Same options as `flask run`.
run_with_migrations.params = list(run_command.params)


@click.group("kb")
def kb_group():
    """The help center's articles and index."""


@kb_group.command("reindex")
@click.option("--full", is_flag=True, help="Rebuild the whole index instead of only what changed.")
@with_appcontext
def reindex(full):
    """Bring the article index up to date with ARTICLES_DIR."""
    shelf = get_shelf()
    shelf.wait()  # a build started with the app finishes first
    reports = shelf.sync(full=full)
    for locale, report in reports.items():
        suffix = "" if locale == shelf.default_locale else f".{locale}"
        for slug, reason in sorted(report.errors.items()):
            click.echo(f"skipped {slug}{suffix}: {reason}", err=True)
    for line in shelf.summary(reports):
        click.echo(line)


@kb_group.command("model")
@click.option("--output", type=click.Path(file_okay=False),
              help="Make the known model in this folder (to copy to an offline server).")
@click.option("--exporter-python", type=click.Path(exists=True, dir_okay=False),
              help="A Python with torch, transformers and onnx for the one-time export,"
                   " instead of a throwaway virtualenv.")
@with_appcontext
def kb_model(output, exporter_python):
    """Fetch (once) or check the semantic search model named by SEARCH_SEMANTIC_MODEL."""
    try:
        ensure(current_app.config.get("SEARCH_SEMANTIC_MODEL", ""), current_app.instance_path,
               output=output, exporter_python=exporter_python, say=click.echo)
    except ModelError as exc:
        raise click.ClickException(str(exc)) from None


@click.group("mail")
def mail_group():
    """Outgoing and incoming mail."""


@mail_group.command("send")
@with_appcontext
def mail_send():
    """Deliver the mail waiting in the outbox, and due webhooks (for cron or a worker)."""
    total_sent = total_failed = 0
    while True:
        sent, failed = send_pending()
        total_sent, total_failed = total_sent + sent, total_failed + failed
        if not sent or failed:
            break
    click.echo(f"{total_sent} sent, {total_failed} failed (kept for a later try)")
    delivered, hook_failed = deliver_pending()
    if delivered or hook_failed:
        click.echo(f"webhooks: {delivered} delivered, {hook_failed} failed (retried later)")
    if total_failed:
        raise SystemExit(1)


@click.command("maintenance")
@with_appcontext
def maintenance():
    """Housekeeping that is safe to run often: auto-close, orphan files, index, retention."""
    outcomes = run()
    for outcome in outcomes:
        click.echo(f"{outcome.task}: {outcome.summary}", err=not outcome.ok)
    if not all(outcome.ok for outcome in outcomes):
        raise SystemExit(1)


def register(app):
    """Project commands; also available through `flask --app helpdesk`."""
    app.cli.add_command(run_with_migrations)
    app.cli.add_command(kb_group)
    register_mail_commands(mail_group)  # ingest, fetch, retry
    app.cli.add_command(mail_group)
    app.cli.add_command(maintenance)
    app.cli.add_command(users_group)  # helpdesk users create
    app.cli.add_command(backup_command)
    app.cli.add_command(restore_command)

