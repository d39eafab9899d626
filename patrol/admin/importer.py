"""CSV import of properties and checkpoints, as exported from Excel.

Swedish Excel writes semicolons, decimal commas and Windows-1252 (or UTF-8 with a BOM when
"CSV UTF-8" is chosen); other tools write commas and UTF-8. All are accepted. One row is a
property, optionally with one of its checkpoints; a property with several checkpoints has one
row per checkpoint.

Preview and apply run the same code: the rows are checked and written into the open
transaction; the preview rolls it back, "Importera" commits it. So re-importing the same file
finds every row unchanged, and the preview shows exactly what the import will do.
Properties match by the owner's property id, then by address within the area; checkpoints by
property and short code.
"""

from __future__ import annotations

import csv
import io
from dataclasses import dataclass, field

import sqlalchemy as sa
from flask_babel import gettext

from patrol.admin import actions
from patrol.admin.schemas import CheckpointIn, PropertyIn, load, unstorable
from patrol.csvfile import CsvFile
from patrol.db import db
from patrol.sites.models import Area, Checkpoint, Organization, Property

MAX_UPLOAD_BYTES = 10 * 1024 * 1024
MAX_ROWS = 20_000

# (key, header in the template); headers are matched without case, also by the English key.
COLUMNS = (
    ("owner", "Ägare"),
    ("owner_ref", "Ägarens fastighets-id"),
    ("name", "Fastighet"),
    ("address", "Adress"),
    ("lat", "Lat"),
    ("lon", "Lon"),
    ("label", "Kontrollpunkt"),
    ("short_code", "Kod"),
    ("checkpoint_lat", "Kontrollpunkt lat"),
    ("checkpoint_lon", "Kontrollpunkt lon"),
    ("radius_m", "Radie m"),
)
REQUIRED_COLUMNS = ("owner", "name", "address")
NUMBER_COLUMNS = ("lat", "lon", "checkpoint_lat", "checkpoint_lon", "radius_m")
HEADER_OF = dict(COLUMNS)


def template_csv() -> bytes:
    """The template as Swedish Excel opens it (the project's one CSV writer: semicolons, UTF-8
    with BOM), one example row."""
    out = CsvFile(header for _, header in COLUMNS)
    out.row(
        [
            "MKB Fastighets AB",
            "MKB-1042",
            "Rasmusgatan 5",
            "Rasmusgatan 5, 214 36 Malmö",
            "55,58712",
            "13,01466",
            "Entré",
            "S101",
            "55,58712",
            "13,01466",
            "40",
        ]
    )
    return out.bytes()


def decode_upload(data: bytes) -> tuple[str, str | None]:
    """The file's text, or a message saying why it is not a CSV we can read."""
    if len(data) > MAX_UPLOAD_BYTES:
        return "", gettext(
            "The file is too large (at most %(mb)d MB). Import the properties in several files.",
            mb=MAX_UPLOAD_BYTES // (1024 * 1024),
        )
    if data.startswith(b"PK\x03\x04") or data.startswith(b"\xd0\xcf\x11\xe0"):
        return "", gettext(
            "This is an Excel workbook, not a CSV file. In Excel: Save as, "
            "'CSV (semicolon separated)' or 'CSV UTF-8'."
        )
    if b"\x00" in data[:4096] or data.startswith(b"%PDF"):
        return "", gettext("This is not a CSV file. Download the template and fill it in.")
    try:
        return data.decode("utf-8-sig"), None
    except UnicodeDecodeError:
        return data.decode("cp1252", errors="replace"), None


@dataclass
class RowOutcome:
    line: int
    outcome: str  # new, changed, unchanged, error
    summary: str = ""
    errors: list[tuple[str, str]] = field(default_factory=list)  # (column header, message)


@dataclass
class Preview:
    area: Area | None
    rows: list[RowOutcome] = field(default_factory=list)
    error: str | None = None

    def count(self, outcome: str) -> int:
        return sum(1 for row in self.rows if row.outcome == outcome)

    @property
    def counts(self) -> dict[str, int]:
        return {k: self.count(k) for k in ("new", "changed", "unchanged", "error")}


def _number(text: str | None, semicolons: bool) -> str | None:
    if text is None:
        return None
    return text.replace(",", ".") if semicolons else text


