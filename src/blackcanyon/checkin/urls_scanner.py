"""The door scanner web app, mounted at /scan/ (namespace ``scanner``)."""

from django.urls import URLPattern

app_name = "scanner"
urlpatterns: list[URLPattern] = []
