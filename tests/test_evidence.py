"""The night as evidence (issue 26, points 1-3): every kept version of a night is signed over
a snapshot of its records, exported as a file anyone can check offline (and that names the
first record that was changed), chained to the version before, still verifiable after the
purge, and one report can go to the police with its proof path."""

from __future__ import annotations

import json
import os
import subprocess
import sys
import uuid
import zipfile
from datetime import timedelta
from pathlib import Path

import pytest
import sqlalchemy as sa
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PublicKey

from patrol.config import ROOT
from patrol.db import db, set_clock, utcnow
from patrol.evidence.canonical import merkle_root, root_from_path
from patrol.evidence.keys import b64url_decode
from patrol.evidence.models import EvidenceLeaf, NightSeal
from patrol.evidence.police import proof_of
from tests.support.pdf import page_texts, pdf_text
from tests.support.review import NIGHT, new_id, sync_shift

TOOL = ROOT / "tools" / "verify_evidence.py"
NIGHT_URL = f"/review/nights/{NIGHT}"


def post(client, url, **form):
    return client.post(url, data={"csrf_token": client.csrf, **form})


def run_tool(path: Path, cwd: Path, *extra: str) -> subprocess.CompletedProcess:
    """The standalone verifier in its own process, from another directory, with no app
    configuration or database in its environment."""
    env = {k: v for k, v in os.environ.items() if not k.startswith(("PATROL_", "TEST_"))}
    return subprocess.run(
        [sys.executable, str(TOOL), str(path), *extra],
        cwd=cwd,
        env=env,
        capture_output=True,
        text=True,
        timeout=60,
    )


def download(boss, tmp_path: Path, name: str = "evidence.zip", query: str = "") -> Path:
    response = boss.get(f"{NIGHT_URL}/evidence.zip{query}")
    assert response.status_code == 200, response.get_data(as_text=True)
    assert response.mimetype == "application/zip"
    path = tmp_path / name
    path.write_bytes(response.data)
    return path


def rewrite_zip(source: Path, target: Path, change) -> None:
    """A copy of the zip with change(name, data) -> data applied to each member."""
    with zipfile.ZipFile(source) as old, zipfile.ZipFile(target, "w") as new:
        for info in old.infolist():
            new.writestr(info.filename, change(info.filename, old.read(info.filename)))


@pytest.fixture
def night(seeded, api_as, places, boss):
    """A synced shift (check-ins, two reports, a photo), an SOS, a correction and a work
    order, with the night marked reviewed: version 1 signed."""
    guard = api_as("guard")
    ids = sync_shift(guard, places)
    ids["sos"] = new_id()
    response = guard.put(
        f"/api/v1/sos/{ids['sos']}",
        json={"shift_id": ids["shift"], "occurred_at": "2026-11-23T23:15:00+01:00"},
    )
    assert response.status_code == 201, response.json
    ids["guard"] = guard
    url = f"/review/reports/{ids['acute']}"
    assert post(boss, f"{url}/approve", comment="Polisanmält").status_code == 302
    response = post(boss, f"{url}/correct", category="intrusion", level="disturbance", comment="")
    assert response.status_code == 302
    response = post(boss, f"{url}/work-order", what="Byt lås", place="Källardörr", priority="high")
    assert response.status_code == 302, response.get_data(as_text=True)
    response = post(boss, f"{NIGHT_URL}/reviewed", confirm="1")
    assert response.status_code == 302, response.get_data(as_text=True)
    return ids


