from django.apps import AppConfig


class ApiConfig(AppConfig):
    name = "blackcanyon.api"
    label = "api"
    verbose_name = "API"
