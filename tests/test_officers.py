"""Officers with keys (issue 21, part 2): registration, signatures on every record, revocation, and the forgery.

Issue 21: "A segment's text was changed directly in SQLite, the digests and
the chain were recomputed with the project's own functions, and `audit
verify` said 'hash chain intact, content matches the log'. New validations
under another officer's name passed too."
"""

from __future__ import annotations

import json
import os
from pathlib import Path

import pytest

from interview_assist.core.errors import KeyProblem
from interview_assist.core.officers import OfficerKeyring, create_officer_key, unlock
from interview_assist.store import Database, audit, edit_segment, save_transcript, validate_segment
from interview_assist.store.migrations import MIGRATIONS
from interview_assist.store.officers import revoke_officer
from interview_assist.store.signatures import signature_ok

from .conftest import TEST_PASSPHRASE, enrol, officer_key, raw_sql, run_cli
from .test_purge import case_transcript


def _validated(db_path: Path) -> int:
    with Database(db_path) as db:
        iid = save_transcript(db, case_transcript(), actor="machine")
        for i in range(3):
            validate_segment(db, iid, i, actor="officer.a")
    return iid


def _rewrite_chain(c, change) -> None:
    """Recompute every record's hash with the project's own function, after ``change(row, detail) -> detail``."""
    from sqlcipher3.dbapi2 import Row

    c.row_factory = Row
    prev = audit.GENESIS
    for r in c.execute("SELECT * FROM audit_log ORDER BY id").fetchall():
        detail = change(r, r["detail"])
        digest = audit._digest(prev, r["at"], r["actor"], r["action"], r["interview_id"], detail)
        c.execute("UPDATE audit_log SET detail = ?, prev_hash = ?, hash = ? WHERE id = ?", (detail, prev, digest, r["id"]))
        prev = digest


def test_the_forgery_fails_verify(db_path):
    """The issue's forgery, whole: a validated segment's text changed, its digest and the chain recomputed, and a
    new validation appended under another officer's name; verify fails and names the first forged record."""
    iid = _validated(db_path)
    forged = "I was born in Paris."
    with raw_sql(db_path) as c:
        c.execute("UPDATE segments SET edited_text = ? WHERE interview_id = ? AND idx = 1", (forged, iid))
        start, end, speaker = c.execute(
            "SELECT start, end, speaker FROM segments WHERE interview_id = ? AND idx = 1", (iid,)
        ).fetchone()

        def change(r, detail):
            d = json.loads(detail)
            if r["action"] == "validate_segment" and d.get("segment") == 1:
                d["content_sha256"] = audit.segment_digest(start, end, speaker, forged)
                return json.dumps(d, sort_keys=True, ensure_ascii=False)
            return detail

        _rewrite_chain(c, change)
        changed = c.execute(
            "SELECT id FROM audit_log WHERE action = 'validate_segment' AND detail LIKE '%\"segment\": 1,%'"
        ).fetchone()[0]
        # A new validation under officer.b's name, chained and signed with a key the forger made.
        head = c.execute("SELECT hash FROM audit_log ORDER BY id DESC LIMIT 1").fetchone()[0]
        detail = json.dumps({"segment": 2, "content_sha256": "0" * 64}, sort_keys=True)
        at = "2026-12-06T00:00:00.000+00:00"
        digest = audit._digest(head, at, "officer.b", "validate_segment", iid, detail)
        mine = create_officer_key("officer.b", "the forger's own", folder=db_path.parent / "forger")
        c.execute(
            "INSERT INTO audit_log (at, actor, action, interview_id, detail, prev_hash, hash, signed_key, signature) "
            "VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)",
            (at, "officer.b", "validate_segment", iid, detail, head, digest, mine.public_hex, mine.sign_record(digest)),
        )
    with Database(db_path) as db:
        check = audit.verify(db.conn)
    assert not check.ok and check.signature and check.first_broken == changed
    assert check.reason == "signature does not match officer officer.a's key"
    done = run_cli("audit", "verify", str(iid), "--db", db_path)
    assert done.returncode == 5
    assert (
        f"SIGNATURE DOES NOT VERIFY at record #{changed} (validate_segment by officer.a" in done.stdout
        and "signature does not match officer officer.a's key" in done.stdout
    ), done.stdout


