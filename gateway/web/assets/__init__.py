"""The assets pages: the asset register with incomes and status history, dividend plans (收益分配方案) with
maker-checker approval, the industry development fund (产业发展基金), and the entity and product catalogues.
Every read and write goes to the assets service on the caller's token; the service decides scope and
validity, the pages put its answers next to the fields, in Chinese."""

from gateway.web.assets import (
    catalogues,
    consumption,
    fund,
    funds,
    partnerships,
    plans,
    projects,
    register,
)
from gateway.web.assets.dashboard import assets_overview
from gateway.web.deps import page_router

router = page_router()
# The register last: `/assets/{asset_id}` would shadow the others.
for pages in (plans, fund, catalogues, consumption, partnerships, funds, projects, register):
    router.include_router(pages.router)

__all__ = ["assets_overview", "router"]
