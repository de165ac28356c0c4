"""`json_rows(queryset, *values)`: the rows of a correlated subquery as one JSON text per outer row.

An export row needs lists from other tables (a registry entry's approvers, open conditions,
waived items, KPIs). Read as one query per chunk of rows, they cost a third of the export in
Python; read by the database in the rows' own SELECT, each list is one JSON text, decoded by
orjson. The same SQL works on PostgreSQL (`json_agg`) and SQLite (`json_group_array`).
"""

from typing import Any

import orjson
from django.db.models import Aggregate, QuerySet, Subquery, TextField
from django.db.models.functions import JSONArray


class JSONList(Aggregate):
    """The group's values as a JSON array, as text (no rows: NULL)."""

    function = "JSON_GROUP_ARRAY"
    output_field = TextField()

    def as_postgresql(self, compiler, connection, **extra_context):
        return self.as_sql(
            compiler,
            connection,
            function="JSON_AGG",
            template="%(function)s(%(expressions)s)::text",
            **extra_context,
        )


def json_rows(queryset: QuerySet, group: str, *values: Any) -> Subquery:
    """`values` of each row of `queryset` (filtered on an `OuterRef`, all in one `group`), as a
    JSON array of arrays: read it with `rows_of`. The order of the rows is not kept: give the
    sort key among the values and sort them when read."""
    listed = queryset.order_by().values(group).annotate(rows=JSONList(JSONArray(*values)))
    return Subquery(listed.values("rows"))


def rows_of(text: str | None) -> list[list[Any]]:
    """The rows written by `json_rows` (none: an empty list)."""
    return [] if text is None else orjson.loads(text)
