"""The application factory: `create_app` is a short list of `register_*` steps.

Blueprints, the API and the command groups are imported inside the steps that register them,
so that importing any other module of the platform (`finplatform.credit_code`, a model, a
service) loads only what that module needs, not Flask's every page and scikit-learn.
"""

from __future__ import annotations

import copy
from pathlib import Path

from flask import Flask
from flask_limiter import Limiter
from flask_limiter.util import get_remote_address
from flask_talisman import Talisman
from werkzeug.middleware.proxy_fix import ProxyFix

from config import Config, config_from_env
from finplatform import (
    access,
    confirmations,
    errors,
    i18n,
    idle_ping,
    input_guard,
    labels,
    mail,
    money,
    search,
)
from finplatform.auth import sessions
from finplatform.extensions import babel, bootstrap, csrf, db, login_manager, migrate
from finplatform.routing import DatabaseIdConverter, PlatformRequest

MIGRATIONS_DIR = Path(__file__).resolve().parent.parent / "migrations"


def create_app(config: Config | str | None = None, **overrides) -> Flask:
    """Build the application from a configuration (object or name) plus explicit overrides."""
    if not isinstance(config, Config):
        config = config_from_env(config)
    if overrides:
        # Applied to a copy of the configuration first, so settings derived from others (the
        # engine options follow the database URL) agree with the overrides.
        config = copy.copy(config)
        for name, value in overrides.items():
            if not isinstance(getattr(type(config), name, None), property):
                setattr(config, name, value)
    app = Flask(
        "finplatform", instance_path=str(config.INSTANCE_DIR), instance_relative_config=False
    )
    app.config.from_object(config)
    app.config.update(overrides)
    trust_proxies(app)
    app.url_map.converters["int"] = DatabaseIdConverter
    app.request_class = PlatformRequest
    register_extensions(app)
    register_security_headers(app)
    register_blueprints(app)
    register_access_scopes(app)
    errors.register(app)
    input_guard.register(app)
    register_unit_of_work(app)
    money.register(app)
    confirmations.register(app)
    search.register(app)
    register_commands(app)
    register_operations(app)
    register_fast_paths(app)
    return app


def trust_proxies(app: Flask) -> None:
    """Behind TRUSTED_PROXIES proxies (the TLS proxy in front of gunicorn: 1), the client's
    address and scheme are the ones those proxies add to X-Forwarded-For/-Proto; with none,
    the headers are ignored, since anyone could send them."""
    hops = app.config.get("TRUSTED_PROXIES", 0)
    if hops:
        app.wsgi_app = ProxyFix(app.wsgi_app, x_for=hops, x_proto=hops)


def register_extensions(app: Flask) -> None:
    """Bind the unbound extension objects to this app."""
    db.init_app(app)
    with app.app_context():
        for engine in db.engines.values():
            idle_ping.install(engine, app.config["DATABASE_PING_IDLE_SECONDS"])
    from finplatform.credit import versions as credit_versions
    from finplatform.history import recording
    from finplatform.reports import fact_hooks

    recording.register()
    credit_versions.register()
    fact_hooks.register()
    migrate.init_app(app, db, directory=str(MIGRATIONS_DIR), render_as_batch=True)
    login_manager.init_app(app)
    access.configure_login(login_manager)
    sessions.register(app, login_manager)
    mail.register(app)
    csrf.init_app(app)
    babel.init_app(app, locale_selector=i18n.select_locale)
    i18n.register(app)
    labels.register(app)
    bootstrap.init_app(app)
    # One limiter per app: Flask-Limiter keeps its storage and switches on the instance, so a
    # module-level one would carry one app's settings into another.
    app.extensions["finplatform_limiter"] = Limiter(
        key_func=get_remote_address, app=app, default_limits=[]
    )


# Scripts only from the platform itself, never inline; the platform is never framed.
CONTENT_SECURITY_POLICY = {
    "default-src": "'self'",
    "script-src": "'self'",
    "style-src": ["'self'", "'unsafe-inline'"],
    "img-src": ["'self'", "data:"],
    "font-src": "'self'",
    "connect-src": "'self'",
    "object-src": "'none'",
    "base-uri": "'self'",
    "form-action": "'self'",
    "frame-ancestors": "'none'",
}


def register_security_headers(app: Flask) -> None:
    """CSP, frame, content-type and referrer headers; HSTS and Secure cookies in production."""
    production = app.config.get("ENV_NAME") == "production"
    Talisman(
        app,
        # TLS ends at the proxy in front of gunicorn; it redirects plain HTTP, not the app.
        force_https=False,
        strict_transport_security=production,
        session_cookie_secure=production,
        frame_options="DENY",
        content_security_policy=CONTENT_SECURITY_POLICY,
        referrer_policy="strict-origin-when-cross-origin",
    )


