"""The match endpoint's cache hits served in front of Flask, with the same checks and answer.

`GET /api/v1/requests/<id>/matches` is the API's busiest call, and on a cache hit its answer is
bytes already in Redis. `FastMatches` wraps the app's WSGI callable and serves such a call
itself when everything about it is ordinary; anything else goes to Flask unchanged:

- the token was signed in lately by this worker (`finplatform.api.signed_in`'s memory), its
  user may call the endpoint and its organisation is in good standing;
- one statement on a raw pooled connection reads the request's stamp where the user may see it
  (the visibility rule of `finplatform.access`, evaluated now: a specialist's reassignment
  counts at once), and the request was ranked before (no first ranking time to write);
- one Redis round trip counts the call against the rate limit and reads the sign-in epoch, the
  catalogue counter and the cached body. The epoch must be the one the sign-in was remembered
  under (a revoked token, a deactivated user or a suspended institution moved it), the counter
  the one this worker's catalogue was built at, and the body must be there.

The answer carries the headers the full path gave the last time it answered this endpoint with
200 (security headers, content type), with this call's request id and rate limit figures, and
is logged and counted in /metrics as the full path's is. A call that the Redis round trip
counted but cannot serve (a miss, mostly) goes to Flask with its count (`rate.PRECOUNTED`),
never counted twice, and, when the sign-in was still the remembered one, with the epoch, the
catalogue counter (`core.PREREAD`) and the stamp (`match_api.PREREAD_STAMP`) as read, so that
the full path makes neither round trip again.
"""

from __future__ import annotations

import hashlib
import logging
import re
import threading
import time
import uuid

import redis
import sqlalchemy as sa
from flask import Flask
from werkzeug.datastructures import LanguageAccept
from werkzeug.http import parse_accept_header

from finplatform.access import visible
from finplatform.api import rate, signed_in
from finplatform.api.core import PREREAD
from finplatform.api.tokens import LAST_USED_PRECISION, TOKEN_PREFIX
from finplatform.extensions import db
from finplatform.jobs import redis_connection
from finplatform.models import FinancingRequest, Role, User, utcnow
from finplatform.observability import metrics
from finplatform.observability.requests import HEADER as REQUEST_ID_HEADER
from finplatform.observability.requests import WELL_FORMED_ID
from finplatform.observability.requests import log as request_log
from finplatform.ranking import result_cache, versions
from finplatform.ranking.match_api import PREREAD_STAMP, STAMP_COLUMNS, RequestStamp
from finplatform.ranking.service import fresh_catalogue

log = logging.getLogger(__name__)

ENDPOINT = "api_requests.request_matches"
BLUEPRINT = "api_requests"
_PATH = re.compile(r"/api/v1/requests/([1-9][0-9]{0,9})/matches")
_TOP = re.compile(r"top=([1-9][0-9]?)")
_MAX_ID = 2**31 - 1
_ROLES = (Role.ENTERPRISE, Role.SPECIALIST, Role.ADMIN)
# Headers made for each answer; the rest are the full path's, as it last sent them.
_PER_CALL = {
    "content-length",
    REQUEST_ID_HEADER.lower(),
    "x-ratelimit-limit",
    "x-ratelimit-remaining",
    "x-ratelimit-reset",
    "retry-after",
}


def _call(environ) -> tuple[int, int] | None:
    """The request id and `top` of an ordinary match call, else None."""
    if environ.get("REQUEST_METHOD") != "GET":
        return None
    found = _PATH.fullmatch(environ.get("PATH_INFO", ""))
    if found is None or int(found.group(1)) > _MAX_ID:
        return None
    if environ.get("CONTENT_LENGTH") not in (None, "", "0"):
        return None
    query = environ.get("QUERY_STRING", "")
    if not query:
        return int(found.group(1)), 10
    top = _TOP.fullmatch(query)
    if top is None or int(top.group(1)) > 50:
        return None
    return int(found.group(1)), int(top.group(1))


