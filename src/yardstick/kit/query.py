"""Query-string conventions shared by every list endpoint."""

from collections.abc import Callable
from typing import Annotated

from fastapi import Query

from yardstick.errors import Unprocessable


def split_comma_list(*values: list[str] | None) -> list[str]:
    """`tags=a,b`, `tags=a&tags=b` and `tags[]=a` all mean [a, b]; an empty value means no filter."""
    out: list[str] = []
    for group in values:
        for value in group or []:
            out.extend(part for part in value.split(",") if part)
    return out


def tags_filter(
    tags: Annotated[list[str] | None, Query(description="Any of these tags (comma list)")] = None,
    tags_brackets: Annotated[
        list[str] | None, Query(alias="tags[]", include_in_schema=False)
    ] = None,
) -> list[str]:
    return split_comma_list(tags, tags_brackets)


def views_of(*known: str) -> Callable[..., list[str]]:
    """The `views` query parameter of a resource that has these views: another is a 422 naming
    it (a misspelt view was left out of the answer without a word)."""
    names = ", ".join(f"`{name}`" for name in known)

    def views_filter(
        views: Annotated[
            list[str] | None, Query(description=f"Extra parts to show: {names}")
        ] = None,
        views_brackets: Annotated[
            list[str] | None, Query(alias="views[]", include_in_schema=False)
        ] = None,
    ) -> list[str]:
        chosen = split_comma_list(views, views_brackets)
        for view in chosen:
            if view not in known:
                raise Unprocessable(["query", "views"], f"unknown view {view!r}: one of {names}")
        return chosen

    return views_filter
