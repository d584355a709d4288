"""Parse the compact item rows of ``govhall.demo.data.items_*`` into typed records."""

from dataclasses import dataclass, field
from decimal import Decimal

from govhall.demo.data import items_extra, items_social, items_works

_UNITS = {"d": "day", "h": "hour"}


@dataclass(frozen=True)
class MaterialRow:
    name: str
    issuer: str = ""
    required: bool = True


@dataclass(frozen=True)
class ItemRow:
    dept: str
    name: str
    type_code: str  # GB/T 39046 code or "NL"
    legal: Decimal
    promised: Decimal
    unit: str
    objects: str
    themes: tuple[str, ...]
    materials: tuple[MaterialRow, ...]
    flags: frozenset[str] = field(default_factory=frozenset)
    countersign: tuple[str, tuple[str, ...]] | None = None  # ("all"|"any", department codes)
    basis: str = ""


def _limit(text: str) -> tuple[Decimal, str]:
    if text and text[-1] in _UNITS:
        return Decimal(text[:-1]), _UNITS[text[-1]]
    return Decimal(text), "workday"


def _material(text: str) -> MaterialRow:
    required = not text.startswith("?")
    name, _, issuer = text.lstrip("?").partition("@")
    return MaterialRow(name=name, issuer=issuer, required=required)


def _flags(text: str) -> tuple[frozenset[str], tuple[str, tuple[str, ...]] | None]:
    flags, countersign = set(), None
    for token in text.split():
        if token[:2] in ("x:", "y:"):
            countersign = ("all" if token[0] == "x" else "any", tuple(token[2:].split("+")))
        else:
            flags.add(token)
    return frozenset(flags), countersign


def parse_row(line: str, defaults: dict[str, str]) -> ItemRow:
    dept, name, type_code, legal, promised, objects, themes, materials, flags, basis = line.split("|")
    legal_value, unit = _limit(legal)
    promised_value, promised_unit = _limit(promised)
    if promised_value and promised_unit != unit:
        raise ValueError(f"{name}: legal and promised limits use different units")
    flag_set, countersign = _flags(flags)
    return ItemRow(
        dept=dept,
        name=name,
        type_code=type_code,
        legal=legal_value,
        promised=promised_value,
        unit=unit,
        objects=objects,
        themes=tuple(themes.split()),
        materials=tuple(_material(m) for m in materials.split(";") if m),
        flags=flag_set,
        countersign=countersign,
        basis=basis or defaults.get(dept, ""),
    )


def all_rows() -> list[ItemRow]:
    rows: list[ItemRow] = []
    for module in (items_social, items_works, items_extra):
        for line in module.ROWS.strip().splitlines():
            rows.append(parse_row(line.strip(), module.DEFAULT_BASIS))
    return rows
