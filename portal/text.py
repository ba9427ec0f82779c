"""Text safe for a Word document: control characters out, Word's own line and page breaks kept as new lines."""
from __future__ import annotations

import re

#: Word's manual line break (vertical tab) and page break (form feed) arrive in pasted text; both mean "new line".
_BREAKS = re.compile(r"[\x0b\x0c\x85\u2028\u2029]")
#: What XML 1.0 (and so python-docx/lxml) refuses, plus DEL and the C1 controls nobody types on purpose.
#: And the bidi embeddings, overrides and isolates: they reorder what is shown ("\u202efdp.exe" reads "exe.pdf").
_CONTROLS = re.compile(r"[\x00-\x08\x0e-\x1f\x7f-\x84\x86-\x9f\u202a-\u202e\u2066-\u2069\ud800-\udfff\ufffe\uffff]")
#: A break or tab with the spaces around it, so "Mål\x0b och" becomes "Mål och", not "Mål  och".
_LINE_BREAKS = re.compile(r"\s*[\t\r\n\x0b\x0c\x85\u2028\u2029]\s*")


def clean_text(value: str | None) -> str:
    """Long text (section text, comments): tabs and new lines stay, Word's breaks become new lines, the rest of
    the control characters are dropped silently (they come from pasting, never from what was meant)."""
    return _CONTROLS.sub("", _BREAKS.sub("\n", value or ""))


def clean_line(value: str | None) -> str:
    """One-line text (titles, names, units): any break or tab becomes a space, control characters are dropped."""
    return _CONTROLS.sub("", _LINE_BREAKS.sub(" ", value or ""))


def xml_safe(value) -> str:
    """Whatever is written into a .docx: stored text from before control characters were refused must not stop
    the whole document from being written (lxml refuses the entire string otherwise)."""
    return clean_text("" if value is None else str(value))
