from django.conf import settings
from django.conf.urls.static import static
from django.contrib import admin
from django.urls import URLPattern, URLResolver, include, path

urlpatterns: list[URLPattern | URLResolver] = [
    path("accounts/", include("blackcanyon.accounts.urls")),
    path("o/", include("blackcanyon.organizers.urls")),
    path("admin/", admin.site.urls),
    path("", include("blackcanyon.api.urls")),
    path("", include("blackcanyon.core.urls")),
    path("", include("blackcanyon.events.urls")),
    path("", include("blackcanyon.orders.urls")),
    path("", include("blackcanyon.payments.urls")),
    path("", include("blackcanyon.ledger.urls")),
    path("", include("blackcanyon.tickets.urls")),
    path("", include("blackcanyon.checkin.urls")),
    path("", include("blackcanyon.notifications.urls")),
    path("scan/", include("blackcanyon.checkin.urls_scanner")),
]
if settings.DEBUG:
    urlpatterns += static(settings.MEDIA_URL, document_root=settings.MEDIA_ROOT)
