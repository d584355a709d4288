"""Pinyin keys of item names for search: full pinyin and initials, lower case, no separators."""

import re

from pypinyin import lazy_pinyin

_ALNUM = re.compile(r"[0-9a-z]+")
_HAN = re.compile(r"[\u3400-\u9fff]")


def _tokens(text: str) -> list[str]:
    # lazy_pinyin reads whole words, so polyphones follow the phrase (银行 → yin hang); a chunk that
    # is not Chinese comes back split into characters, so "ICP" gives the initials i, c, p.
    raw = lazy_pinyin(text, errors=lambda chunk: list(chunk))
    return [t for t in ("".join(_ALNUM.findall(tok.lower())) for tok in raw) if t]


def name_keys(name: str) -> tuple[str, str]:
    """``(full pinyin, initials)`` of a name, e.g. 营业执照 → ("yingyezhizhao", "yyzz")."""
    tokens = _tokens(name)
    return "".join(tokens)[:512], "".join(t[0] for t in tokens)[:128]


def has_han(text: str) -> bool:
    return bool(_HAN.search(text))


def latin_key(text: str) -> str:
    """A Latin query term as stored keys are written: lower case letters and digits only."""
    return "".join(_ALNUM.findall(text.lower()))
