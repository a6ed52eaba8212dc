"""Security headers on every response (errors and the API included), ``?next=`` never leaves the site, no
inline scripts in templates, production refuses weak keys, and indicator values that make no sense."""

from __future__ import annotations

import re
from pathlib import Path
from urllib.parse import quote, urlsplit

import pytest

from registry import create_app
from registry.config import _instance_secret, check_production
from registry.web import CONTENT_SECURITY_POLICY
from tests.helpers import PASSWORD

TEMPLATES = Path(__file__).resolve().parent.parent / "registry" / "templates"


def assert_security_headers(response, *, cached_ok: bool = False) -> None:
    headers = response.headers
    csp = headers["Content-Security-Policy"]
    script_src = re.search(r"script-src ([^;]*)", csp).group(1)
    assert "'unsafe-inline'" not in script_src and "'unsafe-eval'" not in script_src
    assert "frame-ancestors 'none'" in csp and "object-src 'none'" in csp
    assert headers["X-Content-Type-Options"] == "nosniff"
    assert headers["Referrer-Policy"] == "same-origin"
    assert headers["X-Frame-Options"] == "DENY"
    if not cached_ok:
        assert "no-store" in headers["Cache-Control"], response.request.path


@pytest.fixture
def signed_in(world, login_as):
    return login_as(world.owner)


def test_headers_on_pages(client, signed_in, world):
    assert_security_headers(client.get("/login"))
    for path in ("/", "/tasks/", "/profile"):
        response = signed_in.get(path)
        assert response.status_code == 200
        assert_security_headers(response)


@pytest.mark.parametrize("path, status", [("/no-such-page", 404), ("/tasks/999999", 404),
                                          ("/tasks/queue", 403), ("/logout", 405)])
def test_headers_on_errors(signed_in, path, status):
    response = signed_in.get(path)
    assert response.status_code == status
    assert_security_headers(response)


def test_headers_on_a_server_error(app, signed_in, monkeypatch):
    def boom():
        raise RuntimeError("boom")

    monkeypatch.setitem(app.config, "PROPAGATE_EXCEPTIONS", False)
    monkeypatch.setitem(app.view_functions, "main.home", boom)
    response = signed_in.get("/")
    assert response.status_code == 500
    assert_security_headers(response)


def test_headers_on_sign_in_refusals(app, world, db):
    db.session.commit()
    client = app.test_client()
    assert_security_headers(client.post("/login", data={"username": "owner", "password": "sai-mat-khau-1"}))
    assert_security_headers(client.get("/"))  # the redirect to sign in


def test_headers_on_the_api(client, world, db):
    db.session.commit()
    for path in ("/api/v1/tasks", "/api/v1/me", "/api/v1/nothing-here"):
        response = client.get(path)
        assert response.status_code in (401, 404)
        assert_security_headers(response)
    from registry.services import tokens
    token = tokens.create_token(world.owner, "t")[1]
    db.session.commit()
    response = client.get("/api/v1/me", headers={"Authorization": f"Bearer {token}"})
    assert response.status_code == 200
    assert_security_headers(response)


def test_static_files_may_be_cached(client):
    response = client.get("/static/app.css")
    assert response.status_code == 200
    assert_security_headers(response, cached_ok=True)
    assert response.headers.get("Cache-Control") != "no-store"
    response.close()


def test_hsts_only_over_https(client):
    assert "Strict-Transport-Security" not in client.get("/login").headers
    secure = client.get("/login", base_url="https://localhost")
    assert secure.headers["Strict-Transport-Security"].startswith("max-age=")


def _app(app, **config):
    return create_app({"TESTING": True, "SECRET_KEY": "x", "AUDIT_KEY": "x", "WTF_CSRF_ENABLED": False,
                       "SQLALCHEMY_DATABASE_URI": app.config["SQLALCHEMY_DATABASE_URI"], **config})


def _dispose(other):
    with other.app_context():
        from registry.extensions import db
        db.session.remove()
        db.engine.dispose()  # its own pool: no connection left open for the garbage collector


def test_trusted_proxy_makes_https_and_client_address_known(app, caplog):
    forwarded = {"X-Forwarded-Proto": "https", "X-Forwarded-For": "203.0.113.99"}
    direct = _app(app)
    assert "Strict-Transport-Security" not in direct.test_client().get("/login", headers=forwarded).headers
    behind = _app(app, TRUSTED_PROXIES=1)
    assert "Strict-Transport-Security" in behind.test_client().get("/login", headers=forwarded).headers
    caplog.set_level("WARNING", logger="registry.auth")
    behind.test_client().post("/login", data={"username": "ai-do", "password": "sai-mat-khau-1"},
                              headers=forwarded, environ_base={"REMOTE_ADDR": "10.0.0.1"})
    direct.test_client().post("/login", data={"username": "ai-do", "password": "sai-mat-khau-1"},
                              headers=forwarded, environ_base={"REMOTE_ADDR": "10.0.0.2"})
    lines = [r.getMessage() for r in caplog.records if "sign-in failed" in r.getMessage()]
    assert any("address=203.0.113.99" in line for line in lines), lines  # the proxy's client
    assert any("address=10.0.0.2" in line for line in lines), lines  # an untrusted header is ignored
    _dispose(direct)
    _dispose(behind)


def test_csp_constant_forbids_inline_scripts():
    assert "script-src 'self';" in CONTENT_SECURITY_POLICY


def test_templates_have_no_inline_scripts_or_handlers():
    for path in TEMPLATES.rglob("*.html"):
        html = path.read_text()
        for tag in re.findall(r"<script\b[^>]*>", html):
            assert "src=" in tag, f"inline script in {path}"
        assert not re.search(r"\son[a-z]+\s*=", html), f"inline event handler in {path}"
        assert "javascript:" not in html.lower(), path


