"""Lazy iteration over the API's 0-based pages, sync and async."""

from __future__ import annotations

from collections.abc import AsyncIterator, Callable, Iterator
from typing import Any, Generic, TypeVar

import attrs
from speedpayamak_api.models import PageMeta

from ._engine import AsyncEngine, Call, SyncEngine

T = TypeVar("T")


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


PageCall = Callable[[int], Call[Any, Page[T]]]


class Paginator(Generic[T]):
    """Every item of every page, fetched lazily, one request per page.

    Iterate it for items, or call `pages()` for each page with its meta. It requests page
    0 first and stops after the page that `meta` marks as last.
    """

    def __init__(self, engine: SyncEngine, page_call: PageCall[T]) -> None:
        self._engine = engine
        self._page_call = page_call

    def __iter__(self) -> Iterator[T]:
        for page in self.pages():
            yield from page.items

    def pages(self) -> Iterator[Page[T]]:
        number = 0
        while True:
            page = self._engine.run(self._page_call(number))
            yield page
            if page.is_last:
                return
            number += 1


class AsyncPaginator(Generic[T]):
    """The async twin of Paginator: `async for item in ...`, or `async for page in .pages()`."""

    def __init__(self, engine: AsyncEngine, page_call: PageCall[T]) -> None:
        self._engine = engine
        self._page_call = page_call

    def __aiter__(self) -> AsyncIterator[T]:
        return self._items()

    async def _items(self) -> AsyncIterator[T]:
        async for page in self.pages():
            for item in page.items:
                yield item

    async def pages(self) -> AsyncIterator[Page[T]]:
        number = 0
        while True:
            page = await self._engine.run(self._page_call(number))
            yield page
            if page.is_last:
                return
            number += 1
