"""Security plumbing that settings.py names: the private-page cache rule and the login throttle.

Headers (CSP, HSTS, cookies) are configured in settings.py; this module holds only the code.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from axes.backends import AxesStandaloneBackend
from axes.helpers import get_client_username, get_cool_off, get_failure_limit
from django.conf import settings
from django.http import HttpRequest, HttpResponse, HttpResponseBase
from django.shortcuts import render
from django.utils.cache import add_never_cache_headers

# URL keyword arguments that mark a page reached by a private link (reference questionnaires,
# calendar feeds): whoever holds the link sees the page, so no cache may keep a copy.
TOKEN_URL_KWARGS = frozenset({"token"})


def is_private_request(request: HttpRequest) -> bool:
    """True for a signed-in user's request and for any page reached through a private token."""
    match = getattr(request, "resolver_match", None)
    if match is not None and TOKEN_URL_KWARGS & match.kwargs.keys():
        return True
    user = getattr(request, "user", None)
    return bool(user is not None and user.is_authenticated)


class PrivatePagesNoStoreMiddleware:
    """Send `Cache-Control: no-store` (plus the usual never-cache headers) on private responses.

    A browser's back button, a shared computer or a proxy must not keep a copy of a page that
    shows a business's data. A view that chose its own Cache-Control keeps it.
    """

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponseBase]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponseBase:
        response = self.get_response(request)
        if not response.has_header("Cache-Control") and is_private_request(request):
            add_never_cache_headers(response)
        return response


class LoginThrottleBackend(AxesStandaloneBackend):
    """django-axes' lockout check, for every login that comes with an HTTP request.

    Every way in from the web (the login page, the admin login) passes the request, so each
    of them is throttled. A call without one (a management command, the test client's
    `login()`) has no client to count attempts for, so the lockout check is skipped instead of
    raising; the password is still checked by ModelBackend, which follows in
    AUTHENTICATION_BACKENDS.
    """

    def authenticate(
        self,
        request: HttpRequest | None,
        username: str | None = None,
        password: str | None = None,
        **kwargs: Any,
    ) -> None:
        if request is None:
            return None
        return super().authenticate(request, username=username, password=password, **kwargs)


def client_ip_address(request: HttpRequest) -> str | None:
    """The client address that django-axes counts failed logins against.

    Without proxies it is REMOTE_ADDR. Behind `TRUSTED_PROXY_COUNT` proxies that each append the
    address they received from to X-Forwarded-For, it is the N-th entry from the right: the
    entries further left were written by the client and can be forged.
    """
    proxies: int = getattr(settings, "TRUSTED_PROXY_COUNT", 0)
    remote = request.META.get("REMOTE_ADDR")
    if proxies <= 0:
        return remote
    forwarded = [a.strip() for a in request.META.get("HTTP_X_FORWARDED_FOR", "").split(",")]
    forwarded = [a for a in forwarded if a]
    if len(forwarded) < proxies:
        return remote
    return forwarded[-proxies]


def lockout_response(
    request: HttpRequest,
    original_response: HttpResponseBase | None = None,
    credentials: dict[str, Any] | None = None,
) -> HttpResponse:
    """django-axes' answer to a locked-out login: a friendly page, status 429."""
    cool_off = get_cool_off(request)
    context = {
        "failure_limit": get_failure_limit(request, credentials),
        "username": get_client_username(request, credentials) or "",
        "cooloff_minutes": max(1, round(cool_off.total_seconds() / 60)) if cool_off else None,
    }
    return render(request, "429.html", context, status=429)


def throttled_username(request: HttpRequest, credentials: dict[str, Any] | None = None) -> str:
    """The username django-axes counts failures for, trimmed and lower-cased.

    Usernames are e-mail addresses: "Ann@Example.com " and "ann@example.com" are one account
    to a person, so they must share one failure count (else changing the case of one letter
    would start a fresh count).
    """
    field: str = getattr(settings, "AXES_USERNAME_FORM_FIELD", "username")
    source = credentials or getattr(request, "POST", {})
    return str(source.get(field) or "").strip().lower()
