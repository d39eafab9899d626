"""Every model, imported in one place so that Alembic and `create_all` see all tables.

Feature packages that add tables add their models module here.
"""

from patrol.alarms.models import CheckinTimer, NoCoverage
from patrol.audit import AuditEvent
from patrol.auth.models import LoginFailure, User, UserSession
from patrol.drills.models import Drill
from patrol.evidence.models import EvidenceLeaf, NightSeal
from patrol.handover.models import HandoverPhoto, HandoverRead
from patrol.integrations.models import IntegrationToken, WebhookSubscription
from patrol.mail.models import MailMessage
from patrol.owners.models import OwnerNews, WorkOrderPhoto
from patrol.privacy.models import PurgeRun
from patrol.push import models as push_models  # noqa: F401  (push tables)
from patrol.reports.models import IncidentDetails, Photo, PhotoBlob, Report
from patrol.review.models import NightReview, ReportReview, ReviewEvent, WorkOrder
from patrol.rounds.models import RoundSkip, Route, RouteCheckpoint, Schedule
from patrol.safety import models as safety_models  # noqa: F401  (safety tables)
from patrol.schedule.models import JobRun
from patrol.shifts.models import CheckIn, DiscardedRecord, Shift
from patrol.sites.models import Area, Checkpoint, Organization, Property, RetiredToken
from patrol.webhooks.models import WebhookDelivery

__all__ = [
    "CheckinTimer",
    "NoCoverage",
    "Area",
    "AuditEvent",
    "CheckIn",
    "Checkpoint",
    "DiscardedRecord",
    "Drill",
    "EvidenceLeaf",
    "HandoverPhoto",
    "HandoverRead",
    "IncidentDetails",
    "IntegrationToken",
    "JobRun",
    "LoginFailure",
    "NightReview",
    "NightSeal",
    "MailMessage",
    "Organization",
    "OwnerNews",
    "Photo",
    "PhotoBlob",
    "Property",
    "PurgeRun",
    "Report",
    "ReportReview",
    "RetiredToken",
    "ReviewEvent",
    "RoundSkip",
    "Route",
    "RouteCheckpoint",
    "Schedule",
    "Shift",
    "User",
    "WebhookDelivery",
    "UserSession",
    "WebhookSubscription",
    "WorkOrder",
    "WorkOrderPhoto",
]