def test_marking_the_night_signs_a_snapshot_of_every_record(seeded, boss, night):
    with seeded.app_context():
        seal = db.session.scalar(sa.select(NightSeal))
        leaves = db.session.scalars(sa.select(EvidenceLeaf).order_by(EvidenceLeaf.position)).all()
        assert (seal.version, seal.previous_root, seal.leaf_count) == (1, None, len(leaves))
        kinds = [leaf.kind for leaf in leaves]
        # Shifts, check-ins, reports, photos, corrections and their trail, SOS, work orders,
        # in the documented order.
        assert kinds == (
            ["shift"] + ["checkin"] * 3 + ["report"] * 2 + ["photo"] + ["report_review"]
            + ["review_event"] * 3 + ["sos", "work_order"]
        )  # fmt: skip
        photo = next(leaf for leaf in leaves if leaf.kind == "photo")
        assert json.loads(photo.body)["data"]["sha256"]  # the photo by its SHA-256
        report = next(leaf for leaf in leaves if leaf.record_id == night["acute"])
        assert '"description":"Obehöriga i källaren, polis tillkallad."' in report.body
        assert all(len(leaf.salt) == 32 for leaf in leaves)
        assert len({leaf.salt for leaf in leaves}) == len(leaves)  # one random salt each
        # The signature verifies with the published key.
        keys = seeded.test_client().get("/.well-known/nattpatrull-keys.json").json["keys"]
        assert keys[0]["key_id"] == seal.key_id and keys[0]["current"] is True
        public = Ed25519PublicKey.from_public_bytes(b64url_decode(keys[0]["public_key"]))
        public.verify(b64url_decode(seal.signature), bytes.fromhex(seal.root))
        root, key_id = seal.root, seal.key_id
    # The root and key id are on the kept PDF's first page.
    first = page_texts(boss.get(f"{NIGHT_URL}/versions/1.pdf").data)[0]
    assert root in first.replace("\n", "") and key_id in first


def test_an_untouched_export_verifies_offline_in_another_process(seeded, boss, night, tmp_path):
    path = download(boss, tmp_path)
    elsewhere = tmp_path / "another-checkout"
    elsewhere.mkdir()
    with seeded.app_context():
        root = db.session.scalar(sa.select(NightSeal.root))
    result = run_tool(path, elsewhere, "--root", root)
    assert result.returncode == 0, result.stdout + result.stderr
    assert result.stdout.startswith(f"OK night {NIGHT} version 1: 13 records (0 purged")
    with zipfile.ZipFile(path) as archive:
        names = archive.namelist()
        manifest = json.loads(archive.read("manifest.json"))
    assert f"photos/{night['photo']}" in names
    assert manifest["seal"]["public_key"] and manifest["seal"]["signature"]
    # The app's command agrees.
    runner = seeded.test_cli_runner()
    outcome = runner.invoke(args=["verify-evidence", str(path)])
    assert outcome.exit_code == 0 and outcome.output.startswith("OK night"), outcome.output
    # A root other than the printed one is refused.
    assert run_tool(path, elsewhere, "--root", "0" * 64).returncode == 1


def test_a_changed_byte_in_a_stored_row_is_named(seeded, boss, night, tmp_path):
    with seeded.app_context():
        leaf = db.session.scalar(
            sa.select(EvidenceLeaf).where(EvidenceLeaf.record_id == night["acute"])
        )
        position = leaf.position
        leaf.body = leaf.body.replace("källaren", "källarem")
        db.session.commit()
    path = download(boss, tmp_path)
    result = run_tool(path, tmp_path)
    assert result.returncode == 1
    assert result.stdout == (
        f"FAILED: record {position} (report {night['acute']}): does not match its leaf hash"
        " (changed)\n"
    )
    outcome = seeded.test_cli_runner().invoke(args=["verify-evidence", str(path)])
    assert outcome.exit_code == 1 and f"report {night['acute']}" in outcome.output


def test_a_changed_photo_is_named(seeded, boss, night, tmp_path):
    # One byte of the stored photo (the photo store's file) changed after signing.
    from patrol.reports.models import Photo
    from patrol.reports.storage import photo_store

    with seeded.app_context():
        stored = photo_store().path(db.session.get(Photo, uuid.UUID(night["photo"])).storage_key)
    data = stored.read_bytes()
    stored.write_bytes(data[:100] + bytes([data[100] ^ 1]) + data[101:])
    result = run_tool(download(boss, tmp_path, "stored.zip"), tmp_path)
    assert result.returncode == 1
    assert f"(photo {night['photo']}): the photo does not match its SHA-256" in result.stdout
    stored.write_bytes(data)

    # The same change made in the file itself.
    path = download(boss, tmp_path)
    assert run_tool(path, tmp_path).returncode == 0
    changed = tmp_path / "changed.zip"

    def flip(name: str, data: bytes) -> bytes:
        if name.startswith("photos/"):
            return data[:100] + bytes([data[100] ^ 1]) + data[101:]
        return data

    rewrite_zip(path, changed, flip)
    result = run_tool(changed, tmp_path)
    assert result.returncode == 1
    assert f"(photo {night['photo']}): the photo does not match its SHA-256" in result.stdout


