"""The `helpdesk` command: a FlaskGroup over `create_app`; the project's own commands are
in commands.py (the app adds them, so `flask --app helpdesk` has them too)."""

import click
from flask.cli import FlaskGroup, routes_command, shell_command

from .app import create_app


@click.group(cls=FlaskGroup, create_app=create_app, add_default_commands=False)
def main():
    """Manage the help desk (same commands as `flask --app helpdesk`)."""


# `run` is ours (it migrates first); shell and routes are Flask's own.
main.add_command(shell_command)
main.add_command(routes_command)


if __name__ == "__main__":  # pragma: no cover
    main()
