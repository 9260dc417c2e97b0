"""Every write to the catalog, by area. Import from here: ``from govdata.catalog import services``."""

from .imports import check_importable_entry, do_import_published_entry
from .libraries import do_create_library
from .maintenance import (
    check_raise_maintenance_task,
    close_data_update_tasks,
    do_cancel_maintenance_task,
    do_confirm_unchanged,
    raise_data_update_task,
    raise_system_upgrade_tasks,
    raise_yearly_reviews,
)
from .resources import (
    check_create_resource,
    check_start_revision,
    check_submit_version,
    check_update_version,
    do_approve_version,
    do_reject_version,
    do_withdraw_version,
    entry_of,
    first_review_level,
    next_resource_code,
)

__all__ = [
    "check_create_resource",
    "check_importable_entry",
    "check_raise_maintenance_task",
    "check_start_revision",
    "check_submit_version",
    "check_update_version",
    "close_data_update_tasks",
    "do_approve_version",
    "do_cancel_maintenance_task",
    "do_confirm_unchanged",
    "do_create_library",
    "do_import_published_entry",
    "do_reject_version",
    "do_withdraw_version",
    "entry_of",
    "first_review_level",
    "next_resource_code",
    "raise_data_update_task",
    "raise_system_upgrade_tasks",
    "raise_yearly_reviews",
]
