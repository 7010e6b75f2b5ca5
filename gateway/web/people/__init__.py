"""The people pages (seed §六(二)(三)(五)): the work teams and 第一书记 the banner sends to villages, and the
assessment computed from the services' records, per village and per official, with its export."""

from gateway.web.deps import page_router
from gateway.web.people import assessment, assignments

router = page_router()
for pages in (assignments, assessment):
    router.include_router(pages.router)

__all__ = ["router"]
