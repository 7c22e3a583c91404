from django.urls import path

from blackcanyon.accounts import views

app_name = "accounts"
urlpatterns = [
    path("login/", views.LoginView.as_view(), name="login"),
    path("logout/", views.logout_view, name="logout"),
    path("signup/", views.signup, name="signup"),
    path("verify-email/sent/", views.verify_sent, name="verify_sent"),
    path("verify-email/required/", views.verify_required, name="verify_required"),
    path("verify-email/resend/", views.verify_resend, name="verify_resend"),
    path("verify-email/<str:token>/", views.verify_email, name="verify_email"),
    path("password-reset/", views.password_reset, name="password_reset"),
    path("password-reset/sent/", views.password_reset_sent, name="password_reset_sent"),
    path(
        "password-reset/<uidb64>/set-password/",
        views.password_reset_set,
        name="password_reset_set",
    ),
    path(
        "password-reset/<uidb64>/<str:token>/",
        views.password_reset_confirm,
        name="password_reset_confirm",
    ),
    path("settings/", views.settings_view, name="settings"),
    path("settings/password/", views.password_change, name="password_change"),
    path("settings/email/", views.email_change, name="email_change"),
    path("email-change/<str:token>/", views.email_change_confirm, name="email_change_confirm"),
]
