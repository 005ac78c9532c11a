"""`flask deals …`: the deadline job, run by cron or a scheduler; it commits its own work."""

from __future__ import annotations

import click
from flask import Flask
from flask.cli import AppGroup

from finplatform.deals.deadlines import flag_overdue
from finplatform.extensions import db

deals_cli = AppGroup("deals", help="Deadlines of applications.")


@deals_cli.command("flag-overdue")
def flag_overdue_command() -> None:
    """Flag applications past their response deadline and notify their specialists (once)."""
    count = flag_overdue()
    db.session.commit()
    click.echo(f"{count} overdue applications flagged")


def register(app: Flask) -> None:
    """Attach `flask deals`."""
    app.cli.add_command(deals_cli)
