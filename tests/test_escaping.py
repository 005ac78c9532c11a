"""Whatever people type is shown as text, never run as markup."""

from __future__ import annotations

from finplatform.models import Role

PAYLOAD = '<script>alert("x")</script><img src=x onerror=alert(1)>'


def test_names_with_markup_are_escaped_everywhere_they_show(client, make, login, db):
    firm = make.enterprise(name="恶意" + PAYLOAD, contact_name="<script>alert(1)</script>")
    bank = make.institution(name="银行" + PAYLOAD, status="pending")
    specialist = make.user(Role.SPECIALIST, name=PAYLOAD)
    firm.specialist_id = specialist.id
    db.session.commit()
    admin = make.user(Role.ADMIN, name=PAYLOAD)
    login(admin)
    pages = [
        client.get(f"/enterprises/{firm.id}"),
        client.get(f"/institutions/{bank.id}"),
        client.get("/admin/"),
        client.get("/admin/staff"),
    ]
    for response in pages:
        html = response.get_data(as_text=True)
        assert response.status_code == 200
        assert PAYLOAD not in html
        assert "&lt;script&gt;" in html
        assert "<img src=x" not in html
