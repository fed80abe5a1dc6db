"""The detail pane: the current segment in full, its state, how much of it the officer heard (and
whether it needs its audio), its quality flags (loop, gap, language...) with their reasons, and its
name flags with suggestions and why each is offered."""

from __future__ import annotations

from collections.abc import Iterable, Sequence

from rich.console import Group
from rich.text import Text
from textual.widget import Widget

from interview_assist.core.spans import format_timestamp
from interview_assist.core.transcript import NAME_REASONS
from interview_assist.review.session import SegmentView
from interview_assist.store import StoredNameFlag, StoredQualityFlag
from interview_assist.tui.widgets.render import segment_text, state_text


class DetailPane(Widget):
    DEFAULT_CSS = """
    DetailPane { height: 40%; border-top: solid $accent; padding: 0 1; overflow-y: auto; }
    """

    _content: Group | Text = Text("")
    # How many of the selected flag's suggestions the pane shows in full (what 1-5 may accept);
    # None until the pane has a size.
    shown_suggestions: int | None = None
    _last: tuple[SegmentView, int | None, int | None, int | None] | None = None

    def render(self) -> Group | Text:
        return self._content

    def on_resize(self) -> None:
        if self._last is not None:  # what fits has changed
            self.show(*self._last)

    @staticmethod
    def in_order(flags: Iterable[StoredNameFlag]) -> list[StoredNameFlag]:
        """Name flags in the order shown: as they come in the segment. The order
        does not change when a flag is decided, so ] never skips one."""
        return sorted(flags, key=lambda f: (f.flag.start, f.flag.first_word, f.id))

    @staticmethod
    def selected(flags: Sequence[StoredNameFlag], flag_id: int | None) -> int:
        """The position in ``flags`` of flag ``flag_id``; else of the first open flag; else 0."""
        for k, f in enumerate(flags):
            if f.id == flag_id:
                return k
        return next((k for k, f in enumerate(flags) if f.open), 0)

    @staticmethod
    def quality_target(v: SegmentView) -> StoredQualityFlag | None:
        """The quality flag that c and x act on: the first open one, once no name flag of the segment is open."""
        return None if v.open_flags else next(iter(v.open_quality), None)

    def _fit(self, above: list[Text], blocks: list[list[Text]], selected: int, kinds: list[str]) -> list[Text]:
        """The flags' lines, with earlier flags left out when the selected one
        would fall below the pane (what 1-5, a, c and x act on is always shown);
        ``kinds`` names each block's flag for the note that counts those left out."""
        width, height = self.content_size.width, self.content_size.height
        if selected == 0 or width <= 0 or height <= 0:
            return [t for b in blocks for t in b]
        lines = self._rows
        skipped = 0
        while skipped < selected and lines(above) + (1 if skipped else 0) + sum(lines(b) for b in blocks[skipped : selected + 1]) > height:
            skipped += 1
        out = [t for b in blocks[skipped:] for t in b]
        if skipped:
            what = ", ".join(dict.fromkeys(kinds[:skipped]))
            out.insert(0, Text(f"   ↑ {skipped} earlier flag{'s' if skipped > 1 else ''} here ({what})", style="dim"))
        return out

    def _fits(self, above: list[Text], block: list[Text], *, after_others: bool) -> bool:
        """Whether the flag ``block`` is all in view below ``above`` as :meth:`_fit` lays it out: with the flags
        before it, or else a line that counts them (``after_others``). True with no size yet."""
        width, height = self.content_size.width, self.content_size.height
        if width <= 0 or height <= 0:
            return True
        return self._rows([*above, *block]) + (1 if after_others else 0) <= height

    def _rows(self, texts: list[Text]) -> int:
        """The lines ``texts`` take in the pane, wrapped at its width."""
        return sum(len(t.wrap(self.app.console, self.content_size.width)) for t in texts)

    def _compact(self, suggestions) -> list[Text]:
        """All suggestions on as few lines as possible, without why (a small terminal): one Text per line."""
        width = max(self.content_size.width, 20)
        lines: list[Text] = []
        line = Text("  ")
        for n, s in enumerate(suggestions, 1):
            item = Text.assemble(f" {n}. ", (s.text, "bold"), "  ")
            if len(line) > 2 and len(line) + len(item) > width:
                lines.append(line)
                line = Text("  ")
            line.append_text(item)
        lines.append(line)
        for t in lines:
            t.rstrip()
        return lines

    def _visible(self, texts: list[Text], suggestions) -> int | None:
        """How many of ``suggestions`` (numbered "n. name" in ``texts``) the pane shows; None: no size yet."""
        width, height = self.content_size.width, self.content_size.height
        if width <= 0 or height <= 0:
            return None
        console = self.app.console
        row, count = 0, 0
        for t in texts:
            # A suggestion's number and name open its line (or sit on one line of the compact list).
            numbers = [n for n, s in enumerate(suggestions, 1) if f"{n}. {s.text}" in t.plain]
            if numbers and row < height:
                count = max(count, *numbers)
            row += len(t.wrap(console, width))
        return count

    @staticmethod
    def _suggestions(suggestions) -> list[Text]:
        """One line per suggestion with why it is offered; on one line when none says why (stored before reasons were)."""
        if not suggestions:
            return [Text("   no suggestion is close to what was heard: a types the spelling, c confirms it", style="dim")]
        if not any(s.reason for s in suggestions):
            return [Text("   " + "  ".join(f"{n}. {s.text} ({s.source.split(':')[0]})" for n, s in enumerate(suggestions, 1)))]
        return [
            Text.assemble(f"   {n}. ", (s.text, "bold"), (f" · {s.reason or s.source.split(':')[0]}", "dim"))
            for n, s in enumerate(suggestions, 1)
        ]

    def show(self, v: SegmentView, word_cursor: int | None = None, flag_id: int | None = None, playing: int | None = None) -> None:
        """``playing``: the word follow-along is playing (highlighted)."""
        self._last = (v, word_cursor, flag_id, playing)
        head = Text.assemble(
            (f"#{v.index + 1} ", "bold"),
            f"{format_timestamp(v.segment.start)} → {format_timestamp(v.segment.end)} · ",
            (v.role or "no role", "bold"), ("?" if v.role_proposed else "", "bold yellow"),
            f" ({v.segment.speaker or '-'}) · {v.segment.language or '-'} · ",
            state_text(v),
        )
        if v.review.validated_by:
            head.append(f" by {v.review.validated_by}")
        head.append(f" · heard {v.heard:.0%}")
        parts = [head, segment_text(v, word_cursor, playing)]
        # On a small terminal, what the keys act on comes before these notes: ``brief`` is
        # what is left of them when the flag acted on (its suggestions on one line where they
        # did not fit with why) would still not be all in view below them.
        brief = list(parts)
        if v.needs_audio and not v.audio_ok:
            parts.append(Text(f"needs its audio ({', '.join(v.needs_audio)}): p plays it · h records why not", style="yellow"))
            brief.append(Text("needs its audio: p plays it · h records why not", style="yellow"))
        elif v.unheard_noted and v.heard < 1.0:
            parts.append(Text("to be decided without all its audio: your reason is recorded", style="dim"))
            brief.append(parts[-1])
        if v.role_proposed:  # the head's "?" still says the role is the machine's
            parts.append(Text(
                f"role proposed by the machine: {v.role_evidence} · r confirms or changes it",
                style="dim",
            ))
        if v.review.edited_text is not None:
            parts.append(Text(f"ASR: {v.segment.text}", style="dim"))
            brief.append(parts[-1])
        flags = self.in_order(v.flags)
        selected = self.selected(flags, flag_id)
        # Quality flags first: they are about the whole text (a loop, a language in doubt: it may be
        # a translation or invented), which the officer reads before deciding on the names in it.
        blocks: list[list[Text]] = []  # one per flag: its line(s)
        at_block, short = 0, Text()  # the selected name flag's block, and its line without why
        for q in v.quality:
            state = "open" if q.open else f"{q.status}" + (f": {q.note}" if q.note else "")
            blocks.append([Text.assemble(("⚠ ", "red" if q.open else "green"), (q.kind, "bold"), f" {state} · ", (q.reason, "dim"))])
        target = self.quality_target(v)
        # What c and x act on is kept in view: that quality flag, else the selected name flag.
        if target is not None:
            acted_on = v.quality.index(target)
        else:
            acted_on = len(blocks) + selected if flags else 0
        for k, f in enumerate(flags):
            g = f.flag
            state = "open" if f.open else f"{f.status}: {f.resolution or f.dismiss_reason}"
            why = NAME_REASONS.get(g.reasons[0], g.reasons[0]) + (f" (+{len(g.reasons) - 1})" if len(g.reasons) > 1 else "")
            mark = ("▶ ", "bold") if k == selected and len(flags) > 1 else ("", "")
            # With several flags, the time tells two flags on the same word apart.
            at = f" at {format_timestamp(g.start)}" if len(flags) > 1 else ""
            blocks.append([Text.assemble(mark, ("⚑ ", "red" if f.open else "green"), (f'"{g.text}"', "bold"), f"{at} {state} · ", (why, "dim"))])
            if k == selected:
                # Only the selected flag's: those are what 1-5 pick (also to change a decision).
                blocks[-1] += self._suggestions(g.suggestions[:5])
                at_block = len(blocks) - 1
                short = Text.assemble(mark, ("⚑ ", "red" if f.open else "green"), (f'"{g.text}"', "bold"), f"{at} {state}")
        kinds = [q.kind for q in v.quality] + ["name"] * len(flags)
        offered = flags[selected].flag.suggestions[:5] if flags else ()
        shown = self._fit(parts, blocks, acted_on, kinds)
        self.shown_suggestions = self._visible(parts + shown, offered)
        if self.shown_suggestions is not None and self.shown_suggestions < len(offered):
            # They do not all fit: on as few lines as they take, without why (the flag's either).
            blocks[at_block] = [short, *self._compact(offered)]
            shown = self._fit(parts, blocks, acted_on, kinds)
            self.shown_suggestions = self._visible(parts + shown, offered)
        if blocks and not self._fits(parts, blocks[acted_on], after_others=acted_on > 0):
            # Still not all in view: the notes are shortened (the role's goes: the head's "?" stays).
            parts = brief
            shown = self._fit(parts, blocks, acted_on, kinds)
            self.shown_suggestions = self._visible(parts + shown, offered)
        parts += shown
        if len(flags) > 1:
            parts.append(Text(f"   {len(flags)} names flagged here: ] selects the next one (▶)", style="dim"))
        self._content = Group(*parts)
        self.refresh()  # a fixed-size pane: no layout pass needed
