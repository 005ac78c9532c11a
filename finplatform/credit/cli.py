"""`flask credit …`: a firm's credit profile on the command line."""

from __future__ import annotations

import json
from datetime import date, timedelta

import click
import sqlalchemy as sa
from flask import Flask
from flask.cli import AppGroup

from finplatform import clock
from finplatform.credit import confirmation
from finplatform.credit.profile import credit_profile
from finplatform.credit.scorecards import train_scorecard
from finplatform.credit.versions import record_history
from finplatform.exceptions import DomainError
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
    if found.get("valid_from"):
        click.echo(f"version valid from {found['valid_from']}")
    click.echo(f"  {'base':<40} {found['base']:+g}")
    for factor in found["factors"]:
        click.echo(
            f"  {factor['label']:<40} {factor['contribution']:+g}  {factor['value']}"
            f"  [{factor['source']}, {factor['as_of']}]"
        )


@credit_cli.command("train-scorecard")
@click.option("--known-by", "known_by", type=click.DateTime(["%Y-%m-%d"]), help="Default: today.")
@click.option("--no-promote", is_flag=True, help="Record the version as a candidate only.")
def train(known_by, no_promote: bool) -> None:
    """Train a scorecard version on the repayment outcomes known by a day; it goes into
    service when it beats the current one on the held-out later loans."""
    day = known_by.date() if known_by else clock.today()
    try:
        version = train_scorecard(day, auto_promote=not no_promote)
    except DomainError as error:
        raise click.ClickException(str(error)) from error
    db.session.commit()
    m, d = version.metrics, version.details
    click.echo(
        f"scorecard {version.version} ({version.status.value}): held-out AUC {m['auc']} "
        f"KS {m['ks']} on {m['held_out_loans']} loans; {d['against']} {d['against_auc']}"
    )


@credit_cli.command("profile-history")
@click.option("--start", type=click.DateTime(["%Y-%m-%d"]), required=True)
@click.option("--end", type=click.DateTime(["%Y-%m-%d"]), help="Default: today.")
def profile_history(start, end) -> None:
    """Store every firm's profile versions at each month's end from start to end (for a
    world whose records were known on their dates), scored by the scorecard of each day."""
    last = end.date() if end else clock.today()
    days = month_ends(start.date(), last)
    firm_ids = db.session.scalars(sa.select(Enterprise.id)).all()
    stored = record_history(firm_ids, days)
    db.session.commit()
    click.echo(f"{stored} profile versions stored over {len(days)} month ends")


def month_ends(start: date, end: date) -> list[date]:
    """The last day of each month from start's month to end's, and end itself."""
    days, year, month = [], start.year, start.month
    while True:
        following = date(year + month // 12, month % 12 + 1, 1)
        last = following - timedelta(days=1)
        if last >= end:
            return [*days, end]
        days.append(last)
        year, month = following.year, following.month


def register(app: Flask) -> None:
    """Attach `flask credit`."""
    app.cli.add_command(credit_cli)
