from django.urls import path
from django.views.generic import TemplateView

# Placeholder route; the events work replaces it with the real views.
app_name = "events"
urlpatterns = [
    path("", TemplateView.as_view(template_name="base.html"), name="home"),
]
