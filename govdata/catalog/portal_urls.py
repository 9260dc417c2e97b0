"""Addresses of the open catalog on the public portal, under /data/."""

from django.urls import re_path

from . import portal

urlpatterns = [
    re_path(r"^$", portal.catalog_page, name="open-catalog"),
    # A resource code: division code, class digit, organisation code, sequence.
    re_path(r"^(?P<code>[0-9A-Za-z-]{1,48})/$", portal.dataset_page, name="open-dataset"),
]
