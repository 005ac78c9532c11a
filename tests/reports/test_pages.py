"""The report pages: who reads them, drill-down to the rows, closing and generating, the CLI."""

from __future__ import annotations

import sqlalchemy as sa

from finplatform import jobs
from finplatform.models import MonthlySnapshot, Role


def _signed_in(client, login, make, role=Role.COMMISSION):
    user = make.user(role)
    login(user)
    client.get("/lang/en")
    return user


def test_commission_reads_the_report(client, login, make, world):
    _signed_in(client, login, make)
    page = client.get("/reports/?month=2014-06").get_data(as_text=True)
    assert "Monthly report 2014-06" in page
    assert "滨海科技支行" in page  # the institution breakdown
    assert "<svg" in page and "report-chart" in page
    assert "Not measured by the platform." in page  # new matching platforms
    assert "reports/print.css" in page and "reports/report.js" in page
    assert "<script>" not in page  # no inline script


def test_enterprises_and_specialists_cannot_read_reports(client, login, make):
    for role in (Role.ENTERPRISE, Role.SPECIALIST, Role.INSTITUTION):
        login(make.user(role))
        assert client.get("/reports/?month=2014-06").status_code == 403
        client.post("/auth/logout")


def test_commission_cannot_close_a_month(client, login, make, world, db):
    _signed_in(client, login, make)
    assert client.post("/reports/close", data={"month": "2014-06"}).status_code == 403
    assert db.session.scalar(sa.select(sa.func.count()).select_from(MonthlySnapshot)) == 0


def test_a_bad_month_is_not_found(client, login, make):
    _signed_in(client, login, make)
    assert client.get("/reports/?month=2014-13").status_code == 404
    assert client.get("/reports/xlsx?month=june").status_code == 404


def test_drilldown_lists_the_rows_behind_a_figure(client, login, make, world):
    _signed_in(client, login, make)
    page = client.get(
        "/reports/rows?month=2014-06&measure=disbursements&scope=month&product_kind=credit_loan"
    ).get_data(as_text=True)
    assert "2 rows" in page  # d4 and the reversal d6
    assert "E4科技有限公司" in page and "E2科技有限公司" in page
    assert "E5科技有限公司" not in page
    ytd = client.get(
        "/reports/rows?month=2014-06&measure=disbursements&scope=ytd&metric=new_credit_loans"
    ).get_data(as_text=True)
    assert "4 rows" in ytd  # d1 d2 d4 d6
    bank = world.institutions["bank"].id
    apps = client.get(
        f"/reports/rows?month=2014-06&measure=applications&institution={bank}"
    ).get_data(as_text=True)
    assert "4 rows" in apps  # A3 A4 A6 A8; A5 went to the fund, A7 to the community
    response = client.get("/reports/rows?month=2014-06&measure=requests&product_kind=x")
    assert response.status_code == 302  # requests have no product-kind breakdown


def test_drilldown_paginates(client, login, make, world, app):
    _signed_in(client, login, make)
    app.config["PAGE_SIZE"] = 2
    try:
        first = client.get("/reports/rows?month=2014-06&measure=applications").get_data(
            as_text=True
        )
        assert "Page 1 of 3" in first
    finally:
        app.config["PAGE_SIZE"] = 20


def test_admin_closes_a_month_and_generates_a_report(
    client, login, make, world, db, app, monkeypatch
):
    # Generating runs inline here, as without Redis: no worker runs during the test.
    monkeypatch.setattr(jobs, "redis_connection", lambda: None)
    _signed_in(client, login, make, Role.ADMIN)
    page = client.get("/reports/admin?year=2014").get_data(as_text=True)
    # The world's first request was posted in March 2013: closing starts there.
    assert "Next month to close: 2013-03" in page
    response = client.post("/reports/close", data={"month": "2014-06"})
    assert response.status_code == 302
    closed = db.session.scalars(sa.select(MonthlySnapshot.month).order_by(MonthlySnapshot.month))
    months = [day.isoformat()[:7] for day in closed]
    assert months[::5] == ["2013-03", "2013-08", "2014-01", "2014-06"]
    page = client.get("/reports/admin?year=2014").get_data(as_text=True)
    assert "Next month to close: 2014-07" in page
    assert '<option value="2014-05">' not in page
    refused = client.post("/reports/close", data={"month": "2014-05"}, follow_redirects=True)
    assert "2014-05 is already closed" in refused.get_data(as_text=True)
    bad = client.post("/reports/close", data={"month": "June"}, follow_redirects=True)
    assert "YYYY-MM" in bad.get_data(as_text=True)
    assert client.get("/reports/?month=2014-06").get_data(as_text=True).count("Closed") >= 1

    generated = client.post("/reports/generate", data={"month": "2014-06"}, follow_redirects=True)
    assert "is ready" in generated.get_data(as_text=True)
    download = client.get("/reports/generated?month=2014-06")
    assert download.status_code == 200
    assert download.data[:2] == b"PK"
    download.close()


def test_cli_prints_and_exports(app, world, tmp_path):
    xlsx = tmp_path / "june.xlsx"
    result = app.test_cli_runner().invoke(
        args=["report", "monthly", "2014-06", "--xlsx", str(xlsx), "--csv", str(tmp_path / "csv")]
    )
    assert result.exit_code == 0, result.output
    assert "disbursements" in result.output and "1,180万元" in result.output
    assert "new_matching_platforms" in result.output and "not measured" in result.output
    assert xlsx.exists()
    assert (tmp_path / "csv" / "2014-06-summary.csv").exists()
    bad = app.test_cli_runner().invoke(args=["report", "monthly", "2014-6"])
    assert bad.exit_code != 0 and "YYYY-MM" in bad.output


def test_cli_schedule_generates_last_month_inline(app, world, monkeypatch):
    monkeypatch.setattr(jobs, "redis_connection", lambda: None)
    result = app.test_cli_runner().invoke(args=["report", "schedule", "--month", "2014-06"])
    assert result.exit_code == 0, result.output
    assert "report 2014-06 generated" in result.output
