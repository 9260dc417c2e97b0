"""Settings for the test suite: the production settings plus a small test workflow app."""

import os

from govdata.settings import *  # noqa: F403
from govdata.settings import DEADLINE_DAYS, HUEY, INSTALLED_APPS, VAR_DIR

INSTALLED_APPS = [*INSTALLED_APPS, "govdata.core.tests.workflow_app"]
DEADLINE_DAYS = {**DEADLINE_DAYS, "test.answer": 3}

# The queue of the tests lives apart from the development queue under var/.
if HUEY.get("filename"):
    HUEY = {**HUEY, "filename": str(VAR_DIR / f"test_queue_{os.getpid()}.sqlite3")}
