"""Every URL pattern in the project, requested by people who must not get in.

The test walks the whole URLconf (``django.urls.get_resolver()``, into every ``include``) and
makes one test per URL name. A URL name that no sample module knows about FAILS: when you add a
URL, add it to your app's ``tests/<app>/url_samples.py`` in the same commit.

The sample protocol
===================

Each of these modules may exist (the ones that do not are skipped)::

    tests/outsourcing/url_samples.py
    tests/providers/url_samples.py
    tests/reviews/url_samples.py
    tests/coach/url_samples.py

and exports three names:

``def samples(business) -> dict[str, dict]``
    For every **business-scoped** URL of the app (its pattern has ``<uuid:business_id>``):
    the namespaced URL name (``"outsourcing:task-detail"``) mapped to the kwargs that
    ``reverse()`` needs. Build the objects the kwargs point at **inside ``business``** (use
    the factories; keep every related row in the same business). ``business_id`` may be left
    out: the test fills it in. Object kwargs must point at rows that exist, because:

    * the business's own owner GETs the URL first and must not get a 404 (or a 5xx): a
      sample pointing at nothing would otherwise make the 404 checks below pass vacuously;
    * a logged-in owner of ANOTHER business GETs and POSTs (empty form) the URL: **404**
      (or 405 for a method the view never accepts, e.g. POST to a ``@require_GET`` view,
      provided a made-up business id gets the very same 405: it then reveals nothing);
    * that outsider also requests the same object kwargs under **their own** business id
      (when the URL has kwargs besides ``business_id``): **404**. This catches an object
      looked up by pk without scoping the queryset by business first. So kwargs other than
      ``business_id`` are taken to name objects of ``business``;
    * an anonymous visitor GETs and POSTs it: a redirect to the login page (so put
      ``@login_required`` outermost, above ``@require_http_methods``/``@require_POST``).

``PUBLIC: dict[str, dict]``
    URLs reached without an account by a token or other secret (reference-check answer link,
    iCal feed, invitation accept...): URL name → kwargs carrying a **bogus** token. Requested
    as anonymous (GET and POST), each must answer **4xx** (404, or a clear 400/410 page),
    never 2xx/3xx and never 5xx.

``GLOBAL: set[str]``
    URL names that are not business-scoped: landing, sign-up, home, business creation, the
    auth views, the coach portfolio. Anonymous GET of those without required kwargs must not
    answer 5xx. A GLOBAL name whose pattern has ``business_id`` fails the test.

``READ_ONLY: set[str]`` and ``VIEW_ONLY_POST_OK: set[str]`` (both optional)
    READ_ONLY: business-scoped URLs that never write (lists, details, print, export).
    VIEW_ONLY_POST_OK: business-scoped URLs a view-only coach may legitimately POST to
    (e.g. marking their own notification read).

The matrix (``test_url_matrix_for_coaches``) requests every business-scoped URL as a coach
of another business (not assigned here), as a coach whose access was revoked, and as a
view-only coach. The first two get 404 for GET and POST. The view-only coach's GET is never
404 or 5xx (403 is right for a form that only editors may open). The view-only coach's POST
must be refused with 403 (405 if the URL takes no POST) when the URL is a write action: a
URL its module does not list in READ_ONLY when the module defines READ_ONLY; otherwise one
whose GET the view-only coach is refused (403) or that takes only POST (405). A view-only
POST elsewhere must answer like its GET. After every request of the matrix no tenant row
has changed (a checksum over every table of the outsourcing, providers and reviews apps,
history included).

The Django admin (the ``admin`` namespace) is global by nature and needs no entry: the test
checks that a non-staff user is sent to the admin login page instead.

A name listed twice (in two modules, or in two of the three collections) fails, and so does a
listed name that no longer exists in the URLconf.
"""

from __future__ import annotations

import hashlib
import importlib
import uuid
from collections.abc import Iterator
from typing import Any

import pytest
from django.apps import apps
from django.conf import settings
from django.shortcuts import resolve_url
from django.urls import URLPattern, URLResolver, get_resolver, reverse
from django.urls.resolvers import RegexPattern, RoutePattern

from outsourcing.models import Membership

from .conftest import Member, make_member

SAMPLE_MODULES = [
    "tests.outsourcing.url_samples",
    "tests.providers.url_samples",
    "tests.reviews.url_samples",
    "tests.coach.url_samples",
]


def _params(pattern: Any) -> set[str]:
    """The keyword parameters one pattern segment captures (route or regex)."""
    if isinstance(pattern, RoutePattern):
        return set(pattern.converters)
    if isinstance(pattern, RegexPattern):
        named = set(pattern.regex.groupindex)
        positional = pattern.regex.groups - len(named)
        return named | {f"<positional {i}>" for i in range(positional)}
    return set()


