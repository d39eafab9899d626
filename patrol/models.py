"""Every model, imported in one place so that Alembic and `create_all` see all tables.

Feature packages that add tables add their models module here.
"""

from patrol.auth.models import LoginFailure, User
from patrol.privacy.models import PurgeRun
from patrol.push import models as push_models  # noqa: F401  (push tables)
from patrol.reports.models import Photo, Report
from patrol.review.models import ReportReview, ReviewEvent, WorkOrder
from patrol.schedule.models import JobRun
from patrol.shifts.models import CheckIn, Shift
from patrol.sites.models import Area, Checkpoint, Organization, Property

__all__ = [
    "Area",
    "CheckIn",
    "Checkpoint",
    "JobRun",
    "LoginFailure",
    "Organization",
    "Photo",
    "Property",
    "PurgeRun",
    "Report",
    "ReportReview",
    "ReviewEvent",
    "Shift",
    "User",
    "WorkOrder",
]
