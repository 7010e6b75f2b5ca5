"""The monitoring pages (防返贫监测): the inbox and list of cases, one case with the steps the caller may take
(the service's `allowed_actions`), the printable public notice (公示), household visits, alerts, and the
public one-click self-report form (一键申报, no sign-in); the assistance pages (帮扶措施): household plans,
departments' lists and their findings, microcredit and its coverage, posts, trainings and workshops, and
industry results for 以奖代补.
Every read and write goes to the monitoring service on the caller's token; the service decides scope and
validity, the pages say its answers in Chinese."""

from gateway.web.deps import page_router
from gateway.web.monitoring import (
    alerts,
    cases,
    employment,
    lists,
    loans,
    notices,
    plans,
    report,
    rewards,
    visits,
)
from gateway.web.monitoring.dashboard import monitoring_overview

router = page_router()
for pages in (cases, notices, visits, alerts, report, plans, lists, loans, employment, rewards):
    router.include_router(pages.router)

__all__ = ["monitoring_overview", "router"]
