"""The API's machinery: the OpenAPI document, token sign-in, limits, errors and pagination.

Sessions are not accepted here: a request is signed in by its `Authorization: Bearer` token
alone, so the API needs no CSRF token and a browser's cookies grant nothing.
"""

from __future__ import annotations

import hashlib
import http
import logging
from contextlib import contextmanager
from functools import partial
from math import ceil

import marshmallow as ma
import redis
import sqlalchemy as sa
from flask import abort, current_app, g, request, url_for
from flask_smorest import Api, Blueprint
from flask_smorest import abort as smorest_abort
from flask_smorest.spec.plugins import integerconverter2paramschema
from flask_smorest.utils import prepare_response
from webargs.flaskparser import FlaskParser

from finplatform import access
from finplatform.api import rate, signed_in
from finplatform.api.schemas import DecimalString
from finplatform.api.tokens import TOKEN_PREFIX, hash_token, user_for_token
from finplatform.exceptions import Conflict, DomainError
from finplatform.extensions import csrf, db
from finplatform.jobs import redis_connection
from finplatform.models import Role
from finplatform.ranking import versions
from finplatform.routing import DatabaseIdConverter

API_PREFIX = "/api/v1"
PROBLEM_JSON = "application/problem+json"
# The environ key of the sign-in epoch and catalogue counter read before Flask saw the call.
PREREAD = "finplatform.api_first_trip"
log = logging.getLogger(__name__)


class ProblemSchema(ma.Schema):
    """An error as RFC 9457 problem details."""

    type = ma.fields.String(metadata={"description": "Problem type URI (about:blank)"})
    title = ma.fields.String(required=True)
    status = ma.fields.Integer(required=True)
    detail = ma.fields.String(required=True)
    errors = ma.fields.Dict(
        metadata={"description": "Per field (and location) messages, for validation errors"}
    )
    request_id = ma.fields.String(
        metadata={"description": "The request's id (X-Request-ID), to quote to support"}
    )


class PlatformApi(Api):
    """flask-smorest's Api with problem+json errors; the app's own handlers render them."""

    ERROR_SCHEMA = ProblemSchema

    def _register_error_handlers(self):
        # finplatform.errors handles every HTTP error of the app, API ones as problem+json.
        pass

    def _register_responses(self):
        for status in http.HTTPStatus:
            response = {"description": status.phrase}
            if status >= 400:
                response["schema"] = self.ERROR_SCHEMA
                prepare_response(response, self.spec, PROBLEM_JSON)
            self.spec.components.response(status.name, response, lazy=True)
        response = {"description": "Error", "schema": self.ERROR_SCHEMA}
        prepare_response(response, self.spec, PROBLEM_JSON)
        self.spec.components.response("DEFAULT_ERROR", response, lazy=True)


def rate_limit_key() -> str:
    """Limits count per token (hashed), or per address for requests without one."""
    header = request.headers.get("Authorization", "")
    if header.startswith("Bearer "):
        return "token:" + hashlib.sha256(header[7:].strip().encode()).hexdigest()[:24]
    return "addr:" + (request.remote_addr or "unknown")


def first_trip() -> bytes | None:
    """Count the call against the rate limit and read the sign-in epoch and the catalogue
    version: one Redis round trip when both live in the same Redis. Returns the epoch, or None
    when sign-ins cannot be remembered (no Redis, or it did not answer)."""
    caller = rate_limit_key()
    limit_url = rate.storage_url() if rate.enabled() else None
    epoch_url = current_app.config.get("REDIS_URL")
    # A call the fast match path counted but did not serve is not counted again, and the
    # epoch and catalogue counter it read in the same round trip are taken as they are.
    counted = rate.enabled() and rate.settle_precounted()
    preread = request.environ.get(PREREAD)
    if preread is not None:
        epoch, g.catalogue_counter = preread
        return epoch
    epoch = None
    if epoch_url:
        pipeline = redis_connection().pipeline(transaction=False)
        window = rate.queue(pipeline, caller) if limit_url == epoch_url and not counted else None
        signed_in.queue(pipeline, versions.COUNTER_KEY)
        try:
            replies = pipeline.execute()
        except redis.RedisError as error:
            log.warning("Redis unavailable for an API call (%s): counted in the worker", error)
            replies = None
        if replies is not None:
            epoch = signed_in.settle(replies[-2:])
            if window is not None:
                counted = True
                rate.settle(*window, replies[:3])
    if limit_url and not counted and limit_url != epoch_url:
        counted = rate.count_in(limit_url, caller)
    if rate.enabled() and not counted:
        rate.count_in_worker(caller)
    return epoch


