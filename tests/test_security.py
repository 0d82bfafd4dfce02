"""The security baseline: production settings, CSP, login throttling, caching, error pages.

A few tests need views that the app does not have on purpose (one that fails, one reached by
a private token); they run under this module's own URLconf (`urlpatterns` below), which also
includes the whole app.
"""

from __future__ import annotations

import ast
import json
import os
import re
import secrets
import subprocess
import sys
from pathlib import Path
from uuid import UUID

import pytest
from django.conf import settings as django_settings
from django.contrib.auth.hashers import Argon2PasswordHasher
from django.contrib.auth.models import AnonymousUser
from django.core.exceptions import PermissionDenied
from django.http import HttpRequest, HttpResponse
from django.test import Client, RequestFactory
from django.urls import include, path, resolve, reverse
from django.views.decorators.cache import cache_control

from outsourcing.models import Membership
from outsourcing.security import client_ip_address, is_private_request
from outsourcing.tenancy import business_for

from .conftest import make_member
from .factories import PASSWORD, UserFactory

BASE_DIR = Path(__file__).resolve().parent.parent


# --- a URLconf with the views the app lacks on purpose ------------------------------------------


def _edit_view(request: HttpRequest, business_id: UUID) -> HttpResponse:
    business_for(request, business_id, write=True)
    return HttpResponse("edited")


def _denied_view(request: HttpRequest) -> HttpResponse:
    raise PermissionDenied("internal detail: rule 42 in tenancy")


def _broken_view(request: HttpRequest) -> HttpResponse:
    raise RuntimeError("internal detail: secret stack frame")


def _token_view(request: HttpRequest, token: str) -> HttpResponse:
    return HttpResponse("questionnaire")


@cache_control(max_age=60, private=True)
def _cached_view(request: HttpRequest) -> HttpResponse:
    return HttpResponse("cacheable")


urlpatterns = [
    path("test/b/<uuid:business_id>/edit/", _edit_view),
    path("test/denied/", _denied_view),
    path("test/broken/", _broken_view),
    path("test/ref/<str:token>/", _token_view),
    path("test/cached/", _cached_view),
    path("", include("outsourcing.urls")),
]

own_urls = pytest.mark.urls(__name__)


# --- production settings ------------------------------------------------------------------------


def production_env(**extra: str) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith(("DJANGO_", "PYTEST", "AXES_"))}
    env.update(
        DJANGO_SETTINGS_MODULE="outsourcing.settings",
        DJANGO_DEBUG="false",
        DJANGO_SECRET_KEY=secrets.token_urlsafe(50),
        DJANGO_ALLOWED_HOSTS="desk.example.com",
        DJANGO_CSRF_TRUSTED_ORIGINS="https://desk.example.com",
        DJANGO_SECURE_PROXY_SSL_HEADER="HTTP_X_FORWARDED_PROTO,https",
    )
    env.update(extra)
    return env


def run_manage(*args: str, env: dict[str, str]) -> subprocess.CompletedProcess[str]:
    return subprocess.run(  # noqa: S603 - fixed arguments, our own manage.py
        [sys.executable, "manage.py", *args],
        cwd=BASE_DIR,
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )


PRINT_SETTINGS = """
import ast
import json
from django.conf import settings as s
print(json.dumps({
    "DEBUG": s.DEBUG,
    "SECURE_SSL_REDIRECT": s.SECURE_SSL_REDIRECT,
    "SECURE_HSTS_SECONDS": s.SECURE_HSTS_SECONDS,
    "SECURE_HSTS_INCLUDE_SUBDOMAINS": s.SECURE_HSTS_INCLUDE_SUBDOMAINS,
    "SECURE_HSTS_PRELOAD": s.SECURE_HSTS_PRELOAD,
    "SECURE_PROXY_SSL_HEADER": s.SECURE_PROXY_SSL_HEADER,
    "SECURE_REFERRER_POLICY": s.SECURE_REFERRER_POLICY,
    "SECURE_CROSS_ORIGIN_OPENER_POLICY": s.SECURE_CROSS_ORIGIN_OPENER_POLICY,
    "SESSION_COOKIE_SECURE": s.SESSION_COOKIE_SECURE,
    "CSRF_COOKIE_SECURE": s.CSRF_COOKIE_SECURE,
    "SESSION_COOKIE_NAME": s.SESSION_COOKIE_NAME,
    "CSRF_COOKIE_NAME": s.CSRF_COOKIE_NAME,
    "PASSWORD_HASHERS": s.PASSWORD_HASHERS,
    "STATICFILES": s.STORAGES["staticfiles"]["BACKEND"],
}))
"""


