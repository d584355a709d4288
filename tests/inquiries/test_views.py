"""Pages: ask, mine, the duty queue (htmx polling and its no-JS refresh), a question's page, the
complaint pages and the first-inquiry log; script typed into any text field is rendered inert;
masked personal data; refusals show the Chinese message and change nothing."""

import pytest
from django.urls import reverse

from govhall.inquiries import services
from govhall.inquiries.models import Complaint, ComplaintState, FirstInquiry, Question, QuestionState
from tests.inquiries import factories as f

XSS = '<script>alert("x")</script><img src=x onerror=alert(1)>'


def html(response) -> str:
    return response.content.decode()


def assert_inert(page: str) -> None:
    assert "<script>alert" not in page and "<img src=x" not in page
    assert "&lt;script&gt;alert(&quot;x&quot;)&lt;/script&gt;" in page


def login(client, user):
    client.force_login(user)
    return client


def test_the_index_is_public_and_lists_promoted_faqs(client, w):
    q = services.question_ask(text="能否代办？", item=w.item, actor=w.applicant)
    services.question_answer(question=q, text="可以，需委托书。", actor=w.clerk)
    services.question_promote(question=q, actor=w.manager)
    page = html(client.get("/inquiries/"))
    assert "能否代办？" in page and "可以，需委托书。" in page and f"/guide/{w.item.code}/" in page


def test_ask_page_on_an_item_posts_and_redirects_to_my_questions(client, w):
    login(client, w.applicant)
    form = client.get("/inquiries/ask/", {"item": w.item.code})
    assert (
        form.status_code == 200 and w.item.name in html(form) and 'name="csrfmiddlewaretoken"' in html(form)
    )
    response = client.post("/inquiries/ask/", {"item": w.item.code, "text": "要带公章吗？"})
    q = Question.objects.get()
    assert response.status_code == 302 and response["Location"] == f"/inquiries/mine/#q-{q.pk}"
    assert q.item_id == w.item.pk
    assert "要带公章吗？" in html(client.get("/inquiries/mine/"))


def test_an_empty_question_shows_the_message_and_changes_nothing(client, w):
    login(client, w.applicant)
    before = f.counts()
    response = client.post("/inquiries/ask/", {"text": "  "})
    assert response.status_code == 400 and "请填写您要咨询的问题。" in html(response)
    assert f.counts() == before


def test_anonymous_visitors_are_sent_to_login(client, w):
    for path in ("/inquiries/ask/", "/inquiries/mine/", "/inquiries/duty/", "/inquiries/complaints/new/"):
        response = client.get(path)
        assert response.status_code == 302 and "/accounts/login/" in response["Location"]


def test_the_duty_page_polls_with_htmx_and_refreshes_without_js(client, w):
    q = services.question_ask(text="问题一", item=w.item, actor=w.applicant)
    login(client, w.clerk)
    page = html(client.get("/inquiries/duty/"))
    assert 'hx-get="/inquiries/duty/queue/"' in page and 'hx-trigger="every 15s"' in page
    assert '<noscript><meta http-equiv="refresh" content="60"></noscript>' in page
    assert f'data-question="{q.pk}"' in page and "张*" in page and "张三" not in page
    partial = client.get("/inquiries/duty/queue/", HTTP_HX_REQUEST="true")
    assert (
        partial.status_code == 200
        and "<html" not in html(partial)
        and f'data-question="{q.pk}"' in html(partial)
    )


def test_take_then_answer_on_the_question_page_without_js(client, w):
    q = services.question_ask(text="问题一", item=w.item, actor=w.applicant)
    login(client, w.clerk)
    taken = client.post(f"/inquiries/questions/{q.pk}/take/")
    assert taken.status_code == 302 and taken["Location"] == f"/inquiries/questions/{q.pk}/"
    page = html(client.get(taken["Location"]))
    assert 'name="text"' in page and "放回队列" in page
    answered = client.post(f"/inquiries/questions/{q.pk}/answer/", {"text": "答复内容"})
    assert answered.status_code == 302 and answered["Location"] == "/inquiries/duty/"
    assert Question.objects.get(pk=q.pk).state == QuestionState.ANSWERED


