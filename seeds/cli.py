"""`flask seed …`: reference data, demo accounts and the demo world. Each command commits once.

The platform never imports this package: `seeds` registers the group itself through the
`flask.commands` entry point in pyproject.toml, which `flask` reads once the project is installed
(`make install` runs `pip install -e .`).
"""

from __future__ import annotations

import time

import click
import sqlalchemy as sa
from flask import current_app
from flask.cli import AppGroup

from finplatform import clock
from finplatform.extensions import db
from finplatform.models import District
from seeds import loader as world_loader
from seeds import world as demo_world
from seeds.demo_accounts import DEMO_ACCOUNTS, create_demo_accounts
from seeds.reference_loader import load_reference
from seeds.world.public_credit import load_world_records

seed_cli = AppGroup("seed", help="Load reference and demo data.")


@seed_cli.command("reference")
def seed_reference() -> None:
    """Load districts, industries, product and institution kinds, and the 2014 targets."""
    counts = load_reference()
    db.session.commit()
    summary = ", ".join(f"{name} {count}" for name, count in counts.items())
    click.echo(f"reference data loaded: {summary}")


@seed_cli.command("demo-accounts")
def seed_demo_accounts() -> None:
    """Create one demo account per role (idempotent); prints the sign-in details."""
    created = create_demo_accounts()
    db.session.commit()
    click.echo(f"demo accounts: {created} created, {len(DEMO_ACCOUNTS) - created} already there")
    for account in DEMO_ACCOUNTS:
        click.echo(f"  {account.role:<12} {account.email:<28} {account.password}")


@seed_cli.command("credit-records")
@click.option("--seed", "seed", type=int, default=2014, show_default=True, help="Draw seed.")
@click.option(
    "--start",
    type=click.DateTime(["%Y-%m-%d"]),
    default="2012-01-01",
    show_default=True,
    help="First day records may carry.",
)
def seed_credit_records(seed: int, start) -> None:
    """Draw public-credit records for every firm on the platform up to today and load them
    (a re-run with the same seed changes nothing)."""
    batch = load_world_records(db.session, seed=seed, start=start.date(), end=clock.today())
    db.session.commit()
    click.echo(
        f"public-credit records: {batch.created_rows} created, {batch.updated_rows} updated, "
        f"{batch.unchanged_rows} unchanged"
    )


@seed_cli.command("demo")
@click.option(
    "--size",
    type=click.Choice(["small", "demo", "full"]),
    default="demo",
    show_default=True,
    help="small: tests; demo: what `make run` shows; full: the plan's scale.",
)
@click.option("--seed", "seed", type=int, default=2014, show_default=True, help="World seed.")
@click.option("--replace", is_flag=True, help="Empty every non-reference table first.")
@click.option(
    "--skip-if-loaded", is_flag=True, help="Do nothing (and succeed) when data is already there."
)
def seed_demo(size: str, seed: int, replace: bool, skip_if_loaded: bool) -> None:
    """Generate the deterministic demo world and bulk-load it (needs `flask seed reference`)."""
    connection = db.session.connection()
    if db.session.scalar(sa.select(sa.func.count()).select_from(District)) == 0:
        raise click.ClickException("no reference data: run `flask seed reference` first")
    if skip_if_loaded and not replace and world_loader.tables_with_data(connection):
        click.echo("the database already holds data: world not loaded (use --replace to reload)")
        return
    started = time.perf_counter()
    password_hash = demo_world.world_password_hash(current_app.config["PASSWORD_HASH_METHOD"], seed)
    world = demo_world.generate_world(size, seed, password_hash=password_hash)
    generated = time.perf_counter()
    counts = world.counts()
    with click.progressbar(length=sum(counts.values()), label="loading") as bar:
        try:
            world_loader.load_world(
                connection, world, replace=replace, progress=lambda _table, n: bar.update(n)
            )
        except world_loader.WorldLoadError as error:
            db.session.rollback()
            raise click.ClickException(str(error)) from error
        loaded = time.perf_counter()
        db.session.commit()
    finished = time.perf_counter()
    click.echo(
        f"world {size!r} (seed {seed}) loaded: generated in {generated - started:.1f} s, "
        f"loaded in {loaded - generated:.1f} s (report facts included), committed in "
        f"{finished - loaded:.1f} s"
    )
    for table, count in counts.items():
        click.echo(f"  {table:<22} {count:>9,}")
