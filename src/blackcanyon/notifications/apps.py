from django.apps import AppConfig


class NotificationsConfig(AppConfig):
    name = "blackcanyon.notifications"
    label = "notifications"
    verbose_name = "Notifications"

    def ready(self) -> None:
        from django.core import checks

        from blackcanyon.notifications.checks import resend_webhook_secret

        checks.register(resend_webhook_secret, checks.Tags.security, deploy=True)
