"""The only writers of OKR data: cycles, objectives, key results, initiatives, check-ins, status
overrides, the automatic weekly check-in and the application of a plan file.

Each function runs in one transaction; every change goes through `common.audited_update` (or
`audited_create`), which validates, saves and writes the audit row with before and after.
Callers import from this package: `from recoup.okrs.services import plan_apply`.
"""

from recoup.okrs.services.auto_checkins import AutoCheckinReport, checkin_auto_run
from recoup.okrs.services.checkins import (
    checkin_create,
    checkin_lock,
    checkin_rules_check,
    checkin_write,
    previous_confidences,
    status_override_clear,
    status_override_set,
)
from recoup.okrs.services.closing import (
    CarryReport,
    Retrospective,
    cycle_carry_over,
    cycle_close,
    cycle_grade,
    grading_opens_on,
    next_cycle,
    next_cycle_name,
)
from recoup.okrs.services.common import (
    CHECKED_IN_KINDS,
    NUMERIC_KINDS,
    audited_create,
    audited_update,
)
from recoup.okrs.services.cycles import (
    CYCLE_CADENCE_FIELDS,
    CYCLE_DATE_FIELDS,
    cycle_create,
    cycle_update,
)
from recoup.okrs.services.initiatives import (
    INITIATIVE_FIELDS,
    INITIATIVE_PROGRESS_STATUSES,
    initiative_archive,
    initiative_create,
    initiative_update,
)
from recoup.okrs.services.key_results import (
    KEY_RESULT_FIELDS,
    NoKpiValueError,
    key_result_archive,
    key_result_baseline_capture,
    key_result_baseline_ensure,
    key_result_create,
    key_result_curve_learn,
    key_result_update,
    metric_problems,
    target_from_change,
)
from recoup.okrs.services.objectives import (
    OBJECTIVE_FIELDS,
    objective_archive,
    objective_create,
    objective_update,
)
from recoup.okrs.services.plan_apply import ApplyReport, plan_apply

__all__ = [
    "CHECKED_IN_KINDS",
    "CYCLE_CADENCE_FIELDS",
    "CYCLE_DATE_FIELDS",
    "INITIATIVE_FIELDS",
    "INITIATIVE_PROGRESS_STATUSES",
    "KEY_RESULT_FIELDS",
    "NUMERIC_KINDS",
    "OBJECTIVE_FIELDS",
    "ApplyReport",
    "AutoCheckinReport",
    "CarryReport",
    "NoKpiValueError",
    "Retrospective",
    "audited_create",
    "audited_update",
    "checkin_auto_run",
    "checkin_create",
    "checkin_lock",
    "checkin_rules_check",
    "checkin_write",
    "cycle_carry_over",
    "cycle_close",
    "cycle_create",
    "cycle_grade",
    "cycle_update",
    "grading_opens_on",
    "initiative_archive",
    "initiative_create",
    "initiative_update",
    "key_result_archive",
    "key_result_baseline_capture",
    "key_result_baseline_ensure",
    "key_result_create",
    "key_result_curve_learn",
    "key_result_update",
    "metric_problems",
    "next_cycle",
    "next_cycle_name",
    "objective_archive",
    "objective_create",
    "objective_update",
    "plan_apply",
    "previous_confidences",
    "status_override_clear",
    "status_override_set",
    "target_from_change",
]
