"""Orders URLs, included at the site root (namespace ``orders``): the buyer's shop pages and the
organizer's order and code pages."""

from blackcanyon.orders import urls_organizer, urls_shop

app_name = "orders"
urlpatterns = [*urls_shop.urlpatterns, *urls_organizer.urlpatterns]
