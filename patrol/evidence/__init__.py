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

    check_signing_key(app)
    register_night_sealer(seal_night)
    register(FORGET_JOB)
    app.register_blueprint(bp)
    app.cli.add_command(verify_evidence_command)


def check_signing_key(app: Flask) -> None:
    """A PATROL_SIGNING_KEY that is no Ed25519 key stops the start with one line, instead of
    failing the first "Natten granskad" of the morning."""
    from patrol.configcheck import ConfigError
    from patrol.evidence.keys import SigningKeyError, parse_private_key

    configured = app.config.get("SIGNING_KEY")
    if not configured or app.config.get("CONFIG_PROBLEMS"):
        return
    try:
        parse_private_key(str(configured))
    except (SigningKeyError, ValueError, TypeError) as error:
        problem = f"PATROL_SIGNING_KEY: {error}"
        if "PATROL_SIGNING_KEY" not in str(error):
            problem = f"PATROL_SIGNING_KEY: not an Ed25519 private key ({error})"
        raise ConfigError([problem]) from None
