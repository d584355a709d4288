from django.urls import path

from govhall.portal import views, views_agency, views_filing, views_me

app_name = "portal"
urlpatterns = [
    path("", views.home, name="home"),
    path("elderly/", views.elderly_toggle, name="elderly"),
    path("file/<str:code>/", views_filing.file_item, name="file"),
    path("me/", views_me.me, name="me"),
    path("me/cases/", views_me.my_cases, name="my_cases"),
    path("me/filings/", views_me.my_filings, name="my_filings"),
    path("me/filings/new/<str:code>/", views_agency.agency_file, name="agency_file"),
    path("me/messages/", views_me.my_messages, name="my_messages"),
    path("me/enterprise/", views_me.enterprise, name="enterprise"),
    path("me/enterprise/operators/<int:pk>/<str:action>/", views_me.operator_action, name="operator_action"),
    path("me/cases/<str:number>/", views_me.my_case, name="my_case"),
    path("me/cases/<str:number>/supplement/", views_me.answer_supplement, name="supplement"),
    path("me/cases/<str:number>/resubmit/", views_me.resubmit, name="resubmit"),
]