def test_a_taken_question_shows_the_conflict_to_the_second_staff_member(client, w):
    q = services.question_ask(text="问题一", item=w.item, actor=w.applicant)
    services.question_take(question=q, actor=w.clerk)
    login(client, w.chief)
    before = f.counts()
    response = client.post(f"/inquiries/questions/{q.pk}/answer/", {"text": "抢答"})
    assert response.status_code == 409 and "该咨询已由其他工作人员认领解答。" in html(response)
    assert f.counts() == before


def test_applicants_cannot_open_the_duty_page_or_another_persons_question(client, w):
    q = services.question_ask(text="我的", actor=w.applicant)
    login(client, w.stranger)
    assert client.get("/inquiries/duty/").status_code == 403
    assert client.get(f"/inquiries/questions/{q.pk}/").status_code == 404
    assert client.post(f"/inquiries/questions/{q.pk}/close/").status_code == 404
    assert Question.objects.get(pk=q.pk).state == QuestionState.OPEN


def test_script_in_questions_answers_and_faqs_is_inert(client, w):
    q = services.question_ask(text=XSS, item=w.item, actor=w.applicant)
    services.question_answer(question=q, text=XSS, actor=w.clerk)
    services.question_promote(question=q, actor=w.manager, faq_question="问" + XSS[:150], faq_answer=XSS)
    login(client, w.applicant)
    assert_inert(html(client.get("/inquiries/mine/")))
    assert_inert(html(client.get(f"/inquiries/questions/{q.pk}/")))
    assert_inert(html(client.get("/inquiries/")))
    assert_inert(html(client.get(f"/guide/{w.item.code}/")))
    other = services.question_ask(text=XSS, item=w.item, actor=w.applicant)
    login(client, w.clerk)
    assert_inert(html(client.get("/inquiries/duty/queue/")))
    assert other.pk


def test_script_in_complaints_and_first_inquiries_is_inert(client, w):
    c = services.complaint_file(content=XSS, subject="department", department=w.unit, actor=w.applicant)
    services.complaint_reply(complaint=c, text=XSS, upheld=False, actor=w.clerk)
    services.complaint_rate(complaint=c, satisfied=False, note=XSS, actor=w.applicant)
    services.first_inquiry_record(actor=w.clerk, question=XSS, outcome="guided", guided_to=XSS)
    login(client, w.applicant)
    assert_inert(html(client.get("/inquiries/complaints/mine/")))
    assert_inert(html(client.get(f"/inquiries/complaints/{c.pk}/")))
    login(client, w.clerk)
    assert_inert(html(client.get(f"/inquiries/complaints/{c.pk}/")))
    assert_inert(html(client.get("/inquiries/first/")))


def test_complain_online_then_the_unit_replies_on_the_page(client, w):
    login(client, w.applicant)
    form = html(client.get("/inquiries/complaints/new/"))
    assert 'name="channel"' not in form  # applicants file online only
    response = client.post("/inquiries/complaints/new/",
                           {"subject": "department", "department": str(w.unit.pk), "content": "办事慢"})  # fmt: skip
    assert response.status_code == 302 and response["Location"] == "/inquiries/complaints/mine/"
    c = Complaint.objects.get()
    login(client, w.clerk)
    listing = html(client.get("/inquiries/complaints/"))
    assert (
        c.number in listing and "张*" in listing and "139****5678" in listing and "13912345678" not in listing
    )
    done = client.post(f"/inquiries/complaints/{c.pk}/reply/", {"text": "已整改", "upheld": "1"})
    assert done.status_code == 302
    assert Complaint.objects.get(pk=c.pk).state == ComplaintState.REPLIED
    login(client, w.applicant)
    assert "已整改" in html(client.get("/inquiries/complaints/mine/"))


