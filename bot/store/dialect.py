"""Where SQLite and PostgreSQL differ, in one place.

Repositories write one SQL text for both engines: `?` placeholders (or
`:name`), `INSERT … ON CONFLICT`, `RETURNING`, `IS NOT DISTINCT FROM`, `CASE`
instead of SQLite's two-argument `MAX`. What cannot be written the same way
comes from the `Dialect` of the open connection:

- a list given as one parameter (`in_list`): a JSON array read with
  `json_each` in SQLite, a `text[]` in PostgreSQL;
- row locks for claims (`skip_locked`): nothing in SQLite, where one writer
  at a time holds the whole database, `FOR UPDATE SKIP LOCKED` in PostgreSQL,
  where several workers claim at once and must never wait for each other;
- insertion order (`insertion_order`): SQLite's `rowid`, a `seq` column in
  PostgreSQL, which has no stable row order;
- case-insensitive equality and `LIKE`.

`to_postgres` rewrites, once per SQL text (cached), what has a plain
PostgreSQL spelling, so that a repository need not say it twice:

- placeholders into asyncpg's `$1, $2…` (string literals are left alone);
- `json_each(X)`, a JSON array as rows, into `jsonb_array_elements_text`;
- `x IS ?` and `x IS NOT ?` into `IS [NOT] DISTINCT FROM`;
- SQLite's two-argument `MIN(a, b)` and `MAX(a, b)` into `LEAST` and `GREATEST`;
- `group_concat(x)` into `string_agg(CAST(x AS TEXT), ',')`;
- `rowid` into `seq` (the tables read in insertion order have that column);
- `temp.table` into `pg_temp.table`.
"""

from __future__ import annotations

import json
import re
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from functools import lru_cache
from typing import Any


@dataclass(frozen=True, slots=True)
class Dialect:
    name: str

    @property
    def postgres(self) -> bool:
        return self.name == "postgresql"

    @property
    def skip_locked(self) -> str:
        """Appended to the SELECT of a claim: rows another worker is claiming are skipped."""
        return " FOR UPDATE SKIP LOCKED" if self.postgres else ""

    @property
    def insertion_order(self) -> str:
        """An expression ordering a table's rows as they were inserted."""
        return "seq" if self.postgres else "rowid"

    def in_list(self, expression: str, placeholder: str = "?") -> str:
        """`expression` is one of the values of the list given at `placeholder`
        (pass the list through `list_param`)."""
        if self.postgres:
            return f"{expression} = ANY(CAST({placeholder} AS TEXT[]))"
        return f"{expression} IN (SELECT value FROM json_each({placeholder}))"

    def in_int_list(self, expression: str, placeholder: str = "?") -> str:
        if self.postgres:
            return f"{expression} = ANY(CAST({placeholder} AS BIGINT[]))"
        return f"{expression} IN (SELECT value FROM json_each({placeholder}))"

    def list_param(self, values: Iterable[Any]) -> Any:
        listed = list(values)
        return listed if self.postgres else json.dumps(listed)

    def nocase_equals(self, column: str, placeholder: str = "?") -> str:
        """ASCII case-insensitive equality (SQLite's NOCASE; PostgreSQL folds Unicode too)."""
        if self.postgres:
            return f"lower({column}) = lower({placeholder})"
        return f"{column} = {placeholder} COLLATE NOCASE"

    def json_int_equals(self, column: str, key: str, placeholder: str = "?") -> str:
        """The integer at `key` of the JSON object in `column` equals the parameter."""
        if self.postgres:
            return (
                f"(CAST({column} AS JSONB) ->> '{key}')"
                f" = CAST(CAST({placeholder} AS BIGINT) AS TEXT)"
            )
        return f"json_extract({column}, '$.{key}') = {placeholder}"

    def json_with_int(self, column: str, key: str, placeholder: str = "?") -> str:
        """The JSON object in `column` with `key` set to the integer parameter."""
        if self.postgres:
            return (
                f"CAST(jsonb_set(CAST({column} AS JSONB), '{{{key}}}',"
                f" to_jsonb(CAST({placeholder} AS BIGINT))) AS TEXT)"
            )
        return f"json_set({column}, '$.{key}', {placeholder})"

    @property
    def like(self) -> str:
        """Case-insensitive LIKE, as SQLite's LIKE is for ASCII."""
        return "ILIKE" if self.postgres else "LIKE"


SQLITE = Dialect("sqlite")
POSTGRESQL = Dialect("postgresql")


