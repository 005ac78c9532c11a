"""`flask import KIND FILE`: the same import as the admin page, from the command line."""

from __future__ import annotations

from pathlib import Path

import click
from flask.cli import AppGroup

from finplatform.extensions import db
from finplatform.imports import services
from finplatform.models import ImportBatch

import_cli = AppGroup(
    "import",
    help="Import enterprises, institutions, products, applications, credit records, repayments.",
)
SHOWN_PROBLEMS = 50


def _command(kind: str):
    @click.argument("path", type=click.Path(exists=True, dir_okay=False, path_type=Path))
    @click.option(
        "--good-rows-only", is_flag=True, help="Import the good rows even when some rows fail."
    )
    def command(path: Path, good_rows_only: bool) -> None:
        batch = ImportBatch(kind=kind, filename=path.name[:200], good_rows_only=good_rows_only)
        db.session.add(batch)
        db.session.flush()
        result = services.run_import(batch, path.read_bytes(), actor=None)
        db.session.commit()
        for problem in batch.errors[:SHOWN_PROBLEMS]:
            where = f"row {problem['row']}" if problem["row"] else "file"
            click.echo(f"{where}, {problem['column']}: {problem['reason']}", err=True)
        if len(batch.errors) > SHOWN_PROBLEMS:
            click.echo(f"… and {len(batch.errors) - SHOWN_PROBLEMS} more problems", err=True)
        if result["status"] != "finished":
            raise click.ClickException(
                f"nothing imported: {len(batch.errors)} problem(s) (import batch {batch.id})"
            )
        click.echo(
            f"{kind}: {result['created']} created, {result['updated']} updated, "
            f"{result['unchanged']} unchanged, {len(batch.errors)} problem rows skipped"
        )

    command.__doc__ = f"Import {kind} from a CSV or XLSX file."
    return command


for _kind in services.KINDS:
    import_cli.command(_kind)(_command(_kind))
