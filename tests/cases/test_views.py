"""Pages: the staff workbench (/cases/work/), the case page and its actions, notice downloads, and
the public lookup (/cases/lookup/). Scopes, filters, ordering, colours, bad input, CSRF."""

import datetime as dt
import re

import pytest
import time_machine
from django.contrib.auth import get_user_model
from django.core.cache import cache
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from govhall.cases.models import Case
from govhall.cases.processing import task_complete
from govhall.cases.services import case_accept, case_request_supplement, case_submit
from govhall.org.models import Role
from tests.cases import factories as f
from tests.cases import flow_factories as ff
from tests.org import factories as org

pytestmark = pytest.mark.django_db
NOW = timezone.make_aware(dt.datetime(2026, 11, 26, 10, 0))  # a Thursday, November has no holiday


@pytest.fixture(autouse=True)
def _fresh_cache():
    cache.clear()  # the lookup's failure counters live in the cache
    yield
    cache.clear()


def _submit(item, actor, n: int = 0, **extra):
    body = f"1101051949123{n:04d}"
    return case_submit(**f.submit_kwargs(item, actor, applicant_id_number=f.ric(body), **extra))


def _rows(response) -> list[tuple[str, str]]:
    """(status, case number) of each workbench row, in page order."""
    html = response.content.decode()
    return re.findall(r'<tr class="row-(\w+)" data-number="([^"]+)"', html)


def _plain(response, number: str) -> str:
    """The page without its per-request CSRF token and with the asked number blanked."""
    html = re.sub(r'name="csrfmiddlewaretoken" value="[^"]+"', "", response.content.decode())
    return html.replace(number, "N")


def _login(user) -> Client:
    client = Client()
    client.force_login(user)
    return client


@pytest.fixture
def approver(item):
    """An approver of the item's department (市场监督管理局): works its 审核 step."""
    return org.staff(role=Role.APPROVER, dept=item.department).user


@pytest.fixture
def dept_clerk(item):
    """A window clerk of the item's own department: sees its items wherever they are filed."""
    return org.staff(role=Role.CLERK, dept=item.department).user


# --- workbench -----------------------------------------------------------------------------------


def test_workbench_orders_by_time_left_with_coloured_labels(clerk, item):
    with time_machine.travel(dt.datetime(2026, 11, 10, 10, 0, tzinfo=NOW.tzinfo), tick=False):
        overdue = _submit(item, clerk, 1)
    with time_machine.travel(dt.datetime(2026, 11, 19, 10, 0, tzinfo=NOW.tzinfo), tick=False):
        near = _submit(item, clerk, 2)
    with time_machine.travel(NOW, tick=False):
        fresh = _submit(item, clerk, 3)
        response = _login(clerk).get("/cases/work/")
    assert response.status_code == 200
    assert _rows(response) == [("red", overdue.number), ("yellow", near.number), ("normal", fresh.number)]
    html = response.content.decode()
    # Colour is never alone: each row carries its text label.
    for label in ("红牌超期", "黄牌预警", "正常"):
        assert f">{label}</span>" in html
    assert "受理决定" in html and "张*" in html and "张三" not in html


def test_workbench_filters_by_item_site_and_state(dept_clerk, item):
    other_item = f.item(code="QL-002", name="公共场所卫生许可", department=item.department)
    township = org.township()
    a = _submit(item, dept_clerk, 1)
    b = _submit(other_item, dept_clerk, 2)
    c = _submit(item, dept_clerk, 3, site=township)
    case_request_supplement(case=c, materials=["营业执照复印件"], actor=dept_clerk)
    client = _login(dept_clerk)
    numbers = lambda **q: {n for _s, n in _rows(client.get("/cases/work/", q))}  # noqa: E731
    assert numbers() == {a.number, b.number, c.number}
    assert numbers(item="QL-002") == {b.number}
    assert numbers(site=township.code) == {c.number}
    assert numbers(state="supplement_requested") == {c.number}
    assert numbers(item=item.code, state="submitted") == {a.number}


def test_workbench_ignores_and_names_a_bad_filter(clerk, received):
    response = _login(clerk).get("/cases/work/", {"state": "bogus", "item": "NOPE", "page": "x"})
    assert response.status_code == 200
    html = response.content.decode()
    assert "筛选条件“bogus”无效，已忽略。" in html and "筛选条件“NOPE”无效" in html
    assert [n for _s, n in _rows(response)] == [received.number]