def read_rows(text: str) -> tuple[list[tuple[int, dict]], str | None]:
    """[(line number, {key: text or None})], or an error about the file as a whole."""
    first_line = text.split("\n", 1)[0]
    delimiter = ";" if first_line.count(";") >= first_line.count(",") else ","
    reader = csv.reader(io.StringIO(text, newline=""), delimiter=delimiter)
    try:
        header = next(reader)
    except (StopIteration, csv.Error):
        return [], gettext("The file is empty.")
    lookup = {}
    for key, name in COLUMNS:
        lookup[name.casefold()] = key
        lookup[key.casefold()] = key
    keys = [lookup.get(cell.strip().casefold()) for cell in header]
    missing = [HEADER_OF[k] for k in REQUIRED_COLUMNS if k not in keys]
    if missing:
        return [], gettext(
            "Not a CSV with the template's columns: missing %(columns)s. "
            "Download the template and fill it in.",
            columns=", ".join(missing),
        )
    rows = []
    try:
        for cells in reader:
            if not any(cell.strip() for cell in cells):
                continue
            if len(rows) >= MAX_ROWS:
                return [], gettext("At most %(n)d rows in one file.", n=MAX_ROWS)
            values = {}
            for key, cell in zip(keys, cells, strict=False):
                if key:
                    cell = cell.strip()
                    values[key] = cell or None
            for key in NUMBER_COLUMNS:
                values[key] = _number(values.get(key), delimiter == ";")
            rows.append((reader.line_num, values))
    except csv.Error as error:
        return [], gettext(
            "The file could not be read as CSV (line %(line)d): %(error)s",
            line=reader.line_num,
            error=str(error),
        )
    if not rows:
        return [], gettext("The file has no rows under the headings.")
    return rows, None


def keep_unsaid(values: dict, names: tuple[str, ...]) -> None:
    """Drop what a row does not set, so the stored value stays: the named fields, and the
    position when the row has none."""
    for name in names:
        values.pop(name, None)
    if values.get("lat") is None:
        values.pop("lat", None)
        values.pop("lon", None)


