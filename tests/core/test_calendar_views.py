"""The manager's calendar pages: permission, year grid, day edit and schedule upload."""

import datetime as dt
import io

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from openpyxl import Workbook

from govhall.core import workdays
from govhall.core.models import AuditEvent, CalendarDay, CalendarYear, User
from govhall.org.models import Department, Site, Staff

pytestmark = pytest.mark.django_db
PASSWORD = "Govhall#2026"


@pytest.fixture(autouse=True)
def fresh_index():
    workdays.invalidate()
    yield
    workdays.invalidate()


def person(username: str, role: str | None = None, **extra) -> User:
    user = User.objects.create_user(username=username, password=PASSWORD, **extra)
    if role:
        department, _ = Department.objects.get_or_create(
            code="ZX", defaults={"name": "政务服务中心", "kind": "centre"}
        )
        site, _ = Site.objects.get_or_create(
            code="QL", defaults={"name": "七里市政务服务中心", "kind": "centre"}
        )
        Staff.objects.create(
            user=user,
            employee_no=f"E{user.pk:04d}",
            name=username,
            role=role,
            department=department,
            site=site,
        )
    return user


@pytest.fixture
def manager(client):
    client.force_login(person("manager", "manager"))
    return client


def xlsx(table: list[list[str]]) -> SimpleUploadedFile:
    book = Workbook()
    for row in [["日期", "类型", "说明"], *table]:
        book.active.append(row)
    buffer = io.BytesIO()
    book.save(buffer)
    return SimpleUploadedFile("2027.xlsx", buffer.getvalue())


def test_anonymous_visitors_are_sent_to_login(client):
    response = client.get("/calendar/")
    assert response.status_code == 302
    assert response.url.startswith("/accounts/login/")


@pytest.mark.parametrize("role", ["clerk", "supervisor", None])
def test_everyone_but_the_manager_gets_403(client, role):
    client.force_login(person("someone", role, kind="staff" if role else "person"))
    for url in ("/calendar/", "/calendar/2026/"):
        assert client.get(url).status_code == 403
    response = client.post("/calendar/2026/", {"day": "2026-12-04", "is_workday": "0", "note": "x"})
    assert response.status_code == 403
    assert CalendarDay.objects.get(date=dt.date(2026, 12, 4)).is_workday is True


def test_a_superuser_may_manage_the_calendar(client):
    client.force_login(User.objects.create_superuser("root", password=PASSWORD))
    assert client.get("/calendar/").status_code == 200


def test_the_index_lists_years_with_their_status(manager):
    page = manager.get("/calendar/").content.decode()
    assert "2027" in page and "暂定" in page and "正式" in page
    assert "2027年工作日历为暂定日历" in page  # the manager's alert until the schedule is entered


def test_the_year_grid_colours_holidays_and_adjusted_days(manager):
    response = manager.get("/calendar/2026/?day=2026-10-10")
    page = response.content.decode()
    assert response.status_code == 200
    assert 'class="day adjusted" title="调休上班（国庆节）"' in page
    assert 'class="day holiday" title="国庆节"' in page
    assert 'value="2026-10-10"' in page  # the edit form is filled with the chosen day


def test_the_manager_toggles_a_day(manager):
    response = manager.post("/calendar/2026/", {"day": "2026-12-04", "is_workday": "0", "note": "停电闭厅"})
    assert response.status_code == 302
    row = CalendarDay.objects.get(date=dt.date(2026, 12, 4))
    assert (row.is_workday, row.source, row.note) == (False, "manual", "停电闭厅")
    assert workdays.add_workdays(dt.date(2026, 12, 3), 1) == dt.date(2026, 12, 7)
    assert AuditEvent.objects.get(action="calendar.set_day").actor_name == "manager"


def test_a_bad_day_edit_shows_the_error_and_changes_nothing(manager):
    response = manager.post("/calendar/2045/", {"day": "2045-01-02", "is_workday": "0", "note": ""})
    assert response.status_code == 400
    assert "不在工作日历范围内" in response.content.decode()
    assert not CalendarDay.objects.filter(date__year=2045).exists()
    assert not AuditEvent.objects.filter(action="calendar.set_day").exists()


def test_upload_of_a_good_schedule(manager):
    response = manager.post(
        "/calendar/import/", {"file": xlsx([["2027-02-05", "休息", "春节"], ["2027-02-20", "上班", ""]])}
    )
    assert response.status_code == 302
    assert response.url == "/calendar/2027/"
    assert CalendarYear.objects.get(year=2027).provisional is False
    assert workdays.is_workday(dt.date(2027, 2, 20)) is True


def test_upload_of_a_bad_schedule_lists_each_row_and_changes_nothing(manager):
    before = list(CalendarDay.objects.filter(date__year=2027).values_list("date", "is_workday", "source"))
    upload = xlsx([["2027-02-05", "休息", "春节"], ["2027-02-31", "休息", ""], ["2027-03-01", "请假", ""]])
    response = manager.post("/calendar/import/", {"file": upload})
    page = response.content.decode()
    assert response.status_code == 400
    assert "发现 2 处错误，未导入任何数据" in page
    assert "<td>3</td><td>日期</td><td>“2027-02-31”不是有效日期，应为 YYYY-MM-DD</td>" in page
    assert "<td>4</td><td>类型</td><td>“请假”无效，只能填写“休息”或“上班”</td>" in page
    assert (
        list(CalendarDay.objects.filter(date__year=2027).values_list("date", "is_workday", "source"))
        == before
    )
    assert CalendarYear.objects.get(year=2027).provisional is True


def test_upload_of_a_wrong_file_type(manager):
    response = manager.post("/calendar/import/", {"file": SimpleUploadedFile("a.pdf", b"%PDF")})
    assert response.status_code == 400
    assert "仅支持 .xlsx 或 .csv 文件" in response.content.decode()
