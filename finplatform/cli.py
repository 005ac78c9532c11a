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


def _account_options(command):
    command = click.option(
        "--password",
        prompt=True,
        hide_input=True,
        confirmation_prompt=True,
        help="At least 10 characters with letters and digits.",
    )(command)
    command = click.option("--name", prompt=True, help="The account's name.")(command)
    return click.option("--email", prompt=True, help="Sign-in email of the account.")(command)


def _create(role: Role, email: str, name: str, password: str) -> None:
    try:
        user = services.create_user(
            role=role, email=email, name=name, password=password, chosen_by_person=True
        )
    except DomainError as error:
        db.session.rollback()
        raise click.ClickException(str(error.message)) from error
    db.session.commit()
    click.echo(f"{role.value} {user.email} created")


@users_cli.command("create-admin")
@_account_options
def create_admin(email: str, name: str, password: str) -> None:
    """Create a commission admin account."""
    _create(Role.ADMIN, email, name, password)


@users_cli.command("create-data-provider")
@_account_options
def create_data_provider(email: str, name: str, password: str) -> None:
    """Create a data provider's account (tax, social security, courts…): it signs in only to
    manage the API tokens with which it writes public-credit records."""
    _create(Role.DATA_PROVIDER, email, name, password)


def register(app: Flask) -> None:
    """Attach the command groups to the app."""
    app.cli.add_command(users_cli)
    app.cli.add_command(import_cli)
