"""`flask --app app push-worker` and `worker` as real processes: a subscriber with its own keys
receives and decrypts an acute alert while a worker runs, two workers draining 500 queued
messages deliver each exactly once (SQLite always; PostgreSQL, with SKIP LOCKED, when
TEST_DATABASE_URL is set), and `worker` sends push and mail in lanes of their own, so a mail
server that never answers does not hold back an alert."""

from __future__ import annotations

import os
import signal
import socket
import subprocess
import sys
import time
from collections import Counter
from pathlib import Path

import sqlalchemy as sa

from patrol.auth.models import User
from patrol.db import db, utcnow
from patrol.mail.models import MailMessage
from patrol.mail.rules import queue_mail
from patrol.push.models import PushMessage, PushSubscription
from tests.support import push as push_fixtures
from tests.support.push import (
    SUBJECT,
    VAPID_PRIVATE,
    VAPID_PUBLIC,
    first_property,
    put_report,
    start_shift,
    subscribe,
)
from tests.support.push_service import LoopbackPushService, Subscriber, verify_vapid
from tests.support.smtp import SmtpServer

ROOT = Path(__file__).resolve().parent.parent

push_app = push_fixtures.push_app
push_service = push_fixtures.push_service


def start_worker(
    app,
    service: LoopbackPushService,
    tmp_path: Path,
    name: str,
    batch: int = 10,
    command: tuple[str, ...] | None = None,
    **settings: str,
):
    """A worker process on the test's database: `push-worker` by default, or `command` (e.g.
    `("worker",)`) with more PATROL_ settings."""
    env = dict(os.environ)
    env.update(
        PATROL_ENV="development",
        PATROL_SECRET_KEY="worker-test",
        PATROL_INSTANCE_PATH=str(tmp_path / f"instance-{name}"),
        PATROL_DATABASE_URL=app.config["DATABASE_URL"],
        PATROL_VAPID_PRIVATE_KEY=VAPID_PRIVATE,
        PATROL_VAPID_SUBJECT=SUBJECT,
        PATROL_PUSH_ALLOWED_HOSTS=f"127.0.0.1:{service.port}",
        PATROL_PUSH_WORKER_POLL_S="0.1",
    )
    env.update({f"PATROL_{key}": value for key, value in settings.items()})
    command = command or ("push-worker", "--batch", str(batch))
    return subprocess.Popen(
        [sys.executable, "-m", "flask", "--app", "app", *command],
        cwd=ROOT,
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
    )


def stop_worker(process: subprocess.Popen) -> str:
    process.send_signal(signal.SIGINT)
    try:
        output, _ = process.communicate(timeout=15)
    except subprocess.TimeoutExpired:
        process.kill()
        output, _ = process.communicate()
    return output


def wait_for(predicate, timeout: float, what: str):
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        value = predicate()
        if value:
            return value
        time.sleep(0.05)
    raise AssertionError(f"timed out waiting for {what}")


def test_subscriber_decrypts_acute_alert_while_push_worker_runs(
    push_app, api_as, push_service, tmp_path
):
    guard, supervisor = api_as("guard"), api_as("supervisor")
    shift = start_shift(guard)
    subscriber = subscribe(supervisor, push_service)
    worker = start_worker(push_app, push_service, tmp_path, "one")
    try:
        wait_for(lambda: "running" in (worker.stdout.readline() or ""), 30, "the worker")
        report_id = put_report(guard, shift, first_property(push_app))
        request = wait_for(lambda: push_service.received(subscriber.path), 15, "the push")[0]
    finally:
        stop_worker(worker)
    payload = subscriber.decrypt(request)
    assert payload["type"] == "acute" and payload["tag"] == f"acute-{report_id}"
    assert payload["title"].startswith("Akut händelse: Brand eller rök, ")
    assert verify_vapid(request, VAPID_PUBLIC, push_service.origin)["sub"] == SUBJECT
    assert request.headers["Urgency"] == "high"


