"""The admin's model page: only admins reach it; it lists versions with the NDCG@10 chart and
promotes through a CSRF form."""

from __future__ import annotations

import pytest
import sqlalchemy as sa

from finplatform import jobs
from finplatform.models import AuditEvent, ModelStatus, Role


@pytest.mark.parametrize("role", [r for r in Role if r != Role.ADMIN])
def test_only_admins_reach_the_model_page(client, login, make, role):
    login(make.user(role))
    assert client.get("/admin/models/").status_code == 403
    assert client.post("/admin/models/train").status_code == 403


def test_the_model_page_lists_versions_with_a_chart_and_promotes(
    app, client, login, make, db, stored_version
):
    version = stored_version()
    admin = make.user(Role.ADMIN)
    login(admin)
    page = client.get("/admin/models/")
    assert page.status_code == 200
    html = page.get_data(as_text=True)
    assert 'id="ndcg-chart"' in html and f'data-version="{version.version}"' in html
    assert "<script>" not in html  # the CSP forbids inline scripts

    response = client.post(f"/admin/models/{version.id}/promote", data={"note": "first model"})
    assert response.status_code == 302
    db.session.refresh(version)
    assert version.status == ModelStatus.CURRENT
    assert version.promoted_by_id == admin.id
    audit = db.session.scalars(
        sa.select(AuditEvent).where(AuditEvent.action == "model.promoted")
    ).one()
    assert audit.detail["override"] is False
    assert 'data-source="model"' in client.get("/admin/models/").get_data(as_text=True)


def test_rematch_from_the_model_page_runs_in_the_background_without_redis(
    app, client, login, make, monkeypatch
):
    monkeypatch.setitem(app.config, "REDIS_URL", None)
    monkeypatch.setitem(app.config, "JOBS_IN_THREADS", True)
    login(make.user(Role.ADMIN))
    response = client.post("/admin/models/rematch")
    assert response.status_code == 302 and "job=thread-" in response.location
    jobs.wait_for_thread_jobs()
    job_id = response.location.split("job=")[1].split("&")[0]
    assert client.get(f"/admin/models/jobs/{job_id}").get_json()["status"] == "finished"
