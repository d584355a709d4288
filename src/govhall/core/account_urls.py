from django.urls import path

from govhall.core import views_accounts, views_twofactor

# Included at "accounts/" by govhall.core.urls.
urlpatterns = [
    path("login/", views_accounts.LoginView.as_view(), name="login"),
    path("logout/", views_accounts.LogoutView.as_view(), name="logout"),
    path("register/", views_accounts.register, name="register"),
    path("register/details/", views_accounts.register_details, name="register-details"),
    path("2fa/setup/", views_twofactor.setup, name="2fa-setup"),
    path("2fa/verify/", views_twofactor.verify, name="2fa-verify"),
]
