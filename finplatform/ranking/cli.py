"""`flask matching …`: train, evaluate, promote, roll back, list versions, re-rank requests."""

from __future__ import annotations

import time

import click
import sqlalchemy as sa
from flask import Flask, current_app
from flask.cli import AppGroup

from finplatform.exceptions import DomainError
from finplatform.extensions import db
from finplatform.jobs import enqueue, job_status
from finplatform.models import User
from finplatform.ranking import registry
from finplatform.ranking.artifacts import import_directory
from finplatform.ranking.batch import rematch_open_requests
from finplatform.ranking.tables import training_tables

matching_cli = AppGroup("matching", help="Train, evaluate and serve the ranking model.")


def _follow(handle, label: str) -> object:
    """Show a queued job's progress until it ends; return its result."""
    click.echo(f"queued as job {handle.id} (run `flask jobs worker` to process it)")
    with click.progressbar(length=1, label=label) as bar:
        shown = 0
        while True:
            status = job_status(handle.id) or {"status": "unknown"}
            if status.get("total"):
                bar.length = status["total"]
                bar.update(status["done"] - shown)
                shown = status["done"]
            if status["status"] in {"finished", "failed", "stopped", "canceled", "unknown"}:
                break
            time.sleep(1)
    if status["status"] != "finished":
        raise click.ClickException(f"job {handle.id} ended {status['status']}")
    return status["result"]


def _progress_bar(label: str):
    bar = click.progressbar(length=1, label=label)
    state = {"done": 0}

    def progress(done: int, total: int, message: str = "") -> None:
        bar.length = max(total, 1)
        bar.update(done - state["done"])
        state["done"] = done

    return bar, progress


def _actor(email: str | None) -> User | None:
    if not email:
        return None
    user = db.session.scalar(sa.select(User).where(User.email == email.lower()))
    if user is None:
        raise click.ClickException(f"no user {email}")
    return user


@matching_cli.command("train")
@click.option("--queue", is_flag=True, help="Run on the RQ queue and follow its progress.")
@click.option("--no-promote", is_flag=True, help="Record a candidate; never promote it.")
@click.option("--max-iter", type=int, default=None, help="Boosting rounds (default 100).")
def train(queue: bool, no_promote: bool, max_iter: int | None) -> None:
    """Train on the platform's history; promote when the new version beats the current one."""
    params = {"max_iter": max_iter} if max_iter else {}
    if queue:
        handle = enqueue(registry.train_job, params, not no_promote, description="train model")
        result = _follow(handle, "training") if not handle.inline else handle.result
    else:
        bar, progress = _progress_bar("training")
        with bar:
            try:
                version = registry.train_version(
                    params, auto_promote=not no_promote, progress=progress
                )
            except DomainError as error:
                raise click.ClickException(str(error.message)) from error
            db.session.commit()
        result = {"version": version.version, "status": version.status.value}
    version = registry.find_version(result["version"])
    comparison = version.details.get("comparison", {})
    click.echo(
        f"{version.version}: {version.status.value}; NDCG@10 "
        f"{comparison.get('candidate', {}).get('ndcg@10')} vs {comparison.get('against')} "
        f"{comparison.get('current', {}).get('ndcg@10')}"
    )


@matching_cli.command("evaluate")
@click.argument("version", required=False)
def evaluate(version: str | None) -> None:
    """Metrics of a version (default: the current one) on its held-out window, with baselines."""
    found = registry.find_version(version) if version else registry.current_model_version()
    if found is None:
        raise click.ClickException("no such version (and none is current)")
    tables = training_tables()
    window = found.details["training_window"]
    metrics = registry.window_metrics(registry.load_version(found), tables, window)
    click.echo(
        f"{found.version} on its held-out window (today's data), every eligible product ranked:"
    )
    for name, values in {
        "model": metrics,
        "rule": registry.rule_window_metrics(tables, window),
    }.items():
        shown = ", ".join(
            f"{key} {value:.4f}" for key, value in values.items() if isinstance(value, float)
        )
        click.echo(f"  {name:<10} {shown}")


@matching_cli.command("promote")
@click.argument("version")
@click.option("--override", is_flag=True, help="Promote even if it does not beat the current one.")
@click.option("--note", default="", help="Why (required with --override).")
@click.option("--by", "email", help="Admin email recorded as the promoter.")
def promote(version: str, override: bool, note: str, email: str | None) -> None:
    """Make a version current (only if it beats the current one, unless overridden)."""
    found = registry.find_version(version)
    if found is None:
        raise click.ClickException(f"no version {version}")
    try:
        registry.promote(found, _actor(email), note=note, override=override)
    except DomainError as error:
        raise click.ClickException(str(error.message)) from error
    db.session.commit()
    click.echo(f"{found.version} is current")


@matching_cli.command("rollback")
@click.argument("version")
@click.option("--note", default="", help="Why.")
@click.option("--by", "email", help="Admin email recorded as the actor.")
def rollback(version: str, note: str, email: str | None) -> None:
    """Put an earlier version back in service."""
    found = registry.find_version(version)
    if found is None:
        raise click.ClickException(f"no version {version}")
    try:
        registry.rollback(found, _actor(email), note=note)
    except DomainError as error:
        raise click.ClickException(str(error.message)) from error
    db.session.commit()
    click.echo(f"{found.version} is current again")


@matching_cli.command("versions")
def versions() -> None:
    """List recorded versions with their held-out NDCG@10."""
    for version in registry.model_versions():
        ndcg = version.metrics.get("model", {}).get("ndcg@10")
        rule = version.metrics.get("rule", {}).get("ndcg@10")
        click.echo(
            f"{version.id:>4}  {version.version:<20} {version.status.value:<10} "
            f"ndcg@10 {ndcg if ndcg is None else round(ndcg, 4)} "
            f"(rule {rule if rule is None else round(rule, 4)})  "
            f"{version.created_at:%Y-%m-%d %H:%M}"
        )


@matching_cli.command("rematch")
@click.option("--queue", is_flag=True, help="Run on the RQ queue and follow its progress.")
def rematch(queue: bool) -> None:
    """Re-rank every open request and store its matches."""
    if queue:
        handle = enqueue(rematch_open_requests, description="re-rank open requests")
        result = _follow(handle, "re-ranking") if not handle.inline else handle.result
    else:
        bar, progress = _progress_bar("re-ranking")
        with bar:
            result = rematch_open_requests(progress=progress)
    click.echo(
        f"{result['requests']} open requests, {result['matches']} matches ({result['source']})"
    )


@matching_cli.command("import-artifacts")
@click.argument("directory", type=click.Path(file_okay=False), required=False)
def import_artifacts(directory: str | None) -> None:
    """Put model versions saved as files (default: MODEL_STORE) into the blob store."""
    directory = directory or current_app.config["MODEL_STORE"]
    imported = import_directory(directory)
    db.session.commit()
    click.echo(f"{len(imported)} version(s) imported from {directory}: {', '.join(imported)}")


def register(app: Flask) -> None:
    """Attach `flask matching`."""
    app.cli.add_command(matching_cli)
