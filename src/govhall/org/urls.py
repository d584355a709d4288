from django.urls import path

from govhall.org import views

app_name = "org"
urlpatterns = [
    path("", views.overview, name="overview"),
    path("departments/", views.department_list, name="departments"),
    path("departments/new/", views.department_edit, name="department_new"),
    path("departments/<int:pk>/edit/", views.department_edit, name="department_edit"),
    path("sites/", views.site_tree, name="sites"),
    path("sites/new/", views.site_edit, name="site_new"),
    path("sites/<str:code>/", views.site_detail, name="site"),
    path("sites/<str:code>/edit/", views.site_edit, name="site_edit"),
    path("windows/", views.window_list, name="windows"),
    path("windows/new/", views.window_edit, name="window_new"),
    path("windows/<int:pk>/edit/", views.window_edit, name="window_edit"),
    path("staff/", views.staff_list, name="staff"),
    path("staff/new/", views.staff_create, name="staff_new"),
    path("staff/<int:pk>/deactivate/", views.staff_deactivate, name="staff_deactivate"),
    path("delegations/", views.delegation_list, name="delegations"),
    path("delegations/grant/", views.delegation_grant, name="delegation_grant"),
    path("delegations/<int:pk>/revoke/", views.delegation_revoke, name="delegation_revoke"),
]
