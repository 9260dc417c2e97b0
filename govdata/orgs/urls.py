from django.http import HttpResponse
from django.urls import path

urlpatterns = [
    path("", lambda r: HttpResponse("portal"), name="portal-home"),
    path("console/", lambda r: HttpResponse("console"), name="console-home"),
    path("login/", lambda r: HttpResponse("login"), name="login"),
]
