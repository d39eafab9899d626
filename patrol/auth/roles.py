"""Roles and the groups of roles that routes check (architecture §9): the one home for these names.

Every route's `roles_required(...)` and every query that picks users by role imports its group
from here, so a new role (or a new group) is added in one place.
"""

from __future__ import annotations

GUARD = "guard"
SUPERVISOR = "supervisor"
ADMIN = "admin"
OWNER = "owner"
CREW = "crew"

# Every role a user can have, in the order the admin pages list them.
ROLES = (GUARD, SUPERVISOR, ADMIN, OWNER)

# Who may run shifts and record check-ins, reports and SOS (supervisors and admins patrol too).
PATROL_ROLES = (GUARD, SUPERVISOR, ADMIN)
# Who reviews the night: /review/, alerts, dispatch, "Just nu".
REVIEWER_ROLES = (SUPERVISOR, ADMIN)
# Who may change the operator's set-up under /admin/ (supervisors may read it).
ADMIN_ROLES = (ADMIN,)
ADMIN_READER_ROLES = (SUPERVISOR, ADMIN)
# Who may read the sites document (the guard app's offline cache).
SITES_READER_ROLES = (GUARD, SUPERVISOR, ADMIN, OWNER)
