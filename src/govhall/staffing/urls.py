from django.urls import path, re_path

from govhall.staffing import views, views_manage, views_pad, views_public

app_name = "staffing"
urlpatterns = [
    path("", views.home, name="home"),
    path("sign/", views.sign, name="sign"),
    path("pad/", views_pad.pad, name="pad"),
    path("month/", views.month, name="month"),
    path("leave/", views.leave, name="leave"),
    path("leave/<int:leave_id>/withdraw/", views.leave_withdraw, name="leave_withdraw"),
    path("leave/approvals/", views_manage.approvals, name="approvals"),
    path("leave/<int:leave_id>/decide/", views_manage.leave_decide, name="leave_decide"),
    path("offpost/", views_manage.offpost, name="offpost"),
    path("sheet/", views_manage.sheet, name="sheet"),
    path("summary/", views_manage.summary, name="summary"),
    path("selection/", views_manage.selection, name="selection"),
    path("selection/action/", views_manage.selection_action, name="selection_action"),
    path("letters/", views_manage.letters, name="letters"),
    re_path(
        r"^letters/(?P<department_id>\d+)/(?P<period>[0-9QqHh-]{4,7})\.(?P<fmt>pdf|xlsx)$",
        views_manage.letter_file,
        name="letter_file",
    ),
    path("vote/", views_public.vote, name="vote"),
    path("honours/", views_public.honours, name="honours"),
    path("honours/<int:entry_id>/certificate.pdf", views_public.certificate, name="certificate"),
]
