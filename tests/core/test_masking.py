"""Masking: the documented forms, and properties that the hidden part is never revealed."""

import logging
import logging.config
import sys

import pytest
from django.template import Context, Template
from hypothesis import given
from hypothesis import strategies as st

from govhall.core.logmask import MaskingFilter, mask_text
from govhall.core.masking import mask_email, mask_id_number, mask_mobile, mask_name, mask_uscc


@pytest.mark.parametrize(
    ("name", "masked"),
    [
        ("张三", "张*"),
        ("张三丰", "张**"),
        ("欧阳娜娜", "欧阳**"),
        ("欧阳锋", "欧阳*"),
        ("欧阳", "欧*"),
        ("李", "*"),
        ("", ""),
    ],
)
def test_names_keep_only_the_surname(name, masked):
    assert mask_name(name) == masked


def test_documented_forms():
    assert mask_id_number("11010519491231002x") == "110105********002X"
    assert mask_mobile("13812341234") == "138****1234"
    assert mask_mobile("+86 138-1234-1234") == "138****1234"
    assert mask_uscc("91350100M000100Y43") == "9135**********0Y43"
    assert mask_email("zhangsan@example.cn") == "z***@example.cn"


def test_a_national_number_beginning_with_0086_is_not_taken_for_a_country_code():
    assert mask_mobile("00860000000") == "008****0000"
    assert mask_mobile("0086 138 1234 5678") == "138****5678"
    assert mask_mobile("+86 138-1234-5678") == "138****5678"


def test_values_too_short_to_mask_safely_are_fully_hidden():
    assert mask_mobile("1381234") == "*******"
    assert mask_id_number("11010519") == "********"
    assert mask_email("no-at-sign") == "***"
    assert mask_id_number(None) == ""


@given(st.text(alphabet="0123456789X", min_size=18, max_size=18))
def test_id_mask_never_reveals_the_birth_date_block(value):
    masked = mask_id_number(value)
    assert len(masked) == 18
    assert masked[:6] == value[:6]
    assert masked[-4:] == value[-4:]
    assert set(masked[6:14]) == {"*"}


@given(st.text(alphabet="0123456789", min_size=11, max_size=11))
def test_mobile_mask_hides_the_middle_four(value):
    masked = mask_mobile(value)
    assert masked == value[:3] + "****" + value[-4:]


@given(st.text(min_size=0, max_size=40))
def test_masks_never_show_more_than_the_kept_ends(value):
    # Whatever the input, at most 6 + 4 characters of it survive, and only at the ends.
    for mask, kept in ((mask_id_number, 10), (mask_mobile, 7), (mask_uscc, 8)):
        masked = mask(value)
        assert sum(ch != "*" for ch in masked) <= kept


@given(st.text(alphabet=st.characters(categories=["Lo"]), min_size=2, max_size=6))
def test_name_mask_never_shows_the_given_name(name):
    masked = mask_name(name)
    assert len(masked) == len(name)
    assert masked[-1] == "*"
    assert masked.count("*") >= len(name) - 2


def test_template_filters():
    template = Template("{% load govhall_mask %}{{ n|mask_name }} {{ i|mask_id }} {{ m|mask_mobile }}")
    rendered = template.render(Context({"n": "张三", "i": "11010519491231002X", "m": "13812345678"}))
    assert rendered == "张* 110105********002X 138****5678"


# --- log lines -------------------------------------------------------------------------------


def test_mask_text_finds_every_kind_of_number():
    line = "申请人 11010519491231002X 电话 +86 138-1234-5678，单位 91350100M000100Y43，旧证 110105491231002"
    assert mask_text(line) == (
        "申请人 110105********002X 电话 138****5678，单位 9135**********0Y43，旧证 110105*****1002"
    )


def test_mask_text_leaves_other_numbers_alone():
    line = "case 2026-000123 took 1380 ms; digest " + "ab" * 32
    assert mask_text(line) == line


def _record(msg, *args, exc_info=None):
    return logging.LogRecord("govhall", logging.INFO, __file__, 1, msg, args, exc_info)


def test_filter_masks_arguments_and_tracebacks():
    try:
        raise ValueError("bad id 11010519491231002X")
    except ValueError:
        record = _record("user %s mobile %s", "张三", "13812345678", exc_info=sys.exc_info())
    assert MaskingFilter().filter(record) is True
    formatted = logging.Formatter("%(message)s").format(record)
    assert "13812345678" not in formatted
    assert "11010519491231002X" not in formatted
    assert "user 张三 mobile 138****5678" in formatted
    assert "110105********002X" in formatted


def test_filter_works_on_a_handler():
    logger = logging.getLogger("govhall.test_masking")
    handler = logging.Handler()
    seen = []
    handler.emit = lambda record: seen.append(handler.format(record))
    handler.addFilter(MaskingFilter())
    logger.addHandler(handler)
    try:
        logger.warning("注册手机 %s", "15012345678")
    finally:
        logger.removeHandler(handler)
    assert seen == ["注册手机 150****5678"]


def test_the_logging_configuration_builds_the_filter_by_dotted_path():
    # What settings.LOGGING's "filters" entry does, without reconfiguring the test run's logging.
    configurator = logging.config.DictConfigurator({"version": 1})
    built = configurator.configure_filter({"()": "govhall.core.logmask.MaskingFilter"})
    record = _record("查询 %s", "11010519491231002X")
    assert built.filter(record) is True
    assert record.getMessage() == "查询 110105********002X"
