"""A service's refusal undoes what the request wrote and reaches the user as words."""

from __future__ import annotations

import sqlalchemy as sa
from flask import get_flashed_messages
from wtforms import StringField

from finplatform.exceptions import DomainError
from finplatform.forms_support import PlatformForm, refusal_shown
from finplatform.models import Target


class _NameForm(PlatformForm):
    class Meta:
        csrf = False

    name = StringField()


def _refusing_service(db, field=None):
    db.session.add(
        Target(
            year=2031,
            metric="firms_served",
            value=10,
            unit="家",
            wording_zh="服务企业",
            label_en="Firms",
        )
    )
    db.session.flush()
    raise DomainError("名称已被使用", field)


def _targets_of_2031(db) -> int:
    return db.session.scalar(sa.select(sa.func.count()).where(Target.year == 2031))


def test_a_refusal_naming_a_field_is_shown_beside_it_and_nothing_is_kept(app, db):
    with app.test_request_context(method="POST", data={"name": "x"}):
        form = _NameForm()
        with refusal_shown(form) as attempt:
            _refusing_service(db, "name")
        assert not attempt.ok
        assert form.name.errors == ["名称已被使用"]
        assert get_flashed_messages() == []
    db.session.commit()
    assert _targets_of_2031(db) == 0


def test_a_refusal_without_a_form_is_flashed(app, db):
    with app.test_request_context(method="POST"):
        with refusal_shown() as attempt:
            _refusing_service(db)
        assert not attempt.ok
        assert get_flashed_messages(with_categories=True) == [("danger", "名称已被使用")]


def test_a_call_that_goes_through_keeps_its_writes(app, db):
    with app.test_request_context(method="POST"):
        with refusal_shown() as attempt:
            db.session.add(
                Target(
                    year=2031,
                    metric="firms_served",
                    value=10,
                    unit="家",
                    wording_zh="服务企业",
                    label_en="Firms",
                )
            )
        assert attempt.ok
    db.session.commit()
    assert _targets_of_2031(db) == 1
