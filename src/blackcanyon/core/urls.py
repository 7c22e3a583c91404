from django.urls import path

from blackcanyon.core import views

app_name = "core"
urlpatterns = [
    path("health", views.health, name="health"),
    path("legal/terms/", views.legal_terms, name="legal_terms"),
    path("legal/privacy/", views.legal_privacy, name="legal_privacy"),
]
