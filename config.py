"""Configuration classes, read from the environment.

Everything a deployer sets is an environment variable (see README, "Configuration"). Development
runs on embedded defaults: a SQLite file and a generated secret key, both kept in `instance/`.
Production refuses to start without `SECRET_KEY` and `DATABASE_URL`.
"""

from __future__ import annotations

import os
import secrets
from datetime import date
from pathlib import Path

BASE_DIR = Path(__file__).resolve().parent
DEFAULT_INSTANCE_DIR = BASE_DIR / "instance"


class ConfigError(RuntimeError):
    """A setting the chosen configuration needs is missing or wrong."""


def _env_int(name: str, default: int) -> int:
    raw = os.environ.get(name)
    if raw is None or raw == "":
        return default
    try:
        return int(raw)
    except ValueError as exc:
        raise ConfigError(f"{name} must be a whole number, got {raw!r}") from exc


def _env_date(name: str) -> date | None:
    raw = os.environ.get(name)
    if raw is None or raw == "":
        return None
    try:
        return date.fromisoformat(raw)
    except ValueError as exc:
        raise ConfigError(f"{name} must be a date like 2014-12-31, got {raw!r}") from exc


def normalise_database_url(url: str) -> str:
    """Accept the `postgres://` and `postgresql://` spellings and use the psycopg 3 driver."""
    for prefix in ("postgres://", "postgresql://"):
        if url.startswith(prefix):
            return "postgresql+psycopg://" + url[len(prefix) :]
    return url


def instance_secret_key(instance_dir: Path) -> str:
    """Return the development secret key kept in `instance/`, generating it on first use."""
    path = instance_dir / "secret_key"
    if path.exists():
        return path.read_text().strip()
    instance_dir.mkdir(parents=True, exist_ok=True)
    key = secrets.token_hex(32)
    # Written with owner-only permissions: the key signs sessions.
    fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    with os.fdopen(fd, "w") as handle:
        handle.write(key)
    return key


