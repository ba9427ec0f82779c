"""`python -m bench.docx`: time to write the demo agreement's .docx beside python-docx alone writing as much.

In-process, without HTTP; `make bench` measures the .docx page through gunicorn among the other pages.
"""
from __future__ import annotations

import io
import statistics
import tempfile
import time
from pathlib import Path

from docx import Document

RUNS = 9
TARGET_SECONDS = 0.15


def _median(fn, runs: int = RUNS) -> float:
    fn()  # warm up: imports, template loading
    times = []
    for _ in range(runs):
        start = time.perf_counter()
        fn()
        times.append(time.perf_counter() - start)
    return statistics.median(times)


def plain_python_docx() -> bytes:
    """12 sections × 12 paragraphs and a 10-row table, with nothing of the portal involved."""
    doc = Document()
    doc.add_paragraph("Överenskommelse", style="Title")
    for s in range(12):
        doc.add_heading(f"Avsnitt {s + 1}", level=1)
        for p in range(12):
            doc.add_paragraph(f"Stycke {p + 1} i avsnitt {s + 1}. " * 6)
    table = doc.add_table(rows=1, cols=5)
    table.style = "Table Grid"
    for row in range(10):
        for cell in table.add_row().cells:
            cell.text = f"{row},5 %"
    buffer = io.BytesIO()
    doc.save(buffer)
    return buffer.getvalue()


def main() -> None:
    from portal import create_app
    from portal.db import db

    with tempfile.TemporaryDirectory() as tmp:
        app = create_app({"SQLALCHEMY_DATABASE_URI": f"sqlite:///{Path(tmp) / 'bench.sqlite3'}",
                          "SECRET_KEY": "bench", "INSTANCE_PATH": tmp, "PASSWORD_HASH_FAST": True})
        with app.app_context():
            from flask_migrate import upgrade

            upgrade(revision="heads")
            from portal import demo

            demo.seed()
            db.session.commit()
            from agreements import document
            from agreements.models import Agreement

            agreement = db.session.scalars(db.select(Agreement)).first()
            adopted = agreement.latest_adopted()
            draft = agreement.open_revision()
            size = len(document.to_bytes(adopted))
            portal_adopted = _median(lambda: document.to_bytes(adopted))
            portal_draft = _median(lambda: document.to_bytes(draft))
            baseline = _median(plain_python_docx)
            db.session.remove()
            db.engine.dispose()

    rows = [
        ("python-docx ensamt (12 avsnitt × 12 stycken + tabell)", baseline),
        (f"Demoöverenskommelsen, revision {adopted.number} (antagen, {size // 1024} kB)", portal_adopted),
        (f"Demoöverenskommelsen, revision {draft.number} (utkast, med ändringssammanfattning)", portal_draft),
    ]
    width = max(len(label) for label, _t in rows)
    print(f"{'Mätning'.ljust(width)}  median av {RUNS} körningar")
    print("-" * (width + 26))
    for label, seconds in rows:
        print(f"{label.ljust(width)}  {seconds * 1000:8.1f} ms")
    worst = max(portal_adopted, portal_draft)
    verdict = "inom målet" if worst < TARGET_SECONDS else "ÖVER målet"
    print(f"\nMål: under {TARGET_SECONDS * 1000:.0f} ms per dokument – {verdict} "
          f"({worst / baseline:.1f} × python-docx ensamt).")


if __name__ == "__main__":
    main()