def test_a_validation_under_another_officers_name_fails_verify(db_path):
    iid = _validated(db_path)
    with raw_sql(db_path) as c:
        last = c.execute("SELECT id, hash FROM audit_log ORDER BY id DESC LIMIT 1").fetchone()
        detail = json.dumps({"segment": 0}, sort_keys=True)
        at = "2026-12-06T00:00:00.000+00:00"
        digest = audit._digest(last[1], at, "officer.b", "validate_segment", iid, detail)
        # Signed by officer.a's real key, under officer.b's name; then by nobody.
        key = officer_key("officer.a")
        c.execute(
            "INSERT INTO audit_log (at, actor, action, interview_id, detail, prev_hash, hash, signed_key, signature) "
            "VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)",
            (at, "officer.b", "validate_segment", iid, detail, last[1], digest, key.public_hex, key.sign_record(digest)),
        )
    with Database(db_path) as db:
        check = audit.verify(db.conn)
    assert (check.first_broken, check.reason) == (last[0] + 1, "signature does not match officer officer.b's key")
    with raw_sql(db_path) as c:
        c.execute("UPDATE audit_log SET signed_key = NULL, signature = NULL WHERE id = ?", (last[0] + 1,))
    with Database(db_path) as db:
        check = audit.verify(db.conn)
    assert check.first_broken == last[0] + 1 and check.reason.startswith("not signed")


def test_an_officer_not_registered_or_locked_cannot_write(db_path, tmp_path):
    with Database(db_path) as db:
        iid = save_transcript(db, case_transcript(), actor="machine")
        with pytest.raises(KeyProblem, match="officer.z is not a registered officer"):
            validate_segment(db, iid, 0, actor="officer.z")
    with Database(db_path, officers=OfficerKeyring()) as db:  # no passphrase, no terminal
        with pytest.raises(KeyProblem, match="officer.a's key is locked and no passphrase was given"):
            validate_segment(db, iid, 0, actor="officer.a")
    with Database(db_path, officers=OfficerKeyring("not the passphrase")) as db:
        with pytest.raises(KeyProblem, match="wrong passphrase for officer officer.a's key"):
            validate_segment(db, iid, 0, actor="officer.a")
        assert db.conn.execute("SELECT count(*) FROM audit_log WHERE action = 'validate_segment'").fetchone()[0] == 0
    # A key of the same name made elsewhere is not the one registered.
    other = tmp_path / "other-profile"
    create_officer_key("officer.a", TEST_PASSPHRASE, folder=other)
    with Database(db_path, officers=OfficerKeyring(TEST_PASSPHRASE, folder=other)) as db:
        with pytest.raises(KeyProblem, match="is not the one registered"):
            validate_segment(db, iid, 0, actor="officer.a")


def test_a_revoked_key_signs_nothing_more_and_its_earlier_records_stay_valid(db_path):
    iid = _validated(db_path)
    with Database(db_path) as db:
        revoked = revoke_officer(db, "officer.a", actor="test-admin")
        with pytest.raises(KeyProblem, match="officer.a is not a registered officer"):
            edit_segment(db, iid, 0, "Changed after the revocation.", actor="officer.a")
        check = audit.verify(db.conn)
    assert check.ok  # the validations signed before the revocation stand
    with raw_sql(db_path) as c:  # one signed after it, by the revoked key itself
        last = c.execute("SELECT id, hash FROM audit_log ORDER BY id DESC LIMIT 1").fetchone()
        detail = json.dumps({"segment": 3}, sort_keys=True)
        at = "2026-12-06T00:00:00.000+00:00"
        digest = audit._digest(last[1], at, "officer.a", "validate_segment", iid, detail)
        key = officer_key("officer.a")
        c.execute(
            "INSERT INTO audit_log (at, actor, action, interview_id, detail, prev_hash, hash, signed_key, signature) "
            "VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)",
            (at, "officer.a", "validate_segment", iid, detail, last[1], digest, key.public_hex, key.sign_record(digest)),
        )
    with Database(db_path) as db:
        check = audit.verify(db.conn)
    assert check.first_broken == last[0] + 1
    assert check.reason == f"signed as officer officer.a, whose key was revoked (record #{revoked.revoke_record})"


