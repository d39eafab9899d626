"""Alarm drills (issue 23, point 5): a supervisor starts a drill for a guard on shift at
`/review/drills`; the guard's phone shows "Övningslarm" and the guard answers "Jag är OK".

The phone learns of a drill by push (kind "drill", patrol.push.queue) and by asking
`GET /api/v1/drills/pending` when the app opens, comes to the foreground and after each sync,
so a phone without push gets it too. "Seen" and "answered" are records like any other: an
idempotent PUT each, through the phone's outbox. The list of drills is the proof that the
alarm routine is practised (AFS 2023:2)."""

from flask import Flask


def init_app(app: Flask) -> None:
    from patrol.drills import api, pages

    app.register_blueprint(api.bp)
    app.register_blueprint(pages.bp)
