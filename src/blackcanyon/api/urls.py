"""The API at /api/v1/ (anything else under /api/ is a JSON 404) and the organizer's token pages
at /o/<slug>/api-tokens/. Included at the site root."""

from django.urls import URLPattern, URLResolver, include, path, re_path

from blackcanyon.api import v1, views

token_patterns: list[URLPattern | URLResolver] = [
    path("", views.token_list, name="tokens"),
    path("new/", views.token_create, name="token_create"),
    path("<int:token_id>/revoke/", views.token_revoke, name="token_revoke"),
]

urlpatterns: list[URLPattern | URLResolver] = [
    path("api/v1/", views.api_index, name="api_index"),
    path("api/v1/", v1.urls()),
    re_path(r"^api(?:/.*)?$", views.api_not_found, name="api_not_found"),
    path("o/<slug:organizer_slug>/api-tokens/", include((token_patterns, "api"))),
]