class FastMatches:
    """WSGI middleware: cache hits of the match endpoint answered without Flask's dispatch."""

    def __init__(self, app: Flask, wrapped):
        self.app = app
        self.wrapped = wrapped
        # (scheme, forwarded scheme, English) → the full path's headers of a 200 answer.
        self.headers: dict[tuple, list[tuple[str, str]]] = {}
        self.statements: dict[tuple, tuple] = {}
        self.lock = threading.Lock()

    def __call__(self, environ, start_response):
        call = _call(environ)
        if call is None:
            return self.wrapped(environ, start_response)
        started = (time.perf_counter(), time.thread_time())
        english = _english(environ, self.app.config["LANGUAGES"])
        shape = (environ.get("wsgi.url_scheme"), environ.get("HTTP_X_FORWARDED_PROTO"), english)
        template = self.headers.get(shape)
        answer = None
        if template is not None and self.app.config.get("REDIS_URL"):
            with self.app.app_context():
                try:
                    answer = self._serve(environ, call, english)
                    if answer is not None:
                        body, window, request_id = answer
                        headers = _headers(template, len(body), request_id, window)
                except Exception:  # the full path answers, and logs its own errors
                    log.exception("fast match path failed; answered by the full path")
                    answer = None
        if answer is None:
            return self.wrapped(environ, self._noting(start_response, shape))
        start_response("200 OK", headers)
        self._finish(environ, request_id, started)
        return [body]

    def _noting(self, start_response, shape):
        """A start_response that keeps the headers of the full path's 200 answers."""

        def noted(status, headers, exc_info=None):
            if status.startswith("200 ") and not any(
                name.lower() == "set-cookie" for name, _value in headers
            ):
                self.headers[shape] = list(headers)
            return start_response(status, headers, exc_info)

        return noted

    def _serve(self, environ, call, english) -> tuple[bytes, rate.Window | None, str] | None:
        request_id, top = call
        header = environ.get("HTTP_AUTHORIZATION", "")
        text = header[7:].strip() if header.startswith("Bearer ") else ""
        if not text.startswith(TOKEN_PREFIX):
            return None
        token_hash = hashlib.sha256(text.encode()).hexdigest()
        config = self.app.config
        found = signed_in.remembered(token_hash)
        if (
            found is None
            or not found.in_good_standing
            or found.user_columns["role"] not in _ROLES
            or found.last_used_at is None
            or utcnow() - found.last_used_at > LAST_USED_PRECISION
        ):
            return None
        catalogue = fresh_catalogue()
        if catalogue is None:
            return None
        stamp = self._stamp(token_hash, found, request_id)
        if stamp is None or stamp.first_ranked_at is None:
            return None
        body_key = result_cache.key(stamp, catalogue.key, top, set(), english=english) + ":api"
        limited = rate.enabled()
        if limited and rate.storage_url() != config["REDIS_URL"]:
            return None
        pipeline = redis_connection().pipeline(transaction=False)
        window = None
        if limited:
            caller = "token:" + hashlib.sha256(text.encode()).hexdigest()[:24]
            window = rate.queue(pipeline, caller, BLUEPRINT)
        signed_in.queue(pipeline, versions.COUNTER_KEY)
        pipeline.get(body_key)
        try:
            replies = pipeline.execute()
        except redis.RedisError:
            return None
        counted = rate.window_of(*window, replies[:3]) if window is not None else None
        if counted is not None:
            environ[rate.PRECOUNTED] = counted  # in case the full path answers after all
        epoch, counter, body = replies[-3], replies[-2], replies[-1]
        counter = counter.decode() if counter is not None else "0"
        epoch = epoch if epoch is not None else b"0"
        if epoch != found.epoch:
            return None
        # Still the remembered sign-in: the full path takes this round trip and stamp as read.
        environ[PREREAD] = (epoch, counter)
        environ[PREREAD_STAMP] = stamp
        if (
            (counted is not None and counted.count > counted.amount)
            or counter != catalogue.redis_version
            or body is None
        ):
            return None
        metrics.RANKINGS.labels("hit").inc()
        offered = environ.get("HTTP_X_REQUEST_ID", "")
        request_id = offered if WELL_FORMED_ID.fullmatch(offered) else uuid.uuid4().hex
        return body, counted, request_id

    def _stamp(self, token_hash: str, found, request_id: int) -> RequestStamp | None:
        """The stamp of the request if the remembered user may see it: one statement on a raw
        pooled connection."""
        engine = db.engine
        key = (token_hash, found.epoch, found.stored_at)
        prepared = self.statements.get(key)
        if prepared is None:
            prepared = _prepare(engine.dialect, User(**found.user_columns))
            with self.lock:
                if len(self.statements) >= 10_000:
                    self.statements.clear()
                self.statements[key] = prepared
        sql, binds, positional, readers = prepared
        values = {name: (convert(value) if convert else value) for name, (value, convert) in binds}
        values["fast_request_id"] = request_id
        parameters = [values[name] for name in positional] if positional else values
        connection = engine.raw_connection()
        try:
            driver = connection.driver_connection
            autocommit = getattr(driver, "autocommit", None) is False
            if autocommit:
                driver.autocommit = True  # one SELECT needs no transaction of its own
            try:
                cursor = connection.cursor()
                cursor.execute(sql, parameters)
                row = cursor.fetchone()
                cursor.close()
            finally:
                if autocommit:
                    driver.autocommit = False
        finally:
            connection.close()
        if row is None:
            return None
        return RequestStamp(*(read(v) if read else v for read, v in zip(readers, row, strict=True)))

    def _finish(self, environ, request_id: str, started) -> None:
        """Log and count the call as the full path does."""
        seconds = time.perf_counter() - started[0]
        cpu_seconds = time.thread_time() - started[1]
        metrics.observe_request(ENDPOINT, "GET", 200, seconds, cpu_seconds)
        path = environ.get("PATH_INFO", "")
        request_log.info(
            "%s %s %s",
            "GET",
            path,
            200,
            extra={
                "request_id": request_id,
                "method": "GET",
                "path": path,
                "endpoint": ENDPOINT,
                "status": 200,
                "duration_ms": round(seconds * 1000.0, 2),
                "cpu_ms": round(cpu_seconds * 1000.0, 2),
            },
        )