def test_production_settings_pass_the_deploy_check():
    result = run_manage("check", "--deploy", "--fail-level", "WARNING", env=production_env())
    assert result.returncode == 0, result.stdout + result.stderr
    assert "no issues" in result.stdout


def test_the_deploy_check_does_fail_on_an_insecure_setting():
    """The check above is real: switching one protection off makes it fail."""
    env = production_env(DJANGO_SECURE_SSL_REDIRECT="false")
    result = run_manage("check", "--deploy", "--fail-level", "WARNING", env=env)
    assert result.returncode != 0
    assert "security.W008" in result.stdout + result.stderr


def test_production_settings_are_strict():
    result = run_manage("shell", "-c", PRINT_SETTINGS, env=production_env())
    assert result.returncode == 0, result.stderr
    values = json.loads(result.stdout.strip().splitlines()[-1])
    assert values["DEBUG"] is False
    assert values["SECURE_SSL_REDIRECT"] is True
    assert values["SECURE_HSTS_SECONDS"] >= 31_536_000
    assert values["SECURE_HSTS_INCLUDE_SUBDOMAINS"] is True
    assert values["SECURE_HSTS_PRELOAD"] is True
    assert values["SECURE_PROXY_SSL_HEADER"] == ["HTTP_X_FORWARDED_PROTO", "https"]
    assert values["SECURE_REFERRER_POLICY"] == "same-origin"
    assert values["SECURE_CROSS_ORIGIN_OPENER_POLICY"] == "same-origin"
    assert values["SESSION_COOKIE_SECURE"] is values["CSRF_COOKIE_SECURE"] is True
    assert values["SESSION_COOKIE_NAME"] == "__Host-sessionid"
    assert values["CSRF_COOKIE_NAME"] == "__Host-csrftoken"
    assert values["PASSWORD_HASHERS"][0] == "django.contrib.auth.hashers.Argon2PasswordHasher"
    assert values["STATICFILES"] == "whitenoise.storage.CompressedManifestStaticFilesStorage"


@pytest.mark.parametrize(
    "secret_key", [None, "dev-only-insecure-key-change-me-in-production-0123456789"]
)
def test_production_refuses_to_start_without_its_own_secret_key(secret_key):
    env = production_env()
    del env["DJANGO_SECRET_KEY"]
    if secret_key:
        env["DJANGO_SECRET_KEY"] = secret_key
    result = run_manage("check", env=env)
    assert result.returncode != 0
    assert "DJANGO_SECRET_KEY" in result.stderr


def test_argon2_is_the_hasher_for_new_passwords():
    import outsourcing.settings as project_settings  # the module, not pytest's fast override

    assert project_settings.PASSWORD_HASHERS[0].endswith("Argon2PasswordHasher")
    hasher = Argon2PasswordHasher()  # argon2-cffi is installed and works
    encoded = hasher.encode("a-long-pass-phrase-9", hasher.salt())
    assert encoded.startswith("argon2$argon2id$")
    assert hasher.verify("a-long-pass-phrase-9", encoded)


def test_development_keeps_plain_cookie_names():
    """`__Host-` cookies need HTTPS: `make run` on http://127.0.0.1 must still log in."""
    if not django_settings.SESSION_COOKIE_SECURE:
        assert django_settings.SESSION_COOKIE_NAME == "sessionid"
        assert django_settings.CSRF_COOKIE_NAME == "csrftoken"
    else:
        assert django_settings.SESSION_COOKIE_NAME.startswith("__Host-")


