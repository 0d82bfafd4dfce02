"""Bad input: every form of every business page, filled with arbitrary values (hypothesis).

The URLs come from the same walk as tests/test_url_tenancy.py (every business-scoped URL
name, with the kwargs the apps' ``tests/<app>/url_samples.py`` build). For each URL the
business's owner GETs the page, and every ``<form method="post">`` on it whose action is a
URL of this business is parsed with the stdlib's html.parser. Its fields are then filled
with text, numbers (NaN, Infinity, -1e30, 400-digit integers), dates (2026-02-30...),
unicode (NUL, RTL marks, emoji, 100,000-character strings), files of random bytes and a few
made-up extra fields, and posted:

* as the owner (the right user): never a 5xx, and no row of ANOTHER business changes;
* as the owner of the other business (the wrong user): 404 (or 405), never a 5xx, and
  neither business changes.

A URL whose GET shows no form (POST-only actions) is posted with made-up fields only.
Every example runs inside a savepoint that is rolled back, so each starts from the same
rows. The "other business" is seeded with a row in every table.

Size: ``FUZZ_EXAMPLES`` examples per form (default 12; e.g. ``FUZZ_EXAMPLES=200`` for a
deep local run) and ``FUZZ_BUDGET_SECONDS`` per test process (default 150): past the budget
the remaining forms get 2 examples each, so every form is still posted.
"""

from __future__ import annotations

import hashlib
import os
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from html.parser import HTMLParser
from typing import Any
from urllib.parse import urljoin, urlsplit

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.db import connection, transaction
from django.test import Client
from django.urls import Resolver404, resolve, reverse
from hypothesis import HealthCheck, example, given, settings
from hypothesis import strategies as st

from outsourcing import portability
from outsourcing.models import Business, Membership
from tests.conftest import make_member
from tests.outsourcing.test_portability import seed_everything
from tests.test_url_tenancy import ALL_URLS, _classify

EXAMPLES = int(os.environ.get("FUZZ_EXAMPLES", "12"))
BUDGET_SECONDS = float(os.environ.get("FUZZ_BUDGET_SECONDS", "150"))
IN_CI = os.environ.get("CI", "").lower() == "true"

settings.register_profile(
    "fuzz",
    deadline=None,
    database=None,  # no .hypothesis/ folder in the tree; a failure prints its example
    derandomize=IN_CI,  # CI runs the same examples every time
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large],
    print_blob=True,
)
FUZZ = settings.get_profile("fuzz")

# 500s found by this test in another helper's unfinished area: URL name → what fails. Strict:
# once fixed the xfail itself fails, so the entry is removed with the fix.
KNOWN_500: dict[str, str] = {}

BUSINESS_URLS = [
    pytest.param(name, marks=pytest.mark.xfail(strict=True, reason=KNOWN_500[name]))
    if name in KNOWN_500
    else name
    for name in sorted(n for n, params in ALL_URLS.items() if "business_id" in params)
]

_started = time.monotonic()
_fuzzed: set[tuple[str, tuple[str, ...]]] = set()  # (action URL name, field names) done here


# --- Parsing the forms ----------------------------------------------------------------------


@dataclass
class Field:
    name: str
    kind: str  # input type, "select", "textarea" or "submit"
    default: str | None = None
    options: list[str] = field(default_factory=list)
    multiple: bool = False


@dataclass
class Form:
    action: str
    multipart: bool
    fields: dict[str, Field] = field(default_factory=dict)


class FormParser(HTMLParser):
    """The POST forms of a page: their action and named fields (with options and defaults)."""

    def __init__(self, page_url: str) -> None:
        super().__init__(convert_charrefs=True)
        self.page_url = page_url
        self.forms: list[Form] = []
        self._form: Form | None = None
        self._select: Field | None = None
        self._option: str | None = None
        self._option_text = ""
        self._textarea: Field | None = None

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        a = {k: v or "" for k, v in attrs}
        if tag == "form":
            if a.get("method", "get").lower() == "post":
                action = urljoin(self.page_url, a.get("action") or self.page_url)
                multipart = a.get("enctype", "") == "multipart/form-data"
                self._form = Form(action=action, multipart=multipart)
                self.forms.append(self._form)
            return
        form = self._form
        if form is None or (not a.get("name") and tag != "option"):
            return
        name = a.get("name", "")
        if tag == "input":
            kind = a.get("type", "text").lower()
            if kind in ("checkbox", "radio") and name in form.fields:
                form.fields[name].options.append(a.get("value", "on"))
                return
            spec = Field(name, kind, a.get("value"))
            if kind in ("checkbox", "radio"):
                spec.options.append(a.get("value", "on"))
                spec.default = a.get("value", "on") if "checked" in a else None
            form.fields.setdefault(name, spec)
        elif tag == "button" and a.get("type", "submit") == "submit":
            spec = form.fields.setdefault(name, Field(name, "submit"))
            spec.options.append(a.get("value", ""))
        elif tag == "select":
            self._select = Field(name, "select", multiple="multiple" in a)
            form.fields.setdefault(name, self._select)
        elif tag == "textarea":
            self._textarea = Field(name, "textarea", "")
            form.fields.setdefault(name, self._textarea)
        elif tag == "option" and self._select is not None:
            self._option = a.get("value")
            self._option_text = ""
            if "selected" in a:
                self._select.default = self._option

    def handle_data(self, data: str) -> None:
        if self._option is None and self._select is not None:
            self._option_text += data
        if self._textarea is not None:
            self._textarea.default = (self._textarea.default or "") + data

    def handle_endtag(self, tag: str) -> None:
        if tag == "form":
            self._form = None
        elif tag == "select":
            self._select = None
        elif tag == "textarea":
            self._textarea = None
        elif tag == "option" and self._select is not None:
            value = self._option if self._option is not None else self._option_text.strip()
            self._select.options.append(value)
            self._option = None


