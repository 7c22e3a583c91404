from django.apps import AppConfig


class CheckinConfig(AppConfig):
    name = "blackcanyon.checkin"
    label = "checkin"
    verbose_name = "Check-in"
