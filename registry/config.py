"""Configuration: defaults here, then ``instance/config.py``, then ``REGISTRY_*`` environment variables."""

from __future__ import annotations

import os
import secrets
from datetime import timedelta
from pathlib import Path

#: Environment variables read into the configuration, with their target key.
ENV_KEYS = {
    "REGISTRY_DATABASE_URL": "SQLALCHEMY_DATABASE_URI",
    "REGISTRY_SECRET_KEY": "SECRET_KEY",
    "REGISTRY_AUDIT_KEY": "AUDIT_KEY",
    "REGISTRY_PAGE_SIZE": "PAGE_SIZE",
    "REGISTRY_EVIDENCE_DIR": "EVIDENCE_DIR",
    "REGISTRY_STORAGE_URL": "STORAGE_URL",
    "REGISTRY_S3_ENDPOINT_URL": "S3_ENDPOINT_URL",
    "REGISTRY_S3_REGION": "S3_REGION",
    "REGISTRY_S3_ACCESS_KEY_ID": "S3_ACCESS_KEY_ID",
    "REGISTRY_S3_SECRET_ACCESS_KEY": "S3_SECRET_ACCESS_KEY",
    "REGISTRY_SMTP_HOST": "SMTP_HOST",
    "REGISTRY_ENV": "ENV",
    "REGISTRY_HTTPS": "HTTPS",
    "REGISTRY_TRUSTED_PROXIES": "TRUSTED_PROXIES",
    "REGISTRY_SESSION_IDLE_MINUTES": "SESSION_IDLE_MINUTES",
    "REGISTRY_SESSION_MAX_HOURS": "SESSION_MAX_HOURS",
    "REGISTRY_JOBS": "JOBS_ENABLED",
    "REGISTRY_JOBS_URL": "JOBS_URL",
    "REGISTRY_JOBS_FILES": "JOBS_FILES",
    "REGISTRY_JOBS_WORKERS": "JOBS_WORKERS",
    "REGISTRY_JOBS_REMINDERS_CRON": "JOBS_REMINDERS_CRON",
    "REGISTRY_JOBS_SWEEP_CRON": "JOBS_SWEEP_CRON",
    "REGISTRY_JOBS_KEEP_DAYS": "JOBS_KEEP_DAYS",
    "REGISTRY_DB_POOL_SIZE": "DB_POOL_SIZE",
    "REGISTRY_REPORT_CACHE_SIZE": "REPORT_CACHE_SIZE",
    "REGISTRY_COUNTS_CACHE_SIZE": "COUNTS_CACHE_SIZE",
    "REGISTRY_PAGE_CACHE_SIZE": "PAGE_CACHE_SIZE",
}
#: keys read from the environment as whole numbers, and as yes/no flags
INT_KEYS = {"PAGE_SIZE", "TRUSTED_PROXIES", "SESSION_IDLE_MINUTES", "SESSION_MAX_HOURS", "JOBS_WORKERS",
            "DB_POOL_SIZE", "REPORT_CACHE_SIZE", "JOBS_KEEP_DAYS",
            "COUNTS_CACHE_SIZE", "PAGE_CACHE_SIZE"}
FLAG_KEYS = {"HTTPS", "JOBS_ENABLED"}

#: the shortest secret or audit key production accepts, and keys known from examples and tests
MIN_KEY_LENGTH = 32
KNOWN_KEYS = frozenset({
    "change-me-to-a-long-random-string", "change-me", "changeme", "secret", "secret-key", "dev", "development",
    "test", "x", "collect", "test-audit-key", "your-secret-key", "registry", "password",
})


