from django.apps import AppConfig


class OrganizersConfig(AppConfig):
    name = "blackcanyon.organizers"
    label = "organizers"
    verbose_name = "Organizers"
