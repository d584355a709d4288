"""The fields of an item's online application form (申请表填写项), stored as JSON on the item.

Each field is ``{"key", "label", "type", "required", "choices", "help"}``. The list travels in the
item-version snapshot, so a case keeps the form it was filed under. Pure functions, no database.
"""

import re

from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from govhall.catalog.validation import Problem

FIELD_TYPES = {
    "text": gettext_lazy("单行文字"),
    "textarea": gettext_lazy("多行文字"),
    "date": gettext_lazy("日期"),
    "number": gettext_lazy("数字"),
    "choice": gettext_lazy("单选"),
    "id_number": gettext_lazy("身份证号码"),
    "mobile": gettext_lazy("手机号码"),
}
KEY_RE = re.compile(r"^[a-z][a-z0-9_]{0,31}$")
MAX_FIELDS = 30
LABEL_MAX = 32
HELP_MAX = 200
CHOICE_MAX = 64
PART = "form_fields"


def _text(value) -> str:
    return str(value).strip() if value is not None else ""


def normalise_form_fields(raw) -> list | object:
    """Each field with its defaults filled and texts stripped; a non-list is returned as it is
    (``check_form_fields`` reports it)."""
    if raw in (None, ""):
        return []
    if not isinstance(raw, list | tuple):
        return raw
    fields = []
    for entry in raw:
        if not isinstance(entry, dict):
            fields.append(entry)
            continue
        kind = _text(entry.get("type")) or "text"
        choices = entry.get("choices") or []
        if isinstance(choices, str):  # "a|b|c" from a spreadsheet cell
            choices = choices.replace("｜", "|").split("|")
        fields.append(
            {
                "key": _text(entry.get("key")),
                "label": _text(entry.get("label")),
                "type": kind,
                "required": entry.get("required", True) is not False,
                "choices": [_text(c) for c in choices if _text(c)] if kind == "choice" else [],
                "help": _text(entry.get("help")),
            }
        )
    return fields


def _problem(field: str, code: str, message: str, index: int | None) -> Problem:
    return Problem(field, code, message, PART, index)


def _check_one(i: int, entry) -> list[Problem]:
    if not isinstance(entry, dict):
        return [_problem("key", "catalog.form_field_invalid", _("申请表填写项格式无效"), i)]
    problems = []
    label = entry["label"]
    if not label:
        problems.append(_problem("label", "catalog.form_field_label_required", _("请填写填写项名称"), i))
    elif len(label) > LABEL_MAX:
        problems.append(
            _problem("label", "catalog.form_field_label_too_long", _("填写项名称不得超过 32 个字"), i)
        )
    if not KEY_RE.match(entry["key"]):
        problems.append(
            _problem(
                "key",
                "catalog.form_field_key_invalid",
                _("填写项“%(l)s”的键名须以小写字母开头，由小写字母、数字和下划线组成，最长 32 位")
                % {"l": label},
                i,
            )
        )
    if entry["type"] not in FIELD_TYPES:
        problems.append(
            _problem(
                "type",
                "catalog.form_field_type_invalid",
                _("填写项“%(l)s”的类型无效（文字、多行文字、日期、数字、单选、身份证号码、手机号码）")
                % {"l": label},
                i,
            )
        )
    choices = entry["choices"]
    if entry["type"] == "choice" and not choices:
        problems.append(
            _problem(
                "choices",
                "catalog.form_field_choices_required",
                _("单选填写项“%(l)s”须列出可选值") % {"l": label},
                i,
            )
        )
    elif len(set(choices)) != len(choices) or any(len(c) > CHOICE_MAX for c in choices):
        problems.append(
            _problem(
                "choices",
                "catalog.form_field_choices_invalid",
                _("填写项“%(l)s”的可选值不能重复，每项不超过 64 个字") % {"l": label},
                i,
            )
        )
    if len(entry["help"]) > HELP_MAX:
        problems.append(
            _problem("help", "catalog.form_field_help_too_long", _("填写说明不得超过 200 个字"), i)
        )
    return problems


def check_form_fields(fields) -> list[Problem]:
    """A list of at most 30 well-formed fields with unique keys (and unique labels: the labels are
    what the reviewer reads)."""
    if not isinstance(fields, list):
        return [_problem("form_fields", "catalog.form_fields_invalid", _("申请表填写项须为列表"), None)]
    if len(fields) > MAX_FIELDS:
        return [
            _problem("form_fields", "catalog.form_fields_too_many", _("申请表填写项不得超过 30 项"), None)
        ]
    problems, keys, labels = [], set(), set()
    for i, entry in enumerate(fields):
        found = _check_one(i, entry)
        problems += found
        if found or not isinstance(entry, dict):
            continue
        if entry["key"] in keys:
            problems.append(
                _problem(
                    "key",
                    "catalog.form_field_key_duplicate",
                    _("填写项键名“%(k)s”重复") % {"k": entry["key"]},
                    i,
                )
            )
        elif entry["label"] in labels:
            problems.append(
                _problem(
                    "label",
                    "catalog.form_field_label_duplicate",
                    _("填写项名称“%(l)s”重复") % {"l": entry["label"]},
                    i,
                )
            )
        keys.add(entry["key"])
        labels.add(entry["label"])
    return problems


def type_label(kind: str) -> str:
    return str(FIELD_TYPES.get(kind, kind))
