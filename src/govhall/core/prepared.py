"""Statements built once per process, for the few hot paths that run on every action.

The ORM compiles a statement's SQL on every call; on a signature that writes five rows that
compilation costs more than the database does (docs/benchmarks.md, "Cases"). Here the SQL of a
shape is built once per database vendor — by the ORM itself where it reads, so joins, quoting and
``FOR UPDATE`` stay the ORM's — and each call only binds its values. Values go through each
field's ``pre_save`` (auto_now) and ``get_db_prep_save`` and rows come back through the
compiler's converters, exactly as ``save()`` and iteration would (``core.rowcodec``).

Inside a transaction, when nothing watches the connection (no ``execute_wrapper``, no query
log: DEBUG, ``CaptureQueriesContext``), statements go straight to the driver's cursor with SQL
already in the driver's parameter style; driver errors still come out as Django's exceptions and a
broken transaction still refuses further statements. Watched or outside a transaction, they go
through Django's cursor, so query counts and wrappers see every statement (ADR 0019).

What is skipped: model signals (no context uses them on these models), ``full_clean`` (services
validate before they write) and deferred loading. Use it where a benchmark shows the ORM's cost;
everything else keeps using the ORM.
"""

from __future__ import annotations

import copy
from collections.abc import Callable, Sequence
from functools import lru_cache

from django.db import DEFAULT_DB_ALIAS, connections, models
from django.db.backends.sqlite3.base import FORMAT_QMARK_REGEX
from django.db.models import QuerySet
from django.db.models.base import ModelState
from django.db.models.query import ModelIterable, get_related_populators

from govhall.core import rowcodec


def _connection():
    """The real connection object of this thread (the ``connection`` proxy costs a thread-local
    lookup on every attribute, and fields read it many times per value)."""
    return connections[DEFAULT_DB_ALIAS]


# --- running a statement -------------------------------------------------------------------------

NOTHING, ONE, ALL = 0, 1, 2


def execute(sql: str, params: Sequence = (), fetch: int = NOTHING):
    """Run ``sql`` (Django's ``%s`` style) with ``params``; return nothing, one row or all rows."""
    return _run(_connection(), sql, params, fetch)


def _run(conn, sql: str, params: Sequence, fetch: int):
    if conn.execute_wrappers or conn.queries_logged or not conn.in_atomic_block:
        with conn.cursor() as cursor:
            cursor.execute(sql, params)
            return cursor.fetchone() if fetch == ONE else cursor.fetchall() if fetch == ALL else None
    if conn.needs_rollback:
        conn.validate_no_broken_transaction()  # raises, as Django's cursor would
    cursor = _driver_cursor(conn)
    try:
        if conn.vendor == "sqlite":
            cursor.execute(_driver_sql(sql), params)
            # Every row is read, asked for or not: a kept cursor must not leave a statement
            # running (SQLite refuses to commit while one is).
            rows = cursor.fetchall() if cursor.description is not None else []
        else:
            cursor.execute(sql, params)
            rows = cursor.fetchall() if fetch != NOTHING else []
    except conn.Database.Error:
        with conn.wrap_database_errors:  # re-raised as Django's exception of the same kind
            raise
    return (rows[0] if rows else None) if fetch == ONE else rows if fetch == ALL else None


def _driver_cursor(conn):
    """One driver cursor per live driver connection of this thread. SQLite: the plain cursor,
    without Django's wrapper that rewrites ``%s`` on every call. PostgreSQL: a server-side binding
    cursor (values travel apart from the SQL instead of being quoted into it by Python on every
    call), with Django's time zone loader."""
    kept = conn.__dict__.get("_prepared_cursor")
    if kept is not None and kept[0] is conn.connection:
        return kept[1]
    if conn.vendor == "sqlite":
        cursor = conn.connection.cursor()
    elif conn.vendor == "postgresql":
        from django.db.backends.postgresql.base import TIMESTAMPTZ_OID, ServerBindingCursor, register_tzloader
        from psycopg.pq import Format

        cursor = ServerBindingCursor(conn.connection)
        if conn.timezone != conn.connection.adapters.get_loader(TIMESTAMPTZ_OID, Format.TEXT).timezone:
            register_tzloader(conn.timezone, cursor)
    else:
        cursor = conn.create_cursor()
    conn._prepared_cursor = (conn.connection, cursor)
    return cursor


_DRIVER_SQL: dict[str, str] = {}


def _driver_sql(sql: str) -> str:
    """SQLite's parameter style (``?``) of a statement in Django's (``%s``), converted once."""
    converted = _DRIVER_SQL.get(sql)
    if converted is None:
        if len(_DRIVER_SQL) > 4096:  # statements are built once per shape: this never fills up
            _DRIVER_SQL.clear()
        converted = _DRIVER_SQL[sql] = FORMAT_QMARK_REGEX.sub("?", sql).replace("%%", "%")
    return converted


# --- writing rows ---------------------------------------------------------------------------------