# -- ?next= ---------------------------------------------------------------------------------------------------

NEXT_VECTORS = [
    "//evil.example", "///evil.example", "////evil.example", "/\\evil.example", "\\\\evil.example",
    "\\/evil.example", "/\\/evil.example", "https:evil.example", "https://evil.example", "http:/evil.example",
    "https:\\\\evil.example", "//evil.example/%2F..", "javascript:alert(1)", "JaVaScRiPt:alert(1)",
    "data:text/html,<script>alert(1)</script>", "/\r\nLocation: https://evil.example", "/\r\n\r\n<h1>x</h1>",
    "/%0d%0aSet-Cookie:%20x=1", "/\t/evil.example", "\t//evil.example", " //evil.example", "/\n/evil.example",
    "/\x00/evil.example", "/\x0b/evil.example", "//evil.example@localhost", "http://localhost@evil.example",
    "//localhost.evil.example", "evil.example", "//%65vil.example", "\u2215\u2215evil.example",
    "/\u0085/evil.example", "https://evil.example\\@localhost", "//evil.example:443", "//[::1]", "http://[",
    "/\\\\evil.example", "%2F%2Fevil.example", "/.//evil.example?x=1",
]


def assert_stays(response) -> None:
    assert response.status_code < 500
    location = response.headers.get("Location")
    if response.status_code in (301, 302, 303, 307, 308):
        parts = urlsplit(location)
        assert parts.scheme in ("", "http") and parts.netloc in ("", "localhost"), location
        assert not location.startswith("//") and "\\" not in location, location
        assert "\r" not in location and "\n" not in location and "\t" not in location


def test_at_least_25_vectors():
    assert len(set(NEXT_VECTORS)) >= 25


@pytest.mark.parametrize("vector", NEXT_VECTORS)
def test_next_after_sign_in_stays_on_the_site(app, world, db, vector):
    db.session.commit()
    query = "next=" + quote(vector, safe="")
    get = app.test_client().get(f"/login?{query}")
    assert get.status_code == 200
    response = app.test_client().post(f"/login?{query}", data={"username": "owner", "password": PASSWORD})
    assert response.status_code == 302
    assert_stays(response)
    if vector.startswith("/") and "//" not in vector and "\\" not in vector and vector.isprintable():
        assert response.headers["Location"] != ""


@pytest.mark.parametrize("vector", NEXT_VECTORS)
def test_next_after_language_switch_stays_on_the_site(client, vector):
    assert_stays(client.post("/language/en", data={"next": vector}))
    assert_stays(client.post(f"/language/vi?next={quote(vector, safe='')}"))
    if vector.isprintable():  # the test client itself refuses control characters in a header
        assert_stays(client.post("/language/en", headers={"Referer": vector}))


def test_raw_encoded_crlf_gives_no_server_error(app, world, db):
    db.session.commit()
    for path in ("/login?next=%0d%0aSet-Cookie:x=1", "/login?next=/%0D%0ALocation:%20//evil.example"):
        assert app.test_client().get(path).status_code == 200
        assert_stays(app.test_client().post(path, data={"username": "owner", "password": PASSWORD}))
    assert_stays(app.test_client().post("/language/en?next=/%0d%0aX:1"))


def test_good_next_is_followed(app, world, db):
    db.session.commit()
    response = app.test_client().post("/login?next=/tasks/%3Fpage%3D2", data={"username": "owner",
                                                                              "password": PASSWORD})
    assert response.headers["Location"] == "/tasks/?page=2"


# -- production refuses weak configuration ------------------------------------------------------------------

GOOD = "k" * 20 + "Q7s9-x2LmP0aZb4c"


@pytest.mark.parametrize("change, problem", [
    ({"DEBUG": True}, "DEBUG"),
    ({"SECRET_KEY": None}, "SECRET_KEY is missing"),
    ({"SECRET_KEY": "short-secret"}, "SECRET_KEY is shorter"),
    ({"SECRET_KEY": "change-me-to-a-long-random-string"}, "SECRET_KEY is a published"),
    ({"AUDIT_KEY": ""}, "AUDIT_KEY is missing"),
    ({"AUDIT_KEY": "test-audit-key"}, "AUDIT_KEY is shorter"),
])
def test_production_refuses_weak_config(change, problem):
    config = {"SECRET_KEY": GOOD, "AUDIT_KEY": GOOD[::-1], **change}
    with pytest.raises(RuntimeError, match=problem):
        check_production(config)


def test_production_accepts_strong_and_generated_keys(tmp_path):
    check_production({"SECRET_KEY": GOOD, "AUDIT_KEY": GOOD[::-1]})
    generated = {"SECRET_KEY": _instance_secret(tmp_path / "secret_key"),
                 "AUDIT_KEY": _instance_secret(tmp_path / "audit_key")}
    check_production(generated)  # the keys `make run` makes in instance/ pass


def test_testing_and_development_are_exempt():
    check_production({"TESTING": True, "SECRET_KEY": "x", "AUDIT_KEY": "x"})
    check_production({"ENV": "development", "DEBUG": True, "SECRET_KEY": "x", "AUDIT_KEY": "x"})


def test_create_app_refuses_to_start(app, monkeypatch, tmp_path):
    with pytest.raises(RuntimeError, match="Refusing to start"):
        create_app({"SECRET_KEY": "short", "AUDIT_KEY": GOOD,
                    "SQLALCHEMY_DATABASE_URI": app.config["SQLALCHEMY_DATABASE_URI"]})