_JSON_EACH = re.compile(r"json_each\(([^()]+)\)(\s+(?:AS\s+)?([A-Za-z_]\w*))?", re.IGNORECASE)
_NOT_ALIASES = frozenset(
    [
        "where",
        "on",
        "and",
        "or",
        "group",
        "order",
        "limit",
        "join",
        "left",
        "inner",
        "union",
        "cross",
        "as",
        "having",
    ]
)
_IS_PARAM = re.compile(r"\bIS\s+(NOT\s+)?(\?|:[A-Za-z_]\w*)", re.IGNORECASE)
_GROUP_CONCAT = re.compile(r"group_concat\(([^()]+)\)", re.IGNORECASE)
_ROWID = re.compile(r"\browid\b", re.IGNORECASE)
_MIN_MAX = re.compile(r"\b(MIN|MAX)\(", re.IGNORECASE)
_TEMP = re.compile(r"\btemp\.", re.IGNORECASE)


def _json_each(match: re.Match[str]) -> str:
    alias = match.group(3)
    rows = f"jsonb_array_elements_text(CAST({match.group(1)} AS JSONB))"
    if alias is None or alias.lower() in _NOT_ALIASES:
        return f"{rows} AS json_each(value){match.group(2) or ''}"
    return f"{rows} AS {alias}(value)"


def _least_greatest(sql: str) -> str:
    """`MIN(a, b)` (a scalar: a comma at the top level of its parentheses) -> `LEAST(a, b)`."""
    out: list[str] = []
    position = 0
    for match in _MIN_MAX.finditer(sql):
        if match.start() < position:
            continue
        depth, index, comma = 1, match.end(), False
        while index < len(sql) and depth:
            char = sql[index]
            if char == "(":
                depth += 1
            elif char == ")":
                depth -= 1
            elif char == "," and depth == 1:
                comma = True
            index += 1
        if comma:
            name = "LEAST" if match.group(1).upper() == "MIN" else "GREATEST"
            out.append(sql[position : match.start()] + name + "(")
            position = match.end()
    out.append(sql[position:])
    return "".join(out)


def _postgres_spelling(sql: str) -> str:
    sql = _JSON_EACH.sub(_json_each, sql)
    sql = _IS_PARAM.sub(
        lambda m: f"IS {'' if m.group(1) else 'NOT '}DISTINCT FROM {m.group(2)}", sql
    )
    sql = _GROUP_CONCAT.sub(r"string_agg(CAST(\1 AS TEXT), ',')", sql)
    sql = _ROWID.sub("seq", sql)
    sql = _TEMP.sub("pg_temp.", sql)
    return _least_greatest(sql)


def _is_name_start(char: str) -> bool:
    return char.isalpha() or char == "_"


@lru_cache(maxsize=4096)
def _translate(sql: str) -> tuple[str, tuple[str, ...] | None]:
    """`?` -> `$n`; `:name` -> `$n` (the names in order, or None for positional)."""
    sql = _postgres_spelling(sql)
    out: list[str] = []
    names: list[str] = []
    positional = 0
    i = 0
    quote: str | None = None
    length = len(sql)
    while i < length:
        char = sql[i]
        if quote is not None:
            out.append(char)
            if char == quote:
                quote = None
            i += 1
            continue
        if char in ("'", '"'):
            quote = char
            out.append(char)
            i += 1
            continue
        if char == "?":
            positional += 1
            out.append(f"${positional}")
            i += 1
            continue
        if (
            char == ":"
            and i + 1 < length
            and _is_name_start(sql[i + 1])
            and (i == 0 or sql[i - 1] != ":")
        ):
            end = i + 1
            while end < length and (sql[end].isalnum() or sql[end] == "_"):
                end += 1
            name = sql[i + 1 : end]
            if name not in names:
                names.append(name)
            out.append(f"${names.index(name) + 1}")
            i = end
            continue
        out.append(char)
        i += 1
    if names and positional:
        raise ValueError("SQL mixes ? and :name placeholders")
    return "".join(out), tuple(names) if names else None


def to_postgres(
    sql: str, params: Sequence[Any] | Mapping[str, Any] = ()
) -> tuple[str, Sequence[Any]]:
    """The SQL text and its arguments as asyncpg takes them."""
    text, names = _translate(sql)
    if names is None:
        if isinstance(params, Mapping):
            return text, []  # no :name in the SQL: nothing of the mapping is used
        return text, params
    if not isinstance(params, Mapping):
        raise ValueError("SQL with :name placeholders needs a mapping of parameters")
    return text, [params[name] for name in names]