def test_workbench_htmx_swaps_only_the_rows(clerk, received):
    response = _login(clerk).get("/cases/work/", HTTP_HX_REQUEST="true")
    html = response.content.decode()
    assert "<html" not in html and received.number in html and 'class="work"' in html


def test_workbench_pages_of_25(clerk, item):
    for n in range(27):
        _submit(item, clerk, n)
    client = _login(clerk)
    first, second = client.get("/cases/work/"), client.get("/cases/work/", {"page": 2})
    assert len(_rows(first)) == 25 and len(_rows(second)) == 2
    assert "共 27 项待办" in first.content.decode() and "第 2 / 2 页" in second.content.decode()
    assert not {n for _s, n in _rows(first)} & {n for _s, n in _rows(second)}


def test_workbench_query_count_does_not_grow_with_rows(clerk, item):
    client = _login(clerk)
    for n in range(2):
        _submit(item, clerk, n)
    client.get("/cases/work/")  # warm: session, content types, calendar index

    def count() -> int:
        with CaptureQueriesContext(connection) as queries:
            assert client.get("/cases/work/").status_code == 200
        return len(queries)

    few = count()
    for n in range(2, 8):
        _submit(item, clerk, n)
    assert count() == few


def test_workbench_scopes(clerk, item, zhang_san):
    centre_case = _submit(item, clerk, 1)
    township = org.township()
    township_clerk = org.staff(role=Role.CLERK, site=township).user
    local_case = _submit(item, township_clerk, 2, site=township)
    assert [n for _s, n in _rows(_login(township_clerk).get("/cases/work/"))] == [local_case.number]
    assert centre_case.number in {n for _s, n in _rows(_login(clerk).get("/cases/work/"))}
    denied = _login(zhang_san).get("/cases/work/")
    assert denied.status_code == 403 and "只有工作人员" in denied.content.decode()
    anonymous = Client().get("/cases/work/")
    assert anonymous.status_code == 302 and "/accounts/login/" in anonymous["Location"]


def test_agent_sees_own_filings_not_the_station_colleague_s(item):
    agent, station = f.agent()
    colleague = org.staff(role=Role.AGENT, site=station).user

    def filing(user, n):
        return _submit(
            item, user, n, channel="agency", site=station, agent=user, consent_recorded_at=timezone.now()
        )

    mine, theirs = filing(agent, 1), filing(colleague, 2)
    client = _login(agent)
    assert client.get(f"/cases/{mine.number}/").status_code == 200
    assert client.get(f"/cases/{theirs.number}/").status_code == 404


def test_window_clerk_sees_only_the_items_of_the_window(item):
    window = org.window()
    item.windows.add(window)
    other = f.item(code="QL-003", name="药品零售许可", department=org.department())
    window_clerk = org.staff(role=Role.CLERK, dept=window.department, win=window).user
    filer = f.clerk()
    mine, not_mine = _submit(item, filer, 1), _submit(other, filer, 2)
    rows = {n for _s, n in _rows(_login(window_clerk).get("/cases/work/"))}
    assert mine.number in rows and not_mine.number not in rows
    assert _login(window_clerk).get(f"/cases/{not_mine.number}/").status_code == 404


def test_approver_works_the_step_task_from_the_workbench(clerk, approver, received):
    case_accept(case=received, actor=clerk)
    response = _login(approver).get("/cases/work/")
    rows = re.findall(r'data-number="([^"]+)" data-kind="(\w+)"', response.content.decode())
    assert rows == [(received.number, "task")]
    assert "审核" in response.content.decode()


# --- the case page -------------------------------------------------------------------------------


def test_case_page_shows_facts_clocks_steps_notices_and_timeline(clerk, received):
    case_accept(case=received, actor=clerk)
    response = _login(clerk).get(f"/cases/{received.number}/")
    assert response.status_code == 200
    html = response.content.decode()
    assert "张*" in html and "张三" not in html and received.number in html
    assert 'data-state="accepted"' in html and 'data-clock="left"' in html and "个工作日" in html
    assert 'data-action="submit"' in html and 'data-action="accept"' in html
    assert "承诺期限至" in html and "法定期限至" in html  # the clock effect of acceptance
    assert "审核" in html and 'data-round="1"' in html
    assert re.search(rf"/cases/{received.number}/notices/{received.number}-SL01\.pdf", html)


