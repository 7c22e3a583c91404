from django.urls import path

from blackcanyon.notifications import views

app_name = "notifications"

urlpatterns = [
    path("webhooks/email/resend/", views.resend_webhook, name="resend_webhook"),
]
