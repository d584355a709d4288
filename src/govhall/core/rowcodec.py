"""Values to the driver and rows back to instances, for ``core.prepared`` (ADR 0019).

Going in: one generated function per statement shape turns an instance's attributes into the
driver's values — by type for plain fields (text, integers, booleans, keys, aware datetimes, JSON on
SQLite), through the field's own ``pre_save`` + ``get_db_prep_save`` for anything else, exactly what
``save()`` does. Coming out: one generated function per statement applies the compiler's converters
(SQLite's datetime converter inlined), and rows become instances as ``from_db`` would build them,
without ``__init__``'s per-field work, for models with Django's own ``__init__``/``from_db`` and no
init-signal receivers.
"""

from __future__ import annotations

import json
from collections.abc import Callable, Sequence
from datetime import UTC, datetime
from functools import lru_cache

from django.conf import settings
from django.db import models
from django.db.models.base import ModelState
from django.db.models.signals import post_init, pre_init

# --- going in ------------------------------------------------------------------------------

TEXT = frozenset({models.CharField, models.TextField})
INTEGER = frozenset({
    models.IntegerField, models.BigIntegerField, models.SmallIntegerField, models.PositiveIntegerField,
    models.PositiveBigIntegerField, models.PositiveSmallIntegerField,
    models.AutoField, models.BigAutoField, models.SmallAutoField,
})  # fmt: skip


ABSENT = object()  # a deferred field: the slow path loads it


def _kind(field, vendor: str) -> str:
    """How a field's value reaches the driver: by type (text, integer, boolean, SQLite JSON, SQLite
    or PostgreSQL aware datetime) or through the field itself ("slow")."""
    kind = type(field)
    if kind in (models.ForeignKey, models.OneToOneField):
        kind = type(field.target_field)
    if kind in TEXT:
        return "text"
    if kind in INTEGER:
        return "integer"
    if kind is models.BooleanField:
        return "boolean"
    if kind is models.JSONField and vendor == "sqlite":
        return "sqlite_json"
    if kind is models.DateTimeField and not field.auto_now and not field.auto_now_add:
        if vendor in ("sqlite", "postgresql"):
            return f"{vendor}_datetime"
    return "slow"


# Per kind, the code that turns ``v`` (the attribute as the instance holds it) into the value for
# the driver; ``slow(instance, conn, add)`` is the field's own pre_save + get_db_prep_save, exactly
# what save() does, for every value the fast test does not take.
_CONVERT = {
    "text": "if not (v is None or isinstance(v, str)):\n    v = slow(instance, conn, add)",
    "integer": "if not (v is None or type(v) is int):\n    v = slow(instance, conn, add)",
    "boolean": "if not (v is None or type(v) is bool):\n    v = slow(instance, conn, add)",
    # Django's adapt_json_value on SQLite.
    "sqlite_json": (
        "if type(v) is dict or type(v) is list:\n    v = dumps(v, cls=encoder)\n"
        "else:\n    v = slow(instance, conn, add)"
    ),
    # Django's adapt_datetimefield_value on SQLite: naive, in the connection's zone.
    "sqlite_datetime": (
        "if v is None:\n    pass\n"
        "elif type(v) is datetime and v.tzinfo is not None:\n"
        "    v = str((v if v.tzinfo is UTC and utc else v.astimezone(conn.timezone)).replace(tzinfo=None))\n"
        "else:\n    v = slow(instance, conn, add)"
    ),
    # psycopg sends an aware datetime as it is.
    "postgresql_datetime": (
        "if not (v is None or (type(v) is datetime and v.tzinfo is not None)):\n    v = slow(instance, conn, add)"
    ),
    "slow": "v = slow(instance, conn, add)",
}


