"""The one shape of every paged list the services answer: the page's items and where it sits in the whole.

Each list names its page once (`class CasePage(Page[CaseSummary]): ...`), so the OpenAPI document and the
partners' generated clients read `CasePage` rather than `Page_CaseSummary_`.
"""

from typing import Generic, TypeVar

from pydantic import BaseModel

T = TypeVar("T")


class Page(BaseModel, Generic[T]):
    """One page of a list; `total` counts every match, not only this page."""

    items: list[T]
    total: int
    page: int
    page_size: int
