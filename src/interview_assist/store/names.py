"""Name flags and the case glossary in the store, and the human decisions on flags.

Only a person resolves a name flag, in one of four ways (``DECISIONS``):
accept one of the suggestions, edit the spelling, confirm the words as heard,
or dismiss the flag with a reason. An accepted or edited spelling goes into
the segment's text (``spelled_text``). Each decision is written together with its
audit record; the audit record holds the flag id and the decision, never the
name itself (personal data stays in the interview's own tables).
"""

from __future__ import annotations

import json
import re
import sqlite3
import unicodedata
from collections.abc import Sequence
from dataclasses import asdict, dataclass

from interview_assist.core.errors import InputError, NotFound
from interview_assist.core.transcript import GlossaryEntry, NameFlag, Suggestion, Transcript
from interview_assist.store import audit
from interview_assist.store.connection import Database, utc_now
from interview_assist.store.officers import signer_for
from interview_assist.store.purge import require_interview

DECISIONS = ("accept", "edit", "confirm", "dismiss")
_STATUS = {"accept": "accepted", "edit": "edited", "confirm": "confirmed", "dismiss": "dismissed"}


@dataclass(frozen=True, slots=True)
class StoredNameFlag:
    id: int
    flag: NameFlag
    status: str  # open | accepted | edited | confirmed | dismissed
    resolution: str | None = None
    dismiss_reason: str | None = None
    resolved_by: str | None = None
    resolved_at: str | None = None

    @property
    def open(self) -> bool:
        return self.status == "open"


def insert(c: sqlite3.Connection, interview_id: int, t: Transcript, segment_ids: list[int]) -> None:
    """Write the glossary and the name flags of ``t`` (inside the caller's transaction)."""
    c.executemany(
        "INSERT INTO glossary (interview_id, idx, term, kind) VALUES (?, ?, ?, ?)",
        [(interview_id, i, e.term, e.kind) for i, e in enumerate(t.glossary)],
    )
    c.executemany(
        "INSERT INTO name_flags (interview_id, segment_id, first_word, last_word, start, end, text, reasons, suggestions) "
        "VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)",
        [
            (
                interview_id, segment_ids[f.segment], f.first_word, f.last_word, f.start, f.end, f.text,
                json.dumps(list(f.reasons)),
                json.dumps([asdict(s) for s in f.suggestions], ensure_ascii=False),
            )
            for f in t.name_flags
        ],
    )


def _row_to_flag(r: sqlite3.Row, segment_index: int) -> StoredNameFlag:
    suggestions = tuple(
        Suggestion(s["text"], s["score"], s["source"], s.get("detail", ""), tuple(s.get("variants", ())), s.get("reason", ""))
        for s in json.loads(r["suggestions"])
    )
    flag = NameFlag(
        segment=segment_index, first_word=r["first_word"], last_word=r["last_word"], start=r["start"], end=r["end"],
        text=r["text"], reasons=tuple(json.loads(r["reasons"])), suggestions=suggestions,
    )
    return StoredNameFlag(
        r["id"], flag, r["status"], r["resolution"], r["dismiss_reason"], r["resolved_by"], r["resolved_at"]
    )


def glossary_of(c: sqlite3.Connection, interview_id: int) -> tuple[GlossaryEntry, ...]:
    return tuple(
        GlossaryEntry(r["term"], r["kind"])
        for r in c.execute("SELECT term, kind FROM glossary WHERE interview_id = ? ORDER BY idx", (interview_id,))
    )


def name_flags(db: Database, interview_id: int) -> list[StoredNameFlag]:
    """The name flags of one interview in time order, with their decisions."""
    c = db.conn
    require_interview(c, db, interview_id)
    rows = c.execute(
        "SELECT f.*, s.idx AS segment_index FROM name_flags f JOIN segments s ON s.id = f.segment_id "
        "WHERE f.interview_id = ? ORDER BY f.start, f.id",
        (interview_id,),
    ).fetchall()
    return [_row_to_flag(r, r["segment_index"]) for r in rows]


def _name_key(text: str | None) -> str:
    """Letters and digits only, lower case, without accents or a possessive: "Kunduz's" is "kunduz"."""
    plain = unicodedata.normalize("NFKD", re.sub(r"['’]s$", "", (text or "").strip())).encode("ascii", "ignore").decode()
    return re.sub(r"[^a-z0-9]+", "", plain.lower())


