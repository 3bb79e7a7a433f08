from django.urls import path

from support_chain.observatory import views

app_name = "observatory"

urlpatterns = [
    path("", views.observatory_index, name="index"),
    path("<str:key>/", views.observatory_detail, name="detail"),
]
