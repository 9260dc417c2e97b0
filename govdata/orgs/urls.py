from django.urls import path, register_converter

from . import views


class IdConverter:
    """An object id: at most 18 digits, so that no number the database cannot hold reaches a
    query (a longer one is simply not found)."""

    regex = "[0-9]{1,18}"

    def to_python(self, value: str) -> int:
        return int(value)

    def to_url(self, value: int) -> str:
        return str(value)


register_converter(IdConverter, "id")

urlpatterns = [
    path("", views.portal_home, name="portal-home"),
    path("login/", views.login_page, name="login"),
    path("logout/", views.logout_page, name="logout"),
    path("register/", views.register_page, name="register"),
    path("console/", views.console_home, name="console-home"),
    path("console/organisations/", views.organisation_tree, name="organisations"),
    path(
        "console/organisations/<id:organisation_id>/",
        views.organisation_detail,
        name="organisation",
    ),
    path(
        "console/organisations/<id:organisation_id>/people/",
        views.create_staff,
        name="organisation-create-staff",
    ),
    path(
        "console/organisations/<id:organisation_id>/roles/",
        views.assign_role,
        name="organisation-assign-role",
    ),
    path(
        "console/organisations/<id:organisation_id>/roles/<id:assignment_id>/revoke/",
        views.revoke_role,
        name="organisation-revoke-role",
    ),
    path(
        "console/organisations/<id:organisation_id>/children/",
        views.create_child_organisation,
        name="organisation-create-child",
    ),
    path(
        "console/organisations/<id:organisation_id>/account-requests/",
        views.file_account_request,
        name="organisation-file-account-request",
    ),
    path(
        "console/organisations/<id:organisation_id>/systems/",
        views.organisation_systems,
        name="organisation-systems",
    ),
    path("console/account-requests/", views.account_request_list, name="account-requests"),
    path(
        "console/account-requests/<id:request_id>/",
        views.account_request_detail,
        name="account-request",
    ),
    path(
        "console/account-requests/<id:request_id>/approve/",
        views.approve_account_request,
        name="account-request-approve",
    ),
    path(
        "console/account-requests/<id:request_id>/reject/",
        views.reject_account_request,
        name="account-request-reject",
    ),
    path(
        "console/account-requests/<id:request_id>/withdraw/",
        views.withdraw_account_request,
        name="account-request-withdraw",
    ),
    path("console/systems/<id:system_id>/", views.system_detail, name="system"),
    path("console/systems/<id:system_id>/keys/", views.issue_api_key, name="system-issue-key"),
    path(
        "console/systems/<id:system_id>/keys/<id:key_id>/revoke/",
        views.revoke_api_key,
        name="system-revoke-key",
    ),
    path(
        "console/systems/<id:system_id>/deactivate/",
        views.deactivate_system,
        name="system-deactivate",
    ),
]