def same_name(flags: Sequence[StoredNameFlag], flag: StoredNameFlag) -> list[StoredNameFlag]:
    """The other occurrences of ``flag``'s name among ``flags``, in time order.

    Each occurrence stays a flag of its own (each may be misheard
    differently); these are the ones heard the same, or decided to the same
    spelling: once "Kandas" is corrected to Kunduz, the flags on "Kunduz" and on
    other "Kandas" are its occurrences too.
    """
    names = {_name_key(flag.flag.text), _name_key(flag.resolution)} - {""}
    return sorted(
        (f for f in flags if f.id != flag.id and names & {_name_key(f.flag.text), _name_key(f.resolution)}),
        key=lambda f: (f.flag.start, f.id),
    )


def name_occurrences(db: Database, interview_id: int, flag_id: int) -> list[StoredNameFlag]:
    """The other flags of interview ``interview_id`` on the name of flag ``flag_id`` (see :func:`same_name`)."""
    flags = name_flags(db, interview_id)
    flag = next((f for f in flags if f.id == flag_id), None)
    if flag is None:
        raise NotFound(f"interview {interview_id} has no name flag {flag_id}")
    return same_name(flags, flag)


def resolve_name_flag(
    db: Database,
    interview_id: int,
    flag_id: int,
    decision: str,
    *,
    actor: str,
    text: str | None = None,
    suggestion: int | None = None,
    reason: str | None = None,
) -> StoredNameFlag:
    """Record a person's decision on one flag, with its audit record, in one transaction.

    ``accept`` takes ``suggestion`` (1 = the first); ``edit`` takes ``text``;
    ``confirm`` keeps the words as heard; ``dismiss`` needs a ``reason``.
    """
    if decision not in DECISIONS:
        raise InputError(f"unknown decision {decision!r} (decisions: {', '.join(DECISIONS)})")
    with db.atomic() as c:
        row = c.execute(
            "SELECT f.*, s.idx AS segment_index FROM name_flags f JOIN segments s ON s.id = f.segment_id "
            "WHERE f.id = ? AND f.interview_id = ?",
            (flag_id, interview_id),
        ).fetchone()
        if row is None:
            raise NotFound(f"interview {interview_id} has no name flag {flag_id}")
        current = _row_to_flag(row, row["segment_index"])
        resolution: str | None
        dismiss_reason = None
        if decision == "accept":
            options = current.flag.suggestions
            if suggestion is None or not 1 <= suggestion <= len(options):
                raise InputError(f"flag {flag_id} has {len(options)} suggestions; pick one by number (1-{len(options)})")
            resolution = options[suggestion - 1].text
        elif decision == "edit":
            resolution = " ".join((text or "").split())
            if not resolution:
                raise InputError("an edit needs the corrected spelling")
        elif decision == "confirm":
            resolution = current.flag.text
        else:
            dismiss_reason = " ".join((reason or "").split())
            if not dismiss_reason:
                raise InputError("dismissing a flag needs a reason")
            resolution = None
        at = utc_now()
        old_text = spelled_text(c, row["segment_id"])
        c.execute(
            "UPDATE name_flags SET status = ?, resolution = ?, dismiss_reason = ?, resolved_by = ?, resolved_at = ? "
            "WHERE id = ?",
            (_STATUS[decision], resolution, dismiss_reason, actor, at, flag_id),
        )
        # A changed decision in a validated segment sends it back for review.
        reopened = c.execute(
            "UPDATE segments SET review_status = 'edited', validated_by = NULL, validated_at = NULL "
            "WHERE id = ? AND review_status = 'validated'",
            (row["segment_id"],),
        ).rowcount
        text_updated = _respell(c, row, current, decision, resolution, old_text)
        audit.append(
            c,
            actor=actor, signer=signer_for(db, c, actor),
            action="resolve_name_flag",
            interview_id=interview_id,
            # The decision, not the name: names are personal data.
            detail={
                "flag": flag_id,
                "segment": row["segment_index"],
                "decision": decision,
                "previous_status": current.status,
                "suggestion": suggestion if decision == "accept" else None,
                "reasons": list(current.flag.reasons),
                "segment_reopened": bool(reopened),
                "text_updated": text_updated,
                # The decision itself (spelling, reason, who, when) stays out of the log; its digest does not.
                "decision_sha256": audit.state_digest(c, "name_flags/decision", "id = ?", (flag_id,)),
            },
        )
    return StoredNameFlag(flag_id, current.flag, _STATUS[decision], resolution, dismiss_reason, actor, at)


_SPELLED = ("accepted", "edited")