def _prepare(dialect, user: User) -> tuple:
    """The stamp statement for `user` compiled once: SQL, fixed binds, order, result readers."""
    statement = sa.select(*STAMP_COLUMNS).where(
        FinancingRequest.id == sa.bindparam("fast_request_id"), visible(FinancingRequest, user)
    )
    compiled = statement.compile(dialect=dialect)
    values = compiled.construct_params({"fast_request_id": 0})
    binds = tuple(
        (name, (value, compiled.binds[name].type.dialect_impl(dialect).bind_processor(dialect)))
        for name, value in values.items()
        if name != "fast_request_id"
    )
    positional = tuple(compiled.positiontup) if compiled.positional else ()
    readers = tuple(
        column.type.dialect_impl(dialect).result_processor(dialect, None)
        for column in STAMP_COLUMNS
    )
    return str(compiled), binds, positional, readers


def _english(environ, languages) -> bool:
    """Whether the call speaks English, as `finplatform.i18n.select_locale` chooses for the API."""
    accepted = parse_accept_header(environ.get("HTTP_ACCEPT_LANGUAGE"), LanguageAccept)
    chosen = accepted.best_match(languages) or languages[0]
    return chosen.split("_")[0].split("-")[0] == "en"


def _headers(template, length: int, request_id: str, window: rate.Window | None) -> list:
    figures = rate.header_values(window) if window is not None else {}
    headers = []
    for name, value in template:
        lowered = name.lower()
        if lowered not in _PER_CALL:
            headers.append((name, value))
        elif lowered == "content-length":
            headers.append((name, str(length)))
        elif lowered == REQUEST_ID_HEADER.lower():
            headers.append((name, request_id))
        elif lowered in figures:
            headers.append((name, figures[lowered]))
    return headers


def install(app: Flask) -> None:
    """Serve the match endpoint's ordinary cache hits in front of the app's dispatch."""
    app.wsgi_app = FastMatches(app, app.wsgi_app)