# --- What to type in ------------------------------------------------------------------------

NUMBERS = st.one_of(
    st.sampled_from(
        [
            "NaN",
            "nan",
            "-NaN",
            "Infinity",
            "-Infinity",
            "inf",
            "-1e30",
            "1e30",
            "1e309",
            "1e-30",
            "-0",
            "-1",
            "0",
            "0.005",
            "1,000",
            " 12 ",
            "12e",
            "0x1F",
            "1_000",
            "١٢٣",
            "9" * 400,
            "-" + "9" * 400,
            "1." + "0" * 300 + "1",
        ]
    ),
    st.integers().map(str),
    st.integers(min_value=-(10**60), max_value=10**60).map(str),
    st.floats(allow_nan=True, allow_infinity=True).map(repr),
    st.decimals(allow_nan=True, allow_infinity=True).map(str),
)
DATES = st.one_of(
    st.sampled_from(
        [
            "2026-02-30",
            "2026-02-29",
            "2024-02-29",
            "2026-13-01",
            "2026-00-10",
            "0000-00-00",
            "0001-01-01",
            "9999-12-31",
            "10000-01-01",
            "31/12/2026",
            "12/31/2026",
            "2026-1-1",
            "today",
            "2026-03-29T02:30",
            "2026-11-01 01:30:00",
            "-2026-01-01",
        ]
    ),
    st.dates().map(lambda d: d.isoformat()),
    st.datetimes().map(lambda d: d.isoformat()),
)
UNICODE = st.one_of(
    st.sampled_from(
        [
            "\x00",
            "a\x00b",
            "\u202eevil\u202c",
            "\u200f\u200e",
            "😀" * 40,
            "🏳️‍🌈👩‍👩‍👧‍👦",
            "x" * 100_000,
            "\ufeff",
            "\r\n\t",
            "   ",
            "<script>alert(1)</script>",
            "' OR 1=1 --",
            "=cmd|'/c calc'!A1",
            "%s%s%n{0}{}",
            "../../etc/passwd",
            "\u03a9\u2248\u00e7\u221a\u222b\u02dc\u00b5",  # math-ish letters
            "\uff21\uff22\uff23\uff11\uff12\uff13",  # full-width letters and digits
            "\u0301\u0301\u0301",
        ]
    ),
    st.text(alphabet=st.characters(exclude_categories=("Cs",)), max_size=300),
)
TEXT = st.text(max_size=60)
ANY_VALUE = st.one_of(TEXT, NUMBERS, DATES, UNICODE)


def _value(spec: Field) -> st.SearchStrategy[Any]:
    """Anything at all, often something plausible (so valid paths run too); None = absent."""
    plausible: list[st.SearchStrategy[Any]] = [st.none()]
    if spec.default is not None:
        plausible.append(st.just(spec.default))
    if spec.options:
        plausible.append(st.sampled_from(spec.options))
    if spec.kind == "file":
        return st.one_of(
            st.none(),
            st.binary(max_size=2000).map(lambda b: SimpleUploadedFile("upload.csv", b)),
            st.text(max_size=2000).map(
                lambda t: SimpleUploadedFile("upload.csv", t.encode("utf-8", "surrogatepass"))
            ),
        )
    if spec.multiple:
        return st.one_of(st.none(), st.lists(st.one_of(*plausible[1:], ANY_VALUE), max_size=4))
    return st.one_of(*plausible, ANY_VALUE)


EXTRA_FIELDS = st.dictionaries(st.text(min_size=1, max_size=12), ANY_VALUE, max_size=3)