def spell_words(words: list[str], names: list[tuple[int, int, str | None]]) -> tuple[str, list[tuple[int, int]]]:
    """ASR words joined into text, with names spelled in place; and where each name is in it.

    ``names`` are (first word, last word, spelling), not overlapping; a
    spelling of None keeps the words as heard. Punctuation Whisper attached
    to the misheard words (``" Kandas."``) stays around the new spelling
    (``" Kunduz."``). The spans are (first char, end char) of each name's
    letters in the returned text, in the order of ``names``.
    """
    starts = {first: k for k, (first, _, _) in enumerate(names)}
    pieces: list[str] = []
    spans: list[tuple[int, int]] = [(0, 0)] * len(names)
    at, j = 0, 0
    while j < len(words):
        if j not in starts:
            pieces.append(words[j])
            at += len(words[j])
            j += 1
            continue
        k = starts[j]
        first, last, spelling = names[k]
        heard = "".join(words[first : last + 1])
        parts = re.match(r"(\s*\W*)(.*)", heard, re.S)
        assert parts is not None  # the pattern matches any string
        lead, core = parts.groups()
        ends = re.search(r"\W*$", core)
        assert ends is not None  # the pattern matches any string
        trail = ends.group()
        if spelling is None:
            name = core[: len(core) - len(trail)] if trail else core
            piece = heard
        else:
            lead, name = lead or " ", spelling
            piece = lead + spelling + ("" if spelling.endswith(trail) else trail)
        spans[k] = (at + len(lead), at + len(lead) + len(name))
        pieces.append(piece)
        at += len(piece)
        j = last + 1
    text = "".join(pieces)
    cut = len(text) - len(text.lstrip())
    return text.strip(), [(a - cut, b - cut) for a, b in spans]


def spelled_text(c: sqlite3.Connection, segment_id: int) -> str:
    """The segment's ASR words with every accepted or edited name spelling put in place."""
    words = [r[0] for r in c.execute("SELECT text FROM words WHERE segment_id = ? ORDER BY idx", (segment_id,))]
    names = [
        (r["first_word"], r["last_word"], r["resolution"])
        for r in c.execute(
            "SELECT first_word, last_word, resolution FROM name_flags WHERE segment_id = ? AND status IN (?, ?) "
            "ORDER BY first_word",
            (segment_id, *_SPELLED),
        )
    ]
    return spell_words(words, names)[0]


def _whole(words: str) -> re.Pattern[str]:
    """``words`` as whole words: "Kunduz" is not in "Kunduzabad"."""
    return re.compile(rf"(?<!\w){re.escape(words)}(?!\w)")


def _respell(
    c: sqlite3.Connection, row: sqlite3.Row, before: StoredNameFlag, decision: str, resolution: str | None, old_auto: str
) -> bool:
    """Carry a name decision into the text that stands; True when that text changed.

    While the officer has not rewritten the segment by hand, its text is the
    ASR words with the decided spellings in place (``old_auto`` is that text
    before this decision). After a hand edit, the old
    spelling is replaced in the officer's text only where it occurs exactly
    once; otherwise the officer's text stands as written, and a spelling that
    is not in it is refused: the decision would name words the text lacks.
    """
    seg = c.execute("SELECT text, edited_text FROM segments WHERE id = ?", (row["segment_id"],)).fetchone()
    new_auto = spelled_text(c, row["segment_id"])
    current = seg["edited_text"]
    if current is None or current == old_auto:
        if old_auto == new_auto:
            return False
        new_text = None if new_auto == seg["text"] else new_auto
    else:
        old = before.resolution if before.status in _SPELLED else before.flag.text
        new = resolution if decision in ("accept", "edit") else before.flag.text
        assert new is not None  # an accepted or edited name always has its spelling
        if not old or len(_whole(old).findall(current)) != 1:
            if decision != "dismiss" and not _whole(new).search(current):
                raise InputError(
                    f'segment {row["segment_index"] + 1} was rewritten by hand and does not contain "{new}": '
                    "write the name into the text first, or dismiss the flag with a reason"
                )
            return False
        new_text = _whole(old).sub(lambda _: new, current, count=1)
    if new_text == current:
        return False
    c.execute(
        "UPDATE segments SET edited_text = ?, review_status = CASE WHEN ? IS NULL AND review_status = 'draft' "
        "THEN 'draft' ELSE 'edited' END WHERE id = ?",
        (new_text, new_text, row["segment_id"]),
    )
    return True
