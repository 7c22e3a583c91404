"""The door scanner web app, mounted at /scan/ (namespace ``scanner``)."""

from django.urls import URLPattern, path

from blackcanyon.checkin import views_scanner as views

app_name = "scanner"
urlpatterns: list[URLPattern] = [
    path("", views.home, name="home"),
    path("sw.js", views.service_worker, name="service_worker"),
    path("manifest.webmanifest", views.manifest, name="manifest"),
    path("offline/", views.offline, name="offline"),
    path("session/", views.session, name="session"),
    path("o/<slug:organizer_slug>/", views.events, name="events"),
    path("o/<slug:organizer_slug>/events/<int:event_id>/", views.lists, name="lists"),
    path("o/<slug:organizer_slug>/lists/<int:list_id>/", views.scanner, name="scanner"),
]