def test_two_records_in_another_order_are_named(seeded, boss, night, tmp_path):
    with seeded.app_context():
        first, second = db.session.scalars(
            sa.select(EvidenceLeaf)
            .where(EvidenceLeaf.kind == "checkin")
            .order_by(EvidenceLeaf.position)
            .limit(2)
        ).all()
        a, b, moved = first.position, second.position, first.record_id
        for leaf_id, position in ((first.id, -1), (second.id, a), (first.id, b)):
            db.session.execute(
                sa.update(EvidenceLeaf).where(EvidenceLeaf.id == leaf_id).values(position=position)
            )
        db.session.commit()
    result = run_tool(download(boss, tmp_path), tmp_path)
    assert result.returncode == 1
    assert result.stdout.startswith(
        f"FAILED: record {b} (checkin {moved}): out of the signed order"
    )


def test_a_later_version_chains_to_the_one_before(seeded, boss, places, night, tmp_path):
    set_clock(seeded, utcnow() + timedelta(hours=2))
    late = new_id()
    response = night["guard"].put(
        f"/api/v1/reports/{late}",
        json={
            "shift_id": night["shift"],
            "property_id": places["p2"],
            "checkpoint_id": None,
            "category": "vandalism",
            "level": "disturbance",
            "description": "Sent inkommen.",
            "occurred_at": "2026-11-23T23:40:00+01:00",
            "photo_ids": [],
        },
    )
    assert response.status_code == 201, response.json
    assert post(boss, f"/review/reports/{late}/approve", comment="Sett").status_code == 302
    assert post(boss, f"{NIGHT_URL}/reviewed", confirm="1").status_code == 302
    with seeded.app_context():
        v1, v2 = db.session.scalars(sa.select(NightSeal).order_by(NightSeal.version)).all()
        assert v2.version == 2 and v2.previous_root == v1.root and v2.root != v1.root
        assert v2.leaf_count == v1.leaf_count + 3  # the report, its review and its event
    latest = download(boss, tmp_path, "v2.zip")
    result = run_tool(latest, tmp_path)
    assert result.returncode == 0 and "version 2: 16 records" in result.stdout, result.stdout
    first = download(boss, tmp_path, "v1.zip", "?version=1")
    assert "version 1: 13 records" in run_tool(first, tmp_path).stdout

    # A chain with a replaced earlier root does not verify.
    def break_chain(name: str, data: bytes) -> bytes:
        if name == "manifest.json":
            manifest = json.loads(data)
            manifest["chain"][0]["root"] = "0" * 64
            return json.dumps(manifest).encode()
        return data

    broken = tmp_path / "broken.zip"
    rewrite_zip(latest, broken, break_chain)
    assert "FAILED: version 1:" in run_tool(broken, tmp_path).stdout


def test_an_export_after_the_purge_still_verifies_without_the_purged_content(
    seeded, boss, night, tmp_path
):
    set_clock(seeded, utcnow() + timedelta(days=400))
    outcome = seeded.test_cli_runner().invoke(args=["purge"])
    assert outcome.exit_code == 0, outcome.output
    path = download(boss, tmp_path)
    result = run_tool(path, tmp_path)
    assert result.returncode == 0, result.stdout
    with zipfile.ZipFile(path) as archive:
        manifest = json.loads(archive.read("manifest.json"))
        names = archive.namelist()
        text = b"".join(archive.read(n) for n in names if n.startswith("records/")).decode()
    purged = [e for e in manifest["records"] if e["file"] is None]
    # The photo, and every record with a position (check-ins, the lighting report), are leaf
    # hashes only: no salt, no content, no photo.
    assert {e["kind"] for e in purged} >= {"photo", "checkin", "report"}
    assert all(e["salt"] is None for e in purged)
    assert not [n for n in names if n.startswith("photos/")]
    assert "Trasig lampa" not in text and '"lat":' not in text.replace('"lat":null', "")
    assert f"{len(purged)} purged" in result.stdout