def _walk(
    patterns: list[Any], namespace: str = "", params: frozenset[str] = frozenset()
) -> Iterator[tuple[str, frozenset[str], str]]:
    for entry in patterns:
        here = params | _params(entry.pattern)
        if isinstance(entry, URLResolver):
            ns = f"{namespace}{entry.namespace}:" if entry.namespace else namespace
            yield from _walk(entry.url_patterns, ns, frozenset(here))
        elif isinstance(entry, URLPattern):
            name = entry.name or f"<unnamed: {entry.pattern}>"
            yield f"{namespace}{name}", frozenset(here), str(entry.pattern)


def url_names() -> dict[str, frozenset[str]]:
    """Every named URL in the project → the parameters it captures (union over its patterns)."""
    found: dict[str, frozenset[str]] = {}
    for name, params, _route in _walk(get_resolver().url_patterns):
        found[name] = found.get(name, frozenset()) | params
    return found


def _modules() -> list[Any]:
    loaded = []
    for dotted in SAMPLE_MODULES:
        try:
            loaded.append(importlib.import_module(dotted))
        except ModuleNotFoundError as exc:
            if exc.name is None or not dotted.startswith(exc.name):
                raise
    return loaded


def _is_admin(name: str) -> bool:
    return name.startswith("admin:")


ALL_URLS = url_names()


def _login_url() -> str:
    return resolve_url(settings.LOGIN_URL)


def _assert_login_redirect(response: Any, what: str) -> None:
    assert response.status_code == 302, f"{what}: expected a login redirect, got {response}"
    assert response["Location"].startswith(_login_url()), (
        f"{what}: redirects to {response['Location']}, not the login page"
    )


def test_sample_modules_are_consistent():
    seen: dict[str, str] = {}
    for module in _modules():
        for label in ("PUBLIC", "GLOBAL"):
            assert hasattr(module, label), f"{module.__name__} must define {label}"
        assert callable(getattr(module, "samples", None)), f"{module.__name__}.samples missing"
        for name in [*module.PUBLIC, *module.GLOBAL]:
            assert name not in seen, f"{name} listed in {seen[name]} and {module.__name__}"
            seen[name] = module.__name__
            assert name in ALL_URLS, f"{module.__name__} lists {name}, which no URL is named"
        for name in module.GLOBAL:
            assert "business_id" not in ALL_URLS[name], f"{name} has business_id: not GLOBAL"


@pytest.mark.django_db
def test_business_samples_are_consistent(owner: Member):
    seen: dict[str, str] = {}
    static = {n for m in _modules() for n in [*m.PUBLIC, *m.GLOBAL]}
    for module in _modules():
        for name in module.samples(owner.business):
            assert name not in seen, f"{name} sampled by {seen[name]} and {module.__name__}"
            assert name not in static, f"{name} is both sampled and PUBLIC/GLOBAL"
            seen[name] = module.__name__
            assert name in ALL_URLS, f"{module.__name__} samples {name}, which no URL is named"
            assert "business_id" in ALL_URLS[name], f"{name} has no business_id: not a sample"


def _classify(name: str, business: Any) -> tuple[str, dict[str, Any]]:
    for module in _modules():
        if name in module.GLOBAL:
            return "global", {}
        if name in module.PUBLIC:
            return "public", dict(module.PUBLIC[name])
    for module in _modules():
        sampled = module.samples(business)
        if name in sampled:
            return "business", dict(sampled[name])
    return "missing", {}


@pytest.mark.django_db
@pytest.mark.parametrize("name", sorted(ALL_URLS))
def test_url_is_closed_to_other_tenants_and_anonymous(name: str, client: Any):
    params = ALL_URLS[name]
    if _is_admin(name):
        if params or "<unnamed" in name:
            return  # object pages of the admin: guarded by the same admin_view as the index
        user = make_member(role=Membership.Role.OWNER).user
        client.force_login(user)
        response = client.get(reverse(name))
        if name in ("admin:login", "admin:logout"):
            assert response.status_code < 500, f"{name}: answered {response}"
        else:
            _assert_login_redirect_admin(response, name)
        return

    assert "<unnamed" not in name, f"{name}: give every URL pattern a name"
    owner = make_member(role=Membership.Role.OWNER)
    kind, kwargs = _classify(name, owner.business)
    assert kind != "missing", (
        f"No sample for URL {name!r}: add it to tests/<app>/url_samples.py "
        "(samples(), PUBLIC or GLOBAL; see this module's docstring)."
    )

    if kind == "global":
        if not params:
            response = client.get(reverse(name))
            assert response.status_code < 500, f"{name}: anonymous GET answered {response}"
        return

    if kind == "public":
        url = reverse(name, kwargs=kwargs)
        for method in ("get", "post"):
            response = getattr(client, method)(url)
            assert 400 <= response.status_code < 500, (
                f"{name}: anonymous {method.upper()} with a bogus token answered {response}"
            )
        return

    kwargs.setdefault("business_id", owner.business.pk)
    url = reverse(name, kwargs=kwargs)

    client.force_login(owner.user)
    response = client.get(url)
    assert response.status_code != 404 and response.status_code < 500, (
        f"{name}: its own owner got {response} for {url}: the sample points at nothing"
    )
    client.logout()

    outsider = make_member(role=Membership.Role.OWNER)
    client.force_login(outsider.user)
    nowhere = reverse(name, kwargs={**kwargs, "business_id": uuid.uuid4()})
    for method in ("get", "post"):
        response = getattr(client, method)(url)
        assert _not_found(response, getattr(client, method)(nowhere)), (
            f"{name}: another business's owner {method.upper()} {url} answered {response}"
        )
    if set(kwargs) - {"business_id"}:
        swapped = reverse(name, kwargs={**kwargs, "business_id": outsider.business.pk})
        for method in ("get", "post"):
            response = getattr(client, method)(swapped)
            assert _not_found(response, getattr(client, method)(nowhere)), (
                f"{name}: another owner reached this business's object under their own "
                f"business id ({method.upper()} {swapped} answered {response}); scope the "
                "queryset by business before looking the object up"
            )
    client.logout()

    for method in ("get", "post"):
        _assert_login_redirect(getattr(client, method)(url), f"{name} anonymous {method}")


