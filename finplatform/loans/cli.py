"""`flask pool …`: the risk guarantee pool's figures for a year."""

from __future__ import annotations

import json
from datetime import date
from decimal import Decimal

import click
from flask import Flask
from flask.cli import AppGroup

from finplatform.loans.figures import pool_status

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


def register(app: Flask) -> None:
    """Attach `flask pool`."""
    app.cli.add_command(pool_cli)
