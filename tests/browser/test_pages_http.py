"""The pages' guards over plain HTTP (no browser): CSRF, redirects, cookies, fragments, policy."""

import re
import uuid
from collections.abc import Iterator

import httpx
import pytest

from deploy.stack import Stack
from gateway.seed import DEMO_PASSWORD


@pytest.fixture
def client(live_stack: Stack) -> Iterator[httpx.Client]:
    with httpx.Client(base_url=live_stack.url("gateway"), follow_redirects=False, timeout=10) as c:
        yield c


def csrf_from(client: httpx.Client) -> str:
    """Open the login form, as a browser would, and return the token it carries."""
    page = client.get("/login")
    match = re.search(r'name="csrf_token" value="([^"]+)"', page.text)
    assert match is not None
    assert client.cookies["hj_csrf"] == match.group(1)
    return match.group(1)


def signed_in(client: httpx.Client, username: str) -> str:
    token = csrf_from(client)
    response = client.post(
        "/login", data={"username": username, "password": DEMO_PASSWORD, "csrf_token": token}
    )
    assert response.status_code == 303
    return client.cookies["hj_csrf"]


def test_dashboard_without_session_redirects_to_login(client: httpx.Client) -> None:
    response = client.get("/")
    assert response.status_code == 303
    assert response.headers["location"] == "/login?next=/"


def test_forged_session_cookie_counts_as_signed_out(client: httpx.Client) -> None:
    client.cookies.set("hj_session", "not.a.jwt")
    assert client.get("/").headers["location"] == "/login?next=/"


def test_login_without_csrf_is_refused(client: httpx.Client) -> None:
    response = client.post("/login", data={"username": "admin", "password": DEMO_PASSWORD})
    assert response.status_code == 403
    assert "hj_session" not in response.cookies
    assert "CSRF" in response.text


def test_login_with_a_csrf_field_not_matching_the_cookie_is_refused(client: httpx.Client) -> None:
    csrf_from(client)
    response = client.post(
        "/login", data={"username": "admin", "password": DEMO_PASSWORD, "csrf_token": "forged"}
    )
    assert response.status_code == 403
    assert "hj_session" not in response.cookies


def test_login_form_sets_a_strict_httponly_csrf_cookie(client: httpx.Client) -> None:
    response = client.get("/login")
    assert response.status_code == 200
    assert '<html lang="zh-CN">' in response.text
    assert 'name="username"' in response.text and 'name="password"' in response.text
    cookie = response.headers["set-cookie"].lower()
    assert cookie.startswith("hj_csrf=")
    assert "httponly" in cookie and "samesite=strict" in cookie and "path=/" in cookie
    assert "HX-Request" in response.headers["vary"]


def test_login_sets_the_session_cookie_and_refuses_foreign_next(client: httpx.Client) -> None:
    token = csrf_from(client)
    response = client.post(
        "/login",
        data={"username": "admin", "password": DEMO_PASSWORD, "csrf_token": token, "next": "//evil.example/"},
    )
    assert response.status_code == 303
    assert response.headers["location"] == "/"
    session = next(h for h in response.headers.get_list("set-cookie") if h.startswith("hj_session="))
    assert all(flag in session.lower() for flag in ("httponly", "samesite=strict", "path=/", "max-age="))
    assert client.cookies["hj_csrf"] != token  # rotated at sign-in


def test_wrong_password_is_401_with_chinese_message(client: httpx.Client) -> None:
    token = csrf_from(client)
    response = client.post("/login", data={"username": "audit", "password": "wrong", "csrf_token": token})
    assert response.status_code == 401
    assert "用户名或密码错误" in response.text


def test_users_fragment_for_htmx_and_whole_page_otherwise(client: httpx.Client) -> None:
    signed_in(client, "admin")
    whole = client.get("/admin/users")
    assert whole.status_code == 200 and "<html" in whole.text and 'id="user-form"' in whole.text
    fragment = client.get("/admin/users", headers={"HX-Request": "true"})
    assert fragment.status_code == 200
    assert fragment.text.lstrip().startswith('<section id="user-table"')
    assert "<html" not in fragment.text and 'id="user-form"' not in fragment.text
    assert "HX-Request" in fragment.headers["vary"]


def test_creating_a_user_needs_the_csrf_header(client: httpx.Client) -> None:
    csrf = signed_in(client, "admin")
    form = {"username": "nocsrf_user", "password": "long-enough-1", "role": "auditor", "region": "150625"}
    refused = client.post("/admin/users", data=form, headers={"HX-Request": "true"})
    assert refused.status_code == 403
    created = client.post("/admin/users", data=form, headers={"HX-Request": "true", "X-CSRF-Token": csrf})
    assert created.status_code == 201
    assert created.headers["hx-trigger"] == "users-changed"
    again = client.post("/admin/users", data=form, headers={"HX-Request": "true", "X-CSRF-Token": csrf})
    assert again.status_code == 422
    assert "已存在" in again.text


def test_user_administration_is_for_the_banner_admin_only(client: httpx.Client) -> None:
    csrf = signed_in(client, "banner")
    page = client.get("/")
    assert page.status_code == 200 and "用户管理" not in page.text
    assert client.get("/admin/users").status_code == 403
    form = {"username": "sneaky_user", "password": "long-enough-1", "role": "auditor", "region": "150625"}
    assert client.post("/admin/users", data=form, headers={"X-CSRF-Token": csrf}).status_code == 403


def test_logout_needs_csrf_and_clears_the_session(client: httpx.Client) -> None:
    csrf = signed_in(client, "audit")
    assert client.post("/logout").status_code == 403
    response = client.post("/logout", data={"csrf_token": csrf})
    assert response.status_code == 303 and response.headers["location"] == "/login"
    assert "hj_session" not in client.cookies


def test_repeated_failures_are_429_with_chinese_message(client: httpx.Client) -> None:
    token = csrf_from(client)
    attempt = {"username": f"ghost_{uuid.uuid4().hex[:8]}", "password": "wrong", "csrf_token": token}
    statuses = [client.post("/login", data=attempt).status_code for _ in range(6)]
    assert statuses == [401] * 5 + [429]
    locked = client.post("/login", data=attempt)
    assert locked.status_code == 429
    assert "登录失败次数过多" in locked.text
    assert int(locked.headers["retry-after"]) > 0


def test_dashboard_says_so_when_the_registry_is_down(client: httpx.Client, live_stack: Stack) -> None:
    signed_in(client, "admin")
    live_stack.stop("registry")
    try:
        response = client.get("/")
    finally:
        live_stack.start("registry")
        live_stack.wait_ready(["registry"])
    assert response.status_code == 200
    assert "登记服务不可用" in response.text
    assert "锡尼镇" not in response.text
