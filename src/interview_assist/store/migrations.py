"""Named schema migrations, each applied in one transaction with its record.

Append new migrations at the end; never edit or reorder applied ones.
"""

from __future__ import annotations

import sqlite3
from collections.abc import Callable

Migration = tuple[str, Callable[[sqlite3.Connection], None]]


def _run(db: sqlite3.Connection, script: str) -> None:
    """Run DDL statement by statement.

    ``executescript`` would COMMIT first, breaking the one-transaction rule.
    """
    for statement in script.split(";"):
        if statement.strip():
            db.execute(statement)


def _0001_transcripts(db: sqlite3.Connection) -> None:
    _run(
        db,
        """
        CREATE TABLE interviews (
            id              INTEGER PRIMARY KEY,
            created_at      TEXT NOT NULL,
            audio_path      TEXT NOT NULL,
            audio_sha256    TEXT NOT NULL,
            duration        REAL NOT NULL,
            model_name      TEXT NOT NULL,
            model_sha256    TEXT NOT NULL,
            settings        TEXT NOT NULL,          -- JSON
            status          TEXT NOT NULL DEFAULT 'draft'
        );
        CREATE INDEX interviews_audio ON interviews (audio_sha256);

        CREATE TABLE segments (
            id                   INTEGER PRIMARY KEY,
            interview_id         INTEGER NOT NULL REFERENCES interviews (id),
            idx                  INTEGER NOT NULL,
            start                REAL NOT NULL,
            end                  REAL NOT NULL,
            text                 TEXT NOT NULL,
            language             TEXT NOT NULL,
            language_probability REAL,
            avg_logprob          REAL,
            no_speech_prob       REAL,
            compression_ratio    REAL,
            UNIQUE (interview_id, idx)
        );

        CREATE TABLE words (
            id           INTEGER PRIMARY KEY,
            segment_id   INTEGER NOT NULL REFERENCES segments (id),
            idx          INTEGER NOT NULL,
            start        REAL NOT NULL,
            end          REAL NOT NULL,
            text         TEXT NOT NULL,
            probability  REAL NOT NULL,
            UNIQUE (segment_id, idx)
        );

        CREATE TABLE flags (
            id            INTEGER PRIMARY KEY,
            interview_id  INTEGER NOT NULL REFERENCES interviews (id),
            segment_id    INTEGER REFERENCES segments (id),
            kind          TEXT NOT NULL,
            reason        TEXT NOT NULL,
            start         REAL NOT NULL,
            end           REAL NOT NULL,
            status        TEXT NOT NULL DEFAULT 'open'
        );
        CREATE INDEX flags_interview ON flags (interview_id);

        CREATE TABLE denoise_windows (
            interview_id  INTEGER NOT NULL REFERENCES interviews (id),
            start         REAL NOT NULL,
            end           REAL NOT NULL,
            applied       INTEGER NOT NULL,
            reason        TEXT NOT NULL
        );
        """
    )


def _0002_audit_log(db: sqlite3.Connection) -> None:
    _run(
        db,
        """
        CREATE TABLE audit_log (
            id            INTEGER PRIMARY KEY,
            at            TEXT NOT NULL,
            actor         TEXT NOT NULL,
            action        TEXT NOT NULL,
            interview_id  INTEGER REFERENCES interviews (id),
            detail        TEXT NOT NULL,            -- JSON, never transcript text
            prev_hash     TEXT NOT NULL,
            hash          TEXT NOT NULL UNIQUE
        );
        CREATE INDEX audit_interview ON audit_log (interview_id);
        """
    )


