"""Signals other features listen to. Sent inside the database transaction that creates the
record, before commit, so that a listener's rows (a queued push message) commit with it."""

from blinker import Namespace

_signals = Namespace()

# sender: the Report row, just added to db.session and not yet committed.
report_created = _signals.signal("report-created")

# sender: the Flask app; night=the night's date, by=the User who marked it, review=the
# NightReview row (its stored PDF included), added to db.session and not yet committed;
# version=its version number (1, or N+1 when the night is marked again after late records),
# changes=what changed since version N (patrol.review.versions.NightChanges), seal=the signed
# root of this version (patrol.review.hooks; None when no sealer is registered).
# The owners' morning email listens here (version 1: the news; N+1: the addendum).
night_reviewed = _signals.signal("night-reviewed")

# sender: the Report just approved; review=its ReportReview, by=the approving User. Sent before
# the approval commits, on every approval (re-approvals too: a listener that must act once per
# report keeps its own record of that). The owners' "acute events when approved" mail listens.
report_approved = _signals.signal("report-approved")

# sender: the WorkOrder just made (flushed, with its id), by=the User who made it. Sent before
# it commits. The day crew's "new work orders" mail listens.
work_order_created = _signals.signal("work-order-created")

# sender: the WorkOrder just marked done (status, done_at, done_by_id set), by=the User
# recorded as doing it. Sent before it commits. The integrations' webhooks listen.
work_order_completed = _signals.signal("work-order-completed")

# sender: the SosAlert just stored (first arrival only, not a repeat of the same id). Sent
# before it commits. The integrations' webhooks listen ("alarm.raised").
sos_received = _signals.signal("sos-received")

# sender: the SosAlert just acknowledged (acknowledged_at set), by=the User. Sent before it
# commits, once per alert. The integrations' webhooks listen ("alarm.acknowledged").
sos_acknowledged = _signals.signal("sos-acknowledged")
