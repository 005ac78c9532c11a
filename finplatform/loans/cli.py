"""`flask pool …`: the risk guarantee pool's figures for a year."""

from __future__ import annotations

import json
from datetime import date
from decimal import Decimal

import click
from flask import Flask
from flask.cli import AppGroup

from finplatform import clock
from finplatform.loans.figures import pool_status
from finplatform.loans.forecast import STATES, forecast

pool_cli = AppGroup("pool", help="The credit-loan risk guarantee pool (风险保证金).")


def _plain(value):
    """JSON form of a figure: money and ratios as decimal strings, days as ISO dates."""
    if isinstance(value, Decimal):
        return f"{value:f}"
    if isinstance(value, date):
        return value.isoformat()
    if isinstance(value, dict):
        return {key: _plain(item) for key, item in value.items()}
    if isinstance(value, list):
        return [_plain(item) for item in value]
    return value


@pool_cli.command("status")
@click.option("--year", type=int, required=True, help="The pools' year, e.g. 2014.")
@click.option("--json", "as_json", is_flag=True, help="Print one JSON object.")
def status_command(year: int, as_json: bool) -> None:
    """Funds, covered book, leverage, claims, recoveries and balance of a year's pools."""
    figures = _plain(pool_status(year))
    if as_json:
        click.echo(json.dumps(figures, ensure_ascii=False, sort_keys=True))
        return
    for key, value in figures.items():
        click.echo(f"{key}: {value}")


@pool_cli.command("forecast")
@click.option("--year", type=int, required=True, help="The pools' year, e.g. 2014.")
@click.option("--as-of", "as_of", type=click.DateTime(["%Y-%m-%d"]), help="Default: today.")
@click.option("--stress", type=click.FloatRange(1, 10), default=1.0, show_default=True)
@click.option("--months", type=click.IntRange(1, 120), default=36, show_default=True)
def forecast_command(year: int, as_of, stress: float, months: int) -> None:
    """Project the year's covered book month by month: claims, recoveries, balance."""
    day = as_of.date() if as_of else clock.today()
    result = forecast(year, day, stress, months)
    click.echo(f"as of {day}, stress {stress}x; book: " + ", ".join(
        f"{name} {amount:,.2f}" for name, amount in zip(STATES, result.book, strict=False)
    ))  # fmt: skip
    for name, row in zip(STATES, result.matrix, strict=False):
        click.echo(f"  roll from {name:>7}: " + " ".join(f"{rate:.3f}" for rate in row))
    click.echo(f"cover ratio {result.cover_ratio:.3f}, recovery rate {result.recovery_rate:.3f}")
    for month, claims, recovered, balance in result.months:
        click.echo(f"{month}  claims {claims:>16,.2f}  recovered {recovered:>14,.2f}  "
                   f"balance {balance:>18,.2f}")  # fmt: skip
    click.echo(f"runs out: {result.runs_out or 'not within the horizon'}")


def register(app: Flask) -> None:
    """Attach `flask pool`."""
    app.cli.add_command(pool_cli)
