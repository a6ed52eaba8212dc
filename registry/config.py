"""Configuration: defaults here, then ``instance/config.py``, then ``REGISTRY_*`` environment variables."""

from __future__ import annotations

import os
import secrets
from pathlib import Path

#: Environment variables read into the configuration, with their target key.
ENV_KEYS = {
    "REGISTRY_DATABASE_URL": "SQLALCHEMY_DATABASE_URI",
    "REGISTRY_SECRET_KEY": "SECRET_KEY",
    "REGISTRY_AUDIT_KEY": "AUDIT_KEY",
    "REGISTRY_PAGE_SIZE": "PAGE_SIZE",
    "REGISTRY_EVIDENCE_DIR": "EVIDENCE_DIR",
    "REGISTRY_SMTP_HOST": "SMTP_HOST",
}


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
    SESSION_COOKIE_HTTPONLY = True
    SESSION_COOKIE_SAMESITE = "Lax"
    WTF_CSRF_TIME_LIMIT = None
    #: evidence files: folder (default instance/evidence) and size limit per file
    EVIDENCE_DIR: str | None = None
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


def load_config(app, test_config: dict | None = None) -> None:
    """Fill ``app.config`` in order: defaults, instance file, environment, test overrides."""
    app.config.from_object(Defaults)
    app.config.from_pyfile("config.py", silent=True)
    for env_key, config_key in ENV_KEYS.items():
        value = os.environ.get(env_key)
        if value:
            app.config[config_key] = int(value) if config_key == "PAGE_SIZE" else value
    if test_config:
        app.config.update(test_config)
    if not app.config.get("SECRET_KEY"):
        app.config["SECRET_KEY"] = _instance_secret(Path(app.instance_path) / "secret_key")
    if not app.config.get("AUDIT_KEY"):
        app.config["AUDIT_KEY"] = _instance_secret(Path(app.instance_path) / "audit_key")
    if not app.config.get("EVIDENCE_DIR"):
        app.config["EVIDENCE_DIR"] = str(Path(app.instance_path) / "evidence")
    if not app.config.get("SQLALCHEMY_DATABASE_URI"):
        db_path = Path(app.instance_path) / "registry.sqlite3"
        app.config["SQLALCHEMY_DATABASE_URI"] = f"sqlite:///{db_path}"
    app.config["SQLALCHEMY_DATABASE_URI"] = normalise_database_url(app.config["SQLALCHEMY_DATABASE_URI"])
    if app.config["SQLALCHEMY_DATABASE_URI"].startswith("sqlite"):
        options = dict(app.config.get("SQLALCHEMY_ENGINE_OPTIONS") or {})
        options.setdefault("connect_args", {}).setdefault("timeout", 15)
        app.config["SQLALCHEMY_ENGINE_OPTIONS"] = options


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
