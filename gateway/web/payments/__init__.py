"""The payments pages (补贴发放): the policy table and its versions, claims with a live breakdown, batches
through maker-checker approval to the bank with reconciliation, and the printable disclosure list.
Every read and write goes to the payments service on the caller's token (households through the
registry's API); the services decide scope and validity, the pages put their answers next to the fields."""

from gateway.web.deps import page_router
from gateway.web.payments import batches, claims, endpoints, policies
from gateway.web.payments.dashboard import payments_overview

router = page_router()
for pages in (policies, claims, batches, endpoints):
    router.include_router(pages.router)

__all__ = ["payments_overview", "router"]
