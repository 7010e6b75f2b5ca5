"""The three-guarantee pages (三保障及饮水安全, seed §五(一)2–3) for township and village officials: the
控辍保学 list with its follow-ups, medical insurance and its 代缴 per member and year, dangerous-house
renovations and drinking-water fixes per household. Every read and write goes to the monitoring service on
the caller's token; the service keeps them to the caller's scope."""

from gateway.web.deps import page_router
from gateway.web.guarantees import dropouts, housing, insurance

router = page_router()
for pages in (dropouts, insurance, housing):
    router.include_router(pages.router)

__all__ = ["router"]
