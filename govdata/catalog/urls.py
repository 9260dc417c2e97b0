from django.urls import path

from govdata.orgs import urls as _org_urls  # noqa: F401 — registers the "id" path converter

from . import views

urlpatterns = [
    path("console/catalog/", views.catalog_home, name="catalog"),
    path("console/catalog/new/", views.compile_entry, name="catalog-compile"),
    path("console/catalog/review/", views.review_queue, name="catalog-review"),
    path("console/catalog/overview/", views.overview, name="catalog-overview"),
    path(
        "console/catalog/resources/<id:resource_id>/",
        views.resource_detail,
        name="catalog-resource",
    ),
    path(
        "console/catalog/resources/<id:resource_id>/revise/",
        views.start_revision,
        name="catalog-resource-revise",
    ),
    path(
        "console/catalog/resources/<id:resource_id>/maintenance/",
        views.raise_task,
        name="catalog-resource-raise-task",
    ),
    path(
        "console/catalog/resources/<id:resource_id>/compare/", views.compare, name="catalog-compare"
    ),
    path("console/catalog/versions/<id:version_id>/", views.version_detail, name="catalog-version"),
    path(
        "console/catalog/versions/<id:version_id>/edit/",
        views.edit_version,
        name="catalog-version-edit",
    ),
    path(
        "console/catalog/versions/<id:version_id>/submit/",
        views.submit_version,
        name="catalog-version-submit",
    ),
    path(
        "console/catalog/versions/<id:version_id>/approve/",
        views.approve_version,
        name="catalog-version-approve",
    ),
    path(
        "console/catalog/versions/<id:version_id>/reject/",
        views.reject_version,
        name="catalog-version-reject",
    ),
    path(
        "console/catalog/versions/<id:version_id>/withdraw/",
        views.withdraw_version,
        name="catalog-version-withdraw",
    ),
    path(
        "console/catalog/maintenance/<id:task_id>/done/",
        views.confirm_task,
        name="catalog-task-done",
    ),
    path(
        "console/catalog/maintenance/<id:task_id>/cancel/",
        views.cancel_task,
        name="catalog-task-cancel",
    ),
]