@lru_cache(maxsize=256)
def _construction(model: type[models.Model]) -> tuple[tuple, frozenset]:
    """Per concrete field: (name, attname, related model of a foreign key or None, the attname of
    the key's target, one-to-one?, the default's maker); and every accepted keyword."""
    fields = [f for f in model._meta.concrete_fields if not f.generated]
    plan = tuple(
        (
            f.name, f.attname, f.remote_field.model if f.many_to_one else None,
            f.target_field.attname if f.many_to_one else None, f.one_to_one, f._get_default,
        )
        for f in fields
    )  # fmt: skip
    return plan, frozenset(f.name for f in fields) | frozenset(f.attname for f in fields)


def new(model: type[models.Model], **values):
    """``model(**values)`` without ``__init__``'s general machinery: each field from ``values`` by
    name (a related object for a foreign key, cached as the ORM caches it) or attname, else its
    default. Anything else — a one-to-one, a name that is no field, a model with its own init —
    goes to ``model(**values)`` itself."""
    if not rowcodec.plain_init(model):
        return model(**values)
    plan, known = _construction(model)
    if not known.issuperset(values):
        return model(**values)
    obj = model.__new__(model)
    state = ModelState()
    attributes = obj.__dict__
    attributes["_state"] = state
    cache = None
    for name, attname, related, target, one_to_one, default in plan:
        if name in values:
            value = values[name]
            if related is not None and name != attname:
                if value is None:
                    attributes[attname] = None
                elif isinstance(value, related):
                    attributes[attname] = getattr(value, target)
                else:
                    return model(**values)  # the ORM's own error message
                if cache is None:
                    cache = state.fields_cache
                cache[name] = value
            elif one_to_one:
                return model(**values)
            else:
                attributes[attname] = value
        elif attname in values:
            attributes[attname] = values[attname]
        else:
            attributes[attname] = default()
    return obj


@lru_cache(maxsize=256)
def _insert_plan(model: type[models.Model], vendor: str) -> tuple[tuple, str]:
    fields = tuple(f for f in model._meta.concrete_fields if not f.primary_key)
    quote = _connection().ops.quote_name
    columns = ", ".join(quote(f.column) for f in fields)
    marks = ", ".join(["%s"] * len(fields))
    pk = quote(model._meta.pk.column)
    sql = f"INSERT INTO {quote(model._meta.db_table)} ({columns}) VALUES ({marks}) RETURNING {pk}"  # noqa: S608
    return rowcodec.preparer(fields, vendor), sql


def insert(instance: models.Model) -> models.Model:
    """INSERT ``instance`` (its primary key generated by the database) and set its pk."""
    conn = _connection()
    adapters, sql = _insert_plan(type(instance), conn.vendor)
    instance.pk = _run(conn, sql, adapters(instance, conn, True), ONE)[0]
    instance._state.adding, instance._state.db = False, conn.alias
    return instance


@lru_cache(maxsize=256)
def _insert_many_sql(model: type[models.Model], count: int, vendor: str) -> str:
    fields, one = _insert_plan(model, vendor)
    head, tail = one.split(" VALUES ")
    row = tail.split(" RETURNING ")[0]
    return f"{head} VALUES {', '.join([row] * count)} RETURNING {tail.split(' RETURNING ')[1]}"


def insert_many(instances: Sequence[models.Model]) -> list:
    """INSERT rows of one model in one statement and set their pks (in VALUES order, as Django's
    own ``bulk_create`` relies on for both backends)."""
    if not instances:
        return []
    conn, model = _connection(), type(instances[0])
    adapters, _sql = _insert_plan(model, conn.vendor)
    values = [v for instance in instances for v in adapters(instance, conn, True)]
    pks = [row[0] for row in _run(conn, _insert_many_sql(model, len(instances), conn.vendor), values, ALL)]
    for instance, pk in zip(instances, pks, strict=True):
        instance.pk = pk
        instance._state.adding, instance._state.db = False, conn.alias
    return list(instances)


@lru_cache(maxsize=256)
def _update_plan(model: type[models.Model], names: tuple[str, ...] | None, vendor: str) -> tuple[tuple, str]:
    meta = model._meta
    if names is None:
        fields = tuple(f for f in meta.concrete_fields if not f.primary_key)
    else:
        fields = tuple(meta.get_field(n) for n in names)
    quote = _connection().ops.quote_name
    sets = ", ".join(f"{quote(f.column)} = %s" for f in fields)
    sql = f"UPDATE {quote(meta.db_table)} SET {sets} WHERE {quote(meta.pk.column)} = %s"  # noqa: S608
    return rowcodec.preparer(fields, vendor), sql