class Defaults:
    SECRET_KEY: str | None = None  # from instance/config.py, REGISTRY_SECRET_KEY, or instance/secret_key
    #: key of the audit trail's HMACs, kept outside the database: REGISTRY_AUDIT_KEY or instance/audit_key
    AUDIT_KEY: str | None = None
    SQLALCHEMY_DATABASE_URI: str | None = None  # filled in with instance/registry.sqlite3
    SQLALCHEMY_ENGINE_OPTIONS: dict = {}
    BABEL_DEFAULT_LOCALE = "vi"
    BABEL_DEFAULT_TIMEZONE = "Asia/Ho_Chi_Minh"
    LANGUAGES = {"vi": "Tiếng Việt", "en": "English"}
    PAGE_SIZE = 25
    #: "production" (the default) refuses to start with DEBUG on or a weak key; "development" allows both
    ENV = "production"
    #: served over HTTPS: cookies are marked Secure and HSTS is sent
    HTTPS = False
    #: reverse proxies in front of the app whose X-Forwarded-For/-Proto/-Host are trusted (0: none)
    TRUSTED_PROXIES = 0
    SESSION_COOKIE_HTTPONLY = True
    SESSION_COOKIE_SAMESITE = "Lax"
    #: a signed-in session ends after this long without a request, and this long after signing in
    SESSION_IDLE_MINUTES = 30
    SESSION_MAX_HOURS = 12
    #: "keep me signed in": at most 14 days
    REMEMBER_COOKIE_DURATION = timedelta(days=14)
    REMEMBER_COOKIE_HTTPONLY = True
    REMEMBER_COOKIE_SAMESITE = "Lax"
    #: sign-in throttling: failures allowed per account and per client address within the window
    SIGNIN_MAX_FAILURES_ACCOUNT = 10
    SIGNIN_MAX_FAILURES_ADDRESS = 50
    SIGNIN_WINDOW_MINUTES = 15
    WTF_CSRF_TIME_LIMIT = None
    #: evidence files: folder (default instance/evidence) and size limit per file
    EVIDENCE_DIR: str | None = None
    #: where evidence is kept instead (registry/storage.py): file:///shared/folder or s3://bucket/prefix, with
    #: the S3 endpoint (non-AWS servers), region and credentials (else boto3's usual ones)
    STORAGE_URL: str | None = None
    S3_ENDPOINT_URL: str | None = None
    S3_REGION: str | None = None
    S3_ACCESS_KEY_ID: str | None = None
    S3_SECRET_ACCESS_KEY: str | None = None
    MAX_EVIDENCE_BYTES = 20 * 1024 * 1024
    #: a request may carry one evidence file plus the form
    MAX_CONTENT_LENGTH = 21 * 1024 * 1024
    #: e-mail for `flask remind`; no host means in-app notifications only
    SMTP_HOST: str | None = None
    SMTP_PORT = 25
    SMTP_SENDER = "registry@localhost"
    SMTP_USERNAME: str | None = None
    SMTP_PASSWORD: str | None = None
    SMTP_USE_TLS = False
    #: background jobs (huey): on by default, off under TESTING unless a test turns them on; the queue is a
    #: SQLite file in instance/ (None), or redis://…, postgresql://…, or memory:// (in-process, for tests)
    JOBS_ENABLED = True
    JOBS_URL: str | None = None
    #: the folder of the jobs' result files (default instance/jobs); consumer threads of `flask jobs worker`
    JOBS_FILES: str | None = None
    JOBS_WORKERS = 2
    #: what the worker does on its own, in Vietnam's time, as crontab fields "minute hour day month weekday"
    #: ("off" or empty: never; off under TESTING unless a test sets them): the reminders, once a day at most,
    #: and the sweep of the jobs' result files kept longer than JOBS_KEEP_DAYS days
    JOBS_REMINDERS_CRON: str | None = "0 7 * * *"
    JOBS_SWEEP_CRON: str | None = "30 2 * * *"
    JOBS_KEEP_DAYS = 7
    #: the dashboard's figures kept per process for the same reader, scope, day and trail position (the audit
    #: chain's last sequence number: every change of the data it counts writes an event); 0 switches it off
    REPORT_CACHE_SIZE = 64
    #: the header's attention count and the unit pickers kept per process and reader in the same way
    #: (registry/trail_cache.py); 0 switches it off
    COUNTS_CACHE_SIZE = 4096
    #: parts of pages kept rendered in the same way (a dossier's years, ~15 KB each; blueprints/common.kept_html)
    PAGE_CACHE_SIZE = 512
    #: PostgreSQL: connections each app process keeps (SQLAlchemy pool_size; max_overflow as many again)
    DB_POOL_SIZE = 10


