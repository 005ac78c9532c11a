"""The admin's model page: versions and their metrics, training, promotion, rollback, re-ranking."""

from __future__ import annotations

from dataclasses import dataclass

from flask import Blueprint, abort, flash, jsonify, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user

from finplatform.access import role_required
from finplatform.admin.forms import PromoteModelForm, RollbackModelForm
from finplatform.extensions import db
from finplatform.forms_support import ConfirmForm, refusal_shown
from finplatform.jobs import job_status, start
from finplatform.labels import label, labels_of
from finplatform.models import ModelVersion, Role
from finplatform.ranking import registry
from finplatform.ranking.batch import rematch_open_requests
from finplatform.ranking.service import serving_catalogue

bp = Blueprint("models", __name__, url_prefix="/models")

CHART_WIDTH, CHART_HEIGHT, CHART_PAD = 640, 200, 36
JOB_KINDS = {"train", "rematch"}
JOB_STEPS = set(labels_of("job_step"))


@dataclass(frozen=True)
class ChartPoint:
    """One version's NDCG@10 placed on the SVG chart."""

    x: float
    y: float
    rule_y: float | None
    label: str
    value: float


def _chart(versions: list[ModelVersion]) -> dict:
    """NDCG@10 per version (and the rule score on the same window) as SVG coordinates."""
    values = [
        (v, v.metrics.get("model", {}).get("ndcg@10"), v.metrics.get("rule", {}).get("ndcg@10"))
        for v in versions
    ]
    values = [(v, m, r) for v, m, r in values if m is not None]
    if not values:
        return {"points": [], "width": CHART_WIDTH, "height": CHART_HEIGHT}
    numbers = [m for _, m, _ in values] + [r for _, _, r in values if r is not None]
    low, high = min(numbers), max(numbers)
    span = max(high - low, 0.01)
    low, high = low - span * 0.1, high + span * 0.1
    inner_w, inner_h = CHART_WIDTH - 2 * CHART_PAD, CHART_HEIGHT - 2 * CHART_PAD
    step = inner_w / max(len(values) - 1, 1)

    def y(value: float) -> float:
        return round(CHART_PAD + inner_h * (1 - (value - low) / (high - low)), 1)

    points = [
        ChartPoint(
            x=round(CHART_PAD + i * step, 1),
            y=y(model),
            rule_y=y(rule) if rule is not None else None,
            label=version.version,
            value=model,
        )
        for i, (version, model, rule) in enumerate(values)
    ]
    return {
        "points": points,
        "line": " ".join(f"{p.x},{p.y}" for p in points),
        "rule_line": " ".join(f"{p.x},{p.rule_y}" for p in points if p.rule_y is not None),
        "low": round(low, 3),
        "high": round(high, 3),
        "width": CHART_WIDTH,
        "height": CHART_HEIGHT,
        "pad": CHART_PAD,
    }


@bp.get("/")
@role_required(Role.ADMIN)
def index():
    """Versions with their held-out metrics, the NDCG@10 chart, and the actions."""
    versions = registry.model_versions()
    job = None
    job_id, kind = request.args.get("job"), request.args.get("kind")
    if job_id and kind in JOB_KINDS:
        job = _job_view(job_id)
        if job is not None:
            job["kind"] = kind
    return render_template(
        "admin/models.html",
        versions=list(reversed(versions)),
        current=registry.current_model_version(),
        chart=_chart(versions),
        job=job,
        served=serving_catalogue(),
        form=ConfirmForm(),
        promote_form=PromoteModelForm(),
        rollback_form=RollbackModelForm(),
    )


RUNNING = {"queued", "started", "deferred", "scheduled"}


def _job_view(job_id: str) -> dict | None:
    """A job's state as the page shows it: labels, steps done of the total, a percentage."""
    job = job_status(job_id)
    if job is None:
        return None
    total, done = int(job.get("total") or 0), int(job.get("done") or 0)
    message = job.get("message") or ""
    step = label("job_step", message) if message in JOB_STEPS else message
    return {
        "id": job["id"],
        "status": job["status"],
        "running": job["status"] in RUNNING,
        "state": label("job_state", job["status"]),
        "step": step,
        "done": done,
        "total": total,
        "percent": round(100 * done / total) if total else 0,
    }


@bp.get("/jobs/<job_id>")
@role_required(Role.ADMIN)
def job(job_id: str):
    """A job's progress as JSON, read by the page every half second while the job runs."""
    view = _job_view(job_id[:80])
    if view is None:
        abort(404)
    return jsonify(view)


def _after_job(handle, kind: str, done_message: str):
    if handle.inline:
        flash(done_message, "success")
        return redirect(url_for("admin.models.index"))
    flash(_("The job is queued; its progress shows below."), "info")
    return redirect(url_for("admin.models.index", job=handle.id, kind=kind))


@bp.post("/train")
@role_required(Role.ADMIN)
def train():
    """Train a new version from the platform's history (a background job)."""
    if not ConfirmForm().validate_on_submit():
        abort(400)
    with refusal_shown() as attempt:
        handle = start(registry.train_job, description="train ranking model")
    if not attempt.ok:
        return redirect(url_for("admin.models.index"))
    message = ""
    if handle.inline:
        message = _(
            "Version %(version)s trained (%(status)s).",
            version=handle.result["version"],
            status=label("model_status", handle.result["status"]),
        )
    return _after_job(handle, "train", message)


@bp.post("/rematch")
@role_required(Role.ADMIN)
def rematch():
    """Re-rank every open request and store the matches (a background job)."""
    if not ConfirmForm().validate_on_submit():
        abort(400)
    handle = start(rematch_open_requests, description="re-rank open requests")
    message = ""
    if handle.inline:
        message = _("%(count)s open requests re-ranked.", count=handle.result["requests"])
    return _after_job(handle, "rematch", message)


@bp.post("/<int:version_id>/promote")
@role_required(Role.ADMIN)
def promote(version_id: int):
    """Promote a version: only if it beats the current one, or with an override and a note."""
    version = db.get_or_404(ModelVersion, version_id)
    form = PromoteModelForm()
    if not form.validate_on_submit():
        abort(400)
    with refusal_shown() as attempt:
        registry.promote(
            version, current_user, note=form.note.data or "", override=form.override.data
        )
    if not attempt.ok:
        return redirect(url_for("admin.models.index"))
    flash(_("Version %(version)s is now in service.", version=version.version), "success")
    return redirect(url_for("admin.models.index"))


@bp.post("/<int:version_id>/rollback")
@role_required(Role.ADMIN)
def rollback(version_id: int):
    """Put an earlier version back in service."""
    version = db.get_or_404(ModelVersion, version_id)
    form = RollbackModelForm()
    if not form.validate_on_submit():
        abort(400)
    with refusal_shown() as attempt:
        registry.rollback(version, current_user, note=form.note.data or "")
    if not attempt.ok:
        return redirect(url_for("admin.models.index"))
    flash(_("Version %(version)s is back in service.", version=version.version), "success")
    return redirect(url_for("admin.models.index"))