def authenticate(body_limit: str = "API_MAX_BODY_BYTES") -> None:
    """Count the call, sign it in by its bearer token, or answer 401; bodies past the
    configured `body_limit` answer 413."""
    if request.endpoint and request.endpoint.startswith("api_docs."):
        return
    epoch = first_trip()
    limit = current_app.config[body_limit]
    if request.content_length is not None and request.content_length > limit:
        abort(413)
    header = request.headers.get("Authorization", "")
    text = header[7:].strip() if header.startswith("Bearer ") else ""
    if not text.startswith(TOKEN_PREFIX):
        abort(401)
    token_hash = hash_token(text)
    recalled = signed_in.recall(token_hash, epoch)
    if recalled is not None:
        user, token_id, standing = recalled
    else:
        found = user_for_token(text)
        if found is None:
            abort(401)
        user, token = found
        token_id, standing = token.id, access.in_good_standing(user)
        signed_in.remember(token_hash, epoch, user, token, standing)
    if not standing:
        # A pending or suspended institution prepares its drafts on the site, never here.
        abort(403)
    # Flask-Login reads the signed-in user from g first: the session cookie is never consulted.
    g._login_user = user
    g.api_token_id = token_id


class StrictParser(FlaskParser):
    """A query argument the operation does not document is refused (422), as the document
    says: the API accepts only what its contract lists."""

    DEFAULT_UNKNOWN_BY_LOCATION = {
        **FlaskParser.DEFAULT_UNKNOWN_BY_LOCATION,
        "query": ma.RAISE,
        "querystring": ma.RAISE,
    }


class StrictBlueprint(Blueprint):
    """flask-smorest's Blueprint with the strict parser."""

    ARGUMENTS_PARSER = StrictParser()


def api_blueprint(
    name: str, url_prefix: str, description: str, *, body_limit: str = "API_MAX_BODY_BYTES"
) -> Blueprint:
    """A blueprint under /api/v1 with token sign-in and no CSRF (limits: `register_api`);
    `body_limit` names the setting that bounds its request bodies."""
    blueprint = StrictBlueprint(
        name, __name__, url_prefix=API_PREFIX + url_prefix, description=description
    )
    blueprint.before_request(partial(authenticate, body_limit))
    blueprint.after_request(rate.add_headers)
    csrf.exempt(blueprint)
    return blueprint


@contextmanager
def refusals(location: str = "json"):
    """Turn a service's refusal into problem+json: 409 for a conflict, 422 otherwise."""
    try:
        yield
    except DomainError as refusal:
        message = str(refusal.message)
        errors = {location: {refusal.field: [message]}} if refusal.field else None
        smorest_abort(409 if isinstance(refusal, Conflict) else 422, message=message, errors=errors)


def require_role(*roles: Role) -> None:
    """Answer 403 unless the token's user has one of `roles`."""
    if g._login_user.role not in roles:
        abort(403)


class PageArgs(ma.Schema):
    """`page` and `per_page` query arguments of every list."""

    page = ma.fields.Integer(load_default=1, validate=ma.validate.Range(min=1, max=100_000))
    per_page = ma.fields.Integer(load_default=20, validate=ma.validate.Range(min=1, max=100))


class LinksSchema(ma.Schema):
    """Links to the neighbouring pages (absent at the ends)."""

    self = ma.fields.String()
    next = ma.fields.String()
    prev = ma.fields.String()


