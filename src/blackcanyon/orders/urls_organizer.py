from django.urls import URLPattern

# Placeholder; the organizer orders work fills it (orders list/detail, discount codes).
urlpatterns: list[URLPattern] = []