class Importer:
    """Applies rows to the open transaction (see the module docstring)."""

    def __init__(self, area: Area):
        self.area = area
        self.organizations: dict[str, Organization] = {}

    def find_organization(self, name: str) -> Organization | None:
        key = name.casefold()
        if key not in self.organizations:
            org = db.session.scalar(
                sa.select(Organization).where(sa.func.lower(Organization.name) == name.lower())
            )
            if org is None:
                return None
            self.organizations[key] = org
        return self.organizations[key]

    def find_property(self, org: Organization | None, values: dict) -> Property:
        prop = None
        if org is not None and values.get("owner_ref"):
            prop = db.session.scalar(
                sa.select(Property).where(
                    Property.organization_id == org.id, Property.owner_ref == values["owner_ref"]
                )
            )
        if prop is None:
            prop = db.session.scalar(
                sa.select(Property).where(
                    Property.area_id == self.area.id,
                    sa.func.lower(Property.address) == values["address"].lower(),
                )
            )
        return prop or Property()

    def row(self, line: int, raw: dict) -> RowOutcome:
        outcome = RowOutcome(line=line, outcome="unchanged")
        if not raw.get("owner"):
            outcome.errors.append((HEADER_OF["owner"], gettext("Fill in this field.")))
        elif unstorable(raw["owner"]) or len(raw["owner"]) > 160:
            outcome.errors.append(
                (HEADER_OF["owner"], gettext("Contains characters that cannot be stored."))
                if unstorable(raw["owner"])
                else (HEADER_OF["owner"], gettext("At most %(n)d characters.", n=160))
            )
        # The owner is found or created by name below, after every check.
        property_values, errors = load(
            PropertyIn(partial=("organization_id",)),
            {
                "area_id": self.area.id,
                "name": raw.get("name"),
                "address": raw.get("address"),
                "owner_ref": raw.get("owner_ref"),
                "lat": raw.get("lat"),
                "lon": raw.get("lon"),
            },
        )
        outcome.errors += [(HEADER_OF.get(k, k), m) for k, m in errors.items()]
        checkpoint_values = None
        if raw.get("label") or raw.get("short_code"):
            checkpoint_values, errors = load(
                CheckpointIn(),
                {
                    "label": raw.get("label"),
                    "short_code": raw.get("short_code"),
                    "lat": raw.get("checkpoint_lat"),
                    "lon": raw.get("checkpoint_lon"),
                    **({"radius_m": raw["radius_m"]} if raw.get("radius_m") else {}),
                },
            )
            renamed = {"lat": "checkpoint_lat", "lon": "checkpoint_lon"}
            outcome.errors += [(HEADER_OF.get(renamed.get(k, k), k), m) for k, m in errors.items()]
        if outcome.errors:
            outcome.outcome = "error"
            return outcome

        # Every check first, then the writes: a row with an error writes nothing.
        org = self.find_organization(raw["owner"])
        prop = self.find_property(org, property_values)
        new_property = prop.id is None
        property_values["instructions"] = ""
        if not new_property:
            # What the file does not say is kept: instructions, a walked position.
            keep_unsaid(property_values, ("instructions", "position_accuracy_m"))
        outcome.errors += self.property_errors(org, prop, property_values)
        point = None
        if checkpoint_values:
            point = (
                db.session.scalar(
                    sa.select(Checkpoint).where(
                        Checkpoint.property_id == prop.id,
                        Checkpoint.short_code == checkpoint_values["short_code"],
                    )
                )
                if prop.id
                else None
            ) or Checkpoint()
            checkpoint_values["instructions"] = ""
            if point.id is not None:
                unsaid = ("instructions", "position_accuracy_m")
                if not raw.get("radius_m"):
                    unsaid += ("radius_m",)
                keep_unsaid(checkpoint_values, unsaid)
            if actions.short_code_taken(checkpoint_values["short_code"], point):
                outcome.errors.append(
                    (
                        HEADER_OF["short_code"],
                        gettext("This code is used by another checkpoint already."),
                    )
                )
        if outcome.errors:
            outcome.outcome = "error"
            return outcome

        new_org = org is None
        if new_org:
            org = Organization(name=raw["owner"])
            db.session.add(org)
            db.session.flush()
            actions.audit("create", org, {"name": [None, org.name]})
            self.organizations[org.name.casefold()] = org
        property_values["organization_id"] = org.id
        changes = actions.assign(prop, property_values, actions.PROPERTY_FIELDS)
        if new_property:
            db.session.add(prop)
            actions.audit("create", prop, {k: [None, v[1]] for k, v in changes.items()})
        elif changes:
            actions.audit("update", prop, changes)
        state = "new" if new_property or new_org else ("changed" if changes else "unchanged")
        summary = [prop.name]
        if point is not None:
            new_point = point.id is None
            point.property_id = prop.id
            point_changes = actions.assign(point, checkpoint_values, actions.CHECKPOINT_FIELDS)
            if new_point:
                db.session.add(point)
                actions.audit("create", point, {k: [None, v[1]] for k, v in point_changes.items()})
                state = "new"
            elif point_changes:
                actions.audit("update", point, point_changes)
                state = "changed" if state == "unchanged" else state
            summary.append(f"{point.label} ({point.short_code})")
        db.session.flush()
        outcome.outcome = state
        outcome.summary = " · ".join(summary)
        return outcome

    def property_errors(self, org, prop: Property, values: dict) -> list[tuple[str, str]]:
        errors = []
        same_name = sa.select(Property.id).where(
            Property.area_id == self.area.id, Property.name == values["name"]
        )
        if prop.id is not None:
            same_name = same_name.where(Property.id != prop.id)
        if db.session.scalar(same_name.limit(1)) is not None:
            errors.append(
                (HEADER_OF["name"], gettext("This area has a property with this name already."))
            )
        if org is not None and values.get("owner_ref"):
            same_ref = sa.select(Property.id).where(
                Property.organization_id == org.id, Property.owner_ref == values["owner_ref"]
            )
            if prop.id is not None:
                same_ref = same_ref.where(Property.id != prop.id)
            if db.session.scalar(same_ref.limit(1)) is not None:
                errors.append(
                    (
                        HEADER_OF["owner_ref"],
                        gettext("This owner has another property with this id."),
                    )
                )
        return errors


def run(text: str, area_id: int | None) -> Preview:
    """Check and write every row into the open transaction; the caller commits or rolls back."""
    area = db.session.get(Area, area_id) if area_id else None
    if area is None:
        return Preview(area=None, error=gettext("Choose the area the properties belong to."))
    rows, error = read_rows(text)
    if error:
        return Preview(area=area, error=error)
    importer = Importer(area)
    preview = Preview(area=area)
    for line, raw in rows:
        preview.rows.append(importer.row(line, raw))
    return preview


def preview(text: str, area_id: int | None) -> Preview:
    result = run(text, area_id)
    db.session.rollback()
    return result


def apply(text: str, area_id: int | None) -> Preview:
    """All rows without errors in one transaction, with one summary audit event."""
    result = run(text, area_id)
    if result.error:
        db.session.rollback()
        return result
    actions.audit(
        "import",
        result.area,
        {k: [None, v] for k, v in result.counts.items()},
        entity="import",
    )
    db.session.commit()
    return result
