from django.urls import path

from govhall.cases import views, views_public, views_workbench

app_name = "cases"
urlpatterns = [
    path("work/", views_workbench.workbench, name="workbench"),
    path("lookup/", views_public.lookup, name="lookup"),
    path(
        "lookup/<str:number>/notices/<str:notice_number>.pdf",
        views_public.public_notice,
        name="public_notice",
    ),
    path("<str:number>/", views.case_detail, name="detail"),
    path("<str:number>/actions/<str:action>/", views.case_action, name="action"),
    path("<str:number>/tasks/<int:task_id>/<str:op>/", views.task_action, name="task_action"),
    path("<str:number>/notices/<str:notice_number>.pdf", views.notice_download, name="notice"),
    path("<str:number>/files/<int:file_id>/", views.file_download, name="file"),
]
