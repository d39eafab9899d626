"""/admin/integrations (admins only; supervisors get 403 like everyone else): API tokens and
webhook subscriptions, made, shown once, revoked; each subscription's delivery log with
"Skicka igen". Server-rendered, works without JavaScript, CSRF on every form."""

from __future__ import annotations

import secrets
from datetime import timedelta

import sqlalchemy as sa
from flask import Blueprint, flash, redirect, render_template, request, url_for
from flask_babel import gettext
from flask_login import current_user

from patrol.audit import created, labelled, write_audit
from patrol.auth.roles import ADMIN_ROLES
from patrol.db import db, utcnow
from patrol.errors import ApiError
from patrol.extensions import login_manager
from patrol.fields import storable
from patrol.integrations.models import EVENTS, SCOPES, IntegrationToken, WebhookSubscription
from patrol.integrations.tokens import new_token
from patrol.params import row_id
from patrol.sites.models import Organization

bp = Blueprint(
    "integrations", __name__, url_prefix="/admin/integrations", template_folder="templates"
)

EXPIRY_DAYS = ("30", "90", "365", "")
MAX_NAME = 120
MAX_URL = 500


@bp.before_request
def admins_only():
    if not current_user.is_authenticated:
        return login_manager.unauthorized()
    if current_user.role not in ADMIN_ROLES:
        raise ApiError(403)
    return None


@bp.context_processor
def labels():
    return {
        "can_edit": True,
        "SCOPE_LABELS": {
            "work-orders:read": gettext("Read work orders"),
            "work-orders:write": gettext("Mark work orders done"),
            "reports:read": gettext("Read approved reports"),
            "alarms:read": gettext("Read alarms (SOS)"),
        },
        "EVENT_LABELS": {
            "work_order.created": gettext("Work order created"),
            "work_order.completed": gettext("Work order done"),
            "report.approved": gettext("Report approved"),
            "night.reviewed": gettext("Night reviewed"),
            "alarm.raised": gettext("Alarm raised (SOS)"),
            "alarm.acknowledged": gettext("Alarm acknowledged"),
        },
        "EXPIRY_LABELS": {
            "30": gettext("30 days"),
            "90": gettext("90 days"),
            "365": gettext("1 year"),
            "": gettext("Never"),
        },
    }


def organizations() -> list[Organization]:
    return list(db.session.scalars(sa.select(Organization).order_by(Organization.name)))


def render(status: int = 200, **shown):
    tokens = db.session.scalars(
        sa.select(IntegrationToken).order_by(
            IntegrationToken.revoked_at.is_not(None), IntegrationToken.created_at.desc()
        )
    ).all()
    subscriptions = db.session.scalars(
        sa.select(WebhookSubscription).order_by(
            WebhookSubscription.revoked_at.is_not(None), WebhookSubscription.created_at.desc()
        )
    ).all()
    context = {
        "tokens": tokens,
        "subscriptions": subscriptions,
        "organizations": organizations(),
        "now": utcnow(),
        "token_errors": {},
        "subscription_errors": {},
        "form": {},
        "new_token": None,
        "new_secret": None,
        "SCOPES": SCOPES,
        "EVENTS": EVENTS,
        "EXPIRY_DAYS": EXPIRY_DAYS,
    }
    context.update(shown)
    return render_template("integrations/admin.html", **context), status


@bp.get("/")
def admin_page():
    return render()


def owner_choice(errors: dict) -> tuple[int | None, str]:
    """The form's owner: "" for every owner, else an organization's id."""
    value = (request.form.get("organization_id") or "").strip()
    if value == "":
        return None, gettext("Every owner")
    org_id = row_id(value)
    org = db.session.get(Organization, org_id) if org_id else None
    if org is None:
        errors["organization_id"] = gettext("Choose from the list.")
        return None, ""
    return org.id, org.name


def name_field(errors: dict) -> str:
    name = (request.form.get("name") or "").strip()
    if not name:
        errors["name"] = gettext("Give it a name.")
    elif len(name) > MAX_NAME or not storable(name):
        errors["name"] = gettext("At most %(n)d characters.", n=MAX_NAME)
    return name


@bp.post("/tokens")
def create_token():
    errors: dict[str, str] = {}
    name = name_field(errors)
    org_id, org_name = owner_choice(errors)
    scopes = request.form.getlist("scopes")
    if not scopes or not set(scopes) <= set(SCOPES):
        errors["scopes"] = gettext("Choose at least one scope.")
    expiry = request.form.get("expires", "")
    if expiry not in EXPIRY_DAYS:
        errors["expires"] = gettext("Choose from the list.")
    if errors:
        return render(422, token_errors=errors, form=request.form)
    expires_at = utcnow() + timedelta(days=int(expiry)) if expiry else None
    token, text = new_token(name, scopes, org_id, current_user.id, expires_at)
    db.session.flush()
    write_audit(
        "create",
        "integration_token",
        token.id,
        name,
        created(
            {
                "name": name,
                "organization": labelled(org_name, org_id) or org_name,
                "scopes": token.scopes,
                "prefix": token.prefix,
                "expires_at": expires_at,
            }
        ),
    )
    db.session.commit()
    # Shown on this answer only: never in a redirect, a flash (the session cookie) or a log.
    return render(201, new_token=(token, text))