class Config:
    """Settings shared by every environment."""

    ENV_NAME = "base"
    SQLALCHEMY_DATABASE_URI: str | None = None
    BABEL_DEFAULT_LOCALE = "zh_Hans_CN"
    BABEL_DEFAULT_TIMEZONE = "Asia/Shanghai"
    LANGUAGES = ("zh_Hans_CN", "en")
    BOOTSTRAP_SERVE_LOCAL = True
    WTF_CSRF_TIME_LIMIT = None
    SESSION_COOKIE_HTTPONLY = True
    SESSION_COOKIE_SAMESITE = "Lax"
    REMEMBER_COOKIE_HTTPONLY = True
    REMEMBER_COOKIE_SAMESITE = "Lax"
    PAGE_SIZE = 20
    # werkzeug's scrypt defaults: n=2**15, r=8, p=1 (about 0.1 s per hash, by design).
    PASSWORD_HASH_METHOD = "scrypt"
    # Without Redis, rate limits are counted per process (see README, "Redis").
    RATELIMIT_STORAGE_URI = "memory://"
    RATELIMIT_HEADERS_ENABLED = True
    # If Redis goes away, limits fall back to per-process counting instead of failing requests.
    RATELIMIT_IN_MEMORY_FALLBACK_ENABLED = True
    RATELIMIT_SWALLOW_ERRORS = True
    # A pooled connection idle for longer is pinged before use (finplatform.idle_ping).
    DATABASE_PING_IDLE_SECONDS = 1.0

    def __init__(self) -> None:
        # The environment is read here, when a configuration is built, never at import.
        self.INSTANCE_DIR = Path(os.environ.get("FINPLATFORM_INSTANCE_DIR") or DEFAULT_INSTANCE_DIR)
        self.SECRET_KEY: str | None = os.environ.get("SECRET_KEY") or None
        self.REDIS_URL: str | None = os.environ.get("REDIS_URL") or None
        if self.REDIS_URL:
            self.RATELIMIT_STORAGE_URI = self.REDIS_URL
        self.MAX_CONTENT_LENGTH = _env_int("MAX_CONTENT_LENGTH", 16 * 1024 * 1024)
        self.RESPONSE_DEADLINE_WORKING_DAYS = _env_int("RESPONSE_DEADLINE_WORKING_DAYS", 3)
        # A demo or test instance shows its world as of this Beijing day (finplatform.clock).
        self.TODAY: date | None = _env_date("FINPLATFORM_TODAY")
        self.LOGIN_MAX_FAILURES = _env_int("LOGIN_MAX_FAILURES", 5)
        self.LOGIN_MAX_FAILURES_PER_ADDRESS = _env_int("LOGIN_MAX_FAILURES_PER_ADDRESS", 30)
        # Proxies in front of the app whose X-Forwarded-For/-Proto are believed (0: none).
        self.TRUSTED_PROXIES = _env_int("TRUSTED_PROXIES", 0)
        # Mail (finplatform/mail.py, Flask-Mail): the SMTP server and the sender.
        self.MAIL_SERVER = os.environ.get("MAIL_SERVER") or "localhost"
        self.MAIL_PORT = _env_int("MAIL_PORT", 25)
        self.MAIL_USE_TLS = os.environ.get("MAIL_USE_TLS", "").lower() in ("1", "true", "yes")
        self.MAIL_USE_SSL = os.environ.get("MAIL_USE_SSL", "").lower() in ("1", "true", "yes")
        self.MAIL_USERNAME = os.environ.get("MAIL_USERNAME") or None
        self.MAIL_PASSWORD = os.environ.get("MAIL_PASSWORD") or None
        self.MAIL_DEFAULT_SENDER = os.environ.get("MAIL_DEFAULT_SENDER") or "noreply@localhost"
        # With no SMTP server configured, messages are written as files here instead.
        self.MAIL_FILE_DIR: str | None = (
            None if os.environ.get("MAIL_SERVER") else str(self.INSTANCE_DIR / "mail")
        )
        # The address pages are reached at, for links in mail sent outside a request (jobs).
        self.PUBLIC_URL = os.environ.get("PUBLIC_URL") or "http://localhost:5000"
        # A password reset link works once, for this many seconds.
        self.PASSWORD_RESET_MAX_AGE = _env_int("PASSWORD_RESET_MAX_AGE", 3600)
        # A registration waits this many seconds for its owner to confirm it by e-mail; a
        # credit code already registered is answered with this contact (README, "Registration").
        self.REGISTRATION_MAX_AGE = _env_int("REGISTRATION_MAX_AGE", 2 * 24 * 3600)
        self.REGISTRATION_CONTACT = (
            os.environ.get("REGISTRATION_CONTACT") or self.MAIL_DEFAULT_SENDER
        )
        self.API_RATE_LIMIT = os.environ.get("API_RATE_LIMIT") or "600 per minute"
        self.API_MAX_BODY_BYTES = _env_int("API_MAX_BODY_BYTES", 1024 * 1024)
        # Largest document a firm may upload (pages and the API's upload alike).
        self.DOCUMENT_MAX_BYTES = _env_int("DOCUMENT_MAX_BYTES", 10 * 1024 * 1024)
        # A consent given with an application lasts this many days after its decision.
        self.CONSENT_DAYS_AFTER_DECISION = _env_int("CONSENT_DAYS_AFTER_DECISION", 30)
        # An API token's look-up is remembered per worker this long (README, "API"), and only
        # while no user, institution or token changed; at most this many tokens per worker.
        self.SIGNED_IN_CACHE_SECONDS = _env_int("SIGNED_IN_CACHE_SECONDS", 60)
        self.SIGNED_IN_CACHE_SIZE = _env_int("SIGNED_IN_CACHE_SIZE", 10000)
        url = os.environ.get("DATABASE_URL")
        if url:
            self.SQLALCHEMY_DATABASE_URI = normalise_database_url(url)
        self.MODEL_STORE = os.environ.get("MODEL_STORE") or str(self.INSTANCE_DIR / "models")
        # Ranking (README, "Matching"): ranked results cached in Redis this long; a worker's
        # prepared catalogue is checked against the database this often even when Redis says
        # nothing changed, and rebuilt at this age to take in new history.
        self.MATCH_CACHE_SECONDS = _env_int("MATCH_CACHE_SECONDS", 300)
        self.MATCH_CATALOGUE_RECHECK_SECONDS = _env_int("MATCH_CATALOGUE_RECHECK_SECONDS", 30)
        self.MATCH_CATALOGUE_MAX_AGE_SECONDS = _env_int("MATCH_CATALOGUE_MAX_AGE_SECONDS", 3600)
        # Operating (README, "Operating"): log shape and level, who may read /metrics.
        self.LOG_FORMAT = os.environ.get("LOG_FORMAT", "json").strip().lower()
        if self.LOG_FORMAT not in ("json", "text", ""):
            raise ConfigError(f"LOG_FORMAT must be json or text, got {self.LOG_FORMAT!r}")
        self.LOG_LEVEL = (os.environ.get("LOG_LEVEL") or "INFO").upper()
        self.METRICS_TOKEN = os.environ.get("METRICS_TOKEN") or None
        self.METRICS_ALLOWED_NETWORKS = os.environ.get("METRICS_ALLOWED_NETWORKS", "")
        # Blob storage (README, "Blob storage"): model artifacts and uploaded documents.
        self.STORAGE_BACKEND = os.environ.get("STORAGE_BACKEND") or "database"
        self.STORAGE_S3_BUCKET = os.environ.get("STORAGE_S3_BUCKET") or None
        self.STORAGE_S3_PREFIX = os.environ.get("STORAGE_S3_PREFIX", "")
        self.STORAGE_S3_ENDPOINT_URL = os.environ.get("STORAGE_S3_ENDPOINT_URL") or None
        self.STORAGE_S3_REGION = os.environ.get("STORAGE_S3_REGION") or None

    @property
    def SQLALCHEMY_ENGINE_OPTIONS(self) -> dict:
        """Engine options for the configured database.

        PostgreSQL's JIT compiler is off for the platform's connections: it pays off only for
        queries that run for seconds, while the planner's cost estimate for a page query with
        correlated subqueries (the demand pool's) passes its threshold and the compile then
        takes longer than the query itself (measured: 3 s of compiling for a 50 ms query).
        So are parallel plans: the platform's concurrency comes from many requests at once,
        and starting worker processes for one page's query cost the demand pool 10 ms before
        its first row while the monthly report ran no faster with them (2 cores).
        Connections are pinged only after sitting idle (`finplatform.idle_ping`), not on every
        checkout as `pool_pre_ping` would.
        """
        options: dict = {}
        if (self.SQLALCHEMY_DATABASE_URI or "").startswith("postgresql"):
            options["connect_args"] = {"options": "-c jit=off -c max_parallel_workers_per_gather=0"}
        return options

    def check(self) -> None:
        """Raise ConfigError when this configuration cannot run."""