def page_schema(item_schema: type[ma.Schema], name: str) -> type[ma.Schema]:
    """A schema for one page of `item_schema` items with totals and links."""
    return ma.Schema.from_dict(
        {
            "items": ma.fields.List(ma.fields.Nested(item_schema), required=True),
            "page": ma.fields.Integer(required=True),
            "per_page": ma.fields.Integer(required=True),
            "total": ma.fields.Integer(required=True),
            "pages": ma.fields.Integer(required=True),
            "links": ma.fields.Nested(LinksSchema, required=True),
        },
        name=name,
    )


def list_page(statement: sa.Select, args: dict, columns: dict, *order_by) -> dict:
    """One page of `statement` narrowed by each query argument present in `args` (an equality
    on the column `columns` names for it), ordered, with links that keep the filters."""
    filters = {name: args[name] for name in columns if name in args}
    for name, value in filters.items():
        statement = statement.where(columns[name] == value)
    return paginate(statement.order_by(*order_by), args["page"], args["per_page"], **filters)


def paginate(statement: sa.Select, page: int, per_page: int, **url_values) -> dict:
    """One page of `statement`'s rows with the total and the neighbouring pages' links."""
    total = db.session.scalar(sa.select(sa.func.count()).select_from(statement.subquery()))
    items = db.session.scalars(statement.limit(per_page).offset((page - 1) * per_page)).all()
    pages = max(1, ceil(total / per_page))
    endpoint = request.endpoint
    args = {**request.view_args, **url_values, "per_page": per_page}
    links = {"self": url_for(endpoint, page=page, **args)}
    if page < pages:
        links["next"] = url_for(endpoint, page=page + 1, **args)
    if page > 1:
        links["prev"] = url_for(endpoint, page=min(page - 1, pages), **args)
    return {
        "items": items,
        "page": page,
        "per_page": per_page,
        "total": total,
        "pages": pages,
        "links": links,
    }


# Text the platform stores holds no NUL character (finplatform/input_guard.py answers 400).
NO_NUL = "^[^\\u0000]*$"


def _no_nul_in_text(self, field, ret, **kwargs) -> dict:
    """Document every free-text string as holding no NUL, which the platform refuses."""
    if (
        isinstance(field, ma.fields.String)
        and not isinstance(field, ma.fields.Email | ma.fields.Url)
        and "enum" not in ret
        and "pattern" not in ret
        and "format" not in ret
    ):
        return {"pattern": NO_NUL}
    return {}


def register_api(app, blueprints) -> PlatformApi:
    """Bind a PlatformApi to `app` with the given API blueprints; serves /api/v1/openapi.json."""
    app.config.setdefault("API_TITLE", "Sci-Tech Finance Matching Platform API")
    app.config.setdefault("API_VERSION", "v1")
    app.config.setdefault("OPENAPI_VERSION", "3.0.3")
    app.config.setdefault("OPENAPI_URL_PREFIX", API_PREFIX)
    app.config.setdefault("OPENAPI_JSON_PATH", "openapi.json")
    api = PlatformApi(
        app,
        spec_kwargs={
            "security": [{"bearerAuth": []}],
            "info": {
                "description": (
                    "Tokens are created in Settings → API tokens and sent as "
                    "`Authorization: Bearer <token>`. Money is a decimal string in yuan. "
                    "Errors are application/problem+json."
                )
            },
        },
    )
    api.register_converter(DatabaseIdConverter, integerconverter2paramschema)
    api.ma_plugin.converter.add_attribute_function(_no_nul_in_text)
    api.register_field(DecimalString, "string", "decimal")
    api.spec.components.security_scheme(
        "bearerAuth", {"type": "http", "scheme": "bearer", "bearerFormat": "fpt_…"}
    )
    for blueprint in blueprints:
        api.register_blueprint(blueprint)
    # API calls are counted by finplatform.api.rate: Flask-Limiter skips them at once, rather
    # than sorting through its (page) limits on the API's every call.
    app.extensions["finplatform_limiter"].request_filter(_counted_by_the_api)
    return api


def _counted_by_the_api() -> bool:
    return request.path.startswith(API_PREFIX + "/")
