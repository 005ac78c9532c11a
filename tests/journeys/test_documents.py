"""Documents: checked by content (a file that lies about its type is refused), bounded in size,
stored once under their SHA-256, served only to those allowed as a download, and asked for by
institutions with a deadline that shows in the firm's to-do."""

from __future__ import annotations

import hashlib
import io
from datetime import timedelta

import openpyxl
import pytest
import sqlalchemy as sa

from finplatform import clock
from finplatform.api.tokens import create_token
from finplatform.credit.consent import grant_for_application
from finplatform.deals import services as deal_services
from finplatform.documents import services
from finplatform.exceptions import DomainError
from finplatform.models import Document, DocumentRequestStatus, Role, StoredBlob
from tests.api.conftest import bearer

PDF = b"%PDF-1.4\n1 0 obj << /Type /Catalog >> endobj\n%%EOF\n"
PNG = b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR" + b"\x00" * 32
HTML = b"<html><body><script>alert(document.cookie)</script></body></html>"


def _xlsx() -> bytes:
    book = openpyxl.Workbook()
    book.active["A1"] = "营业收入"
    out = io.BytesIO()
    book.save(out)
    return out.getvalue()


@pytest.fixture
def application(db, world, post_request):
    found = deal_services.submit_application(post_request(), world.credit_loan, world.firm_user)
    db.session.commit()
    return found


def _upload(world, content: bytes, filename: str, kind="financial_statements", **values):
    file = io.BytesIO(content)
    return services.upload_document(
        world.firm, world.firm_user, kind=kind, file=file, filename=filename, **values
    )


@pytest.mark.parametrize(
    ("content", "filename", "field_message"),
    [
        (HTML, "财务报表.pdf", "仅接受 PDF、JPG、PNG 和 XLSX 文件"),  # a web page posing as a PDF
        (PNG, "财务报表.pdf", "文件扩展名为 .pdf，但其内容是 PNG"),  # an image named as a PDF
        (b"MZ\x90\x00" + b"\x00" * 64, "营业执照.png", "仅接受 PDF、JPG、PNG 和 XLSX 文件"),
        (b"", "空白.pdf", "文件为空"),
    ],
)
def test_a_file_that_lies_about_its_type_is_refused_and_nothing_is_stored(
    db, world, content, filename, field_message
):
    with pytest.raises(DomainError) as refused:
        _upload(world, content, filename)
    assert refused.value.field == "file"
    assert field_message in str(refused.value.message)
    db.session.rollback()
    assert db.session.scalar(sa.select(sa.func.count(Document.id))) == 0
    assert db.session.scalar(sa.select(sa.func.count()).select_from(StoredBlob)) == 0


@pytest.mark.parametrize(
    ("content", "filename", "content_type"),
    [
        (PDF, "2014年财务报表.PDF", "application/pdf"),
        (PNG, "营业执照.png", "image/png"),
        (b"\xff\xd8\xff\xe0\x00\x10JFIF\x00" + b"\x00" * 32, "证书.jpeg", "image/jpeg"),
        (
            None,
            "报表.xlsx",
            "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
        ),
    ],
)
def test_accepted_files_keep_the_type_their_content_shows(
    db, world, content, filename, content_type
):
    content = content if content is not None else _xlsx()
    document = _upload(world, content, filename)
    assert (document.content_type, document.size) == (content_type, len(content))


def test_a_file_over_the_size_limit_is_refused(db, app, world, monkeypatch):
    monkeypatch.setitem(app.config, "DOCUMENT_MAX_BYTES", 1024 * 1024)
    with pytest.raises(DomainError) as refused:
        _upload(world, PDF + b"0" * (1024 * 1024), "大文件.pdf")
    assert "文件超过 1 MB 的大小上限" in str(refused.value.message)


def test_the_same_file_twice_is_stored_once_under_its_digest(db, world):
    first = _upload(world, PDF, "a.pdf")
    second = _upload(world, PDF, "b.pdf", kind="qualification")
    digest = hashlib.sha256(PDF).hexdigest()
    assert first.blob_key == second.blob_key == f"documents/{digest}"
    assert db.session.scalars(sa.select(StoredBlob.key)).all() == [f"documents/{digest}"]


