"""Pages of a list whose count does not read the whole table.

`CappedPaginator` counts at most `COUNT_CAP` rows (a `LIMIT` inside the count), so a page of a
list of a million rows costs what a page of a thousand does (counting 10,000 rows was most of a
page's time at 10^5 use cases: `make bench`). Up to the cap the count is exact; past it the list
says "1,000+" (`count_is_exact` is false), its filters narrow it, and every page stays
reachable: whether another page follows is read from one row more than the page shows, not from
the count.
"""

from collections.abc import Mapping
from dataclasses import dataclass
from functools import cached_property
from typing import Any

from django.core.exceptions import EmptyResultSet
from django.core.paginator import EmptyPage, Page, Paginator
from django.db import connections
from django.db.models import QuerySet

#: Rows counted at most; a longer list shows this many and a "+".
COUNT_CAP = 1_000


@dataclass(frozen=True)
class CappedCount:
    """A count up to one past its cap, written "1000+" past the cap."""

    rows: int
    cap: int

    @property
    def capped(self) -> bool:
        return self.rows > self.cap

    def __str__(self) -> str:
        return f"{self.cap}+" if self.capped else str(self.rows)


def capped_counts(lists: Mapping[str, QuerySet[Any]], *, cap: int) -> dict[str, int]:
    """How many rows each list holds, counted up to one past `cap` (so more than the cap reads
    as "1000+"), for any number of lists in one query: each count stops at the cap, and reads
    no column, annotation or order a page needs and the count does not."""
    if not lists:
        return {}
    parts: list[str] = []
    params: list[Any] = []
    for rows in lists.values():
        try:
            sql, rows_params = rows.order_by().values("pk")[: cap + 1].query.sql_with_params()
        except EmptyResultSet:  # a condition no row can meet (`pk__in=[]`): nothing to count
            parts.append("0")
            continue
        parts.append(f"(SELECT COUNT(*) FROM ({sql}) AS capped)")
        params.extend(rows_params)
    alias = next(iter(lists.values())).db
    with connections[alias].cursor() as cursor:
        cursor.execute("SELECT " + ", ".join(parts), params)
        counted = cursor.fetchone()
    return dict(zip(lists, counted, strict=True))


class CappedPaginator(Paginator):
    @cached_property
    def _rows_counted(self) -> int:
        """The rows up to one past the cap: enough to know whether the cap was reached."""
        object_list = self.object_list
        if isinstance(object_list, QuerySet):
            return capped_counts({"rows": object_list}, cap=COUNT_CAP)["rows"]
        return len(object_list)

    @property
    def count_is_exact(self) -> bool:
        return self._rows_counted <= COUNT_CAP

    @cached_property
    def count(self) -> int:
        return min(self._rows_counted, COUNT_CAP)

    def validate_number(self, number):
        try:
            return super().validate_number(number)
        except EmptyPage:
            # Past the cap a page beyond the counted ones may hold rows: `page` reads them.
            if self.count_is_exact or int(number) < 1:
                raise
            return int(number)

    def page(self, number):
        if self.count_is_exact:
            return super().page(number)
        number = self.validate_number(number)
        bottom = (number - 1) * self.per_page
        rows = list(self.object_list[bottom : bottom + self.per_page + 1])
        if not rows:
            raise EmptyPage(self.error_messages["no_results"])
        return OpenEndedPage(rows[: self.per_page], number, self, more=len(rows) > self.per_page)


class OpenEndedPage(Page):
    """A page of a list longer than the cap: it knows only whether one more row follows."""

    def __init__(self, object_list, number, paginator, *, more: bool):
        super().__init__(object_list, number, paginator)
        self.more = more

    def has_next(self) -> bool:
        return self.more

    def end_index(self) -> int:
        return self.start_index() + len(self.object_list) - 1