# --- Content Security Policy --------------------------------------------------------------------


def csp_directives(response: HttpResponse) -> dict[str, list[str]]:
    header = response["Content-Security-Policy"]
    directives: dict[str, list[str]] = {}
    for part in header.split(";"):
        name, *values = part.split()
        directives[name] = values
    return directives


@pytest.mark.django_db
@pytest.mark.parametrize("signed_in", [False, True])
def test_every_page_sends_a_strict_csp(client, owner, signed_in):
    if signed_in:
        client.force_login(owner.user)
        response = client.get(owner.business.get_absolute_url())
    else:
        response = client.get(reverse("login"))
    assert response.status_code == 200
    policy = csp_directives(response)
    assert policy["script-src"] == ["'self'"]
    assert policy["default-src"] == ["'self'"]
    assert policy["frame-ancestors"] == ["'none'"]
    assert policy["form-action"] == ["'self'"]
    assert policy["object-src"] == ["'none'"]
    assert policy["img-src"] == ["'self'", "data:"]
    assert "'unsafe-eval'" not in response["Content-Security-Policy"]


SCRIPT_TAG = re.compile(r"<script\b([^>]*)>", re.IGNORECASE)
INLINE_HANDLER = re.compile(r"\s(on[a-z]+|hx-on[:\w-]*)\s*=", re.IGNORECASE)
JS_URL = re.compile(r"""(href|src|action)\s*=\s*["']?\s*javascript:""", re.IGNORECASE)


def project_templates() -> list[Path]:
    folders = [BASE_DIR / "templates"] + [
        BASE_DIR / app / "templates" for app in ("outsourcing", "providers", "reviews")
    ]
    return sorted(p for folder in folders if folder.is_dir() for p in folder.rglob("*.html"))


def test_no_template_has_inline_javascript():
    """The CSP blocks inline JS, so it would silently not run: keep JS in static/js/*.js."""
    problems = []
    for template in project_templates():
        text = template.read_text(encoding="utf-8")
        name = template.relative_to(BASE_DIR)
        for match in SCRIPT_TAG.finditer(text):
            attrs = match.group(1)
            if "src=" not in attrs and "application/json" not in attrs:
                problems.append(f"{name}: inline <script> block")
        problems += [f"{name}: inline handler {m.group(1)}=" for m in INLINE_HANDLER.finditer(text)]
        problems += [f"{name}: javascript: URL" for _ in JS_URL.finditer(text)]
    assert project_templates(), "no templates found: the scan looks in the wrong place"
    assert not problems, "\n".join(problems)


# --- private pages are not cached ---------------------------------------------------------------


@pytest.mark.django_db
def test_a_private_page_is_not_stored(owner_client, owner):
    response = owner_client.get(owner.business.get_absolute_url())
    assert response.status_code == 200
    assert "no-store" in response["Cache-Control"]
    assert "private" in response["Cache-Control"]


@pytest.mark.django_db
def test_a_public_page_for_an_anonymous_visitor_is_left_alone(client):
    response = client.get(reverse("outsourcing:landing"))
    assert "no-store" not in response.get("Cache-Control", "")


@own_urls
@pytest.mark.django_db
def test_a_token_page_is_not_stored_even_without_a_login(client):
    response = client.get("/test/ref/abc123/")
    assert response.status_code == 200
    assert "no-store" in response["Cache-Control"]


@own_urls
@pytest.mark.django_db
def test_a_view_that_chose_its_own_caching_keeps_it(owner_client):
    response = owner_client.get("/test/cached/")
    assert response["Cache-Control"] == "max-age=60, private"