def preparer(fields: Sequence, vendor: str) -> Callable:
    """``(instance, conn, add) → [value for the driver, …]`` for ``fields``, as one generated
    function: per field a dict lookup and a type test in the common case, no call."""
    lines, scope = ["def prepare(instance, conn, add):", "    d = instance.__dict__"], {}
    kinds = [_kind(f, vendor) for f in fields]
    if "sqlite_datetime" in kinds:
        lines.append('    utc = conn.timezone_name == "UTC"')
    for i, (field, kind) in enumerate(zip(fields, kinds, strict=True)):
        scope[f"slow_{i}"], scope[f"encoder_{i}"] = _slow(field), getattr(field, "encoder", None)
        lines.append(f"    v = d.get({field.attname!r}, ABSENT)")
        code = _CONVERT[kind].replace("slow(", f"slow_{i}(").replace("cls=encoder", f"cls=encoder_{i}")
        lines.extend("    " + line for line in code.splitlines())
        lines.append(f"    v{i} = v")
    lines.append(f"    return [{', '.join(f'v{i}' for i in range(len(fields)))}]")
    scope |= {"ABSENT": ABSENT, "datetime": datetime, "UTC": UTC, "dumps": json.dumps}
    exec("\n".join(lines), scope)  # noqa: S102 - the source is built above from attnames only
    return scope["prepare"]


def _slow(field) -> Callable:
    def slow(instance, conn, add):
        return field.get_db_prep_save(field.pre_save(instance, add), conn)

    return slow


# --- coming out ----------------------------------------------------------------------------------


def row_converter(converters: dict) -> Callable | None:
    """``(row, conn) → list`` applying the compiler's converters (position → (converters,
    expression)), as one generated function; None when no column needs one. SQLite's datetime
    converter is inlined: the driver already gives a naive datetime in the connection's zone
    (Django registers the parser), which Django's converter only makes aware."""
    from django.db.backends.sqlite3.operations import DatabaseOperations

    if not converters:
        return None
    lines, scope = ["def convert(r, conn):", "    r = list(r)", "    tz = conn.timezone"], {}
    for pos, (convs, expression) in converters.items():
        scope[f"e{pos}"] = expression
        lines.append(f"    v = r[{pos}]")
        for k, converter in enumerate(convs):
            scope[f"c{pos}_{k}"] = converter
            call = f"c{pos}_{k}(v, e{pos}, conn)"
            is_sqlite_datetime = (
                getattr(converter, "__func__", None) is DatabaseOperations.convert_datetimefield_value
            )
            if is_sqlite_datetime and settings.USE_TZ:
                lines.append("    if type(v) is datetime and v.tzinfo is None:")
                lines.append("        v = v.replace(tzinfo=tz)")
                lines.append("    elif v is not None:")
                lines.append(f"        v = {call}")
            else:
                lines.append(f"    v = {call}")
        lines.append(f"    r[{pos}] = v")
    lines.append("    return r")
    scope["datetime"] = datetime
    exec("\n".join(lines), scope)  # noqa: S102 - the source is built above from positions only
    return scope["convert"]


@lru_cache(maxsize=256)
def plain_init(model: type[models.Model]) -> bool:
    """Whether ``from_db`` may be replaced by filling the instance's ``__dict__``: the model's
    ``__init__`` and ``from_db`` are Django's and nothing listens to its init signals."""
    return (
        model.__init__ is models.Model.__init__
        and model.from_db.__func__ is models.Model.from_db.__func__
        and not pre_init.has_listeners(model)
        and not post_init.has_listeners(model)
    )


def instance(model: type[models.Model], alias: str, names: Sequence[str], values: Sequence):
    """``model.from_db(alias, names, values)`` without ``__init__``'s per-field setattr."""
    if not plain_init(model):
        return model.from_db(alias, names, values)
    obj = model.__new__(model)
    state = ModelState()
    state.adding, state.db = False, alias
    attributes = obj.__dict__
    attributes["_state"] = state
    attributes.update(zip(names, values, strict=True))
    return obj


def populate(populator, row, from_obj) -> None:
    """Django's ``RelatedPopulator.populate`` with ``_instance`` in place of ``from_db``."""
    if populator.reorder_for_init:
        data = populator.reorder_for_init(row)
    else:
        data = row[populator.cols_start : populator.cols_end]
    if data[populator.pk_idx] is None:
        obj = None
    else:
        obj = instance(populator.model_cls, populator.db, populator.init_list, data)
        for inner in populator.related_populators:
            populate(inner, row, obj)
    populator.local_setter(from_obj, obj)
    if obj is not None:
        populator.remote_setter(obj, from_obj)
