"""The field app in Chromium with the network switched off: a village official opens the roster once, then
without signal records two visits that wait on the phone (through a reload), and back online they reach the
server once each, even when the sync is cut off after the server recorded a visit but before its answer
arrived. What the phone keeps is the village's own pages with no ID number or phone, and signing out
leaves nothing that opens offline. Screenshots of the roster offline and of a queued visit at 390 px."""

import pytest
from playwright.sync_api import BrowserContext, Error, Page, Route, expect

from deploy.stack import Stack
from tests.browser.conftest import SCREENSHOTS, sign_in
from tests.browser.household_data import register_household
from tests.browser.test_monitoring import api, shoot

pytestmark = pytest.mark.browser

ASIER_VILLAGE = "150625100201"
BAYIN_VILLAGE = "150625100202"
PHONE = {"width": 390, "height": 844}
# Every page the phone keeps, as text: what a lost phone would give away.
KEPT_TEXT = """async () => {
  const texts = [];
  for (const name of await caches.keys()) {
    if (!name.startsWith("field-data-")) continue;
    const cache = await caches.open(name);
    for (const request of await cache.keys()) texts.push(await (await cache.match(request)).text());
  }
  return texts.join("\\n");
}"""


def open_roster_online(page: Page) -> None:
    page.goto("/roster")
    # the village's pages are on the phone
    page.wait_for_selector("html[data-field-synced]", state="attached", timeout=30_000)


def record_offline(page: Page, home: dict, *, income: str) -> None:
    page.locator(f"#roster-{home['id']} a.button", has_text="走访").click()
    expect(page.locator("h1")).to_have_text("入户走访")
    page.fill("input[name=income_yuan]", income)
    page.fill("input[name=rigid_yuan]", "1200.5")
    for name in ("education_secure", "medical_secure", "housing_secure", "water_secure"):
        page.check(f"input[name={name}][value=yes]")
    page.click("#visit-form button[type=submit]")
    expect(page.locator("#field-saved")).to_contain_text("已保存在本机，待同步")
    page.goto("/roster")


def test_visits_recorded_offline_reach_the_server_once_even_when_a_sync_is_cut_off(
    context: BrowserContext, page: Page, live_stack: Stack, backend: str
) -> None:
    gateway = live_stack.url("gateway")
    homes = [register_household(gateway, "asier", ASIER_VILLAGE) for _ in range(2)]
    elsewhere = register_household(gateway, "bayin", BAYIN_VILLAGE)
    sign_in(page, "asier")  # a village official, who sees full ID numbers online
    open_roster_online(page)

    kept = page.evaluate(KEPT_TEXT)
    assert all(home["head_name"] in kept for home in homes)
    assert elsewhere["head_name"] not in kept  # another village's household never reaches the phone
    for home in homes:
        assert all(member["id_number"] not in kept for member in home["members"])
        assert not home["phone"] or home["phone"] not in kept

    context.set_offline(True)
    page.set_viewport_size(PHONE)
    page.goto("/roster")
    expect(page.locator("#field-banner")).to_contain_text("离线")
    expect(page.locator("#field-banner")).to_contain_text("最近同步")
    page.screenshot(path=str(SCREENSHOTS / f"field-roster-offline-390-{backend}.png"))  # the first screen
    record_offline(page, homes[0], income="8000")
    record_offline(page, homes[1], income="2500")  # below the line: an alert once it is synced
    page.reload()  # still on the phone after a reload, offline
    for home in homes:
        expect(page.locator(f'#roster-{home["id"]} [data-pending="{home["id"]}"]')).to_have_text("待同步")
    expect(page.locator("#field-queue li")).to_have_count(2)
    page.goto(f"/households/{homes[1]['id']}")  # the household file offline: its kept summary
    expect(page.locator("#field-summary")).to_contain_text(homes[1]["head_name"])
    expect(page.locator("#field-queue li")).to_have_count(1)
    shoot(page, f"field-queued-visit-390-{backend}")

    # The network comes back, but the second visit's answer is lost after the server recorded it.
    posts: list[str | None] = []

    def cut_off_second(route: Route) -> None:
        posts.append(route.request.headers.get("idempotency-key"))
        answer = route.fetch()
        if len(posts) == 2:
            route.abort("connectionreset")
        else:
            route.fulfill(response=answer)

    page.route("**/api/v1/monitoring/visits", cut_off_second)
    context.set_offline(False)
    expect(page.locator("#field-queue li")).to_have_count(1)
    expect(page.locator("#field-queue li")).to_contain_text("网络中断")
    page.unroute("**/api/v1/monitoring/visits")
    page.locator("[data-field=sync]").click()
    expect(page.locator("#field-queue")).to_be_hidden(timeout=20_000)
    expect(page.locator("#field-banner")).to_contain_text("已同步 1 条走访")
    assert len(posts) == 2 and posts[0] != posts[1]

    with api(gateway, "asier") as client:
        for home, income in zip(homes, (800_000, 250_000), strict=True):
            visits = client.get("/api/v1/monitoring/visits", params={"household_id": home["id"]}).json()
            assert visits["total"] == 1
            assert visits["items"][0]["income_per_capita_fen"] == income
            assert visits["items"][0]["rigid_expenditure_fen"] == 120_050
        alerts = client.get("/api/v1/monitoring/alerts", params={"household_id": homes[1]["id"]}).json()
        assert alerts["total"] >= 1  # the finding raised its alert as an online visit does


def test_signing_out_leaves_nothing_that_opens_offline(
    context: BrowserContext, page: Page, live_stack: Stack
) -> None:
    register_household(live_stack.url("gateway"), "asier", ASIER_VILLAGE)
    sign_in(page, "asier-team")
    open_roster_online(page)
    context.set_offline(True)
    page.goto("/roster")
    expect(page.locator("#roster")).to_be_visible()  # kept: it opens without signal
    context.set_offline(False)
    page.goto("/roster")
    page.click("form.logout button")
    expect(page.locator("input[name=username]")).to_be_visible()
    assert page.evaluate("caches.keys()") == [] or not page.evaluate(KEPT_TEXT)
    context.set_offline(True)
    with pytest.raises(Error):
        page.goto("/roster")
        expect(page.locator("#roster")).to_be_visible(timeout=2_000)
