"""Addresses of the catalog's lists (CAT-6) and information systems (CAT-7): the console pages
under /console/catalog/, and the public published lists under /lists/."""

from django.urls import path

from govdata.orgs import urls as _org_urls  # noqa: F401 — registers the "id" path converter

from . import views_lists as views

urlpatterns = [
    path("console/catalog/demands/", views.demand_list, name="lists-demands"),
    path("console/catalog/demands/<id:demand_id>/", views.demand_detail, name="lists-demand"),
    path(
        "console/catalog/demands/<id:demand_id>/meet/",
        views.meet_demand,
        name="lists-demand-meet",
    ),
    path(
        "console/catalog/demands/<id:demand_id>/assign/",
        views.assign_demand,
        name="lists-demand-assign",
    ),
    path(
        "console/catalog/demands/<id:demand_id>/answer/",
        views.answer_demand,
        name="lists-demand-answer",
    ),
    path(
        "console/catalog/demands/<id:demand_id>/withdraw/",
        views.withdraw_demand,
        name="lists-demand-withdraw",
    ),
    path(
        "console/catalog/responsibilities/",
        views.responsibility_list,
        name="lists-responsibilities",
    ),
    path(
        "console/catalog/responsibilities/<id:responsibility_id>/link/",
        views.link_responsibility,
        name="lists-responsibility-link",
    ),
    path("console/catalog/non-share/", views.non_share_list, name="lists-non-share"),
    path("console/catalog/lists/<str:kind>/publish/", views.publish_list, name="lists-publish"),
    path("console/catalog/systems/", views.system_list, name="infosystems"),
    path("console/catalog/systems/<id:system_id>/", views.system_detail, name="infosystem"),
    path(
        "console/catalog/systems/<id:system_id>/edit/",
        views.edit_system,
        name="infosystem-edit",
    ),
    path(
        "console/catalog/systems/<id:system_id>/accept/",
        views.accept_system,
        name="infosystem-accept",
    ),
    path(
        "console/catalog/systems/<id:system_id>/upgrade/",
        views.upgrade_system,
        name="infosystem-upgrade",
    ),
    path(
        "console/catalog/systems/<id:system_id>/file-stop/",
        views.file_system_stop,
        name="infosystem-file-stop",
    ),
    path(
        "console/catalog/systems/<id:system_id>/stop/",
        views.stop_system,
        name="infosystem-stop",
    ),
    path("lists/<str:kind>/", views.published_list, name="public-list"),
]