def _0003_speakers(db: sqlite3.Connection) -> None:
    _run(
        db,
        """
        ALTER TABLE segments ADD COLUMN speaker TEXT;
        ALTER TABLE segments ADD COLUMN overlap INTEGER NOT NULL DEFAULT 0;
        ALTER TABLE words ADD COLUMN speaker TEXT;
        ALTER TABLE words ADD COLUMN overlap INTEGER NOT NULL DEFAULT 0;
        CREATE TABLE speaker_turns (
            interview_id  INTEGER NOT NULL REFERENCES interviews (id) ON DELETE CASCADE,
            exclusive     INTEGER NOT NULL CHECK (exclusive IN (0, 1)),
            start         REAL NOT NULL,
            end           REAL NOT NULL,
            speaker       TEXT NOT NULL
        );
        CREATE INDEX speaker_turns_interview ON speaker_turns (interview_id, exclusive, start);
        CREATE TABLE speakers (
            interview_id   INTEGER NOT NULL REFERENCES interviews (id) ON DELETE CASCADE,
            label          TEXT NOT NULL,
            role           TEXT NOT NULL
                           CHECK (role IN ('officer', 'interpreter', 'applicant', 'other')),
            name           TEXT,
            proposed_role  TEXT NOT NULL,
            evidence       TEXT NOT NULL,
            speaking_time  REAL NOT NULL,
            confirmed      INTEGER NOT NULL DEFAULT 0,
            PRIMARY KEY (interview_id, label)
        );
        """
    )


def _0004_names(db: sqlite3.Connection) -> None:
    _run(
        db,
        """
        CREATE TABLE glossary (
            interview_id  INTEGER NOT NULL REFERENCES interviews (id) ON DELETE CASCADE,
            idx           INTEGER NOT NULL,
            term          TEXT NOT NULL,
            kind          TEXT NOT NULL,
            PRIMARY KEY (interview_id, idx)
        );
        CREATE TABLE name_flags (
            id              INTEGER PRIMARY KEY,
            interview_id    INTEGER NOT NULL REFERENCES interviews (id) ON DELETE CASCADE,
            segment_id      INTEGER NOT NULL REFERENCES segments (id),
            first_word      INTEGER NOT NULL,
            last_word       INTEGER NOT NULL,
            start           REAL NOT NULL,
            end             REAL NOT NULL,
            text            TEXT NOT NULL,
            reasons         TEXT NOT NULL,          -- JSON list of reason codes
            suggestions     TEXT NOT NULL,          -- JSON list of suggestions
            status          TEXT NOT NULL DEFAULT 'open'
                            CHECK (status IN ('open', 'accepted', 'edited', 'confirmed', 'dismissed')),
            resolution      TEXT,                   -- the spelling a person decided on
            dismiss_reason  TEXT,
            resolved_by     TEXT,
            resolved_at     TEXT
        );
        CREATE INDEX name_flags_interview ON name_flags (interview_id, start);
        """
    )


def _0005_review(db: sqlite3.Connection) -> None:
    _run(
        db,
        """
        ALTER TABLE segments ADD COLUMN review_status TEXT NOT NULL DEFAULT 'draft'
            CHECK (review_status IN ('draft', 'edited', 'validated'));
        ALTER TABLE segments ADD COLUMN edited_text TEXT;      -- NULL: the ASR text stands
        ALTER TABLE segments ADD COLUMN validated_by TEXT;
        ALTER TABLE segments ADD COLUMN validated_at TEXT
        """
    )


def _0006_flag_decisions(db: sqlite3.Connection) -> None:
    _run(
        db,
        """
        ALTER TABLE flags ADD COLUMN note TEXT;
        ALTER TABLE flags ADD COLUMN resolved_by TEXT;
        ALTER TABLE flags ADD COLUMN resolved_at TEXT
        """
    )


def _0007_batch(db: sqlite3.Connection) -> None:
    _run(
        db,
        """
        CREATE TABLE batch_items (
            job_key       TEXT PRIMARY KEY,         -- sha256 of the audio sha256 and the job's settings
            audio_path    TEXT NOT NULL,
            audio_sha256  TEXT NOT NULL,
            options       TEXT NOT NULL,            -- JSON: the settings the key covers
            status        TEXT NOT NULL CHECK (status IN ('done', 'failed')),
            interview_id  INTEGER REFERENCES interviews (id),
            error         TEXT,
            attempts      INTEGER NOT NULL DEFAULT 1,
            updated_at    TEXT NOT NULL
        );
        CREATE INDEX batch_items_audio ON batch_items (audio_sha256)
        """
    )