@pytest.mark.parametrize(
    "name, kwargs",
    [
        ("providers:reference-answer", {"token": "t0ken"}),
        ("reviews:calendar-feed", {"token": "t0ken"}),
        ("coach:invitation-accept", {"token": "t0ken"}),
        ("password_reset_confirm", {"uidb64": "MQ", "token": "t0ken"}),
    ],
)
def test_the_private_link_pages_are_recognised_as_token_pages(name, kwargs):
    """The no-store rule finds these pages by their URL argument named `token`."""
    request = RequestFactory().get(reverse(name, kwargs=kwargs))
    request.resolver_match = resolve(request.path_info)
    request.user = AnonymousUser()
    assert is_private_request(request)


# --- login throttling ---------------------------------------------------------------------------


def post_login(client: Client, username: str, password: str, ip: str = "10.0.0.1"):
    return client.post(
        reverse("login"), {"username": username, "password": password}, REMOTE_ADDR=ip
    )


@pytest.mark.django_db
def test_repeated_bad_passwords_lock_that_username_from_that_address(client, settings):
    user = UserFactory()
    limit = settings.AXES_FAILURE_LIMIT
    for _ in range(limit - 1):
        response = post_login(client, user.username, "wrong-password")
        assert response.status_code == 200
        assert "correct" in response.content.decode()  # the form's own error message

    response = post_login(client, user.username, "wrong-password")
    assert response.status_code == 429
    assert "429.html" in [t.name for t in response.templates]
    body = response.content.decode()
    assert "Too many failed log-ins" in body
    assert "15 minutes" in body
    assert reverse("password_reset") in body

    # Locked: even the right password is refused now, and nobody is logged in.
    response = post_login(client, user.username, PASSWORD)
    assert response.status_code == 429
    assert "_auth_user_id" not in client.session


@pytest.mark.django_db
def test_a_lockout_is_per_username_and_address(client, settings):
    victim, other = UserFactory(), UserFactory()
    for _ in range(settings.AXES_FAILURE_LIMIT):
        post_login(client, victim.username, "wrong-password")
    assert post_login(client, victim.username, PASSWORD).status_code == 429

    # The same account from another address, and another account from the same address: fine.
    assert post_login(Client(), victim.username, PASSWORD, ip="10.0.0.2").status_code == 302
    assert post_login(Client(), other.username, PASSWORD).status_code == 302


@pytest.mark.django_db
def test_changing_the_case_of_the_username_does_not_start_a_fresh_count(client, settings):
    user = UserFactory()
    variants = [user.username.upper(), user.username.title(), f" {user.username} "]
    for i in range(settings.AXES_FAILURE_LIMIT):
        post_login(client, variants[i % len(variants)], "wrong-password")
    assert post_login(client, user.username, PASSWORD).status_code == 429


@pytest.mark.django_db
def test_a_successful_login_clears_earlier_failures(client, settings):
    user = UserFactory()
    for _ in range(settings.AXES_FAILURE_LIMIT - 1):
        post_login(client, user.username, "wrong-password")
    assert post_login(client, user.username, PASSWORD).status_code == 302
    client.post(reverse("logout"))
    assert post_login(client, user.username, "wrong-password").status_code == 200


@pytest.mark.django_db
def test_test_client_login_and_signup_still_log_in(client):
    """Authentication without an HTTP request (client.login) and signup's explicit backend."""
    user = UserFactory()
    assert client.login(username=user.username, password=PASSWORD)
    assert not Client().login(username=user.username, password="wrong-password")
    response = Client().post(
        reverse("outsourcing:signup"),
        {
            "email": "new@example.com",
            "password1": "a-long-pass-phrase-9",
            "password2": "a-long-pass-phrase-9",
        },
    )
    assert response.status_code == 302


@pytest.mark.parametrize(
    "proxies, forwarded, expected",
    [
        (0, "6.6.6.6", "192.0.2.10"),  # no proxy: the header is ignored (it could be forged)
        (1, "6.6.6.6, 203.0.113.5", "203.0.113.5"),  # the proxy appended the real client
        (2, "203.0.113.5, 10.1.1.1", "203.0.113.5"),
        (2, "", "192.0.2.10"),  # too short: fall back to the direct peer
    ],
)
def test_the_throttled_address_ignores_forgeable_forwarded_entries(
    settings, proxies, forwarded, expected
):
    settings.TRUSTED_PROXY_COUNT = proxies
    request = RequestFactory().get("/", REMOTE_ADDR="192.0.2.10", HTTP_X_FORWARDED_FOR=forwarded)
    assert client_ip_address(request) == expected