def load_config(app, test_config: dict | None = None) -> None:
    """Fill ``app.config`` in order: defaults, instance file, environment, test overrides."""
    app.config.from_object(Defaults)
    app.config.from_pyfile("config.py", silent=True)
    for env_key, config_key in ENV_KEYS.items():
        value = os.environ.get(env_key)
        if value:
            if config_key in INT_KEYS:
                app.config[config_key] = int(value)
            elif config_key in FLAG_KEYS:
                app.config[config_key] = value.strip().lower() in ("1", "true", "yes", "on")
            else:
                app.config[config_key] = value
    if test_config:
        app.config.update(test_config)
    if app.config.get("HTTPS"):
        app.config["SESSION_COOKIE_SECURE"] = True
        app.config["REMEMBER_COOKIE_SECURE"] = True
    if app.config["REMEMBER_COOKIE_DURATION"] > timedelta(days=14):
        app.config["REMEMBER_COOKIE_DURATION"] = timedelta(days=14)
    if not app.config.get("SECRET_KEY"):
        app.config["SECRET_KEY"] = _instance_secret(Path(app.instance_path) / "secret_key")
    if not app.config.get("AUDIT_KEY"):
        app.config["AUDIT_KEY"] = _instance_secret(Path(app.instance_path) / "audit_key")
    if not app.config.get("EVIDENCE_DIR"):
        app.config["EVIDENCE_DIR"] = str(Path(app.instance_path) / "evidence")
    if app.config.get("TESTING") and "JOBS_ENABLED" not in (test_config or {}):
        app.config["JOBS_ENABLED"] = False  # tests take the synchronous paths unless they ask for the queue
    if app.config.get("TESTING"):
        for key in ("JOBS_REMINDERS_CRON", "JOBS_SWEEP_CRON"):
            if key not in (test_config or {}):
                app.config[key] = None  # no schedule in tests unless a test sets one
    if not app.config.get("JOBS_URL"):
        app.config["JOBS_URL"] = "memory://" if app.config.get("TESTING") else \
            f"sqlite:///{Path(app.instance_path) / 'jobs.sqlite3'}"
    if not app.config.get("JOBS_FILES"):
        app.config["JOBS_FILES"] = str(Path(app.instance_path) / "jobs")
    if not app.config.get("SQLALCHEMY_DATABASE_URI"):
        db_path = Path(app.instance_path) / "registry.sqlite3"
        app.config["SQLALCHEMY_DATABASE_URI"] = f"sqlite:///{db_path}"
    app.config["SQLALCHEMY_DATABASE_URI"] = normalise_database_url(app.config["SQLALCHEMY_DATABASE_URI"])
    if app.config["SQLALCHEMY_DATABASE_URI"].startswith("sqlite"):
        options = dict(app.config.get("SQLALCHEMY_ENGINE_OPTIONS") or {})
        options.setdefault("connect_args", {}).setdefault("timeout", 15)
        app.config["SQLALCHEMY_ENGINE_OPTIONS"] = options
    elif app.config["SQLALCHEMY_DATABASE_URI"].startswith("postgresql"):
        options = dict(app.config.get("SQLALCHEMY_ENGINE_OPTIONS") or {})
        pool = int(app.config.get("DB_POOL_SIZE") or 10)  # one connection per thread of a worker, and spares
        options.setdefault("pool_size", pool)
        options.setdefault("max_overflow", pool)
        options.setdefault("pool_pre_ping", True)
        # a list page joins the task to nine relations (year, people, units, field, the committee's scope): with
        # PostgreSQL's default of 8 the planner keeps the written join order and filters the scope last — 340 ms
        # for a province's queue at nation scale, 2 ms once it may reorder them
        options.setdefault("connect_args", {}).setdefault(
            "options", f"-c join_collapse_limit={PG_COLLAPSE_LIMIT} -c from_collapse_limit={PG_COLLAPSE_LIMIT}")
        app.config["SQLALCHEMY_ENGINE_OPTIONS"] = options
    check_production(app.config)


#: how many relations PostgreSQL's planner may reorder in one query (join_collapse_limit, from_collapse_limit)
PG_COLLAPSE_LIMIT = 12


def check_production(config) -> None:
    """Production (not TESTING, ENV not "development") refuses DEBUG and a missing, short or known key."""
    if config.get("TESTING") or config.get("ENV") == "development":
        return
    problems = []
    if config.get("DEBUG"):
        problems.append("DEBUG is on (set REGISTRY_ENV=development to debug)")
    for key in ("SECRET_KEY", "AUDIT_KEY"):
        value = config.get(key)
        if not value:
            problems.append(f"{key} is missing")
        elif len(str(value)) < MIN_KEY_LENGTH:
            problems.append(f"{key} is shorter than {MIN_KEY_LENGTH} characters")
        elif str(value).strip().lower() in KNOWN_KEYS:
            problems.append(f"{key} is a published example value")
    if problems:
        raise RuntimeError("Refusing to start in production: " + "; ".join(problems) + ".")


def _instance_secret(path: Path) -> str:
    """A random key made once and kept in a file of the instance folder (readable by the owner only)."""
    if not path.exists():
        path.parent.mkdir(parents=True, exist_ok=True)
        fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
        with os.fdopen(fd, "w") as handle:
            handle.write(secrets.token_urlsafe(48))
    return path.read_text().strip()


def normalise_database_url(url: str) -> str:
    """Use psycopg 3 for plain ``postgresql://`` URLs."""
    for prefix in ("postgres://", "postgresql://"):
        if url.startswith(prefix):
            return "postgresql+psycopg://" + url[len(prefix):]
    return url
