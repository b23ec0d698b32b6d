"""Query-string conventions shared by every list endpoint."""

from typing import Annotated

from fastapi import Query


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


def views_filter(
    views: Annotated[list[str] | None, Query(description="Extra views, e.g. `tasks`")] = None,
    views_brackets: Annotated[
        list[str] | None, Query(alias="views[]", include_in_schema=False)
    ] = None,
) -> list[str]:
    return split_comma_list(views, views_brackets)