@bp.post("/tokens/<int:token_id>/revoke")
def revoke_token(token_id: int):
    token = db.session.get(IntegrationToken, token_id)
    if token is None:
        raise ApiError(404)
    if token.revoked_at is None:
        token.revoked_at = utcnow()
        write_audit(
            "revoke",
            "integration_token",
            token.id,
            token.name,
            {"revoked_at": [None, token.revoked_at.isoformat()]},
        )
        db.session.commit()
        flash(gettext("The token is revoked."), "notice")
    return redirect(url_for("integrations.admin_page"), 303)


def url_field(errors: dict) -> str:
    url = (request.form.get("url") or "").strip()
    if not (url.startswith("https://") or url.startswith("http://")) or len(url) > MAX_URL:
        errors["url"] = gettext(
            "An http:// or https:// address, at most %(n)d characters.", n=MAX_URL
        )
    elif not storable(url) or any(c.isspace() or ord(c) < 32 for c in url):
        errors["url"] = gettext("The address contains characters that cannot be used.")
    return url


@bp.post("/subscriptions")
def create_subscription():
    errors: dict[str, str] = {}
    name = name_field(errors)
    url = url_field(errors)
    org_id, org_name = owner_choice(errors)
    events = request.form.getlist("events")
    if not events or not set(events) <= set(EVENTS):
        errors["events"] = gettext("Choose at least one event.")
    if errors:
        return render(422, subscription_errors=errors, form=request.form)
    secret = "whsec_" + secrets.token_urlsafe(32)
    subscription = WebhookSubscription(
        name=name,
        url=url,
        organization_id=org_id,
        events=[e for e in EVENTS if e in events],
        secret=secret,
        created_by_id=current_user.id,
        created_at=utcnow(),
    )
    db.session.add(subscription)
    db.session.flush()
    write_audit(
        "create",
        "webhook_subscription",
        subscription.id,
        name,
        created(
            {
                "name": name,
                "url": url,
                "organization": labelled(org_name, org_id) or org_name,
                "events": subscription.events,
            }
        ),
    )
    db.session.commit()
    return render(201, new_secret=(subscription, secret))


@bp.post("/subscriptions/<int:subscription_id>/revoke")
def revoke_subscription(subscription_id: int):
    subscription = db.session.get(WebhookSubscription, subscription_id)
    if subscription is None:
        raise ApiError(404)
    if subscription.revoked_at is None:
        subscription.revoked_at = utcnow()
        write_audit(
            "revoke",
            "webhook_subscription",
            subscription.id,
            subscription.name,
            {"revoked_at": [None, subscription.revoked_at.isoformat()]},
        )
        db.session.commit()
        flash(gettext("The subscription is stopped."), "notice")
    return redirect(url_for("integrations.admin_page"), 303)


@bp.get("/subscriptions/<int:subscription_id>")
def subscription_page(subscription_id: int):
    """The subscription's delivery log: the latest 100, newest first."""
    from patrol.integrations.webhooks import deliveries_of

    subscription = db.session.get(WebhookSubscription, subscription_id)
    if subscription is None:
        raise ApiError(404)
    return render_template(
        "integrations/subscription.html",
        subscription=subscription,
        deliveries=deliveries_of(subscription),
    )


@bp.post("/deliveries/<int:delivery_id>/retry")
def retry_delivery(delivery_id: int):
    """ "Skicka igen": a failed delivery of a subscription goes out again, due now (the alarm
    receiver's deliveries are not this page's)."""
    from patrol.webhooks.deliveries import retry_now
    from patrol.webhooks.models import WebhookDelivery

    delivery = db.session.get(WebhookDelivery, delivery_id)
    if delivery is None or delivery.subscription_id is None:
        raise ApiError(404)
    if retry_now(delivery.id):
        write_audit(
            "retry",
            "webhook_subscription",
            delivery.subscription_id,
            "",
            {"delivery": [None, delivery.id], "event": [None, delivery.event]},
        )
        db.session.commit()
        flash(gettext("The delivery is queued again."), "notice")
    else:
        flash(gettext("Only a failed delivery can be sent again."), "error")
    return redirect(
        url_for("integrations.subscription_page", subscription_id=delivery.subscription_id), 303
    )