@lru_cache(maxsize=256)
def _tracking(model: type[models.Model]) -> tuple[tuple[str, ...], frozenset, tuple[str, ...]]:
    """(every column's attname but the pk's, those written on every save (auto_now), those whose
    value may be a container: copied when remembered, so a change in place still shows)."""
    fields = [f for f in model._meta.concrete_fields if not f.primary_key]
    plain = rowcodec.TEXT | rowcodec.INTEGER | {models.BooleanField, models.DateTimeField, models.DateField,
                                models.ForeignKey, models.OneToOneField, models.DecimalField}  # fmt: skip
    return (
        tuple(f.attname for f in fields),
        frozenset(f.attname for f in fields if getattr(f, "auto_now", False)),
        tuple(f.attname for f in fields if type(f) not in plain),
    )


def update_changed(instance: models.Model) -> list[str]:
    """UPDATE only the fields that differ from the row as a tracking ``Select`` read it (every
    field when the instance was not read that way); returns the names written."""
    loaded = getattr(instance, "_prepared_loaded", None)
    attnames, always, _containers = _tracking(type(instance))
    if loaded is None:
        update(instance)
        return list(attnames)
    now = instance.__dict__
    names = [
        a for a in attnames if a in always or now.get(a, rowcodec.ABSENT) != loaded.get(a, rowcodec.ABSENT)
    ]
    if names:
        update(instance, names)
        _remember(instance)
    return names


def _remember(instance: models.Model) -> None:
    attnames, _always, containers = _tracking(type(instance))
    now = instance.__dict__
    loaded = {a: now.get(a, rowcodec.ABSENT) for a in attnames}
    for a in containers:
        if isinstance(value := loaded[a], dict | list):
            loaded[a] = copy.deepcopy(value)
    instance._prepared_loaded = loaded


def update(instance: models.Model, fields: Sequence[str] | None = None) -> None:
    """UPDATE the row of ``instance``: the named fields, or every field (``save()``'s default)."""
    conn = _connection()
    names = tuple(fields) if fields is not None else None
    adapters, sql = _update_plan(type(instance), names, conn.vendor)
    values = adapters(instance, conn, False)
    pk = instance.pk
    values.append(pk if type(pk) is int else instance._meta.pk.get_db_prep_value(pk, conn))
    _run(conn, sql, values, NOTHING)


class Select:
    """A read whose SQL is compiled once per vendor from a queryset, then bound to new values.

    ``build(*values)`` returns the queryset; it is called once with the first call's values (per
    number of values, so an ``__in`` filter gets a statement per list length) to compile, and the
    statement's parameters must be exactly those values in that order (filters on the values only:
    no constants, no slices — filter the rest in Python). Rows come back as model instances, with
    ``select_related`` objects attached as the ORM attaches them, or as tuples for a
    ``values_list`` queryset. With ``track=True`` each instance remembers its row, so that
    ``update_changed`` writes only what the caller changed::

        CASE_FOR_UPDATE = Select(lambda pk: Case.objects.select_for_update(of=("self",)).filter(pk=pk))
        case = CASE_FOR_UPDATE.one(case_id)
    """

    def __init__(self, build: Callable[..., QuerySet], *, track: bool = False):
        self._build = build
        self._track = track  # remember each row as read, for ``update_changed``
        self._plans: dict[tuple, tuple] = {}

    def _plan(self, conn, values: tuple) -> tuple:
        key = (conn.vendor, len(values))
        plan = self._plans.get(key)
        if plan is None:
            queryset = self._build(*values)
            compiler = queryset.query.get_compiler(conn.alias)
            sql, params = compiler.as_sql()
            if list(params) != list(values):  # a constant in the filter, or values out of order
                raise ValueError(f"Select binds {values!r} but its statement takes {params!r}")
            converters = rowcodec.row_converter(compiler.get_converters([c for c, _s, _a in compiler.select]))
            if queryset._iterable_class is not ModelIterable:  # values_list
                plan = (sql, converters, None)
            else:
                info = compiler.klass_info
                first, last = info["select_fields"][0], info["select_fields"][-1] + 1
                names = [col.target.attname for col, _sql, _alias in compiler.select[first:last]]
                populators = get_related_populators(info, compiler.select, conn.alias)
                plan = (sql, converters, (info["model"], first, last, names, populators))
            self._plans[key] = plan
        return plan

    def all(self, *values) -> list:
        conn = _connection()
        sql, converters, shape = self._plan(conn, values)
        rows = _run(conn, sql, values, ALL)
        if converters:  # the compiler's converters, applied with this thread's connection
            rows = [converters(r, conn) for r in rows]
        if shape is None:
            return [tuple(r) for r in rows]
        model, first, last, names, populators = shape
        alias, result = conn.alias, []
        for row in rows:
            obj = rowcodec.instance(model, alias, names, row[first:last])
            for populator in populators:
                rowcodec.populate(populator, row, obj)
            if self._track:
                _remember(obj)
            result.append(obj)
        return result

    def one(self, *values):
        """The single row, or ``model.DoesNotExist`` (``None`` for a values_list select)."""
        rows = self.all(*values)
        if rows:
            return rows[0]
        shape = self._plan(_connection(), values)[2]
        if shape is None:
            return None
        raise shape[0].DoesNotExist(f"{shape[0].__name__} matching {values!r} does not exist.")
