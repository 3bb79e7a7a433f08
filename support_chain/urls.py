from django.urls import path

from support_chain import views

app_name = "support_chain"

urlpatterns = [
    path("", views.chain_index, name="chain_index"),
    path("<str:key>/", views.chain_detail, name="chain_detail"),
]
