from django.urls import path

from govdata.orgs import urls as _org_urls  # noqa: F401 — registers the "id" path converter

from . import views

urlpatterns = [
    path("console/data/", views.data_home, name="data"),
    path("console/data/resources/<id:resource_id>/", views.resource_data, name="data-resource"),
    path(
        "console/data/resources/<id:resource_id>/batches/<id:number>/undo/",
        views.batch_undo,
        name="data-batch-undo",
    ),
    path(
        "console/data/resources/<id:resource_id>/rules/",
        views.resource_rules,
        name="data-resource-rules",
    ),
    path("console/data/jobs/<id:job_id>/", views.job_detail, name="data-job"),
    path("console/data/jobs/<id:job_id>/progress/", views.job_progress, name="data-job-progress"),
    path(
        "console/data/jobs/<id:job_id>/rejected.csv", views.job_rejected, name="data-job-rejected"
    ),
    path("console/data/jobs/<id:job_id>/retry/", views.job_retry, name="data-job-retry"),
    path("console/data/cases/<id:case_id>/", views.case_detail, name="data-case"),
    path("console/data/cases/<id:case_id>/settle/", views.case_settle, name="data-case-settle"),
    path("console/data/cases/<id:case_id>/close/", views.case_close, name="data-case-close"),
    path(
        "console/data/cases/<id:case_id>/findings/<id:finding_id>/acknowledge/",
        views.finding_acknowledge,
        name="data-finding-acknowledge",
    ),
]
