"""docs/cli.md names every command and every option the command line has."""

from __future__ import annotations

import re
from pathlib import Path

import typer.main

from simulacra.cli import app

PAGE = Path(__file__).resolve().parents[2] / "docs" / "cli.md"


def _commands(command, prefix=()):
    if hasattr(command, "commands"):  # a group (typer bundles its own click)
        for name, sub in command.commands.items():
            yield from _commands(sub, (*prefix, name))
    else:
        yield " ".join(prefix), command


def _sections() -> dict[str, str]:
    parts = re.split(r"^## (.+)$", PAGE.read_text(encoding="utf-8"), flags=re.MULTILINE)
    return {parts[i].strip(): parts[i + 1] for i in range(1, len(parts), 2)}


def test_every_command_and_option_is_on_the_reference_page() -> None:
    sections = _sections()
    shared = PAGE.read_text(encoding="utf-8").split("## ", 1)[0]  # options most commands share
    missing = []
    for name, command in _commands(typer.main.get_command(app)):
        if name not in sections:
            missing.append(f"section '## {name}'")
            continue
        for param in command.params:
            if param.param_type_name != "option":
                continue
            for opt in (*param.opts, *param.secondary_opts):
                if f"`{opt}" not in sections[name] and f"`{opt}`" not in shared:
                    missing.append(f"{name} {opt}")
    assert not missing, f"docs/cli.md lacks: {missing}"


def test_the_reference_page_names_no_option_the_command_lacks() -> None:
    known = {opt for _, command in _commands(typer.main.get_command(app))
             for param in command.params for opt in (*param.opts, *param.secondary_opts)}
    known |= {"--version"}
    named = set(re.findall(r"`(--?[a-z][a-z-]*)", PAGE.read_text(encoding="utf-8")))
    assert named <= known, sorted(named - known)