def test_only_those_allowed_open_a_document_and_it_comes_as_a_download(
    db, world, make, application, client, login
):
    profile = _upload(world, PDF, "资质.pdf", kind="qualification")
    attached = _upload(world, PDF, "营业执照.pdf", kind="business_licence", application=application)
    grant_for_application(application, world.firm_user)  # the bank sees it only with this
    db.session.commit()
    outsider = make.user(Role.INSTITUTION)  # an institution the firm never applied to
    cases = [
        (world.firm_user, profile, 200),
        (world.firm_user, attached, 200),
        (world.specialist, profile, 200),
        (world.bank_user, attached, 200),
        (world.bank_user, profile, 404),  # the profile is not shared with the bank
        (world.other_bank_user, attached, 404),
        (outsider, attached, 404),
        (world.admin, attached, 403),
    ]
    for user, document, expected in cases:
        client.post("/auth/logout")
        login(user)
        response = client.get(f"/documents/{document.id}/download")
        assert response.status_code == expected, (user.name, document.filename)
        if expected == 200:
            assert response.data == PDF
            assert response.headers["Content-Type"] == "application/pdf"
            assert response.headers["Content-Disposition"].startswith("attachment;")
            assert response.headers["X-Content-Type-Options"] == "nosniff"


def test_an_institution_asks_for_a_document_and_the_firm_sees_it_in_its_to_do(
    db, world, application, client, login
):
    due = clock.today() + timedelta(days=5)
    with pytest.raises(DomainError):
        services.request_document(
            application,
            world.bank_user,
            kind="business_licence",
            due_on=clock.today() - timedelta(days=1),
        )
    asked = services.request_document(
        application, world.bank_user, kind="business_licence", due_on=due, note="请提供副本"
    )
    db.session.commit()
    login(world.firm_user)
    home = client.get("/enterprise/").get_data(as_text=True)
    assert "营业执照" in home and due.isoformat() in home and "请提供副本" in home

    _upload(world, PDF, "营业执照.pdf", kind="business_licence", application=application)
    db.session.commit()
    assert asked.status == DocumentRequestStatus.FULFILLED
    assert 'id="todo"' not in client.get("/enterprise/").get_data(as_text=True)


def test_the_firm_attaches_through_the_page_and_the_bank_sees_it(
    db, world, application, client, login
):
    login(world.firm_user)
    page = client.post(
        f"/applications/{application.id}/documents",
        data={"kind": "financial_statements", "file": (io.BytesIO(HTML), "报表.pdf")},
        content_type="multipart/form-data",
        follow_redirects=True,
    )
    assert "仅接受 PDF、JPG、PNG 和 XLSX 文件" in page.get_data(as_text=True)
    client.post(
        f"/applications/{application.id}/documents",
        data={"kind": "financial_statements", "file": (io.BytesIO(_xlsx()), "2014年报表.xlsx")},
        content_type="multipart/form-data",
    )
    client.post(f"/applications/{application.id}/consent")
    client.post("/auth/logout")
    login(world.bank_user)
    shown = client.get(f"/applications/{application.id}").get_data(as_text=True)
    assert "2014年报表.xlsx" in shown and "财务报表" in shown


def test_the_api_uploads_refuses_a_liar_and_serves_an_attachment(db, world, application, client):
    firm = create_token(world.firm_user, "firm system")[1]
    bank = create_token(world.bank_user, "bank system")[1]
    db.session.commit()
    liar = client.post(
        "/api/v1/documents",
        data={"kind": "patent_certificate", "file": (io.BytesIO(HTML), "专利.png")},
        headers=bearer(firm),
        content_type="multipart/form-data",
    )
    assert liar.status_code == 422
    created = client.post(
        "/api/v1/documents",
        data={
            "kind": "patent_certificate",
            "application_id": str(application.id),
            "file": (io.BytesIO(PNG), "专利.png"),
        },
        headers=bearer(firm),
        content_type="multipart/form-data",
    )
    assert created.status_code == 201
    body = created.get_json()
    assert body["content_type"] == "image/png"
    assert body["sha256"] == hashlib.sha256(PNG).hexdigest()
    grant_for_application(application, world.firm_user)
    db.session.commit()
    listed = client.get("/api/v1/documents", headers=bearer(bank)).get_json()
    assert [item["id"] for item in listed["items"]] == [body["id"]]
    content = client.get(f"/api/v1/documents/{body['id']}/content", headers=bearer(bank))
    assert content.data == PNG
    assert content.headers["Content-Disposition"].startswith("attachment;")
    assert content.headers["X-Content-Type-Options"] == "nosniff"
    asked = client.post(
        "/api/v1/document-requests",
        json={
            "application_id": application.id,
            "kind": "business_licence",
            "due_on": (clock.today() + timedelta(days=3)).isoformat(),
        },
        headers=bearer(bank),
    )
    assert asked.status_code == 201 and asked.get_json()["status"] == "open"
