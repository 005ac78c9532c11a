"""Training runs in the background: the admin's page returns at once and a progress bar counts
the job's real steps (reading the history, the model's stages and each tenth of its boosting
rounds, comparing, recording) until the new version is listed."""

from __future__ import annotations

import time

import pytest

from finplatform import jobs
from finplatform.models import Role
from finplatform.ranking import registry
from tests.factories import Factory

# Reading the history, features, linear stage, ten tenths of the boosting, validation,
# comparing, recording.
TRAINING_STEPS = 16


@pytest.fixture
def without_redis(app, monkeypatch):
    """Jobs run in a thread of the server (no worker needed)."""
    monkeypatch.setitem(app.config, "REDIS_URL", None)
    monkeypatch.setitem(app.config, "JOBS_IN_THREADS", True)
    yield
    jobs.wait_for_thread_jobs()


def test_training_reports_each_step_in_order(small_world):
    heard = []
    registry.train_version(progress=lambda done, total, step: heard.append((done, total, step)))
    assert [done for done, _, _ in heard] == list(range(TRAINING_STEPS + 1))
    assert {total for _, total, _ in heard} == {TRAINING_STEPS}
    steps = [step for _, _, step in heard]
    assert steps[0] == "reading_history" and steps[-1] == "done"
    assert steps.count("boosting") == 10


def test_the_train_button_returns_at_once_and_the_job_is_read_as_json(
    small_world, client, login, make, without_redis
):
    login(make.user(Role.ADMIN))
    began = time.monotonic()
    response = client.post("/admin/models/train")
    assert time.monotonic() - began < 2
    assert response.status_code == 302 and "job=thread-" in response.location
    job_id = response.location.split("job=")[1].split("&")[0]
    page = client.get(response.location).get_data(as_text=True)
    assert 'id="job-progress"' in page
    jobs.wait_for_thread_jobs()
    job = client.get(f"/admin/models/jobs/{job_id}").get_json()
    assert job["status"] == "finished" and job["running"] is False
    assert (job["done"], job["total"], job["percent"]) == (16, 16, 100)
    assert job["step"] == "完成"
    assert client.get("/admin/models/jobs/thread-unknown").status_code == 404


@pytest.mark.browser
def test_the_progress_bar_advances_while_the_model_trains(
    small_world, live_server, page, make, artifacts_dir, without_redis, monkeypatch
):
    # Each step is held a moment, as on a larger world, so the page's half-second poll can
    # see the bar between start and end however fast (or GIL-bound) this machine's steps are.
    reported = registry.report_progress

    def held(*args, **kwargs):
        reported(*args, **kwargs)
        time.sleep(0.3)

    monkeypatch.setattr(registry, "report_progress", held)
    admin = make.user(Role.ADMIN)
    page.goto(live_server + "/auth/login")
    page.get_by_label("电子邮箱").fill(admin.email)
    page.get_by_label("密码").fill(Factory.PASSWORD)
    page.get_by_role("button", name="登录").click()
    page.wait_for_load_state()
    page.goto(live_server + "/admin/models/")
    began = time.monotonic()
    page.get_by_role("button", name="训练新版本").click()
    page.wait_for_selector("#job-progress")
    assert time.monotonic() - began < 3, "the page waited for the training"

    seen: list[int] = []
    shots = 0
    deadline = time.monotonic() + 120
    while time.monotonic() < deadline:
        try:
            value = page.get_attribute("#job-progress", "aria-valuenow", timeout=1000)
        except Exception:  # the page is reloading once the job ended
            value = None
        if value is not None and (not seen or int(value) != seen[-1]):
            seen.append(int(value))
            if shots < 1 and 0 < seen[-1] < TRAINING_STEPS:
                page.screenshot(path=str(artifacts_dir / "training-progress-running.png"))
                shots += 1
        if seen and seen[-1] == TRAINING_STEPS and not page.query_selector("[data-job-running]"):
            break
        time.sleep(0.1)
    assert seen == sorted(seen), seen
    assert seen[-1] == TRAINING_STEPS
    # The page came back while the job ran, and the bar moved between start and end (how
    # many steps a half-second poll catches depends on the machine's speed).
    assert seen[0] < TRAINING_STEPS, seen
    assert len(seen) >= 3 and any(0 < v < TRAINING_STEPS for v in seen), seen
    page.wait_for_selector("#versions tbody tr")
    assert "完成" in page.inner_text("#job")
    page.screenshot(path=str(artifacts_dir / "training-progress-done.png"), full_page=True)
