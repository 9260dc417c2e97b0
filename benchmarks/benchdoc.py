"""What every benchmark writes with its figures: the machine they were measured on, and its own
marked section of docs/benchmarks.md (replaced on each run, the others left as they are)."""

from __future__ import annotations

import os
import platform
from pathlib import Path

from django.db import connection

DOC = Path(__file__).resolve().parent.parent / "docs" / "benchmarks.md"


def machine() -> str:
    try:
        memory = os.sysconf("SC_PAGE_SIZE") * os.sysconf("SC_PHYS_PAGES") / 2**30
    except (ValueError, OSError):
        memory = 0
    version = (
        f"sqlite {connection.Database.sqlite_version}"
        if connection.vendor == "sqlite"
        else f"PostgreSQL {connection.pg_version // 10000}.{connection.pg_version % 10000}"
    )
    return (
        f"{platform.system()} {platform.machine()}, {os.cpu_count()} cores, {memory:.0f} GiB; "
        f"Python {platform.python_version()}, {version}"
    )


def write_section(name: str, lines: list[str]) -> None:
    """Replace the section ``name`` of the database in use (or append it); the core
    benchmarks' section has no name, only the database's."""
    label = f"{name} {connection.vendor}" if name else connection.vendor
    begin, end = f"<!-- {label} -->", f"<!-- /{label} -->"
    section = "\n".join([begin, *lines, end])
    text = DOC.read_text(encoding="utf-8")
    if begin in text and end in text:
        text = text[: text.index(begin)] + section + text[text.index(end) + len(end) :]
    else:
        text = text.rstrip("\n") + "\n\n" + section + "\n"
    DOC.write_text(text, encoding="utf-8")