# --- passwords ----------------------------------------------------------------------------------


@pytest.mark.django_db
def test_signup_refuses_a_short_password(client):
    response = client.post(
        reverse("outsourcing:signup"),
        {"email": "ann@example.com", "password1": "short-pw1", "password2": "short-pw1"},
    )
    assert response.status_code == 200
    assert "at least 12 characters" in response.content.decode()


# --- friendly error pages -----------------------------------------------------------------------


@pytest.fixture
def production_errors(settings):
    settings.DEBUG = False
    return settings


@pytest.mark.django_db
def test_404_page_is_friendly(client, production_errors):
    response = client.get("/no-such-page/")
    assert response.status_code == 404
    assert "404.html" in [t.name for t in response.templates]
    body = response.content.decode()
    assert "We could not find that page" in body
    assert "urlpatterns" not in body and "Traceback" not in body


@own_urls
@pytest.mark.django_db
def test_403_page_for_a_view_only_coach_is_friendly(client, owner, production_errors):
    coach = make_member(
        business=owner.business, role=Membership.Role.COACH, access=Membership.Access.VIEW
    )
    client.force_login(coach.user)
    response = client.get(f"/test/b/{owner.business.pk}/edit/")
    assert response.status_code == 403
    assert "403.html" in [t.name for t in response.templates]
    body = response.content.decode()
    assert "You cannot do that here" in body
    assert owner.business.name in body  # the header still shows where they are


@own_urls
@pytest.mark.django_db
def test_403_page_hides_the_reason(client, production_errors):
    response = client.get("/test/denied/")
    assert response.status_code == 403
    assert "rule 42" not in response.content.decode()


@own_urls
@pytest.mark.django_db
def test_500_page_is_friendly_and_hides_internals(production_errors):
    client = Client(raise_request_exception=False)
    response = client.get("/test/broken/")
    assert response.status_code == 500
    body = response.content.decode()
    assert "Something went wrong on our side" in body
    assert "secret stack frame" not in body and "Traceback" not in body


@pytest.mark.django_db
def test_a_stale_form_gets_a_friendly_csrf_page(owner, production_errors):
    client = Client(enforce_csrf_checks=True)
    client.force_login(owner.user)
    response = client.post(reverse("logout"))
    assert response.status_code == 403
    assert "403_csrf.html" in [t.name for t in response.templates]
    assert "That form had expired" in response.content.decode()


# --- configuration documentation ----------------------------------------------------------------


def settings_env_variables() -> set[str]:
    """Every variable name outsourcing/settings.py reads through django-environ's `env`."""
    tree = ast.parse((BASE_DIR / "outsourcing" / "settings.py").read_text(encoding="utf-8"))
    names = set()
    for node in ast.walk(tree):
        if not isinstance(node, ast.Call) or not node.args:
            continue
        func = node.func
        is_env = (isinstance(func, ast.Name) and func.id == "env") or (
            isinstance(func, ast.Attribute)
            and isinstance(func.value, ast.Name)
            and func.value.id == "env"
        )
        first = node.args[0]
        if is_env and isinstance(first, ast.Constant) and isinstance(first.value, str):
            names.add(first.value)
    return names


def test_env_example_lists_every_variable_the_settings_read():
    listed = set(
        re.findall(
            r"^#?\s*([A-Z][A-Z0-9_]*)=",
            (BASE_DIR / ".env.example").read_text(encoding="utf-8"),
            re.MULTILINE,
        )
    )
    read = settings_env_variables()
    assert {"DJANGO_DEBUG", "DJANGO_SECRET_KEY", "DATABASE_URL"} <= read
    assert not read - listed, f"add to .env.example: {sorted(read - listed)}"
