"""One write path on the phone (issue 20, point 1; architecture §4).

Every outbox entry is written by records.js (record(), and discardItem() beside it), which
stamps the guard and the time of the tap and never waits for a position. A screen that
writes the outbox itself can skip the stamp (its entries would go under whoever logs in
next) or wait for a position before saving (a reload loses the record): this test reads the
guard app's modules and fails when any module other than records.js, outbox.js (and db.js,
which creates the stores) calls `putEntries` or names the `outbox` store."""

from __future__ import annotations

import re
from pathlib import Path

from patrol.config import ROOT

JS = Path(ROOT) / "static" / "js"
# The modules allowed to write the outbox: the write path, the outbox itself, the database.
WRITERS = {"records.js", "outbox.js", "db.js"}
# The Background Sync tag is also called "outbox" (sync.js registers it, the worker reads it).
SYNC_TAG = re.compile(r"""(sync\.register\(|event\.tag\s*[!=]==\s*)(["'])outbox\2""")
STORE_NAME = re.compile(r"""(["'`])outbox\1""")
PUT_ENTRIES = re.compile(r"\bputEntries\b")
# A store handle used directly (s.outbox.put(...)), e.g. from a callback handed the stores.
STORE_HANDLE = re.compile(r"\.outbox\.(put|add|delete|clear|get|getAll|count)\b")


def code_of(path: Path) -> str:
    """The module without its comments (they may name the store while explaining the rule)."""
    text = path.read_text(encoding="utf-8")
    text = re.sub(r"/\*.*?\*/", "", text, flags=re.S)
    return re.sub(r"(?<![:\"'])//[^\n]*", "", text)


def violations(name: str, code: str) -> list[str]:
    found = []
    if PUT_ENTRIES.search(code):
        found.append(f"{name} uses putEntries")
    if STORE_NAME.search(SYNC_TAG.sub("", code)):
        found.append(f"{name} names the outbox store")
    if STORE_HANDLE.search(code):
        found.append(f"{name} writes through an outbox store handle")
    return found


def modules() -> list[Path]:
    return [*sorted(JS.glob("*.js")), Path(ROOT) / "service-worker.js"]


def test_only_records_and_outbox_write_the_outbox():
    found = []
    for path in modules():
        if path.name not in WRITERS:
            found += violations(path.name, code_of(path))
    assert found == [], "write the outbox through records.record(): " + "; ".join(found)


def test_the_check_recognises_each_way_of_writing_the_outbox():
    """The detector is not vacuous: the writers do what it looks for, and each way a screen
    wrote the outbox before issue 20 (screen-walk.js, screen-residents.js) is caught."""
    assert violations("records.js", code_of(JS / "records.js"))
    assert violations("outbox.js", code_of(JS / "outbox.js"))
    walk_before = """
        import { list as listOutbox, makeEntry, notifyChanged, putEntries } from "./outbox.js";
        await transaction(["outbox", "bodies", "kv"], "readwrite", async (s) => {
          await putEntries(s, entries);
        });
    """
    assert violations("walk", walk_before) == [
        "walk uses putEntries",
        "walk names the outbox store",
    ]
    assert violations("x", "await record(async (s) => { await s.outbox.put(entry); });")
    assert violations("x", "db.transaction('outbox', 'readwrite')")
    # The Background Sync tag is not the store.
    assert violations("sync", 'await registration.sync.register("outbox");') == []
    assert violations("sw", 'if (event.tag !== "outbox") return;') == []


def test_every_priority_is_a_named_class():
    """The outbox's priority classes are named in outbox.js; callers never give a number."""
    outbox = code_of(JS / "outbox.js")
    assert re.search(
        r"PRIORITY\s*=\s*Object\.freeze\(\{\s*alarm:\s*30,\s*sos:\s*20,\s*record:\s*10,\s*photo:\s*0\s*\}\)",
        outbox,
    )
    raw = []
    for path in modules():
        for match in re.finditer(r"\bpriority:\s*([^,\n}]+)", code_of(path)):
            value = match.group(1).strip()
            if path.name == "outbox.js" and value.startswith("Number(fields.priority"):
                continue
            if not value.startswith("PRIORITY."):
                raw.append(f"{path.name}: priority: {value}")
    assert raw == []
