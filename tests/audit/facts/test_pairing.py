"""Pairing-store facts: file era allowFrom JSON and database era SQLite table (counts only)."""

from __future__ import annotations

import json
import sqlite3
from pathlib import Path

from clawfence.audit.facts import _pairing_allow


def test_file_era_and_sqlite(tmp_path: Path) -> None:
    (tmp_path / "credentials").mkdir()
    (tmp_path / "credentials" / "telegram-allowFrom.json").write_text(json.dumps({"version": 1, "allowFrom": ["1", "2"]}))
    (tmp_path / "credentials" / "slack-work-allowFrom.json").write_text(json.dumps({"version": 1, "allowFrom": ["*"]}))
    (tmp_path / "state").mkdir()
    con = sqlite3.connect(tmp_path / "state" / "openclaw.sqlite")
    con.execute("CREATE TABLE channel_pairing_allow_entries (channel_key TEXT, account_id TEXT, entry TEXT, "
                "sort_order INTEGER, updated_at INTEGER)")
    con.executemany("INSERT INTO channel_pairing_allow_entries VALUES (?, ?, ?, 0, 0)",
                    [("discord", "default", "u1"), ("discord", "default", "u2"), ("discord", "default", "u3")])
    con.commit()
    con.close()
    got = _pairing_allow(tmp_path)
    assert got["telegram"].count == 2 and not got["telegram"].wildcard
    assert got["slack:work"].wildcard and got["slack:work"].count == 0
    assert got["discord"].count == 3