def test_the_police_record_holds_one_report_and_its_proof_path(seeded, boss, night, tmp_path):
    report_page = boss.get(f"/review/reports/{night['lighting']}").get_data(as_text=True)
    assert f'href="/review/reports/{night["lighting"]}/police.pdf"' in report_page
    assert "Underlag till polisen" in report_page
    response = boss.get(f"/review/reports/{night['lighting']}/police.pdf")
    assert response.status_code == 200 and response.mimetype == "application/pdf"
    text = pdf_text(response.data)
    assert "Trasig lampa i trapphuset, plan 2." in text
    assert "Pass startat" in text and "Pass avslutat" in text
    # The check-ins of the shift within an hour (20:10 and 21:00 around 20:12), not 01:30.
    assert "20:10:00" in text and "21:00:00" in text and "01:30:00" not in text
    # No other report's content, no other guard.
    assert "Obehöriga" not in text and "Byt lås" not in text
    with seeded.app_context():
        seal, leaf, path = proof_of(night["lighting"])
        assert seal.root.replace(" ", "") in text.replace(" ", "")
        hashes = db.session.scalars(
            sa.select(EvidenceLeaf.leaf_hash).order_by(EvidenceLeaf.position)
        ).all()
        climbed = root_from_path(bytes.fromhex(leaf.leaf_hash), path)
        assert climbed == merkle_root([bytes.fromhex(h) for h in hashes])
        assert climbed.hex() == seal.merkle_root
        for _side, sibling in path:
            assert sibling.hex() in text.replace(" ", "")


def test_only_supervisors_and_admins_get_the_evidence(seeded, api_as, boss, night):
    guard = api_as("guard")
    assert guard.get(f"{NIGHT_URL}/evidence.zip").status_code == 403
    assert guard.get(f"/review/reports/{night['lighting']}/police.pdf").status_code == 403
    owner = api_as("owner")
    assert owner.get(f"{NIGHT_URL}/evidence.zip").status_code == 403
    anonymous = seeded.test_client()
    assert anonymous.get(f"{NIGHT_URL}/evidence.zip").status_code in (302, 401)
    assert boss.get(f"{NIGHT_URL}/evidence.zip?version=x").status_code == 400
    assert boss.get(f"{NIGHT_URL}/evidence.zip?version=7").status_code == 404
    assert boss.get("/review/nights/2026-11-01/evidence.zip").status_code == 404
    assert boss.get(f"/review/reports/{new_id()}/police.pdf").status_code == 404


def test_a_configured_signing_key_is_used_and_published(tmp_path, migrated_databases):
    from cryptography.hazmat.primitives import serialization
    from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey

    from patrol.evidence.keys import b64url, key_id_of
    from tests.support.app import make_test_app

    key = Ed25519PrivateKey.generate()
    raw = key.private_bytes(
        serialization.Encoding.Raw, serialization.PrivateFormat.Raw, serialization.NoEncryption()
    )
    public = key.public_key().public_bytes(
        serialization.Encoding.Raw, serialization.PublicFormat.Raw
    )
    app = make_test_app(migrated_databases["sqlite"], tmp_path, SIGNING_KEY=b64url(raw))
    keys = app.test_client().get("/.well-known/nattpatrull-keys.json").json["keys"]
    assert keys == [
        {
            "algorithm": "Ed25519",
            "current": True,
            "key_id": key_id_of(public),
            "public_key": b64url(public),
        }
    ]
    assert not (tmp_path / "instance" / "signing_key.pem").exists()


