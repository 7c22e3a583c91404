"""``select`` — model instances from one plain-SQL condition, without the ORM's per-call work.

For the hot path's reads (the event of an API call, the ticket types of a sale): the statement
is built once per model, rows become instances through ``Model.from_db`` with the same value
converters Django's compiler applies, so the instances are what the ORM would have returned.
"""

from __future__ import annotations

import functools
from collections.abc import Callable, Sequence
from typing import Any

from django.db import models, transaction

Converter = Callable[[Any, Any, Any], Any]


@functools.cache
def _shape(
    model: type[models.Model], vendor: str
) -> tuple[str, list[str], list[tuple[int, list[Converter], Any]]]:
    connection = transaction.get_connection()
    quote = connection.ops.quote_name
    fields = list(model._meta.concrete_fields)
    columns = ", ".join(quote(f.column) for f in fields)
    head = f"SELECT {columns} FROM {quote(model._meta.db_table)}"  # noqa: S608
    converters = []
    for index, field in enumerate(fields):
        column = field.get_col(model._meta.db_table)
        found = connection.ops.get_db_converters(column) + column.get_db_converters(connection)
        if found:
            converters.append((index, found, column))
    return head, [f.attname for f in fields], converters


def select[M: models.Model](model: type[M], where: str, params: Sequence[Any]) -> list[M]:
    """``model`` rows matching ``where`` (plain SQL after WHERE, ``%s`` placeholders)."""
    connection = transaction.get_connection()
    head, attnames, converters = _shape(model, connection.vendor)
    with connection.cursor() as cursor:
        cursor.execute(f"{head} WHERE {where}", params)
        rows = cursor.fetchall()
    result = []
    for row in rows:
        values = list(row)
        for index, functions, column in converters:
            value = values[index]
            for function in functions:
                value = function(value, column, connection)
            values[index] = value
        result.append(model.from_db(connection.alias, attnames, values))
    return result