def register_blueprints(app: Flask) -> None:
    """Each feature's pages, and the API."""
    from finplatform import health
    from finplatform.admin.routes import bp as admin_bp
    from finplatform.api import consents as api_consents
    from finplatform.api import credit as api_credit
    from finplatform.api import deals as api_deals
    from finplatform.api import docs as api_docs
    from finplatform.api import documents as api_documents
    from finplatform.api import loans as api_loans
    from finplatform.api import products as api_products
    from finplatform.api import reference as api_reference
    from finplatform.api import reports as api_reports
    from finplatform.api.core import register_api
    from finplatform.auth import registration_routes, reset_routes
    from finplatform.auth.routes import bp as auth_bp
    from finplatform.credit.routes import bp as credit_bp
    from finplatform.deals.routes import bp as deals_bp
    from finplatform.documents.routes import bp as documents_bp
    from finplatform.enterprise.routes import bp as enterprise_bp
    from finplatform.imports.institution_routes import bp as repayment_imports_bp
    from finplatform.imports.routes import bp as imports_bp
    from finplatform.institution.routes import bp as institution_bp
    from finplatform.loans.routes import bp as loans_bp
    from finplatform.main.routes import bp as main_bp
    from finplatform.notifications.routes import bp as notifications_bp
    from finplatform.products.routes import bp as products_bp
    from finplatform.reports.routes import bp as reports_bp
    from finplatform.settings.routes import bp as settings_bp
    from finplatform.specialist.routes import bp as specialist_bp
    from finplatform.targets.routes import bp as targets_bp

    # The reset and registration pages are views of the auth blueprint, added when their
    # modules are imported.
    assert reset_routes.bp is auth_bp and registration_routes.bp is auth_bp
    for blueprint in (
        main_bp,
        auth_bp,
        enterprise_bp,
        institution_bp,
        loans_bp,
        specialist_bp,
        targets_bp,
        admin_bp,
        imports_bp,
        repayment_imports_bp,
        settings_bp,
        deals_bp,
        credit_bp,
        documents_bp,
        products_bp,
        notifications_bp,
        reports_bp,
        health.bp,
        api_docs.bp,
    ):
        app.register_blueprint(blueprint)
    register_api(
        app,
        [
            api_reference.bp,
            api_products.bp,
            api_deals.requests_bp,
            api_deals.applications_bp,
            api_documents.bp,
            api_documents.requests_bp,
            api_credit.bp,
            api_consents.consents_bp,
            api_consents.profiles_bp,
            api_loans.bp,
            api_loans.pool_bp,
            api_reports.bp,
        ],
    )


def register_access_scopes(app: Flask) -> None:
    """What features add to the records a user may see (`access` imports no feature)."""
    from finplatform.ranking import pool

    pool.register(app)


def register_commands(app: Flask) -> None:
    """The platform's `flask …` command groups (`flask seed` comes from `seeds`' entry point)."""
    from finplatform import cli, jobs
    from finplatform.credit import cli as credit_cli
    from finplatform.deals import cli as deals_cli
    from finplatform.loans import cli as loans_cli
    from finplatform.ranking import cli as ranking_cli
    from finplatform.reports import cli as reports_cli

    for module in (cli, jobs, credit_cli, deals_cli, loans_cli, ranking_cli, reports_cli):
        module.register(app)


def register_operations(app: Flask) -> None:
    """Request ids, JSON logs and /metrics; the blob store; the templates' cheaper helpers."""
    from finplatform import rendering
    from finplatform.observability import wiring as observability
    from finplatform.storage import wiring as storage

    observability.register(app)
    storage.register(app)
    rendering.register(app)


def register_fast_paths(app: Flask) -> None:
    """The match endpoint's ordinary cache hits, answered before Flask's dispatch (last: it
    wraps everything else)."""
    from finplatform.api import fast_matches

    fast_matches.install(app)


def register_unit_of_work(app: Flask) -> None:
    """Commit what a successful request changed; anything else is rolled back.

    A commit that fails because the database went away mid-request (its rows sent, the server
    gone before COMMIT) answers 503 like any other outage: the transaction is lost as a whole,
    and the caller may send the same request again.
    """

    @app.after_request
    def commit_unit_of_work(response):
        if response.status_code >= 400:
            errors.abandon_transaction()
            return response
        try:
            db.session.commit()
        except errors.DATABASE_GONE as error:
            return errors.database_unavailable(error)
        return response
