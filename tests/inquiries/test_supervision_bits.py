"""Answer-time supervision, the huey task, the admin (read only, masked) and the OpenAPI document."""

import time_machine

from govhall.inquiries import selectors, services
from govhall.inquiries.selectors import AnswerTime
from tests.inquiries.factories import at


def test_answer_times_per_staff_member(w, client):
    with time_machine.travel(at(11, 26, 10), tick=False):
        quick = services.question_ask(text="快", item=w.item, actor=w.applicant)
        slow = services.question_ask(text="慢", item=w.item, actor=w.applicant)
        other = services.question_ask(text="别人", item=None, actor=w.applicant)
    with time_machine.travel(at(11, 26, 10, 20), tick=False):
        services.question_answer(question=quick, text="好", actor=w.clerk)
        services.question_answer(question=other, text="好", actor=w.chief)
    with time_machine.travel(at(11, 30, 10), tick=False):  # after the deadline (24:00 of Friday)
        services.question_answer(question=slow, text="迟", actor=w.clerk)
    times = selectors.answer_times(since=at(11, 1))
    assert times[w.clerk.pk] == AnswerTime(answered=2, late=1, average_minutes=(20 + 4 * 24 * 60) // 2)
    assert times[w.chief.pk] == AnswerTime(answered=1, late=0, average_minutes=20)
    client.force_login(w.supervisor)
    page = client.get("/inquiries/duty/").content.decode()
    assert "按工作人员的应答情况" in page and "李窗口" in page


def test_the_periodic_task_runs_the_sweep(w):
    from govhall.inquiries.tasks import inquiries_sweep_periodic

    result = inquiries_sweep_periodic.call_local()
    assert result == {"questions_overdue": 0, "complaints_escalated": 0, "complaints_closed_unrated": 0}


def test_the_admin_is_read_only_and_masked(w, client):
    from django.contrib.auth import get_user_model

    c = services.complaint_file(content="投诉", subject="department", department=w.unit, actor=w.applicant)
    services.first_inquiry_record(actor=w.clerk, question="问", outcome="answered", asker_name="王小明",
                                  asker_mobile="13500001111")  # fmt: skip
    admin = get_user_model().objects.create_superuser("root", password="Govhall#2026x")
    client.force_login(admin)
    for path in ("/admin/inquiries/complaint/", f"/admin/inquiries/complaint/{c.pk}/change/",
                 "/admin/inquiries/firstinquiry/", "/admin/inquiries/question/"):  # fmt: skip
        response = client.get(path)
        assert response.status_code == 200, path
        body = response.content.decode()
        assert "13912345678" not in body and "13500001111" not in body and "王小明" not in body
    assert client.get("/admin/inquiries/complaint/add/").status_code == 403


def test_the_openapi_document_lists_the_endpoints(client, db):
    paths = client.get("/api/v1/openapi.json").json()["paths"]
    assert {"/api/v1/inquiries/questions", "/api/v1/inquiries/complaints/{number}/reply",
            "/api/v1/inquiries/first-inquiries"} <= set(paths)  # fmt: skip


def test_question_stats(w):
    with time_machine.travel(at(11, 26, 10), tick=False):
        services.question_ask(text="一", actor=w.applicant)
        answered = services.question_ask(text="二", actor=w.applicant)
        services.question_answer(question=answered, text="好", actor=w.clerk)
    stats = selectors.question_stats(since=at(11, 1))
    assert (stats.asked, stats.answered, stats.waiting, stats.overdue) == (2, 1, 1, 0)
    assert selectors.question_stats(since=at(11, 27)).asked == 0
