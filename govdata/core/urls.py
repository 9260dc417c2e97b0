from django.urls import path

from . import views

urlpatterns = [
    path("console/calendar/", views.calendar_page, name="calendar"),
    path("console/audit/", views.audit_page, name="audit"),
]
