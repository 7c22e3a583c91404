from django.urls import path

from blackcanyon.notifications import webhooks

app_name = "notifications"

urlpatterns = [
    path("webhooks/email/resend/", webhooks.resend_webhook, name="resend_webhook"),
]