def test_two_workers_deliver_500_messages_exactly_once(push_app, seeded, push_service, tmp_path):
    push_service.delay = 0.002
    subscribers: list[Subscriber] = []
    with push_app.app_context():
        users = db.session.scalars(sa.select(User).order_by(User.id)).all()
        subs = []
        for index in range(50):
            subscriber = Subscriber(push_service, f"device-{index}")
            subscribers.append(subscriber)
            keys = subscriber.to_json()["keys"]
            subs.append(
                PushSubscription(
                    user_id=users[index % len(users)].id,
                    endpoint=subscriber.endpoint,
                    p256dh=keys["p256dh"],
                    auth=keys["auth"],
                    locale="sv",
                )
            )
        db.session.add_all(subs)
        db.session.flush()
        now = utcnow()
        for n in range(500):
            sub = subs[n % len(subs)]
            db.session.add(
                PushMessage(
                    subscription_id=sub.id,
                    user_id=sub.user_id,
                    kind="test",
                    payload={"type": "test", "n": n},
                    ttl_s=600,
                    urgency="normal",
                    status="pending",
                    attempts=0,
                    created_at=now,
                    next_attempt_at=now,
                )
            )
        db.session.commit()

    workers = [start_worker(push_app, push_service, tmp_path, name) for name in ("a", "b")]
    try:

        def all_sent():
            with push_app.app_context():
                left = db.session.scalar(
                    sa.select(sa.func.count())
                    .select_from(PushMessage)
                    .where(PushMessage.status != "sent")
                )
                db.session.rollback()
                return left == 0

        wait_for(all_sent, 120, "500 messages sent")
        time.sleep(0.5)  # any duplicate would arrive now
    finally:
        outputs = [stop_worker(w) for w in workers]

    received = push_service.received()
    assert len(received) == 500, outputs
    by_path = {s.path: s for s in subscribers}
    numbers = Counter(by_path[r.path].decrypt(r)["n"] for r in received)
    assert sorted(numbers) == list(range(500))
    assert set(numbers.values()) == {1}
    with push_app.app_context():
        rows = db.session.scalars(sa.select(PushMessage)).all()
        assert all(r.attempts == 1 for r in rows)
        # Both workers did part of the work.
        shares = Counter(r.claimed_by for r in rows)
        assert len(shares) == 2 and min(shares.values()) > 0, shares


def running_line(process: subprocess.Popen) -> str | None:
    line = process.stdout.readline()
    return line if "running" in line else None


def send_acute_and_mail(push_app, guard, subject: str) -> str:
    with push_app.app_context():
        queue_mail("test", ["drift@example.se"], subject, "Hej från arbetaren.")
        db.session.commit()
    return put_report(guard, start_shift(guard), first_property(push_app))


def test_the_worker_process_runs_the_push_and_mail_drains(push_app, api_as, push_service, tmp_path):
    """`flask --app app worker` sends both through their registered drains."""
    guard, supervisor = api_as("guard"), api_as("supervisor")
    subscriber = subscribe(supervisor, push_service)
    smtp = SmtpServer().start()
    worker = start_worker(
        push_app,
        push_service,
        tmp_path,
        "all",
        command=("worker",),
        SMTP_HOST="127.0.0.1",
        SMTP_PORT=str(smtp.port),
        SMTP_STARTTLS="false",
        WORKER_POLL_S="0.1",
    )
    try:
        line = wait_for(lambda: running_line(worker), 30, "the worker")
        assert "push" in line and "mail" in line, line
        report_id = send_acute_and_mail(push_app, guard, "Från arbetaren")
        request = wait_for(lambda: push_service.received(subscriber.path), 15, "the push")[0]
        wait_for(
            lambda: any(m["Subject"] == "Från arbetaren" for m in smtp.inbox.messages),
            15,
            "the mail",
        )
    finally:
        output = stop_worker(worker)
        smtp.stop()
    assert subscriber.decrypt(request)["tag"] == f"acute-{report_id}", output
    assert "worker stopped" in output


def test_a_mail_server_that_never_answers_does_not_hold_back_an_alert(
    push_app, api_as, push_service, tmp_path
):
    """The mail lane hangs on a server that accepts the connection and never greets (for
    SMTP_TIMEOUT_S); the push lane sends the acute alert meanwhile."""
    guard, supervisor = api_as("guard"), api_as("supervisor")
    subscriber = subscribe(supervisor, push_service)
    silent = socket.socket()
    silent.bind(("127.0.0.1", 0))
    silent.listen(8)  # connections wait in the backlog; nobody ever answers
    worker = start_worker(
        push_app,
        push_service,
        tmp_path,
        "stuck-mail",
        command=("worker",),
        SMTP_HOST="127.0.0.1",
        SMTP_PORT=str(silent.getsockname()[1]),
        SMTP_STARTTLS="false",
        SMTP_TIMEOUT_S="60",
        WORKER_POLL_S="0.1",
    )
    try:
        wait_for(lambda: "running" in (worker.stdout.readline() or ""), 30, "the worker")
        with push_app.app_context():
            queue_mail("test", ["drift@example.se"], "Fastnar", "Servern svarar aldrig.")
            db.session.commit()

        def mail_claimed():
            with push_app.app_context():
                status = db.session.scalar(sa.select(MailMessage.status))
                db.session.rollback()
                return status == "sending"

        wait_for(mail_claimed, 15, "the mail lane to be stuck on the silent server")
        report_id = put_report(guard, start_shift(guard), first_property(push_app))
        request = wait_for(lambda: push_service.received(subscriber.path), 15, "the push")[0]
    finally:
        worker.kill()
        worker.communicate()
        silent.close()
    assert subscriber.decrypt(request)["tag"] == f"acute-{report_id}"