def test_an_applicant_names_a_staff_member_by_employee_number(client, w):
    from govhall.org.models import Staff

    clerk = Staff.objects.get(user=w.clerk)
    login(client, w.applicant)
    client.post(
        "/inquiries/complaints/new/", {"subject": "staff", "staff": clerk.employee_no, "content": "态度差"}
    )
    assert Complaint.objects.get().staff_id == clerk.pk
    before = f.counts()
    bad = client.post("/inquiries/complaints/new/", {"subject": "staff", "staff": "NOPE", "content": "x"})
    assert bad.status_code == 400 and "工号不存在。" in html(bad)
    assert f.counts() == before


def test_another_units_staff_cannot_open_or_reply_on_the_page(client, w):
    c = services.complaint_file(content="投诉", subject="department", department=w.unit, actor=w.applicant)
    login(client, w.other_clerk)
    before = f.counts()
    assert client.get(f"/inquiries/complaints/{c.pk}/").status_code == 403
    assert (
        client.post(f"/inquiries/complaints/{c.pk}/reply/", {"text": "x", "upheld": "0"}).status_code == 403
    )
    assert f.counts() == before
    assert c.number not in html(client.get("/inquiries/complaints/"))


def test_a_bad_reply_shows_the_message_in_the_page(client, w):
    c = services.complaint_file(content="投诉", subject="department", department=w.unit, actor=w.applicant)
    login(client, w.clerk)
    before = f.counts()
    response = client.post(f"/inquiries/complaints/{c.pk}/reply/", {"text": "答复"})
    assert response.status_code == 400 and "请选择投诉是否属实。" in html(response)
    assert f.counts() == before


def test_staff_enter_a_hotline_complaint(client, w):
    login(client, w.supervisor)
    form = html(client.get("/inquiries/complaints/new/"))
    assert 'name="channel"' in form and 'name="complainant_mobile"' in form
    response = client.post("/inquiries/complaints/new/", {"channel": "hotline", "subject": "general",
                           "content": "热线投诉", "complainant_name": "王五", "complainant_mobile": "13600001111"})  # fmt: skip
    c = Complaint.objects.get()
    assert response["Location"] == reverse("inquiries:complaint", args=[c.pk])
    page = html(client.get(response["Location"]))
    assert "王*" in page and "136****1111" in page and "派单" in page
    client.post(f"/inquiries/complaints/{c.pk}/assign/", {"unit": str(w.unit.pk)})
    assert Complaint.objects.get(pk=c.pk).unit_id == w.unit.pk


def test_the_first_inquiry_page_logs_and_lists_masked(client, w):
    login(client, w.clerk)
    response = client.post("/inquiries/first/", {"question": "公积金在哪办？", "outcome": "guided",
                           "guided_to": "公积金分中心", "asker_name": "王小明", "asker_mobile": "13500001111"})  # fmt: skip
    assert response.status_code == 302
    page = html(client.get("/inquiries/first/"))
    assert "王**" in page and "135****1111" in page and "王小明" not in page and "公积金分中心" in page
    before = FirstInquiry.objects.count()
    bad = client.post("/inquiries/first/", {"question": "x", "outcome": "guided"})
    assert bad.status_code == 400 and "引导办理须写明" in html(bad)
    assert FirstInquiry.objects.count() == before
    assert html(client.get("/inquiries/first/", {"outcome": "answered"})).count('data-first="') == 0


def test_the_first_inquiry_page_is_for_staff(client, w):
    login(client, w.applicant)
    assert client.get("/inquiries/first/").status_code == 403


@pytest.mark.parametrize("path", ["/inquiries/duty/queue/", "/inquiries/complaints/", "/inquiries/first/"])
def test_staff_lists_have_a_fixed_query_budget(client, w, path, django_assert_max_num_queries):
    for i in range(6):
        services.question_ask(text=f"问题{i}", item=w.item, actor=w.applicant)
        services.complaint_file(
            content=f"投诉{i}", subject="department", department=w.unit, actor=w.applicant
        )
        services.first_inquiry_record(actor=w.clerk, question=f"首问{i}", outcome="answered")
    login(client, w.clerk)
    client.get(path)  # warm the session and the calendar
    with django_assert_max_num_queries(14):
        assert client.get(path).status_code == 200
