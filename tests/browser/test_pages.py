"""The officials' pages in a real browser: sign-in, the dashboard's scope, the navigation by role,
creating a user through htmx, and the session cookie's flags."""

import re
import uuid

import pytest
from playwright.sync_api import BrowserContext, Page, expect

from tests.browser.conftest import SCREENSHOTS, sign_in

pytestmark = pytest.mark.browser

TOWNSHIPS = ("锡尼镇", "巴拉贡镇", "吉日嘎朗图镇", "独贵塔拉镇", "呼和木独镇", "伊和乌素苏木")


def test_admin_sees_every_township_and_user_admin(page: Page) -> None:
    sign_in(page, "admin")

    expect(page).to_have_url(re.compile(r"^http://[^/]+/$"))
    expect(page.locator("html")).to_have_attribute("lang", "zh-CN")
    expect(page.locator(".topbar")).to_contain_text("杭锦旗巩固拓展脱贫攻坚成果信息系统")
    expect(page.locator(".who")).to_contain_text("旗级管理员")
    for township in TOWNSHIPS:
        expect(page.locator(".township h3", has_text=township)).to_have_count(1)
    expect(page.locator(".stat", has_text="苏木镇")).to_contain_text("6")
    expect(page.locator(".badge-focus").first).to_have_text("重点帮扶村")
    expect(page.get_by_role("link", name="用户管理")).to_be_visible()

    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=str(SCREENSHOTS / "dashboard.png"), full_page=True)


def test_village_official_sees_only_its_village(page: Page) -> None:
    sign_in(page, "asier")

    expect(page.locator(".village-name")).to_have_text(["阿斯尔嘎查"])
    expect(page.get_by_text("巴音乌素嘎查")).to_have_count(0)
    expect(page.locator(".township h3", has_text="锡尼镇")).to_have_count(0)
    expect(page.locator(".who")).to_contain_text("嘎查村两委")
    expect(page.locator(".mainnav")).to_contain_text("首页")
    expect(page.get_by_role("link", name="用户管理")).to_have_count(0)

    response = page.goto("/admin/users")
    assert response is not None and response.status == 403
    expect(page.locator("h1")).to_have_text("无权访问")


def test_wrong_password_is_refused_in_chinese(page: Page) -> None:
    sign_in(page, "banner", "not-the-password")

    expect(page.get_by_role("alert")).to_have_text("用户名或密码错误。")
    expect(page).to_have_url(re.compile(r"/login$"))
    expect(page.locator("input[name=username]")).to_have_value("banner")
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=str(SCREENSHOTS / "login-failed.png"))


def test_admin_creates_a_user_without_reloading(page: Page) -> None:
    sign_in(page, "admin")
    page.get_by_role("link", name="用户管理").click()
    expect(page.locator("#user-table")).to_contain_text("asier")
    page.evaluate("window.__sameDocument = true")  # gone if the browser loads a new document
    username = f"web_{uuid.uuid4().hex[:8]}"
    form = page.locator("#user-form")

    form.locator("input[name=username]").fill(username)
    form.locator("input[name=password]").fill("short")
    form.locator("select[name=role]").select_option(label="嘎查村两委")
    form.locator("input[name=region]").fill("150625100203")
    form.get_by_role("button", name="创建用户").click()
    expect(page.locator("#user-form .field-error")).to_have_text("密码长度须为 10–128 位")
    expect(page.locator("#user-form input[name=username]")).to_have_value(username)

    page.locator("#user-form input[name=password]").fill("a-long-enough-secret")
    page.locator("#user-form select[name=role]").select_option(label="嘎查村两委")
    page.locator("#user-form input[name=region]").fill("150625100203")
    page.locator("#user-form").get_by_role("button", name="创建用户").click()

    row = page.locator("#user-table tr", has_text=username)
    expect(row).to_have_count(1)
    expect(row).to_contain_text("嘎查村两委")
    expect(row).to_contain_text("乌兰敖包嘎查")
    expect(page.locator("#user-form [role=status]")).to_contain_text(f"已创建用户 {username}")
    expect(page.locator("#user-form input[name=username]")).to_have_value("")
    assert page.evaluate("window.__sameDocument") is True
    page.screenshot(path=str(SCREENSHOTS / "users.png"), full_page=True)


def test_session_cookie_is_httponly_and_strict(page: Page, context: BrowserContext) -> None:
    sign_in(page, "xini")
    expect(page.locator(".township h3")).to_have_text(["锡尼镇"])

    cookies = {c["name"]: c for c in context.cookies()}
    session = cookies["hj_session"]
    assert session["httpOnly"] is True
    assert session["sameSite"] == "Strict"
    assert session["path"] == "/"
    assert session["expires"] > 0  # Max-Age set: not kept past the token's life
    assert cookies["hj_csrf"]["httpOnly"] is True
    assert cookies["hj_csrf"]["sameSite"] == "Strict"
    assert page.evaluate("document.cookie") == ""

    page.get_by_role("button", name="退出登录").click()
    expect(page).to_have_url(re.compile(r"/login$"))
    assert "hj_session" not in {c["name"] for c in context.cookies()}
