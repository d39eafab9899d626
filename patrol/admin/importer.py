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


# The template's example row names this owner: left in a file by mistake it must never become
# an owner of its own (it is refused on its row unless the owner exists already).
EXAMPLE_OWNER = "MKB Fastighets AB"


def template_csv() -> bytes:
    """The template as Swedish Excel opens it (the project's one CSV writer: semicolons, UTF-8
    with BOM), one example row."""
    out = CsvFile(header for _, header in COLUMNS)
    out.row(
        [
            EXAMPLE_OWNER,
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


def _identity(schema_class, values: dict, names: tuple[str, ...]) -> dict | None:
    """The fields that identify a row (name, address, short code), checked on their own: when
    another field of the row is wrong (a latitude of 95), the checks against the database
    still run, so every error of the row is listed at once, not one per attempt."""
    subset = {name: values.get(name) for name in names}
    checked, errors = load(schema_class(only=names), subset)
    return None if errors else checked


def duplicate_key(raw: dict) -> tuple[str, str] | None:
    """What a row writes: a checkpoint (by its code, unique on the whole server) or, on a row
    without one, its property (by address). Two rows with the same key say the same thing
    twice, or contradict each other: neither is a guess the import may make."""
    code = (raw.get("short_code") or "").strip().upper()
    if code:
        return ("checkpoint", code)
    address = (raw.get("address") or "").strip().casefold()
    return ("property", address) if address else None


def line_list(lines: list[int]) -> str:
    """2, 5 and 7."""
    if len(lines) == 1:
        return str(lines[0])
    return gettext(
        "%(lines)s and %(last)d", lines=", ".join(str(n) for n in lines[:-1]), last=lines[-1]
    )


def duplicate_errors(rows: list[tuple[int, dict]]) -> dict[int, list[tuple[str, str]]]:
    """{line: [(column, message)]} for every row whose key another row of the file has too;
    the message names all the lines, so each of them can be found in Excel."""
    groups: dict[tuple[str, str], list[int]] = {}
    for line, raw in rows:
        key = duplicate_key(raw)
        if key is not None:
            groups.setdefault(key, []).append(line)
    errors: dict[int, list[tuple[str, str]]] = {}
    for (kind, value), lines in groups.items():
        if len(lines) < 2:
            continue
        if kind == "checkpoint":
            column = HEADER_OF["short_code"]
            message = gettext(
                "Lines %(lines)s are the same checkpoint (code %(code)s): keep one of them.",
                lines=line_list(lines),
                code=value,
            )
        else:
            column = HEADER_OF["address"]
            message = gettext(
                "Lines %(lines)s are the same property (same address): keep one of them.",
                lines=line_list(lines),
            )
        for line in lines:
            errors.setdefault(line, []).append((column, message))
    return errors


class Importer:
    """Applies rows to the open transaction (see the module docstring)."""

    def __init__(self, area: Area, create_owners: bool = False):
        self.area = area
        # "Skapa nya ägare": without the box, an owner name that does not exist is an error
        # (a typo must not become a second owner); with it, the preview says "ny ägare".
        self.create_owners = create_owners
        self.organizations: dict[str, Organization] = {}
        self.new_owners: set[str] = set()

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

    def owner_errors(self, owner: str | None) -> tuple[Organization | None, list]:
        """The owner the row names (None when it is to be created) and the owner column's
        errors."""
        column = HEADER_OF["owner"]
        if not owner:
            return None, [(column, gettext("Fill in this field."))]
        if unstorable(owner):
            return None, [(column, gettext("Contains characters that cannot be stored."))]
        if len(owner) > 160:
            return None, [(column, gettext("At most %(n)d characters.", n=160))]
        org = self.find_organization(owner)
        if org is not None:
            return org, []
        if owner.casefold() == EXAMPLE_OWNER.casefold():
            # The template's example row left in the file: never a new owner, box or not.
            return None, [
                (
                    column,
                    gettext(
                        "“%(name)s” is the template's example. Write the property's real "
                        "owner, or add this owner under Ägare first.",
                        name=owner,
                    ),
                )
            ]
        if not self.create_owners:
            return None, [
                (
                    column,
                    gettext(
                        "There is no owner named “%(name)s”. Check the spelling, or tick "
                        "“Skapa nya ägare” to create it.",
                        name=owner,
                    ),
                )
            ]
        return None, []

    def row(self, line: int, raw: dict, duplicates=()) -> RowOutcome:
        """Every check of the row first (each error listed, not only the first), then, on a
        row without errors, the writes."""
        outcome = RowOutcome(line=line, outcome="unchanged")
        errors = outcome.errors
        errors += duplicates
        org, owner_errors = self.owner_errors(raw.get("owner"))
        errors += owner_errors
        property_input = {
            "area_id": self.area.id,
            "name": raw.get("name"),
            "address": raw.get("address"),
            "owner_ref": raw.get("owner_ref"),
            "lat": raw.get("lat"),
            "lon": raw.get("lon"),
        }
        property_values, property_field_errors = load(
            PropertyIn(partial=("organization_id",)), property_input
        )
        errors += [(HEADER_OF.get(k, k), m) for k, m in property_field_errors.items()]
        if property_field_errors:
            property_values = _identity(
                PropertyIn, property_input, ("area_id", "name", "address", "owner_ref")
            )
        checkpoint_values = None
        checkpoint_input = None
        if raw.get("label") or raw.get("short_code"):
            checkpoint_input = {
                "label": raw.get("label"),
                "short_code": raw.get("short_code"),
                "lat": raw.get("checkpoint_lat"),
                "lon": raw.get("checkpoint_lon"),
                **({"radius_m": raw["radius_m"]} if raw.get("radius_m") else {}),
            }
            checkpoint_values, checkpoint_field_errors = load(CheckpointIn(), checkpoint_input)
            renamed = {"lat": "checkpoint_lat", "lon": "checkpoint_lon"}
            errors += [
                (HEADER_OF.get(renamed.get(k, k), k), m) for k, m in checkpoint_field_errors.items()
            ]
            if checkpoint_field_errors:
                checkpoint_values = _identity(CheckpointIn, checkpoint_input, ("short_code",))

        # The checks that need the database, on whatever identifies the row.
        prop = None
        if property_values is not None:
            prop = self.find_property(org, property_values)
            errors += self.property_errors(org, prop, property_values)
        point = None
        if checkpoint_values is not None:
            point = (
                db.session.scalar(
                    sa.select(Checkpoint).where(
                        Checkpoint.property_id == prop.id,
                        Checkpoint.short_code == checkpoint_values["short_code"],
                    )
                )
                if prop is not None and prop.id
                else None
            ) or Checkpoint()
            if actions.short_code_taken(checkpoint_values["short_code"], point):
                errors.append(
                    (
                        HEADER_OF["short_code"],
                        gettext("This code is used by another checkpoint already."),
                    )
                )
        if errors:
            outcome.outcome = "error"
            return outcome

        # No errors: write.
        new_property = prop.id is None
        property_values["instructions"] = ""
        if not new_property:
            # What the file does not say is kept: instructions, a walked position.
            keep_unsaid(property_values, ("instructions", "position_accuracy_m"))
        summary = []
        owner_key = raw["owner"].casefold()
        if org is None:
            org = Organization(name=raw["owner"])
            db.session.add(org)
            actions.audit_created(org, actions.ORGANIZATION_FIELDS)
            self.organizations[owner_key] = org
            self.new_owners.add(owner_key)
        if owner_key in self.new_owners:
            summary.append(gettext("new owner: %(name)s", name=org.name))
        new_org = owner_key in self.new_owners
        property_values["organization_id"] = org.id
        changes = actions.assign(prop, property_values, actions.PROPERTY_FIELDS)
        if new_property:
            db.session.add(prop)
            actions.audit_created(prop, actions.PROPERTY_FIELDS)
        elif changes:
            actions.audit("update", prop, changes)
        state = "new" if new_property or new_org else ("changed" if changes else "unchanged")
        summary.append(prop.name)
        if point is not None:
            checkpoint_values["instructions"] = ""
            new_point = point.id is None
            if not new_point:
                unsaid = ("instructions", "position_accuracy_m")
                if not raw.get("radius_m"):
                    unsaid += ("radius_m",)
                keep_unsaid(checkpoint_values, unsaid)
            point.property_id = prop.id
            point_changes = actions.assign(point, checkpoint_values, actions.CHECKPOINT_FIELDS)
            if new_point:
                db.session.add(point)
                actions.audit_created(point, actions.CHECKPOINT_FIELDS)
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


def run(text: str, area_id: int | None, create_owners: bool = False) -> Preview:
    """Check and write every row into the open transaction; the caller commits or rolls back."""
    area = db.session.get(Area, area_id) if area_id else None
    if area is None:
        return Preview(area=None, error=gettext("Choose the area the properties belong to."))
    rows, error = read_rows(text)
    if error:
        return Preview(area=area, error=error)
    importer = Importer(area, create_owners)
    preview = Preview(area=area)
    duplicates = duplicate_errors(rows)
    for line, raw in rows:
        preview.rows.append(importer.row(line, raw, duplicates.get(line, ())))
    return preview


def preview(text: str, area_id: int | None, create_owners: bool = False) -> Preview:
    result = run(text, area_id, create_owners)
    db.session.rollback()
    return result


def apply(text: str, area_id: int | None, create_owners: bool = False) -> Preview:
    """All rows without errors in one transaction, with one summary audit event."""
    result = run(text, area_id, create_owners)
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
