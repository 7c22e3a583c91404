from django.urls import path
from django.views.generic import TemplateView

# Placeholder route; the organizers work replaces it with the real views.
app_name = "organizers"
urlpatterns = [
    path("", TemplateView.as_view(template_name="base.html"), name="home"),
]