def _payload(fields: dict[str, Field]) -> st.SearchStrategy[dict[str, Any]]:
    drawn = st.fixed_dictionaries({name: _value(spec) for name, spec in fields.items()})
    return st.tuples(drawn, EXTRA_FIELDS).map(
        lambda pair: {
            **{k: v for k, v in pair[1].items() if k not in fields},
            **{k: v for k, v in pair[0].items() if v is not None},
        }
    )


CHOICE_KINDS = {"select", "checkbox", "radio"}
BAD_BY_KIND = {"number": "1e309", "date": "2026-02-30", "datetime-local": "2026-02-30T25:61"}


def edge_examples(fields: dict[str, Field]) -> list[dict[str, Any]]:
    """Always posted, whatever hypothesis draws: the page's own values (the valid path); every
    choice an id past 64 bits (2**63, as a crafted POST could send); every other typed field
    invalid (1e309, 2026-02-30, a NUL byte)."""

    def base() -> dict[str, Any]:
        return {
            name: spec.default if spec.default is not None else (spec.options or [""])[0]
            for name, spec in fields.items()
            if spec.kind not in ("file", "submit") and (spec.default is not None or spec.options)
        }

    huge, broken = base(), base()
    for name, spec in fields.items():
        if spec.kind in CHOICE_KINDS:
            huge[name] = [str(2**63)] if spec.multiple else str(2**63)
        elif spec.kind not in ("hidden", "file", "submit"):
            broken[name] = BAD_BY_KIND.get(spec.kind, "a\x00b")
    return [base(), huge, broken]


# --- The checks -----------------------------------------------------------------------------


class Checksum:
    """A digest of rows (every table of every app, history included), SQL compiled once.

    Of one business's rows with `business`; of every row of every project table without.
    """

    def __init__(self, business: Business | None = None) -> None:
        self.queries = []
        for model in portability.project_models():
            if business is None:
                rows = model._base_manager.all()
            elif model in portability.business_models():
                rows = portability.business_rows(model, business)
            else:
                continue
            sql, params = rows.order_by("pk").values_list().query.sql_with_params()
            self.queries.append((model._meta.label, sql, params))

    def __call__(self) -> str:
        digest = hashlib.sha256()
        with connection.cursor() as cursor:
            for label, sql, params in self.queries:
                cursor.execute(sql, params)
                digest.update(f"{label}:{cursor.fetchall()!r}".encode())
        return digest.hexdigest()


def _short(data: dict[str, Any]) -> str:
    shown = {}
    for key, value in data.items():
        text = repr(value)
        shown[key] = text if len(text) <= 120 else f"{text[:100]}...({len(text)} chars)"
    return repr(shown)


def _post(client: Client, url: str, data: dict[str, Any], who: str) -> Any:
    try:
        return client.post(url, data)
    except Exception as exc:  # the test client re-raises what a view raised: a 500
        raise AssertionError(f"POST {url} as {who} raised {exc!r} with {_short(data)}") from exc


def _forms_on(page: Any, url: str, ours: Callable[[str], object]) -> list[Form]:
    """The forms of `page` whose action `ours` accepts; for a page without one (a POST-only
    action), one form with made-up fields posting to `url`."""
    forms: list[Form] = []
    if page.status_code == 200 and "html" in page.get("Content-Type", ""):
        parser = FormParser(url)
        parser.feed(page.content.decode())
        forms = [f for f in parser.forms if ours(f.action)]
    return forms or [Form(action=url, multipart=False)]


def _business_action(url: str, business: Business) -> str | None:
    """The URL name of a form action when it is a URL of `business` (None otherwise)."""
    try:
        match = resolve(urlsplit(url).path)
    except Resolver404:
        return None
    if str(match.kwargs.get("business_id")) != str(business.pk):
        return None
    return match.view_name


def _examples() -> int:
    return EXAMPLES if time.monotonic() - _started < BUDGET_SECONDS else 2


@pytest.mark.django_db
@pytest.mark.parametrize("name", BUSINESS_URLS)
def test_forms_survive_arbitrary_input(name: str):
    owner = make_member(role=Membership.Role.OWNER)
    kind, kwargs = _classify(name, owner.business)
    if kind != "business":
        pytest.fail(f"{name} has no sample (see tests/test_url_tenancy.py)")
    other = make_member(role=Membership.Role.OWNER)
    seed_everything(other.business)
    url = reverse(name, kwargs={**kwargs, "business_id": owner.business.pk})

    right, wrong = Client(), Client()
    right.force_login(owner.user)
    wrong.force_login(other.user)
    page = right.get(url)
    assert page.status_code < 500, f"GET {url} answered {page.status_code}"

    forms = _forms_on(page, url, lambda action: _business_action(action, owner.business))

    other_checksum = Checksum(other.business)
    every_checksum = Checksum()
    other_before = other_checksum()
    for form in forms:
        action_name = _business_action(form.action, owner.business) or name
        key = (action_name, tuple(sorted(form.fields)))
        if key in _fuzzed:
            continue
        _fuzzed.add(key)
        _fuzz_form(form, right, wrong, other_checksum, other_before, every_checksum)