def test_case_page_shows_the_filled_in_form_masked_and_inert(clerk, received):
    Case.objects.filter(pk=received.pk).update(form_data={"联系地址": "青林路1号", "fields": [
        {"key": "who", "label": "对方姓名", "type": "text", "value": "<script>alert(1)</script>"},
        {"key": "rid", "label": "对方身份证号", "type": "id_number", "value": "11010519491231002X"},
    ]})  # fmt: skip
    html = _login(clerk).get(f"/cases/{received.number}/").content.decode()
    assert "申请表内容" in html and "青林路1号" in html and "对方身份证号" in html
    assert "11010519491231002X" not in html
    assert "<script>alert(1)</script>" not in html and "&lt;script&gt;alert(1)&lt;/script&gt;" in html


def test_case_page_is_404_outside_scope_like_an_unknown_number(received):
    outsider = org.staff(role=Role.CLERK, site=org.township()).user
    client = _login(outsider)
    hidden, unknown = client.get(f"/cases/{received.number}/"), client.get("/cases/QL-NOPE/")
    assert hidden.status_code == unknown.status_code == 404
    assert "办件不存在，或您无权查看。" in hidden.content.decode()
    assert _plain(hidden, received.number) == _plain(unknown, "QL-NOPE")


def test_applicant_sees_own_case_with_staff_names_masked(clerk, item, zhang_san):
    case = _submit(item, clerk, 1, applicant=zhang_san)
    case_accept(case=case, actor=clerk)
    html = _login(zhang_san).get(f"/cases/{case.number}/").content.decode()
    staff_name = clerk.real_name or clerk.username
    assert case.number in html and f"<td>{staff_name}</td>" not in html
    assert 'data-action="accept"' in html and "受理" in html


def test_accept_from_the_page_without_javascript(clerk, received):
    client = _login(clerk)
    response = client.post(f"/cases/{received.number}/actions/accept/", {"confirm": "1", "note": "材料齐全"})
    assert response.status_code == 302 and response["Location"] == f"/cases/{received.number}/"
    assert Case.objects.get(pk=received.pk).state == "accepted"
    page = client.get(response["Location"]).content.decode()
    assert "已完成：受理。" in page and "材料齐全" in page


def test_accept_with_htmx_swaps_the_section(clerk, received):
    response = _login(clerk).post(
        f"/cases/{received.number}/actions/accept/", {"confirm": "1"}, HTTP_HX_REQUEST="true"
    )
    html = response.content.decode()
    assert response.status_code == 200 and html.startswith('<div id="case-main">')
    assert "已完成：受理。" in html and 'data-state="accepted"' in html and "<html" not in html


def test_irreversible_action_needs_the_confirmation_and_nothing_changes(clerk, received):
    client = _login(clerk)
    page = client.get(f"/cases/{received.number}/").content.decode()
    assert 'hx-confirm="确认执行“不予受理”？此操作不可撤销。"' in page
    assert 'name="confirm" value="1" required' in page
    before = f.counts()
    response = client.post(f"/cases/{received.number}/actions/refuse/", {"reason": "不属于本机关职权"})
    assert response.status_code == 400
    html = response.content.decode()
    assert 'data-code="cases.confirm_required"' in html and "请勾选确认" in html
    assert f.counts() == before and Case.objects.get(pk=received.pk).state == "submitted"


def test_refusal_without_reason_shows_the_error_and_keeps_the_input(clerk, received):
    client = _login(clerk)
    before = f.counts()
    response = client.post(f"/cases/{received.number}/actions/refuse/", {"reason": " ", "confirm": "1"})
    assert response.status_code == 400
    html = response.content.decode()
    assert 'data-code="cases.reason_required"' in html and "不予受理必须说明理由。" in html
    assert '<details open data-action="refuse">' in html  # the failing form stays open
    assert f.counts() == before


def test_htmx_error_is_shown_in_the_section_with_200(clerk, received):
    before = f.counts()
    response = _login(clerk).post(
        f"/cases/{received.number}/actions/refuse/", {"reason": "", "confirm": "1"}, HTTP_HX_REQUEST="true"
    )
    assert response.status_code == 200  # htmx swaps only 2xx: the error is inside the section
    assert 'class="alert error" role="alert"' in response.content.decode()
    assert f.counts() == before


def test_illegal_action_is_refused_in_chinese(clerk, received):
    case_accept(case=received, actor=clerk)
    before = f.counts()
    response = _login(clerk).post(f"/cases/{received.number}/actions/accept/", {"confirm": "1"})
    assert response.status_code == 409
    assert "不能执行“受理”" in response.content.decode()
    assert f.counts() == before


