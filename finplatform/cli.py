"""Command-line tools: `flask seed …` and `flask users …`. Each command commits once."""

from __future__ import annotations

import click
from flask import Flask
from flask.cli import AppGroup

from finplatform.auth import services
from finplatform.demo_accounts import DEMO_ACCOUNTS, create_demo_accounts
from finplatform.exceptions import DomainError
from finplatform.extensions import db
from finplatform.models import Role
from finplatform.reference_data import load_reference

seed_cli = AppGroup("seed", help="Load reference and demo data.")
users_cli = AppGroup("users", help="Manage accounts.")


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


@users_cli.command("create-admin")
@click.option("--email", prompt=True, help="Sign-in email of the new admin.")
@click.option("--name", prompt=True, help="The admin's name.")
@click.option(
    "--password",
    prompt=True,
    hide_input=True,
    confirmation_prompt=True,
    help="At least 10 characters with letters and digits.",
)
def create_admin(email: str, name: str, password: str) -> None:
    """Create a commission admin account."""
    try:
        user = services.create_user(role=Role.ADMIN, email=email, name=name, password=password)
    except DomainError as error:
        db.session.rollback()
        raise click.ClickException(str(error.message)) from error
    db.session.commit()
    click.echo(f"admin {user.email} created")


def register(app: Flask) -> None:
    """Attach the command groups to the app."""
    app.cli.add_command(seed_cli)
    app.cli.add_command(users_cli)
