"""GET /api/v1/workdays/*: public, exact, and a 400 with code "workdays.invalid" for bad input."""

import pytest

pytestmark = pytest.mark.django_db


def test_add_counts_from_the_day_after_the_start(api_client):
    # 民法典 Art. 201: 20 working days from 30 Sep 2026, across the National Day holiday.
    response = api_client.get("/api/v1/workdays/add", {"date": "2026-09-30", "n": "20"})
    assert response.status_code == 200 and response.json() == {"date": "2026-11-03"}


def test_add_accepts_half_days(api_client):
    response = api_client.get("/api/v1/workdays/add", {"date": "2026-03-02", "n": "2.5"})
    assert response.json() == {"date": "2026-03-05"}


def test_between_counts_working_days_in_the_half_open_interval(api_client):
    response = api_client.get("/api/v1/workdays/between", {"a": "2026-09-30", "b": "2026-11-03"})
    assert response.status_code == 200 and response.json() == {"workdays": 20}


@pytest.mark.parametrize(
    ("amount", "unit", "due"),
    [
        ("20", "workday", "2026-11-04T00:00:00+08:00"),  # 24:00 of 3 Nov
        ("5", "hour", "2026-09-30T14:00:00+08:00"),
    ],
)
def test_due_instant(api_client, amount, unit, due):
    params = {"start": "2026-09-30T09:00:00+08:00", "amount": amount, "unit": unit}
    response = api_client.get("/api/v1/workdays/due", params)
    assert response.status_code == 200 and response.json() == {"due": due}


def test_due_in_natural_days_and_a_naive_start_is_beijing_time(api_client):
    params = {"start": "2026-03-02T09:00:00", "amount": "3", "unit": "day"}  # Monday
    assert api_client.get("/api/v1/workdays/due", params).json() == {"due": "2026-03-06T00:00:00+08:00"}


@pytest.mark.parametrize(
    ("url", "params", "field", "text"),
    [
        ("/api/v1/workdays/add", {"date": "2026-02-30", "n": "20"}, "date", "格式无效"),
        ("/api/v1/workdays/add", {"date": "昨天", "n": "20"}, "date", "YYYY-MM-DD"),
        ("/api/v1/workdays/add", {"date": "2026-09-30", "n": "abc"}, "n", "必须是数字"),
        ("/api/v1/workdays/add", {"date": "2026-09-30", "n": "-3"}, "n", "须在0至"),
        ("/api/v1/workdays/add", {"date": "2026-09-30", "n": "1.3"}, "n", "半日"),
        ("/api/v1/workdays/add", {"date": "2026-09-30"}, "n", "必须是数字"),
        ("/api/v1/workdays/add", {"date": "1850-01-01", "n": "2"}, None, "工作日历"),
        ("/api/v1/workdays/between", {"a": "2026-11-03", "b": "2026-09-30"}, "b", "不能早于"),
        ("/api/v1/workdays/between", {"a": "2026-09-30", "b": ""}, "b", "格式无效"),
        ("/api/v1/workdays/due", {"start": "soon", "amount": "1"}, "start", "ISO 8601"),
        (
            "/api/v1/workdays/due",
            {"start": "2026-09-30T09:00", "amount": "1", "unit": "week"},
            "unit",
            "workday",
        ),
    ],
)
def test_bad_input_is_a_400_with_a_chinese_message(api_client, url, params, field, text):
    response = api_client.get(url, params)
    body = response.json()
    assert response.status_code == 400, body
    assert body["code"] == "workdays.invalid" and text in body["message"]
    assert body.get("field") == field


def test_workday_endpoints_need_no_token(api_client):
    response = api_client.get("/api/v1/workdays/add", {"date": "2026-09-30", "n": "1"})
    assert response.status_code == 200
