"""`flask credit …`: a firm's credit profile on the command line."""

from __future__ import annotations

import json

import click
import sqlalchemy as sa
from flask import Flask
from flask.cli import AppGroup

from finplatform import clock
from finplatform.credit import confirmation
from finplatform.credit.profile import credit_profile
from finplatform.extensions import db
from finplatform.models import Enterprise

credit_cli = AppGroup("credit", help="Credit information: profiles of firms.")


@credit_cli.command("confirm")
def confirm() -> None:
    """Re-read every firm's confirmed flags from the records valid today (daily, in cron, so
    that an expired certificate stops confirming its claim)."""
    changed = confirmation.confirm_all(clock.today())
    db.session.commit()
    click.echo(f"confirmed flags changed for {changed} firms")


@credit_cli.command("profile")
@click.argument("credit_code")
@click.option("--as-of", "as_of", type=click.DateTime(["%Y-%m-%d"]), help="Default: today.")
@click.option("--json", "as_json", is_flag=True, help="Print one JSON object.")
def profile(credit_code: str, as_of, as_json: bool) -> None:
    """The firm's score, grade and factors (each with its contribution, source and date)."""
    firm = db.session.scalar(
        sa.select(Enterprise).where(Enterprise.credit_code == credit_code.strip().upper())
    )
    if firm is None:
        raise click.ClickException(f"no firm with credit code {credit_code}")
    found = credit_profile(firm, as_of.date() if as_of else clock.today())
    if as_json:
        click.echo(json.dumps(found, ensure_ascii=False))
        return
    click.echo(f"{found['name']} {found['credit_code']} as of {found['as_of']}")
    click.echo(f"score {found['score']} grade {found['grade']} ({found['scorecard']})")
    click.echo(f"  {'base':<40} {found['base']:+g}")
    for factor in found["factors"]:
        click.echo(
            f"  {factor['label']:<40} {factor['contribution']:+g}  {factor['value']}"
            f"  [{factor['source']}, {factor['as_of']}]"
        )


def register(app: Flask) -> None:
    """Attach `flask credit`."""
    app.cli.add_command(credit_cli)
