from django.urls import path
from django.views.generic import TemplateView

app_name = "orders"
urlpatterns = [
    path(
        "orders/<slug:organizer_slug>/<str:code>/<str:token>/",
        TemplateView.as_view(template_name="base.html"),
        name="order_page",
    ),
]