def test_records_of_a_store_from_before_officer_keys_are_reported_unsigned(new_db_path):
    db_path = new_db_path
    with Database(db_path, migrations=MIGRATIONS[:8]) as db, db.atomic() as c:  # as an older version wrote it
        for i in range(3):
            prev = c.execute("SELECT hash FROM audit_log ORDER BY id DESC LIMIT 1").fetchone()
            prev = prev[0] if prev else audit.GENESIS
            digest = audit._digest(prev, "t", "machine", "batch_failed", None, json.dumps({"n": i}))
            c.execute(
                "INSERT INTO audit_log (at, actor, action, interview_id, detail, prev_hash, hash) VALUES (?, ?, ?, ?, ?, ?, ?)",
                ("t", "machine", "batch_failed", None, json.dumps({"n": i}), prev, digest),
            )
    enrol(db_path, "officer.a")  # migrated: the officer_keys record, then signed records only
    with Database(db_path) as db:
        check = audit.verify(db.conn)
        marker = db.conn.execute("SELECT id, signature FROM audit_log WHERE action = 'officer_keys'").fetchone()
    assert check.ok and check.unsigned_before == 3 and marker[0] == 4 and marker[1]
    done = run_cli("audit", "verify", "--all", "--db", db_path)
    assert done.returncode == 0 and "Records #1 to #3: unsigned (before officer keys)" in done.stdout, done.stdout
    # Not accepted after the migration: an unsigned record there fails, and so does a log stripped of its marker.
    with raw_sql(db_path) as c:
        c.execute("UPDATE audit_log SET signed_key = NULL, signature = NULL WHERE id = 5")
    with Database(db_path) as db:
        check = audit.verify(db.conn)
    assert (check.first_broken, check.signature) == (5, True) and check.reason.startswith("not signed")


def test_officer_keys_are_sealed_and_private(tmp_path):
    from interview_assist.core.secrets import Argon2Params

    cheap = Argon2Params(time_cost=1, memory_kib=64, parallelism=1)
    key = create_officer_key("A. Karimi", "a long passphrase", folder=tmp_path, params=cheap)
    path = tmp_path / "A. Karimi.key"
    assert oct(os.stat(path).st_mode)[-3:] == "600"
    assert key.private.private_bytes_raw().hex() not in path.read_text()
    assert unlock("A. Karimi", "a long passphrase", tmp_path).public_hex == key.public_hex
    with pytest.raises(KeyProblem, match="wrong passphrase"):
        unlock("A. Karimi", "another passphrase", tmp_path)
    with pytest.raises(KeyProblem, match="never replaced"):
        create_officer_key("A. Karimi", "a long passphrase", folder=tmp_path, params=cheap)
    with pytest.raises(Exception, match="U\\+202E"):
        create_officer_key("Evil\u202eName", "a long passphrase", folder=tmp_path, params=cheap)
    assert signature_ok(key.public_hex, "00" * 32, key.sign_record("00" * 32))


def test_officers_add_list_revoke_and_acting_without_a_passphrase(tmp_path, new_db_path):
    db_path = new_db_path
    profile = tmp_path / "profile"
    secret = tmp_path / "pass"
    secret.write_text("officer d's passphrase\n")
    secret.chmod(0o600)
    env = {"INTERVIEW_ASSIST_OFFICERS_DIR": str(profile)}
    added = run_cli("officers", "add", "officer.d", "--passphrase-file", secret, "--db", db_path, env=env)
    assert added.returncode == 0 and "Registered officer officer.d" in added.stdout, added.stderr
    assert (profile / "officer.d.key").exists()
    again = run_cli("officers", "add", "officer.d", "--passphrase-file", secret, "--db", db_path, env=env)
    assert again.returncode == 2 and "already registered" in again.stderr
    listed = run_cli("officers", "list", "--db", db_path)
    assert "officer.d: key" in listed.stdout and "standing" in listed.stdout
    with Database(db_path) as db:
        iid = save_transcript(db, case_transcript(), actor="machine")
    # Acting with no passphrase, not at a terminal: one line, exit 4, nothing written.
    no_pass = {**env, "INTERVIEW_ASSIST_OFFICER_PASSPHRASE": ""}
    done = run_cli("speakers", iid, "S1", "--role", "officer", "--officer", "officer.d", "--db", db_path, env=no_pass)
    assert done.returncode == 4 and len(done.stderr.strip().splitlines()) == 1, done.stderr
    assert "officer.d's key is locked and no passphrase was given" in done.stderr
    done = run_cli("speakers", iid, "S1", "--role", "officer", "--officer", "officer.d", "--officer-passphrase-file", secret,
                   "--db", db_path, env=no_pass)
    assert done.returncode == 0, done.stderr
    revoked = run_cli("officers", "revoke", "officer.d", "--db", db_path)
    assert revoked.returncode == 0 and "Revoked officer officer.d" in revoked.stdout
    assert "REVOKED" in run_cli("officers", "list", "--db", db_path).stdout
    verify = run_cli("audit", "verify", "--all", "--db", db_path)
    assert verify.returncode == 0, verify.stdout