def test_the_owner_mail_carries_the_signed_root(seeded, tmp_path):
    """The root and key id go out in the owners' morning email: copies outside the server."""
    from datetime import UTC, datetime

    from patrol.auth.models import User
    from patrol.mail.rules import drain_outbox
    from patrol.review import actions
    from tests.support.owners import NIGHT as OWNER_NIGHT
    from tests.support.owners import build_world
    from tests.support.smtp import SmtpServer

    smtp = SmtpServer().start()
    try:
        seeded.config.update(
            smtp.config(), PUBLIC_URL="https://patrull.example.se", MAIL_FROM="N <n@example.se>"
        )
        set_clock(seeded, datetime(2026, 11, 24, 7, 0, tzinfo=UTC))
        world = build_world(seeded)
        with seeded.app_context():
            supervisor = db.session.get(User, world["supervisor"])
            actions.mark_night_reviewed(OWNER_NIGHT, supervisor)
            while drain_outbox():
                pass
            seal = db.session.scalar(sa.select(NightSeal))
        mails = [m for _, rcpt, m in smtp.inbox.received if "agare.a@example.se" in rcpt]
    finally:
        smtp.stop()
    assert len(mails) == 1
    text = mails[0].get_body(("plain",)).get_content()
    assert (
        f"Nattens signerade underlag (version 1): rot {seal.root}, nyckel-id {seal.key_id}." in text
    )
    html = mails[0].get_body(("html",)).get_content()
    assert seal.root in html


def test_a_signing_key_that_is_not_one_stops_the_start(tmp_path, migrated_databases):
    from patrol.configcheck import ConfigError
    from tests.support.app import make_test_app

    with pytest.raises(ConfigError, match="PATROL_SIGNING_KEY"):
        make_test_app(migrated_databases["sqlite"], tmp_path, SIGNING_KEY="c2hvcnQ")


def test_a_version_kept_a_moment_ago_by_someone_else_is_refused_not_a_500(seeded, places, api_as):
    """Two supervisors marking at once: the second one's leaves meet the first one's (night,
    version, position) and it gets review's AlreadyReviewed, as without signing."""
    from patrol.auth.models import User
    from patrol.evidence.snapshot import seal_night
    from patrol.review import actions

    sync_shift(api_as("guard"), places)
    with seeded.app_context():
        seal_night(NIGHT, 1, utcnow())  # what the other supervisor's transaction committed
        db.session.commit()
        supervisor = db.session.scalar(sa.select(User).where(User.username == "supervisor"))
        with pytest.raises(actions.AlreadyReviewed):
            actions.mark_night_reviewed(NIGHT, supervisor)


def test_a_changed_byte_in_the_live_database_row_is_named_too(seeded, boss, night, tmp_path):
    """The export holds the records as signed; `--against-database` also compares them with
    the rows stored now, so a report edited in the database after signing is named."""
    from patrol.reports.models import Report

    path = download(boss, tmp_path)
    runner = seeded.test_cli_runner()
    outcome = runner.invoke(args=["verify-evidence", "--against-database", str(path)])
    assert outcome.exit_code == 0, outcome.output
    assert outcome.output.rstrip().endswith("the database's rows match")
    with seeded.app_context():
        db.session.execute(
            sa.update(Report)
            .where(Report.id == uuid.UUID(night["lighting"]))
            .values(description="Trasig lampa i trapphuset, plan 3.")
        )
        db.session.commit()
        position = db.session.scalar(
            sa.select(EvidenceLeaf.position).where(EvidenceLeaf.record_id == night["lighting"])
        )
    outcome = runner.invoke(args=["verify-evidence", "--against-database", str(path)])
    assert outcome.exit_code == 1
    assert (
        f"FAILED: record {position} (report {night['lighting']}): the database's row changed"
        in outcome.output
    )


def test_a_photo_purged_early_after_its_period_was_shortened_goes_as_its_leaf_hash(
    seeded, boss, night, tmp_path
):
    seeded.config["RETENTION_PHOTOS_DAYS"] = 1  # shortened after the night was signed
    set_clock(seeded, utcnow() + timedelta(days=2))
    assert seeded.test_cli_runner().invoke(args=["purge"]).exit_code == 0
    path = download(boss, tmp_path)
    result = run_tool(path, tmp_path)
    assert result.returncode == 0, result.stdout
    with zipfile.ZipFile(path) as archive:
        manifest = json.loads(archive.read("manifest.json"))
    (photo,) = [e for e in manifest["records"] if e["kind"] == "photo"]
    assert photo["file"] is None and photo["salt"] is None and photo["photo"] is None
    with seeded.app_context():
        leaf = db.session.scalar(sa.select(EvidenceLeaf).where(EvidenceLeaf.kind == "photo"))
        assert leaf.body is None and leaf.salt is None and leaf.leaf_hash == photo["leaf_hash"]
