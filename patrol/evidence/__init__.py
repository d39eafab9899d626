"""The night as evidence (issue 26, points 1-3): each kept version of a night is signed as a
Merkle root over its records (snapshot.py), exported as a file anyone can check offline
(export.py, tools/verify_evidence.py), and one report can be handed to the police with its
proof path (police.py). Review never imports this package: it calls the sealer registered
here (patrol.review.hooks) when "Natten granskad" keeps a version."""

from __future__ import annotations

from flask import Flask


def init_app(app: Flask) -> None:
    from patrol.evidence.commands import verify_evidence_command
    from patrol.evidence.pages import bp
    from patrol.evidence.snapshot import FORGET_JOB, seal_night
    from patrol.review.hooks import register_night_sealer
    from patrol.schedule.rules import register

    register_night_sealer(seal_night)
    register(FORGET_JOB)
    app.register_blueprint(bp)
    app.cli.add_command(verify_evidence_command)
