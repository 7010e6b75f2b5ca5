"""The household pages: the register (list, search, registration, import and export)."""

from gateway.web.households.register import router

__all__ = ["router"]
