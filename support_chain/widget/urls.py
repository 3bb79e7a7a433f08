from django.urls import path

from support_chain.widget import views

app_name = "widget"

urlpatterns = [
    path("<str:key>/", views.widget, name="widget"),
    path("<str:key>/code/", views.widget_snippet, name="snippet"),
]