def _not_found(response: Any, nowhere: Any) -> bool:
    """404; or the 405 that a made-up business id gets too (the method is refused before
    any lookup, so the answer says nothing about the business)."""
    if response.status_code == 404:
        return True
    return response.status_code == 405 == nowhere.status_code


def _assert_login_redirect_admin(response: Any, name: str) -> None:
    assert response.status_code == 302, f"{name}: a non-staff user got {response}"
    assert response["Location"].startswith(reverse("admin:login")), (
        f"{name}: a non-staff user was sent to {response['Location']}"
    )


def test_the_walk_sees_included_patterns():
    assert "outsourcing:dashboard" in ALL_URLS
    assert "business_id" in ALL_URLS["outsourcing:dashboard"]
    assert "admin:index" in ALL_URLS
    assert "login" in ALL_URLS


def _tenant_checksum() -> str:
    """A checksum of every row of every table of the tenant apps (history tables included)."""
    digest = hashlib.sha256()
    for label in ("outsourcing", "providers", "reviews"):
        for model in sorted(apps.get_app_config(label).get_models(), key=lambda m: m.__name__):
            rows = model._default_manager.order_by("pk").values_list()
            digest.update(f"{model.__name__}:{list(rows)!r}".encode())
    return digest.hexdigest()


def _sampling_module(name: str, business: Any) -> Any:
    return next(m for m in _modules() if name in m.samples(business))


BUSINESS_URLS = sorted(n for n, params in ALL_URLS.items() if "business_id" in params)


@pytest.mark.django_db
@pytest.mark.parametrize("name", BUSINESS_URLS)
def test_url_matrix_for_coaches(name: str, client: Any):
    from outsourcing import coach_services

    owner = make_member(role=Membership.Role.OWNER)
    kind, kwargs = _classify(name, owner.business)
    if kind != "business":
        return  # reported by test_url_is_closed_to_other_tenants_and_anonymous
    module = _sampling_module(name, owner.business)
    kwargs.setdefault("business_id", owner.business.pk)
    url = reverse(name, kwargs=kwargs)

    unassigned = make_member(role=Membership.Role.COACH)  # a coach, of another business
    revoked = make_member(business=owner.business, role=Membership.Role.COACH)
    coach_services.membership_revoke(membership=revoked.membership, actor=owner.user)
    viewer = make_member(
        business=owner.business, role=Membership.Role.COACH, access=Membership.Access.VIEW
    )

    nowhere = reverse(name, kwargs={**kwargs, "business_id": uuid.uuid4()})
    before = _tenant_checksum()
    for who, user in (("an unassigned coach", unassigned.user), ("a revoked coach", revoked.user)):
        client.force_login(user)
        for method in ("get", "post"):
            response = getattr(client, method)(url)
            assert _not_found(response, getattr(client, method)(nowhere)), (
                f"{name}: {who} {method.upper()} {url} answered {response}"
            )
    assert _tenant_checksum() == before, f"{name}: a refused request changed tenant data"

    client.force_login(viewer.user)
    got = client.get(url)
    assert got.status_code != 404 and got.status_code < 500, (
        f"{name}: a view-only coach GET {url} answered {got}"
    )
    posted = client.post(url)
    assert _tenant_checksum() == before, f"{name}: a view-only coach's POST changed data"
    if name in getattr(module, "VIEW_ONLY_POST_OK", set()):
        return
    read_only = getattr(module, "READ_ONLY", None)
    # Without a READ_ONLY list, a write action is recognised by its GET being refused.
    write_action = name not in read_only if read_only is not None else got.status_code in (403, 405)
    if write_action:
        assert posted.status_code in (403, 405), (
            f"{name}: a view-only coach POST {url} answered {posted}: write views must use "
            "business_for(request, business_id, write=True)"
        )
    else:
        assert posted.status_code in (got.status_code, 403, 405), (
            f"{name}: a view-only coach POST {url} answered {posted} (its GET: {got})"
        )
