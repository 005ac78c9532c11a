"""Command-line tools: `flask users …` and `flask import …`. Each command commits once.

(`flask seed …` belongs to `seeds`, which registers it through its `flask.commands` entry point.)
"""

from __future__ import annotations

import click
from flask import Flask
from flask.cli import AppGroup

from finplatform.auth import services
from finplatform.exceptions import DomainError
from finplatform.extensions import db
from finplatform.imports.cli import import_cli
from finplatform.models import Role

users_cli = AppGroup("users", help="Manage accounts.")


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
        user = services.create_user(
            role=Role.ADMIN, email=email, name=name, password=password, chosen_by_person=True
        )
    except DomainError as error:
        db.session.rollback()
        raise click.ClickException(str(error.message)) from error
    db.session.commit()
    click.echo(f"admin {user.email} created")


def register(app: Flask) -> None:
    """Attach the command groups to the app."""
    app.cli.add_command(users_cli)
    app.cli.add_command(import_cli)
