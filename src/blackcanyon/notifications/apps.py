from django.apps import AppConfig


class NotificationsConfig(AppConfig):
    name = "blackcanyon.notifications"
    label = "notifications"
    verbose_name = "Notifications"
