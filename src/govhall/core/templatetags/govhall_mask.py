"""Template filters that mask personal data: ``{% load govhall_mask %}{{ user.real_name|mask_name }}``."""

from django import template

from govhall.core import masking

register = template.Library()


@register.filter
def mask_name(value: str) -> str:
    return masking.mask_name(value)


@register.filter
def mask_id(value: str) -> str:
    return masking.mask_id_number(value)


@register.filter
def mask_mobile(value: str) -> str:
    return masking.mask_mobile(value)


@register.filter
def mask_uscc(value: str) -> str:
    return masking.mask_uscc(value)


@register.filter
def mask_email(value: str) -> str:
    return masking.mask_email(value)
