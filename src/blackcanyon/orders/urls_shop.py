from django.urls import path
from django.views.generic import TemplateView

# Placeholder; the shop work replaces it (checkout, payment, order page).
urlpatterns = [
    path(
        "orders/<slug:organizer_slug>/<str:code>/<str:token>/",
        TemplateView.as_view(template_name="base.html"),
        name="order_page",
    ),
]