def _fuzz_form(
    form: Form,
    right: Client,
    wrong: Client,
    other_checksum: Checksum,
    other_before: str,
    every_checksum: Checksum | None,
) -> None:
    """Post drawn values as `right` (no 5xx, the other business unchanged), then as `wrong`:
    with `every_checksum` another business's owner (404/405, nothing changes anywhere),
    without it an anonymous visitor (no 5xx, the other business unchanged)."""
    action = urlsplit(form.action).path

    @settings(FUZZ, max_examples=_examples())
    @given(data=_payload(form.fields))
    def post_anything(data: dict[str, Any]) -> None:
        with transaction.atomic():
            response = _post(right, action, data, "the owner")
            assert response.status_code < 500, (
                f"POST {action} as the owner answered {response.status_code} with {_short(data)}"
            )
            assert other_checksum() == other_before, (
                f"POST {action} as the owner changed ANOTHER business's rows: {_short(data)}"
            )
            if every_checksum is None:
                response = _post(wrong, action, data, "an anonymous visitor")
                assert response.status_code < 500, (
                    f"POST {action} as anonymous answered {response.status_code} with "
                    f"{_short(data)}"
                )
                assert other_checksum() == other_before, f"anonymous POST {action} changed rows"
            else:
                before = every_checksum()
                response = _post(wrong, action, data, "another business's owner")
                assert response.status_code in (404, 405), (
                    f"POST {action} as another business's owner answered {response.status_code}"
                )
                assert every_checksum() == before, f"a refused POST {action} changed rows"
            transaction.set_rollback(True)

    for data in edge_examples(form.fields):
        post_anything = example(data=data)(post_anything)
    post_anything()


# Global pages (no business in the URL) whose forms are fuzzed too. Left out: the auth views
# (login attempts trip django-axes' lockout, logout ends the session) and pages with kwargs.
GLOBAL_SKIP = {
    "login",
    "logout",
    "password_change",
    "password_reset",
    "password_reset_done",
    "password_change_done",
    "password_reset_complete",
}
GLOBAL_URLS = sorted(
    name
    for name, params in ALL_URLS.items()
    if not params and not name.startswith("admin:") and name not in GLOBAL_SKIP
)


@pytest.mark.django_db
@pytest.mark.parametrize("name", GLOBAL_URLS)
def test_global_forms_survive_arbitrary_input(name: str):
    owner = make_member(role=Membership.Role.OWNER)
    other = make_member(role=Membership.Role.OWNER)
    seed_everything(other.business)
    url = reverse(name)
    right, anonymous = Client(), Client()
    right.force_login(owner.user)
    page = right.get(url)
    assert page.status_code < 500, f"GET {url} answered {page.status_code}"
    forms = _forms_on(page, url, _global_action)
    other_checksum = Checksum(other.business)
    other_before = other_checksum()
    for form in forms:
        key = (_global_action(form.action) or name, tuple(sorted(form.fields)))
        if key in _fuzzed:
            continue
        _fuzzed.add(key)
        _fuzz_form(form, right, anonymous, other_checksum, other_before, None)


def _global_action(url: str) -> str | None:
    try:
        match = resolve(urlsplit(url).path)
    except Resolver404:
        return None
    if match.kwargs or match.view_name in GLOBAL_SKIP or match.view_name.startswith("admin:"):
        return None
    return match.view_name


def test_the_parser_reads_fields_options_and_defaults():
    html = """
    <form method="get" action="/search"><input name="q"></form>
    <form method="post" action="save/" enctype="multipart/form-data">
      <input type="hidden" name="csrfmiddlewaretoken" value="t">
      <input name="title" value="Books"><input type="number" name="n" value="3">
      <input type="checkbox" name="ok" checked><input type="file" name="f">
      <select name="s"><option value="">--</option><option value="a" selected>A</option>
        <option>B</option></select>
      <select name="m" multiple><option value="1">x</option></select>
      <textarea name="notes">hello</textarea>
      <button type="submit" name="action" value="hire">Hire</button>
    </form>"""
    parser = FormParser("http://testserver/b/x/page/")
    parser.feed(html)
    [form] = parser.forms
    assert form.action == "http://testserver/b/x/page/save/" and form.multipart
    fields = form.fields
    assert fields["title"].default == "Books" and fields["n"].kind == "number"
    assert fields["ok"].default == "on" and fields["f"].kind == "file"
    assert fields["s"].options == ["", "a", "B"] and fields["s"].default == "a"
    assert fields["m"].multiple and fields["notes"].default == "hello"
    assert fields["action"].options == ["hire"]
