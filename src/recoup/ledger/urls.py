from django.urls import path

from recoup.ledger import views

app_name = "ledger"
urlpatterns = [
    path("", views.overview, name="overview"),
    path("customers/", views.customer_list, name="customers"),
    path("customers/export/", views.customer_export, name="customers_export"),
]
