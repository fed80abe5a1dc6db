"""Every command has help text and is documented in README.md."""

from __future__ import annotations

import click

from interview_assist.cli import cli

from .conftest import REPO, run_cli


def _commands(group: click.Group, prefix=()):
    for name, command in group.commands.items():
        yield (*prefix, name), command
        if isinstance(command, click.Group):
            yield from _commands(command, (*prefix, name))


def test_every_command_has_help_and_is_in_the_readme():
    readme = (REPO / "README.md").read_text()
    commands = list(_commands(cli))
    assert {" ".join(path) for path, _ in commands} >= {"transcribe", "show", "models", "models install"}
    for path, command in commands:
        assert command.help and command.help.strip(), path
        for param in command.params:
            if isinstance(param, click.Option):
                assert param.help, (path, param.name)
        assert f"interview-assist {' '.join(path)}" in readme, path


def test_python_dash_m_works():
    done = run_cli("--help")
    assert done.returncode == 0
    assert "transcribe" in done.stdout and "Offline transcription assistant" in done.stdout


def test_readme_commands_match_ci():
    readme = (REPO / "README.md").read_text()
    ci = (REPO / ".ci" / "run").read_text()
    assert "bash scripts/test.sh" in readme and "bash scripts/test.sh" in ci
    assert "bash scripts/demo.sh" in readme
