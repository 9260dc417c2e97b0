from django.http import HttpResponse


def calendar_page(request):
    return HttpResponse("calendar")


def audit_page(request):
    return HttpResponse("audit")
