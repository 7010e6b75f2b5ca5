"""The household pages: the register (list, search, registration, import and export), each household's
file (一户一档) with its PDF, and the village roster the visits start from."""

from gateway.web.deps import page_router
from gateway.web.households import file, register, roster

router = page_router()
# The register's fixed paths (/households/new, /households/export…) before the file's /households/{id}.
for pages in (register, file, roster):
    router.include_router(pages.router)

__all__ = ["router"]
