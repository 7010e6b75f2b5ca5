"""The places pages: resettlement sites (seed §五(四)) with their facilities, their people's
work and their households, and the gaps left per township. Every read and write goes to the registry on the
caller's token."""

from gateway.web.deps import page_router
from gateway.web.places import sites

router = page_router()
router.include_router(sites.router)

__all__ = ["router"]
