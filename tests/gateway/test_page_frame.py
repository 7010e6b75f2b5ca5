"""The page frame itself: every page route is guarded by the page-user dependency and every unsafe one
by the CSRF check; signed out goes to sign-in keeping `next`; a refused role gets the Chinese 403 page;
machine tokens never open the pages; a CSRF token from another session is refused; every label a template
names is the vocabulary's, with a label for every value."""

import re
from urllib.parse import parse_qs, urlsplit

import httpx
import pytest
from fastapi.dependencies.models import Dependant
from fastapi.routing import APIRoute, iter_route_contexts

from gateway.app import create_app
from gateway.principal import CSRF_COOKIE, SAFE_METHODS, SESSION_COOKIE
from gateway.web import TEMPLATES_DIR
from gateway.web.deps import PageUser, check_csrf
from gateway.web.render import labels_name, templates, words
from shared.roles import Role
from shared.settings import Settings

PUBLIC_PAGES = {"/login", "/logout", "/report"}  # open without a session (CSRF still checked on POST)
PUBLIC_PAGES |= {"/sw.js", "/manifest.webmanifest"}  # the field app's code and manifest: nothing personal
BANNER = "150625"


def _calls(dependant: Dependant) -> list[object]:
    found = [dependant.call]
    for sub in dependant.dependencies:
        found += _calls(sub)
    return found


def _page_routes(settings: Settings) -> list[APIRoute]:
    routes = [context.original_route for context in iter_route_contexts(create_app(settings).routes)]
    return [r for r in routes if isinstance(r, APIRoute) and r.endpoint.__module__.startswith("gateway.web")]


def test_every_page_route_needs_the_page_user_and_every_unsafe_one_the_csrf_check(settings: Settings) -> None:
    routes = _page_routes(settings)
    assert len(routes) > 60
    unguarded = [
        r.path
        for r in routes
        if r.path not in PUBLIC_PAGES and not any(isinstance(c, PageUser) for c in _calls(r.dependant))
    ]
    unchecked = [
        f"{method} {r.path}"
        for r in routes
        for method in r.methods - SAFE_METHODS
        if check_csrf not in _calls(r.dependant)
    ]
    assert unguarded == []
    assert unchecked == []


@pytest.fixture
async def pages(settings: Settings, asgi_client_factory) -> httpx.AsyncClient:
    return await asgi_client_factory(create_app(settings))


async def test_a_signed_out_page_request_goes_to_sign_in_keeping_where_it_was(
    pages: httpx.AsyncClient,
) -> None:
    answer = await pages.get("/households?q=巴图&page=2")
    assert answer.status_code == 303
    login = urlsplit(answer.headers["location"])
    assert login.path == "/login"
    assert parse_qs(login.query)["next"] == ["/households?q=%E5%B7%B4%E5%9B%BE&page=2"]
    htmx = await pages.get("/admin/users", headers={"HX-Request": "true"})
    assert htmx.status_code == 401 and htmx.headers["HX-Redirect"] == "/login?next=/admin/users"


async def test_a_role_the_policy_refuses_gets_the_chinese_403_page(
    pages: httpx.AsyncClient, token_for
) -> None:
    pages.cookies.set(SESSION_COOKIE, token_for(Role.village_official, "150625101001"))
    answer = await pages.get("/admin/users")
    assert answer.status_code == 403
    assert "无权访问" in answer.text and "您的角色无权使用此功能" in answer.text


@pytest.mark.parametrize("role", [Role.bank, Role.partner_agency])
async def test_a_machine_token_in_the_session_cookie_never_opens_a_page(
    pages: httpx.AsyncClient, token_for, role: Role
) -> None:
    pages.cookies.set(SESSION_COOKIE, token_for(role, BANNER))
    answer = await pages.get("/admin/users")
    assert answer.status_code == 303 and answer.headers["location"].startswith("/login?next=/admin/users")
    assert f'{SESSION_COOKIE}=""' in answer.headers["set-cookie"]  # the cookie is cleared


async def test_a_csrf_token_from_another_session_is_refused(pages: httpx.AsyncClient, token_for) -> None:
    pages.cookies.set(SESSION_COOKIE, token_for(Role.banner_admin, BANNER))
    page = await pages.get("/admin/users")
    theirs = pages.cookies[CSRF_COOKIE]  # the session's token, set with the page
    assert f'value="{theirs}"' in page.text
    pages.cookies.set(SESSION_COOKIE, token_for(Role.banner_admin, BANNER))  # another session (another jti)
    answer = await pages.post("/admin/users", data={"username": "x"}, headers={"X-CSRF-Token": theirs})
    assert answer.status_code == 403 and "CSRF" in answer.text


def test_every_label_a_template_names_is_the_vocabularys_with_every_value() -> None:
    named = {
        (path.relative_to(TEMPLATES_DIR).as_posix(), name)
        for path in TEMPLATES_DIR.rglob("*.html")
        for name in re.findall(r"\b[A-Z][A-Z_]*_LABELS\b", path.read_text(encoding="utf-8"))
    }
    page_words = {"SHARE_LABELS"}  # a dividend's three shares: the assets pages' own, not an enum
    unknown = sorted(
        f"{path}: {name}" for path, name in named if name not in {*templates.env.globals, *page_words}
    )
    assert unknown == []
    for word in words():
        shown = templates.env.globals[labels_name(word)]
        assert [shown[value.value] for value in word] == [value.label for value in word]
