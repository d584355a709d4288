"""Check digits for the fictitious identity numbers of the demo people.

Kept here (and not imported from core.identity) so that the demo stands on the standards alone.
"""

_RIC_WEIGHTS = [7, 9, 10, 5, 8, 4, 2, 1, 6, 3, 7, 9, 10, 5, 8, 4, 2]
_RIC_CHECK = "10X98765432"
_USCC_CHARSET = "0123456789ABCDEFGHJKLMNPQRTUWXY"  # GB 32100: no I, O, S, V, Z
_USCC_WEIGHTS = [1, 3, 9, 27, 19, 26, 16, 17, 20, 29, 25, 13, 8, 24, 10, 30, 28]
_ORG_WEIGHTS = [3, 7, 9, 10, 5, 8, 4, 2]


def ric_complete(first17: str) -> str:
    """Append the GB 11643 MOD 11-2 check character to 17 digits."""
    total = sum(int(c) * w for c, w in zip(first17, _RIC_WEIGHTS, strict=True))
    return first17 + _RIC_CHECK[total % 11]


def org_code_complete(first8: str) -> str:
    """Append the GB 11714 organisation-code check character to 8 characters."""
    total = sum(int(c, 36) * w for c, w in zip(first8, _ORG_WEIGHTS, strict=True))
    check = 11 - total % 11
    return first8 + {10: "X", 11: "0"}.get(check, str(check))


def uscc_complete(first17: str) -> str:
    """Append the GB 32100 MOD 31 check character to 17 characters."""
    total = sum(_USCC_CHARSET.index(c) * w for c, w in zip(first17, _USCC_WEIGHTS, strict=True))
    return first17 + _USCC_CHARSET[(31 - total % 31) % 31]


def enterprise_uscc(region: str, org_body: str) -> str:
    """A credit code of a company registered by market regulation (9 = 工商, 1 = enterprise)."""
    return uscc_complete("91" + region + org_code_complete(org_body))
