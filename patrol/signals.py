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
