from django.urls import path

from govhall.core import views_accounts

# Included at "accounts/" by govhall.core.urls.
urlpatterns = [
    path("login/", views_accounts.LoginView.as_view(), name="login"),
    path("logout/", views_accounts.LogoutView.as_view(), name="logout"),
    path("register/", views_accounts.register, name="register"),
    path("register/details/", views_accounts.register_details, name="register-details"),
]