def test_request_supplement_from_checkboxes_and_free_lines(clerk, received):
    response = _login(clerk).post(
        f"/cases/{received.number}/actions/request_supplement/",
        {"materials": ["营业执照复印件", "场所平面图\n 法定代表人身份证明 "]},
    )
    assert response.status_code == 302
    case = Case.objects.get(pk=received.pk)
    assert case.state == "supplement_requested"
    assert case.supplement_notice.items == ["营业执照复印件", "场所平面图", "法定代表人身份证明"]


def test_applicant_cannot_accept_and_nothing_changes(clerk, item, zhang_san):
    case = _submit(item, clerk, 1, applicant=zhang_san)
    client = _login(zhang_san)
    assert 'data-action="accept"' not in client.get(f"/cases/{case.number}/").content.decode()
    before = f.counts()
    response = client.post(f"/cases/{case.number}/actions/accept/", {"confirm": "1"})
    assert response.status_code == 403 and 'class="alert error"' in response.content.decode()
    assert f.counts() == before


def test_unknown_action_and_get_on_an_action(clerk, received):
    client = _login(clerk)
    assert client.post(f"/cases/{received.number}/actions/approve/").status_code == 404
    assert client.get(f"/cases/{received.number}/actions/accept/").status_code == 405
    assert client.post(f"/cases/{received.number}/tasks/999999/complete/").status_code == 404


def test_post_without_csrf_token_is_refused(clerk, received):
    client = Client(enforce_csrf_checks=True)
    client.force_login(clerk)
    response = client.post(f"/cases/{received.number}/actions/accept/", {"confirm": "1"})
    assert response.status_code == 403
    assert Case.objects.get(pk=received.pk).state == "submitted"


def test_staff_outside_scope_cannot_act(received):
    outsider = org.staff(role=Role.CLERK, site=org.township()).user
    before = f.counts()
    response = _login(outsider).post(f"/cases/{received.number}/actions/accept/", {"confirm": "1"})
    assert response.status_code == 404 and f.counts() == before


def test_approver_completes_the_step_from_the_page(clerk, approver, received):
    case_accept(case=received, actor=clerk)
    client = _login(approver)
    page = client.get(f"/cases/{received.number}/").content.decode()  # opening signs for receipt
    task = received.tasks.get()
    assert task.opened_at is not None
    assert f"/cases/{received.number}/tasks/{task.pk}/complete/" in page
    response = client.post(
        f"/cases/{received.number}/tasks/{task.pk}/complete/", {"opinion": "approve", "comment": "符合条件"}
    )
    assert response.status_code == 302
    task.refresh_from_db()
    assert (task.state, task.opinion, task.comment) == ("done", "approve", "符合条件")
    assert 'data-action="step_complete"' in client.get(f"/cases/{received.number}/").content.decode()


def test_step_operation_bad_input_changes_nothing(clerk, approver, received):
    case_accept(case=received, actor=clerk)
    task = received.tasks.get()
    before = f.counts()
    response = _login(approver).post(
        f"/cases/{received.number}/tasks/{task.pk}/transfer/", {"to_user": "nobody", "reason": "x"}
    )
    assert response.status_code == 400 and "用户“nobody”不存在" in response.content.decode()
    assert f.counts() == before


def test_signer_withdraws_the_step_from_the_page(clerk, approver, received):
    case_accept(case=received, actor=clerk)
    client = _login(approver)
    task = received.tasks.get()
    client.post(f"/cases/{received.number}/tasks/{task.pk}/complete/", {"opinion": "approve"})
    page = client.get(f"/cases/{received.number}/").content.decode()
    url = f"/cases/{received.number}/tasks/{task.pk}/withdraw_step/"
    assert url in page
    assert client.post(url).status_code == 302
    active = received.steps.get(state="active")
    assert (active.name, active.round) == ("审核", 3)