def _append_raw(c, actor: str, action: str, interview_id, detail: dict, signer) -> int:
    """What audit.append writes, by someone who writes the store directly (no check of the pinned key)."""
    prev = c.execute("SELECT hash FROM audit_log ORDER BY id DESC LIMIT 1").fetchone()[0]
    at = "2026-12-06T00:00:00.000+00:00"
    text = json.dumps(detail, sort_keys=True, ensure_ascii=False)
    digest = audit._digest(prev, at, actor, action, interview_id, text)
    cur = c.execute(
        "INSERT INTO audit_log (at, actor, action, interview_id, detail, prev_hash, hash, signed_key, signature) "
        "VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)",
        (at, actor, action, interview_id, text, prev, digest, signer.public_hex, signer.sign_record(digest)),
    )
    return int(cur.lastrowid)


def test_an_installation_key_of_ones_own_cannot_replace_an_officers_key(db_path, tmp_path):
    """Someone who can write the store makes their own installation key, revokes officer.a, registers a key of
    theirs as officer.a's and validates as officer.a: verify names the revocation, the first record signed by an
    installation key the store does not know; the project's own functions refuse to write it at all."""
    from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey

    from interview_assist.core.secrets import Argon2Params
    from interview_assist.core.signing import Signer
    from interview_assist.store.officers import register_officer

    iid = _validated(db_path)
    mine = Signer(Ed25519PrivateKey.generate(), tmp_path / "mine.key")
    theirs = create_officer_key("officer.a", "the forger's own", folder=tmp_path / "forger",
                                params=Argon2Params(time_cost=1, memory_kib=64, parallelism=1))
    with Database(db_path) as db:
        with pytest.raises(KeyProblem, match="is not the one this store's log is signed with"):
            revoke_officer(db, "officer.a", actor="intruder", signer=mine)
        with pytest.raises(KeyProblem, match="is not the one this store's log is signed with"):
            register_officer(db, "officer.x", theirs.public_hex, actor="intruder", signer=mine)
        assert audit.verify(db.conn).ok
    with raw_sql(db_path) as c:
        standing = c.execute("SELECT public_key FROM officers WHERE name = 'officer.a'").fetchone()[0]
        revoked = _append_raw(c, "intruder", "revoke_officer", None, {"officer": "officer.a", "public_key": standing}, mine)
        _append_raw(c, "intruder", "register_officer", None, {"officer": "officer.a", "public_key": theirs.public_hex}, mine)
        c.execute("UPDATE officers SET public_key = ? WHERE name = 'officer.a'", (theirs.public_hex,))
        _append_raw(c, "officer.a", "validate_segment", iid, {"segment": 3, "content_sha256": "0" * 64}, theirs)
    with Database(db_path) as db:
        check = audit.verify(db.conn)
    assert not check.ok and check.signature and check.first_broken == revoked
    assert check.reason.startswith("signed by an installation key this store does not know")
    done = run_cli("audit", "verify", str(iid), "--db", db_path)
    assert done.returncode == 5, done.stdout
    assert (
        f"SIGNATURE DOES NOT VERIFY at record #{revoked} (revoke_officer by intruder" in done.stdout
        and "signed by an installation key this store does not know" in done.stdout
    ), done.stdout


def test_the_installation_key_changes_only_by_a_rotation_the_old_key_signs(db_path, tmp_path):
    iid = _validated(db_path)
    new_key = tmp_path / "new-signing.key"
    rotated = run_cli("store", "rotate-signing-key", new_key, "--db", db_path)
    assert rotated.returncode == 0 and "now trusts installation key" in rotated.stdout, rotated.stderr
    assert oct(os.stat(new_key).st_mode)[-3:] == "600"
    # The old key is refused from now on: one line, exit 4, nothing written ...
    old = run_cli("officers", "revoke", "officer.b", "--db", db_path)
    assert old.returncode == 4 and len(old.stderr.strip().splitlines()) == 1, old.stderr
    assert "is not the one this store's log is signed with" in old.stderr
    # ... and the new one signs.
    new = run_cli("officers", "revoke", "officer.b", "--db", db_path, env={"INTERVIEW_ASSIST_SIGNING_KEY": str(new_key)})
    assert new.returncode == 0, new.stderr
    assert run_cli("audit", "verify", str(iid), "--db", db_path).returncode == 0
    # A rotation signed by a key the store does not know does not verify.
    from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey

    from interview_assist.core.signing import Signer

    mine = Signer(Ed25519PrivateKey.generate(), tmp_path / "mine.key")
    with raw_sql(db_path) as c:
        forged = _append_raw(c, "intruder", "rotate_installation_key", None,
                             {"new_key": mine.public_hex, "previous_key": mine.public_hex}, mine)
    with Database(db_path) as db:
        check = audit.verify(db.conn)
    assert check.first_broken == forged and check.reason.startswith("signed by an installation key this store does not know")
