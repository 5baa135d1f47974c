"""Lazy iteration over the API's 0-based pages, sync and async.

A listing asks for page 0, then for each next page until the one `meta` marks as last,
never for more pages than the first answer said exist, and refuses a page that is not the
one it asked for: a server that ignores `page` cannot make it loop.
"""

from __future__ import annotations

from collections.abc import AsyncIterator, Callable, Iterator
from typing import TYPE_CHECKING, Any, Generic, TypeVar

import attrs
from speedpayamak_api.models import PageMeta

from . import _checks
from .errors import UnexpectedResponseError

if TYPE_CHECKING:
    from ._calls import Call
    from ._engine import AsyncEngine, SyncEngine  # noqa: F401 - named in base classes

T = TypeVar("T")
E = TypeVar("E")


@attrs.frozen
class Page(Generic[T]):
    """One page: its items and the API's `meta` (total, pages, limit, page, prev, next)."""

    items: tuple[T, ...]
    meta: PageMeta

    @property
    def is_last(self) -> bool:
        """Whether `meta` marks this page as the last one (an empty page is, too)."""
        meta = self.meta
        return not self.items or meta.next_ is None or meta.page + 1 >= meta.pages


PageCall = Callable[[int], "Call[Any, Page[T]]"]


class _Walk:
    """Which page comes next, shared by the sync and async paginators."""

    def __init__(self, start: int) -> None:
        self.number = start
        self._pages: int | None = None

    def after(self, page: Page[Any]) -> bool:
        """Check `page` and move on; False when the listing is done."""
        if page.meta.page != self.number:
            raise UnexpectedResponseError(
                f"asked for page {self.number} of a listing, the server answered page "
                f"{page.meta.page}",
                status_code=200,
                body=b"",
            )
        if self._pages is None:
            self._pages = page.meta.pages
        self.number += 1
        return not page.is_last and self.number < self._pages


class _Listing(Generic[E, T]):
    """What both paginators hold: the engine, how to ask for a page, and the first page."""

    def __init__(self, engine: E, page_call: PageCall[T], start_page: int = 0) -> None:
        self._engine = engine
        self._page_call = page_call
        self._start = _checks.whole_number("start_page", start_page)


class Paginator(_Listing["SyncEngine", T]):
    """Every item of every page, fetched lazily, one request per page.

    Iterate it for items, or call `pages()` for each page with its meta.
    """

    def __iter__(self) -> Iterator[T]:
        for page in self.pages():
            yield from page.items

    def pages(self) -> Iterator[Page[T]]:
        walk = _Walk(self._start)
        while True:
            page = self._engine.run(self._page_call(walk.number))
            more = walk.after(page)
            yield page
            if not more:
                return


class AsyncPaginator(_Listing["AsyncEngine", T]):
    """The async twin of Paginator: `async for item in ...`, or `async for page in .pages()`."""

    def __aiter__(self) -> AsyncIterator[T]:
        return self._items()

    async def _items(self) -> AsyncIterator[T]:
        async for page in self.pages():
            for item in page.items:
                yield item

    async def pages(self) -> AsyncIterator[Page[T]]:
        walk = _Walk(self._start)
        while True:
            page = await self._engine.run(self._page_call(walk.number))
            more = walk.after(page)
            yield page
            if not more:
                return
