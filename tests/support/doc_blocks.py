"""The fenced code blocks of README.md and docs/*.md, and how each is checked.

A block's mode comes from an HTML comment on the line above its fence,
``<!-- example: MODE -->``, or else from its language and content:

- ``server``: shell run against a real ``hybridmem serve`` (default for a shell block that
  talks to ``localhost:8000``); a file's server blocks share one shell, in order;
- ``python``: run as a script, on an embedded PostgreSQL in a scratch data dir; one that
  talks to ``localhost:8000`` runs against the real server with ``TOKEN`` in its
  environment (a signed-in user's token, as the README's shell examples export it);
- ``cli``: every ``hybridmem …`` line is run with ``--help`` appended, which fails on an
  unknown command or option (default for other shell and text blocks naming hybridmem);
- ``ci``: the README's install commands, checked against ``.ci/run``, which runs them;
- ``shell``: run as it is, in bash at the repository's root (a short command);
- ``json``: parsed;
- ``not run: <reason>``: needs what a test machine lacks (a downloaded model, cloud keys);
- ``diagram``: prose in a fence (a layout tree, a sketch), not code.
"""

from __future__ import annotations

import re
import shlex
from dataclasses import dataclass
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
DOCUMENTS = [ROOT / "README.md", *sorted((ROOT / "docs").glob("*.md"))]

_FENCE = re.compile(r"^```(\S*)\s*$")
_DIRECTIVE = re.compile(r"^<!--\s*example:\s*(.+?)\s*-->\s*$")
_SHELL = {"bash", "sh", "shell", "console"}


@dataclass(frozen=True, slots=True)
class Block:
    """One fenced block: where it is, its language, its mode and its text."""

    path: Path
    line: int
    language: str
    mode: str
    text: str

    @property
    def where(self) -> str:
        """``file:line`` for messages and test ids."""
        return f"{self.path.relative_to(ROOT)}:{self.line}"


def _default_mode(language: str, text: str) -> str:
    if language == "python":
        return "python"  # the test tells apart those that need the server
    if language == "json":
        return "json"
    if language in _SHELL and re.search(r"\b(localhost|127\.0\.0\.1):8000\b", text):
        return "server"
    if re.search(r"^\s*(\S+=\S+\s+)*(\.venv/bin/)?hybridmem\s", text, re.MULTILINE):
        return "cli"
    return "unclassified"


def blocks(path: Path) -> list[Block]:
    """The fenced blocks of one markdown file, in order."""
    found: list[Block] = []
    lines = path.read_text().splitlines()
    index = 0
    while index < len(lines):
        opening = _FENCE.match(lines[index])
        if not opening:
            index += 1
            continue
        language = opening.group(1).lower()
        start = index
        index += 1
        body: list[str] = []
        while index < len(lines) and not lines[index].startswith("```"):
            body.append(lines[index])
            index += 1
        index += 1  # the closing fence
        text = "\n".join(body) + "\n"
        directive = _DIRECTIVE.match(lines[start - 1]) if start else None
        mode = directive.group(1) if directive else _default_mode(language, text)
        found.append(Block(path, start + 1, language, mode, text))
    return found


def all_blocks() -> list[Block]:
    """Every block of every document."""
    return [block for path in DOCUMENTS for block in blocks(path)]


def logical_lines(text: str) -> list[str]:
    """Shell lines with backslash continuations joined and comments dropped."""
    joined = re.sub(r"\s*\\\n\s*", " ", text)
    lines = []
    for raw in joined.splitlines():
        line = raw.split(" #", 1)[0].strip() if not raw.lstrip().startswith("#") else ""
        if line:
            lines.append(line)
    return lines


_PLACEHOLDER = re.compile(r"^(\[|[A-Z][A-Z_]*$|<)")


def hybridmem_invocations(text: str) -> list[list[str]]:
    """The argument lists of each ``hybridmem`` line, alternatives (``a|b``) expanded and
    placeholders (``[--host H]``, ``USER_ID``) dropped; environment assignments before
    the command are not arguments."""
    invocations: list[list[str]] = []
    for line in logical_lines(text):
        # in a text block, two spaces or more start the explanation of the command
        words = shlex.split(re.split(r"\s{2,}", line)[0])
        while words and re.match(r"^[A-Za-z_][A-Za-z0-9_]*=", words[0]):
            words.pop(0)
        if not words or words[0].rsplit("/", 1)[-1] != "hybridmem":
            continue
        arguments: list[list[str]] = [[]]
        for word in words[1:]:
            if _PLACEHOLDER.match(word):
                break
            choices = word.split("|") if not word.startswith("-") else [word]
            arguments = [[*prefix, choice] for prefix in arguments for choice in choices]
        invocations.extend(arguments)
    return invocations


def environment_names(text: str) -> set[str]:
    """The HYBRIDMEM_* and seed variables a block sets."""
    return set(re.findall(r"\b((?:HYBRIDMEM|ZEP|MEM0|GEMINI)_[A-Z0-9_]+)=", text))