class DevelopmentConfig(Config):
    """Embedded defaults: SQLite in instance/, no Redis needed, a generated secret key."""

    ENV_NAME = "development"

    def __init__(self) -> None:
        super().__init__()
        if not self.SQLALCHEMY_DATABASE_URI:
            self.SQLALCHEMY_DATABASE_URI = f"sqlite:///{self.INSTANCE_DIR / 'finplatform.db'}"
        if not self.SECRET_KEY:
            self.SECRET_KEY = instance_secret_key(self.INSTANCE_DIR)


class TestingConfig(Config):
    """For the test suite: the database comes from TEST_DATABASE_URL or an override."""

    ENV_NAME = "testing"
    TESTING = True
    WTF_CSRF_ENABLED = False
    RATELIMIT_ENABLED = False
    # Same algorithm, lighter cost parameters, so that the suite signs in quickly.
    PASSWORD_HASH_METHOD = "scrypt:1024:8:1"
    # Jobs a page starts run inline, not in a thread racing the test (tests that watch a
    # job's progress turn threads on).
    JOBS_IN_THREADS = False

    def __init__(self) -> None:
        super().__init__()
        self.SECRET_KEY = "testing-secret-key"
        # Mail goes to the SMTP server (suppressed unless a test starts a local one).
        self.MAIL_FILE_DIR = None
        # pytest captures log records itself; no handler of our own on its streams.
        self.LOG_FORMAT = ""
        url = os.environ.get("TEST_DATABASE_URL")
        self.SQLALCHEMY_DATABASE_URI = normalise_database_url(url) if url else "sqlite://"
        self.REDIS_URL = os.environ.get("TEST_REDIS_URL") or None
        self.RATELIMIT_STORAGE_URI = self.REDIS_URL or "memory://"


class ProductionConfig(Config):
    """Production: every secret and server comes from the environment."""

    ENV_NAME = "production"
    SESSION_COOKIE_SECURE = True
    REMEMBER_COOKIE_SECURE = True
    PREFERRED_URL_SCHEME = "https"

    def check(self) -> None:
        """Refuse to start without a secret key or a database."""
        missing = [
            name
            for name, value in (
                ("SECRET_KEY", self.SECRET_KEY),
                ("DATABASE_URL", self.SQLALCHEMY_DATABASE_URI),
            )
            if not value
        ]
        if missing:
            raise ConfigError(
                "production configuration needs the environment variable(s) "
                + ", ".join(missing)
                + " (see README, Configuration)"
            )


CONFIGS = {
    "development": DevelopmentConfig,
    "testing": TestingConfig,
    "production": ProductionConfig,
}


def config_from_env(name: str | None = None) -> Config:
    """Build the configuration named by `name` or FINPLATFORM_ENV (default: development)."""
    name = name or os.environ.get("FINPLATFORM_ENV", "development")
    try:
        config_class = CONFIGS[name]
    except KeyError as exc:
        choices = ", ".join(CONFIGS)
        raise ConfigError(f"FINPLATFORM_ENV={name!r} is not one of: {choices}") from exc
    config = config_class()
    config.check()
    return config
