"""Feedback letters to a stationed unit: PDF and Excel read back; who may download them."""

import datetime as dt
import io
import subprocess

import pytest
from openpyxl import load_workbook

from govhall.org.models import Role
from govhall.staffing import documents
from tests.org import factories as org
from tests.staffing import factories as f

TUESDAY = dt.date(2026, 11, 10)


@pytest.fixture
def unit(db):
    dept = org.department(name="市场监督管理局", code="SCJ")
    a = f.clerk(dept=dept, name="陈一")
    b = f.clerk(dept=dept, name="林二")
    f.full_day(a, TUESDAY)
    f.sign_in(b, f.at(TUESDAY, 9, 20))
    return dept, a, b


def _text(pdf: bytes, tmp_path) -> str:
    path = tmp_path / "letter.pdf"
    path.write_bytes(pdf)
    return "".join(subprocess.run(["pdftotext", str(path), "-"], capture_output=True, check=True, text=True)
                   .stdout.split())  # fmt: skip


def test_the_letter_as_pdf_and_excel(unit, tmp_path):
    dept, a, b = unit
    with f.travel(f.at(dt.date(2026, 12, 2), 9)):
        letter = documents.letter_build(dept, "2026-11")
        pdf, xlsx = documents.letter_pdf(letter), documents.letter_xlsx(letter)
    text = _text(pdf, tmp_path)
    assert "工作人员情况反馈函" in text and "市场监督管理局" in text and "2026年11月" in text
    assert "陈一" in text and "林二" in text and "月均得分" in text
    sheet = load_workbook(io.BytesIO(xlsx)).active
    assert "市场监督管理局" in sheet["A1"].value
    header = [c.value for c in sheet[3]]
    assert header[:4] == ["工号", "姓名", "窗口", "迟到(次)"]
    rows = {r[1]: dict(zip(header, r, strict=True)) for r in sheet.iter_rows(min_row=4, values_only=True)}
    assert set(rows) == {"陈一", "林二"}
    assert rows["林二"]["迟到(次)"] == 1 and rows["陈一"]["迟到(次)"] == 0
    # November has 21 working days: 陈一 attended one (40 half days absent), 林二 one morning.
    assert rows["陈一"]["缺勤(半天)"] == 40 and rows["林二"]["缺勤(半天)"] == 41
    assert rows["陈一"]["月均得分"] == 0.0


def test_the_pages_serve_the_letter_to_leaders_and_the_units_chief_only(unit, client, manager):
    dept, a, _b = unit
    chief = f.person(role=Role.CHIEF, dept=dept, win=a.window, name="首席")
    other_chief = f.person(role=Role.CHIEF, name="别的首席")
    url = f"/staffing/letters/{dept.pk}/2026-11.xlsx"
    for user, status in ((manager.user, 200), (chief.user, 200), (other_chief.user, 404), (a.user, 404)):
        client.force_login(user)
        response = client.get(url)
        assert response.status_code == status, user
    client.force_login(chief.user)
    response = client.get(f"/staffing/letters/{dept.pk}/2026-11.pdf")
    assert response.status_code == 200 and response.content.startswith(b"%PDF-")
    assert client.get(f"/staffing/letters/{dept.pk}/2026-13.pdf").status_code == 400