def test_inspection_report_with_a_photo_uploaded_from_the_page(clerk, approver, received):
    import io

    from django.core.files.uploadedfile import SimpleUploadedFile
    from PIL import Image

    case_accept(case=received, actor=clerk)
    inspector = org.staff(role=Role.INSPECTOR, dept=received.item.department, name="钱踏勘").user
    client = _login(approver)
    added = client.post(
        f"/cases/{received.number}/actions/inspection_add/", {"inspector": inspector.username}
    )
    assert added.status_code == 302
    task = received.tasks.get(kind="inspect")
    buffer = io.BytesIO()
    Image.new("RGB", (2, 2), "green").save(buffer, format="PNG")
    photo = SimpleUploadedFile("现场.png", buffer.getvalue(), content_type="image/png")
    inspector_client = _login(inspector)
    assert (
        'enctype="multipart/form-data"' in inspector_client.get(f"/cases/{received.number}/").content.decode()
    )
    response = inspector_client.post(
        f"/cases/{received.number}/tasks/{task.pk}/inspection_report/",
        {"findings": "与申报一致", "photos": photo},
    )
    assert response.status_code == 302
    task.refresh_from_db()
    assert task.state == "done" and len(task.result["photos"]) == 1
    file_page = inspector_client.get(f"/cases/{received.number}/files/{task.result['photos'][0]}/")
    assert file_page.status_code == 200 and file_page["Content-Type"] == "image/png"


# --- downloads -----------------------------------------------------------------------------------


def test_staff_and_applicant_download_a_notice_others_get_404(clerk, item, zhang_san):
    case = _submit(item, clerk, 1, applicant=zhang_san)
    case_accept(case=case, actor=clerk)
    url = f"/cases/{case.number}/notices/{case.number}-SL01.pdf"
    for user in (clerk, zhang_san):
        response = _login(user).get(url)
        assert response.status_code == 200 and response["Content-Type"] == "application/pdf"
        assert response.content.startswith(b"%PDF")
    outsider = org.staff(role=Role.CLERK, site=org.township()).user
    assert _login(outsider).get(url).status_code == 404
    assert _login(clerk).get(f"/cases/{case.number}/notices/{case.number}-XX01.pdf").status_code == 404


# --- public lookup -------------------------------------------------------------------------------


def test_lookup_form_works_without_login():
    response = Client().get("/cases/lookup/")
    assert response.status_code == 200
    html = response.content.decode()
    assert 'name="number"' in html and 'name="password"' in html and 'method="get"' in html


def test_the_notice_qr_link_opens_the_form_filled_in(received):
    from govhall.cases.notices import lookup_url

    path = lookup_url(received).split("://", 1)[1].split("/", 1)[1]
    response = Client().get("/" + path)
    html = response.content.decode()
    assert response.status_code == 200 and f'value="{received.number}"' in html
    assert 'role="alert"' not in html  # nothing tried, nothing counted


def test_lookup_shows_state_due_date_timeline_and_notices_without_staff_names(clerk, received):
    case_accept(case=received, actor=clerk)
    client = Client()
    response = client.get("/cases/lookup/", {"number": received.number, "password": received.query_password})
    assert response.status_code == 200
    html = response.content.decode()
    case = Case.objects.get(pk=received.pk)
    assert (
        'data-state="accepted"' in html
        and timezone.localtime(case.promised_due_at).strftime("%Y-%m-%d") in html
    )
    assert 'data-clock="left"' in html and "个工作日" in html
    assert "<td>工作人员</td>" in html and (clerk.real_name or clerk.username) not in html
    assert "张三" not in html and "张*" not in html  # no applicant data either
    link = re.search(r'href="(/cases/lookup/[^"]+\.pdf)"', html).group(1)
    pdf = client.get(link)
    assert pdf.status_code == 200 and pdf.content.startswith(b"%PDF")
    # Another browser (no lookup in its session) cannot follow the link.
    assert Client().get(link).status_code == 404


def test_wrong_password_and_unknown_number_answer_alike(received):
    wrong = "000000" if received.query_password != "000000" else "111111"
    client = Client()
    a = client.get("/cases/lookup/", {"number": received.number, "password": wrong})
    b = client.get("/cases/lookup/", {"number": "QL-NOPE", "password": wrong})
    c = client.get("/cases/lookup/", {"number": received.number, "password": ""})
    assert a.status_code == b.status_code == c.status_code == 404
    assert _plain(a, received.number) == _plain(b, "QL-NOPE") == _plain(c, received.number)
    assert "未查询到办件，请核对办件编号和查询密码。" in a.content.decode()


def test_lookup_is_rate_limited_per_address_and_number(received, settings):
    settings.GOVHALL_LOOKUP_TRIES = 3
    wrong = "000000" if received.query_password != "000000" else "111111"
    client = Client()
    for _ in range(3):
        assert client.get("/cases/lookup/", {"number": received.number, "password": wrong}).status_code == 404
    blocked = client.get("/cases/lookup/", {"number": received.number, "password": received.query_password})
    assert blocked.status_code == 429 and "查询过于频繁" in blocked.content.decode()
    other_address = Client(REMOTE_ADDR="10.0.0.9")
    ok = other_address.get("/cases/lookup/", {"number": received.number, "password": received.query_password})
    assert ok.status_code == 200


