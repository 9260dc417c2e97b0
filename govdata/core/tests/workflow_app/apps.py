from django.apps import AppConfig


class WorkflowAppConfig(AppConfig):
    """A small procedure that exercises the core workflow mechanism in tests only."""

    name = "govdata.core.tests.workflow_app"
    label = "workflow_app"

    def ready(self) -> None:
        from . import workflows  # noqa: F401
