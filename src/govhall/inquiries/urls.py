from django.urls import path

from govhall.inquiries import views
from govhall.inquiries import views_complaints as vc

app_name = "inquiries"
urlpatterns = [
    path("", views.index, name="index"),
    path("ask/", views.ask, name="ask"),
    path("mine/", views.mine, name="mine"),
    path("duty/", views.duty, name="duty"),
    path("duty/queue/", views.duty_queue, name="duty_queue"),
    path("questions/<int:question_id>/", views.question_detail, name="question"),
    path("questions/<int:question_id>/<slug:action>/", views.question_action, name="question_action"),
    path("complaints/", vc.complaint_list, name="complaints"),
    path("complaints/new/", vc.complaint_new, name="complaint_new"),
    path("complaints/mine/", vc.complaints_mine, name="complaints_mine"),
    path("complaints/<int:complaint_id>/", vc.complaint_detail, name="complaint"),
    path("complaints/<int:complaint_id>/<slug:action>/", vc.complaint_action, name="complaint_action"),
    path("first/", vc.first_inquiry, name="first"),
]
