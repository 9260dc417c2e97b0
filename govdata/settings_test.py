"""Settings for the test suite: the production settings plus a small test workflow app."""

from govdata.settings import *  # noqa: F403
from govdata.settings import DEADLINE_DAYS, INSTALLED_APPS

INSTALLED_APPS = [*INSTALLED_APPS, "govdata.core.tests.workflow_app"]
DEADLINE_DAYS = {**DEADLINE_DAYS, "test.answer": 3}