def test_nav_links_for_staff_and_public(clerk):
    public = Client().get("/cases/lookup/").content.decode()
    assert 'href="/cases/lookup/"' in public and 'href="/cases/work/"' not in public
    assert 'href="/cases/work/"' in _login(clerk).get("/cases/lookup/").content.decode()


def test_superuser_sees_every_intake_case(clerk, item):
    case = _submit(item, clerk, 1, site=org.township())
    admin = get_user_model().objects.create_superuser(username="root", password=org.PASSWORD)
    assert case.number in {n for _s, n in _rows(_login(admin).get("/cases/work/"))}


def test_return_offers_a_branch_only_after_a_countersign_step():
    w = ff.world(mode="all")
    case = w.case()
    client = _login(w.handler)
    first = client.get(f"/cases/{case.number}/").content.decode()
    assert 'name="branch_department"' not in first and 'name="to_flow_order"' not in first  # nothing before
    task_complete(task=ff.pending(case), opinion="approve", actor=w.handler)
    for dept, signer in zip(w.departments, w.signers, strict=True):
        task_complete(task=ff.pending(case, dept), opinion="approve", actor=signer)
    page = _login(w.chief).get(f"/cases/{case.number}/").content.decode()
    assert '<option value="CS1">住房和城乡建设局</option>' in page and 'name="branch_department"' in page
    assert '<option value="3">3. 会签</option>' in page and '<option value="2">2. 承办</option>' in page


def test_decided_case_waits_for_conclusion_only_with_clerks_who_handle_the_item():
    w = ff.world()
    case = w.case()
    task_complete(task=ff.pending(case), opinion="approve", actor=w.handler)
    task_complete(task=ff.pending(case), opinion="approve", actor=w.chief)
    assert Case.objects.get(pk=case.pk).state == "decided"
    item_clerk = org.staff(role=Role.CLERK, dept=w.department).user
    response = _login(item_clerk).get("/cases/work/")
    row = re.search(
        rf'data-number="{case.number}" data-kind="window">(.*?)</tr>', response.content.decode(), re.S
    )
    assert row and "办结" in row.group(1)
    # The clerk who received it at the centre for another department sees the case, not the work.
    assert case.number not in {n for _s, n in _rows(_login(w.clerk).get("/cases/work/"))}
    assert _login(w.clerk).get(f"/cases/{case.number}/").status_code == 200


def test_a_malformed_number_is_named_and_nothing_changes(clerk, item):
    case = _submit(item, clerk, 1)
    dept_clerk = org.staff(role=Role.CLERK, dept=item.department).user
    case_accept(case=case, actor=dept_clerk)
    before = f.counts()
    response = _login(dept_clerk).post(
        f"/cases/{case.number}/actions/special_start/",
        {"kind": "hearing", "reason": "听证", "announced_workdays": "五天"},
    )
    assert response.status_code == 400
    assert "告知时长（工作日）的格式无效。" in response.content.decode()
    assert f.counts() == before and Case.objects.get(pk=case.pk).state == "accepted"


def test_a_persons_name_is_masked_and_an_enterprises_is_not():
    from govhall.cases.models import Case

    assert Case(applicant_name="张三丰", applicant_kind="person").applicant_masked == "张**"
    company = "七里市惠民食品有限公司"
    assert Case(applicant_name=company, applicant_kind="enterprise").applicant_masked == company


def test_the_case_page_shows_what_the_applicant_filled_in_masked(client, db):
    from govhall.cases.present import form_rows

    rows = form_rows({"联系地址": "七里市青林路1号", "fields": [
        {"key": "spouse", "label": "对方姓名", "type": "text", "value": "<script>x</script>李四"},
        {"key": "spouse_id", "label": "对方身份证号", "type": "id_number", "value": "11010519491231002X"},
        {"key": "tel", "label": "联系电话", "type": "mobile", "value": "13800138000"},
    ]})  # fmt: skip
    values = {r["label"]: r["value"] for r in rows}
    assert values["联系地址"] == "七里市青林路1号" and values["对方姓名"] == "<script>x</script>李四"
    assert values["对方身份证号"] != "11010519491231002X" and values["对方身份证号"].endswith("002X")
    assert "1380" not in values["联系电话"][3:7]
    assert form_rows(None) == [] and form_rows({}) == []
