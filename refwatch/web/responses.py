"""What the routes answer alike: a file to download, a 404 for what is not there, and the
numbers of a paged list."""

from __future__ import annotations

from typing import TypeVar
from urllib.parse import urlencode

from fastapi import HTTPException, Request, Response

T = TypeVar("T")


def download(content: bytes | str, media_type: str, file_name: str) -> Response:
    """A file to save, not to show (`Content-Disposition: attachment`), never kept by a
    cache and never sniffed into something that runs (SecurityHeaders says both again on
    every answer)."""
    return Response(
        content,
        media_type=media_type,
        headers={
            "Content-Disposition": f'attachment; filename="{file_name}"',
            "Cache-Control": "no-store",
            "X-Content-Type-Options": "nosniff",
        },
    )


def or_404(found: T | None) -> T:
    """What a lookup found; 404 when it found nothing (never made, deleted, not an id)."""
    if found is None:
        raise HTTPException(404)
    return found


def page_count(total: int, size: int) -> int:
    """How many pages of `size` rows `total` rows fill (at least one, the empty page)."""
    return max(1, (total + size - 1) // size)


def pager_query(request: Request) -> str:
    """The request's query less its page number and empty fields: what the pager's links
    repeat."""
    params = request.query_params
    return urlencode([(k, v) for k, v in params.multi_items() if k != "page" and v])
