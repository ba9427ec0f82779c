"""The plain-text markup of a section's or appendix's body, read into blocks for the page and the .docx.

A body is stored as plain text so that revisions compare line by line and nothing but text is ever stored:
  "## 1. Syfte"            a heading inside the section (Bilaga 2's numbered headings)
  "- text" / "1. text"     a bullet or numbered list item; indented two spaces or more: a sub-item
  "| a | b |"              a table row; the first row of a table is its header row
  anything else            a paragraph
"""
from __future__ import annotations

import re
from dataclasses import dataclass, field

NUMBERED = re.compile(r"^(\d{1,3})[.)]\s+(.*)$")


@dataclass
class Item:
    text: str
    #: Sub-items (sub-steps) under this item, and whether they are numbered.
    children: list[str] = field(default_factory=list)
    children_numbered: bool = False
    children_start: int = 1


@dataclass
class Block:
    #: "heading", "paragraph", "list" or "table".
    kind: str
    text: str = ""
    numbered: bool = False
    start: int = 1
    items: list[Item] = field(default_factory=list)
    rows: list[list[str]] = field(default_factory=list)


def _list_item(stripped: str) -> tuple[bool, int, str] | None:
    """(numbered, number, text) of a list line, or None."""
    if stripped.startswith("- "):
        return False, 0, stripped[2:].strip()
    match = NUMBERED.match(stripped)
    if match:
        return True, int(match.group(1)), match.group(2).strip()
    return None


def blocks(text: str | None) -> list[Block]:
    """The body as blocks in order; blank lines only separate."""
    result: list[Block] = []
    for raw in (text or "").splitlines():
        stripped = raw.strip()
        if not stripped:
            continue
        indented = len(raw) - len(raw.lstrip(" ")) >= 2
        last = result[-1] if result else None
        if stripped.startswith("## "):
            result.append(Block("heading", stripped[3:].strip()))
        elif stripped.startswith("|") and stripped.endswith("|") and len(stripped) > 1:
            row = [cell.strip() for cell in stripped[1:-1].split("|")]
            if last is not None and last.kind == "table":
                last.rows.append(row)
            else:
                result.append(Block("table", rows=[row]))
        elif (item := _list_item(stripped)) is not None:
            numbered, number, item_text = item
            if indented and last is not None and last.kind == "list" and last.items:
                parent = last.items[-1]
                if not parent.children:
                    parent.children_numbered, parent.children_start = numbered, number or 1
                parent.children.append(item_text)
            elif last is not None and last.kind == "list" and last.numbered == numbered:
                last.items.append(Item(item_text))
            else:
                result.append(Block("list", numbered=numbered, start=number or 1, items=[Item(item_text)]))
        else:
            result.append(Block("paragraph", stripped))
    return result


def step_parts(text: str) -> tuple[str, list[str]]:
    """A routine step's own text and its numbered sub-steps (lines "1. …" after the first)."""
    lines = [line.strip() for line in (text or "").splitlines() if line.strip()]
    own = [line for line in lines if not NUMBERED.match(line)]
    subs = [NUMBERED.match(line).group(2) for line in lines if NUMBERED.match(line)]
    return " ".join(own), subs
