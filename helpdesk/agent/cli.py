"""`helpdesk users create EMAIL --role requester|agent|admin [--password]`."""

import click
from flask import current_app
from flask.cli import with_appcontext

from ..outgoing.outbox import send_pending
from ..vocabulary import ROLES
from .people import PeopleError, create, send_invitation


@click.group("users")
def users_group():
    """Accounts: create agents and admins (the first admin comes from here)."""


@users_group.command("create")
@click.argument("email")
@click.option("--role", type=click.Choice(ROLES), default="requester", show_default=True,
              help="What the account may do.")
@click.option("--password", "ask_password", is_flag=True,
              help="Set a password now (asked twice, not echoed) instead of emailing a "
                   "sign-in link.")
@with_appcontext
def create_user(email, role, ask_password):
    """Create the account EMAIL with a role (an existing account gets the role).

    Without --password, a single-use sign-in link is emailed to the address (with no
    MAIL_SERVER configured, the mail is written to the log, and listed at /dev/outbox in
    debug mode).
    """
    password = None
    if ask_password:
        password = click.prompt("Password", hide_input=True, confirmation_prompt=True)
    try:
        created = create(email, role, password=password)
    except PeopleError as refused:
        raise click.ClickException(str(refused)) from None
    user = created.user
    click.echo(f"{'Created' if created.new else 'Updated'} {user.email} ({user.role}).")
    if password is not None:
        click.echo("Sign in at /login with this address and the password.")
        return
    if not current_app.config.get("EXTERNAL_URL"):
        click.echo("EXTERNAL_URL is not set, so the link in the mail is only a path: open it "
                   "on your site's address.", err=True)
    send_invitation(user)
    sent, failed = send_pending()
    if failed:
        click.echo("The sign-in link is queued; the mail server did not take it yet "
                   "(`helpdesk mail send` retries).", err=True)
    else:
        click.echo(f"A sign-in link was emailed to {user.email}.")