def _0008_oversight(db: sqlite3.Connection) -> None:
    _run(
        db,
        """
        CREATE TABLE unheard_notes (
            id            INTEGER PRIMARY KEY,
            interview_id  INTEGER NOT NULL REFERENCES interviews (id) ON DELETE CASCADE,
            actor         TEXT NOT NULL,
            start         REAL NOT NULL,             -- the span decided without hearing it
            end           REAL NOT NULL,
            reason        TEXT NOT NULL,             -- the officer's words (kept out of the audit log)
            at            TEXT NOT NULL
        );
        CREATE INDEX unheard_notes_interview ON unheard_notes (interview_id)
        """
    )


def _0009_undo(db: sqlite3.Connection) -> None:
    _run(
        db,
        """
        CREATE TABLE undo_states (
            audit_id      INTEGER PRIMARY KEY REFERENCES audit_log (id),  -- the action this state was taken before
            interview_id  INTEGER NOT NULL REFERENCES interviews (id) ON DELETE CASCADE,
            state         TEXT NOT NULL              -- JSON: what the action changed, as it was (text included)
        );
        CREATE INDEX undo_states_interview ON undo_states (interview_id)
        """
    )


def _0010_segment_versions(db: sqlite3.Connection) -> None:
    """Each segment's own version, raised by the database itself whenever the segment, its words, its
    flags or its speaker change (whoever writes them), for the concurrent-change guard (store/guard.py)."""
    db.execute("ALTER TABLE segments ADD COLUMN version INTEGER NOT NULL DEFAULT 0")
    bump = "UPDATE segments SET version = version + 1 WHERE id IN (OLD.segment_id, NEW.segment_id)"
    for name, table, body in (
        # The WHEN keeps the trigger's own update from counting again.
        ("segments_version", "segments WHEN NEW.version = OLD.version",
         "UPDATE segments SET version = OLD.version + 1 WHERE id = NEW.id"),
        ("words_version", "words", bump),
        ("name_flags_version", "name_flags", bump),
        ("flags_version", "flags", bump),
        ("speakers_version", "speakers",
         "UPDATE segments SET version = version + 1 WHERE interview_id = NEW.interview_id AND speaker IN (OLD.label, NEW.label)"),
    ):
        db.execute(f"CREATE TRIGGER {name} AFTER UPDATE ON {table} BEGIN {body}; END")


def _0011_officer_keys(db: sqlite3.Connection) -> None:
    """Officers' keys, and a signature on every audit record from now on (store/signatures.py).

    A store with records already gets an ``officer_keys`` record, signed by the
    installation's key, after which every record is signed; those before it
    are reported as unsigned (before officer keys).
    """
    _run(
        db,
        """
        ALTER TABLE audit_log ADD COLUMN signed_key TEXT;       -- the public key that signed the record (hex)
        ALTER TABLE audit_log ADD COLUMN signature TEXT;        -- Ed25519, over the record's hash (hex)
        CREATE TABLE officers (
            id              INTEGER PRIMARY KEY,
            name            TEXT NOT NULL,
            public_key      TEXT NOT NULL,          -- Ed25519, hex (the private key is in the officer's profile)
            registered_at   TEXT NOT NULL,
            registered_by   TEXT NOT NULL,
            register_record INTEGER NOT NULL REFERENCES audit_log (id),
            revoked_at      TEXT,
            revoked_by      TEXT,
            revoke_record   INTEGER REFERENCES audit_log (id)
        );
        CREATE UNIQUE INDEX officers_standing ON officers (name) WHERE revoked_at IS NULL
        """,
    )
    last = db.execute("SELECT max(id) FROM audit_log").fetchone()[0]
    if last is not None:
        from interview_assist.core.signing import installation_signer
        from interview_assist.store import audit

        audit.append(
            db, actor="interview-assist", action="officer_keys", interview_id=None,
            detail={"unsigned_before": int(last) + 1}, signer=installation_signer(),
        )


MIGRATIONS: list[Migration] = [
    ("0001_transcripts", _0001_transcripts),
    ("0002_audit_log", _0002_audit_log),
    ("0003_speakers", _0003_speakers),
    ("0004_names", _0004_names),
    ("0005_review", _0005_review),
    ("0006_flag_decisions", _0006_flag_decisions),
    ("0007_batch", _0007_batch),
    ("0008_oversight", _0008_oversight),
    ("0009_undo", _0009_undo),
    ("0010_segment_versions", _0010_segment_versions),
    ("0011_officer_keys", _0011_officer_keys),
]
