"""Goal follow-up: figures, "on track" per target type, CSV import of measured values, the SVG trend chart."""
from __future__ import annotations

import csv
import io
import math
from dataclasses import dataclass
from datetime import date
from decimal import Decimal, InvalidOperation
from xml.sax.saxutils import escape

from babel.dates import format_date
from babel.numbers import format_decimal
from flask_babel import get_locale
from flask_babel import lazy_gettext as _l

from agreements.models import Goal
from portal import clock
from portal.errors import RuleError

STATUS_LABELS = {
    "achieved": _l("Uppnått"),
    "on_track": _l("I fas"),
    "off_track": _l("Inte i fas"),
    "missed": _l("Inte uppnått"),
    "no_data": _l("Inga mätvärden efter utgångsläget"),
    "open": _l("Pågår"),
    "late": _l("Försenat"),
}
#: CSS class of the status tag (portal.css: tag ok/warn/err).
STATUS_CSS = {"achieved": "ok", "on_track": "ok", "off_track": "warn", "missed": "err", "no_data": "",
              "open": "", "late": "err"}


#: What the value columns hold (Numeric(14, 4)): less than ten thousand million either way, four decimals.
LIMIT = Decimal("1e10")
#: More decimals than any figure needs; a goal's `decimals` outside 0..MAX_DECIMALS is shown with the nearest.
MAX_DECIMALS = 4


def usable(value) -> Decimal | None:
    """A stored figure fit to show, compare and draw; None for ∞, NaN or beyond what the column holds.

    New values are refused (parse_decimal, goal_operations), but SQLite keeps whatever it was once given, so a
    page never computes with a stored value before asking this.
    """
    if value is None:
        return None
    try:
        value = Decimal(value)
    except (InvalidOperation, TypeError, ValueError):
        return None
    return value if value.is_finite() and abs(value) < LIMIT else None


def fmt_number(value: Decimal | None, decimals: int = 1) -> str:
    """Swedish decimal comma, the goal's number of decimals: 20,8 / 4,0. The figures are data, so they keep the
    Swedish form when the portal is read in English."""
    if value is None:
        return "–"
    if usable(value) is None:
        return str(_l("ogiltigt värde"))
    decimals = min(max(int(decimals or 0), 0), MAX_DECIMALS)
    pattern = "#,##0" + ("." + "0" * decimals if decimals > 0 else "")
    return format_decimal(Decimal(value), format=pattern, locale="sv_SE")


def fmt_value(value: Decimal | None, goal: Goal | dict) -> str:
    unit = goal["unit"] if isinstance(goal, dict) else goal.unit
    decimals = goal["decimals"] if isinstance(goal, dict) else goal.decimals
    text = fmt_number(value, decimals)
    return f"{text} {unit}" if unit and usable(value) is not None else text


def _date_locale() -> str:
    """Month names in the reader's language: Swedish unless the portal is switched to English."""
    return "en_GB" if str(get_locale() or "sv") == "en" else "sv_SE"


def fmt_date(value: date | None, pattern: str = "d MMMM y") -> str:
    """A date in words, e.g. "19 december 2016" (or "19 December 2016" in English)."""
    return format_date(value, pattern, locale=_date_locale()) if value else "–"


def target_text(goal: Goal) -> str:
    """The target in words: "ska ha minskat till september 2017", "8,0 % senast 30 september 2017"."""
    when = fmt_date(goal.target_date, "MMMM y") if goal.target_date else "–"
    if goal.target_type == "direction":
        if goal.target_direction == "decrease":
            return str(_l("ska ha minskat till %(when)s", when=when))
        return str(_l("ska ha ökat till %(when)s", when=when))
    if goal.target_type == "value":
        return str(_l("%(value)s senast %(date)s", value=fmt_value(goal.target_value, goal),
                      date=fmt_date(goal.target_date)))
    return str(_l("klart senast %(date)s", date=fmt_date(goal.target_date)))


def status(goal: Goal, today: date | None = None) -> str:
    """Whether a goal is on track, per target type.

    value:     reached (at or beyond the target in the direction from the baseline) → achieved; before the
               target date, on track when the latest value has come at least as far as a straight line from
               baseline to target says it should by the latest measurement's date.
    direction: the latest value has moved the wanted way from the baseline → on track (achieved once the
               target date has passed); otherwise off track (missed after the date).
    milestone: checked off → achieved; otherwise open until the target date, then late.
    """
    today = today or clock.today()
    if goal.target_type == "milestone":
        if goal.achieved_on:
            return "achieved"
        return "late" if goal.target_date and today > goal.target_date else "open"
    latest = goal.latest
    baseline, value = usable(goal.baseline_value), usable(latest.value) if latest else None
    if latest is None or baseline is None or value is None:
        return "no_data"  # nothing measured, or only figures no one can compute with (see usable)
    if goal.baseline_date is not None and latest.measured_on <= goal.baseline_date:
        return "no_data"  # nothing measured since the baseline
    past = goal.target_date is not None and today > goal.target_date
    if goal.target_type == "direction":
        improved = value < baseline if goal.target_direction == "decrease" else value > baseline
        if improved:
            return "achieved" if past else "on_track"
        return "missed" if past else "off_track"
    target = usable(goal.target_value)
    if target is None:
        return "no_data"
    downwards = target < baseline
    if (value <= target) if downwards else (value >= target):
        return "achieved"
    if past:
        return "missed"
    start, end = goal.baseline_date, goal.target_date
    if not start or not end or end <= start:
        return "off_track"
    share = Decimal(max(0, (latest.measured_on - start).days)) / Decimal((end - start).days)
    expected = baseline + (target - baseline) * min(share, Decimal(1))
    on_track = value <= expected if downwards else value >= expected
    return "on_track" if on_track else "off_track"


def frozen_goal(snapshot: dict) -> Goal:
    """A detached Goal carrying the wording and targets frozen into an adopted revision (never saved)."""
    def number(value):
        return None if value is None else Decimal(value)

    def day(value):
        return None if value is None else date.fromisoformat(value)

    return Goal(indicator=snapshot["indicator"], unit=snapshot["unit"], decimals=snapshot["decimals"],
                description=snapshot["description"], target_type=snapshot["target_type"],
                baseline_value=number(snapshot["baseline_value"]), baseline_date=day(snapshot["baseline_date"]),
                target_value=number(snapshot["target_value"]), target_direction=snapshot["target_direction"],
                target_date=day(snapshot["target_date"]))


@dataclass
class GoalFigures:
    """The figures of one goal as the steering group's agenda and the document use them."""

    goal_id: int
    indicator: str
    unit: str | None
    target_type: str
    baseline: str
    baseline_date: str
    target: str
    latest: str
    latest_date: str
    status: str
    status_label: str
    series: list[tuple[date, Decimal]]


def figures(goal: Goal, today: date | None = None) -> GoalFigures:
    latest = goal.latest
    if goal.target_type == "milestone":
        latest_text = fmt_date(goal.achieved_on) if goal.achieved_on else str(_l("Inte avbockat"))
    else:
        latest_text = fmt_value(latest.value, goal) if latest else "–"
    code = status(goal, today)
    return GoalFigures(
        goal_id=goal.id, indicator=goal.indicator, unit=goal.unit, target_type=goal.target_type,
        baseline=fmt_value(goal.baseline_value, goal) if goal.baseline_value is not None else "–",
        baseline_date=fmt_date(goal.baseline_date, "MMMM y") if goal.baseline_date else "–",
        target=target_text(goal), latest=latest_text,
        latest_date=fmt_date(latest.measured_on) if latest and goal.target_type != "milestone" else "",
        status=code, status_label=str(STATUS_LABELS[code]),
        series=[(m.measured_on, m.value) for m in goal.measurements if usable(m.value) is not None],
    )


# --- CSV import ---------------------------------------------------------------------------------------


class CsvError(RuleError):
    """A CSV file of measured values could not be read; the message says which row and why."""

    def __init__(self, message, field: str | None = "file"):
        super().__init__(message, field)


DATE_HEADERS = {"datum", "date"}
VALUE_HEADERS = {"värde", "varde", "value", "utfall"}


def parse_decimal(text: str) -> Decimal:
    """"9,5", "9.5", "1 234,5" → Decimal; raises ValueError with a Swedish message.

    Refuses what the value columns cannot hold (∞, NaN, 1e999999, ten thousand million or more); more decimals
    than the four they keep are rounded, as the database would.
    """
    cleaned = (text or "").strip().replace("\u00a0", "").replace(" ", "").replace(",", ".")
    if cleaned.endswith("%"):
        cleaned = cleaned[:-1]
    try:
        value = Decimal(cleaned)
    except InvalidOperation:
        raise ValueError(str(_l("”%(text)s” är inte ett tal. Skriv t.ex. 9,5.", text=text))) from None
    if not value.is_finite():
        raise ValueError(str(_l("”%(text)s” är inte ett tal. Skriv t.ex. 9,5.", text=text)))
    if abs(value) >= LIMIT:
        raise ValueError(str(_l("”%(text)s” är för stort. Talet ska vara mindre än 10 000 000 000 (tio "
                                "miljarder).", text=text[:40])))
    exponent = value.as_tuple().exponent
    if exponent < -4:  # what the column keeps; also 1e-999999 becomes a plain 0
        value = value.quantize(Decimal("0.0001"))
    elif exponent > 0:  # "1e5" is shown and audited as 100000
        value = value.quantize(Decimal(1))
    return value


def parse_measurements_csv(content: bytes) -> list[tuple[date, Decimal]]:
    """Rows "datum;värde" (or comma separated, decimal comma accepted); all rows or an error."""
    try:
        text = content.decode("utf-8-sig")
    except UnicodeDecodeError:
        try:
            text = content.decode("cp1252")
        except UnicodeDecodeError:
            raise CsvError(_l("Filen kunde inte läsas som text. Spara den som CSV (UTF-8).")) from None
    lines = [line for line in text.splitlines() if line.strip()]
    if not lines:
        raise CsvError(_l("Filen är tom."))
    delimiter = ";" if ";" in lines[0] else ","
    reader = csv.reader(io.StringIO("\n".join(lines)), delimiter=delimiter)
    header = [h.strip().lower() for h in next(reader)]
    if len(header) < 2 or header[0] not in DATE_HEADERS or header[1] not in VALUE_HEADERS:
        raise CsvError(_l("Första raden måste vara rubrikerna ”datum” och ”värde” (t.ex. datum;värde), "
                          "men var ”%(found)s”.", found=lines[0][:80]))
    rows: list[tuple[date, Decimal]] = []
    for number, row in enumerate(reader, start=2):
        if len(row) < 2:
            raise CsvError(_l("Rad %(n)s har inte både datum och värde.", n=number))
        if delimiter == "," and len(row) == 3 and row[1].strip().lstrip("-").isdigit() and row[2].strip().isdigit():
            row = [row[0], f"{row[1]},{row[2]}"]  # an unquoted decimal comma in a comma-separated file
        try:
            measured_on = date.fromisoformat(row[0].strip())
        except ValueError:
            raise CsvError(_l("Rad %(n)s: ”%(text)s” är inte ett datum. Skriv ÅÅÅÅ-MM-DD.", n=number,
                              text=row[0].strip())) from None
        try:
            value = parse_decimal(row[1])
        except ValueError as exc:
            raise CsvError(_l("Rad %(n)s: %(problem)s", n=number, problem=str(exc))) from None
        rows.append((measured_on, value))
    if not rows:
        raise CsvError(_l("Filen innehåller inga mätvärden under rubrikraden."))
    return rows


# --- SVG chart ----------------------------------------------------------------------------------------

WIDTH, HEIGHT, PAD_L, PAD_R, PAD_T, PAD_B = 640, 300, 64, 24, 24, 56
INK, LINE, TARGET, GRID = "#1a1a1a", "#1d4f91", "#8a3b00", "#6b7280"


def round_ticks(low: float, high: float, most: int = 6) -> tuple[list[float], int]:
    """Axis values at a round step (1, 2, 2.5 or 5 times a power of ten) covering low..high in at most `most`
    ticks, and the decimals they need: 0, 5, 10, 15, 20, 25 rather than 0, 5.2, 10.4, …"""
    span = (high - low) or 1.0
    magnitude = 10 ** math.floor(math.log10(span / (most - 1)))
    step = next(m * magnitude for m in (1, 2, 2.5, 5, 10) if span / (m * magnitude) <= most - 1)
    start = math.floor(low / step + 1e-9) * step
    ticks = [start]
    while ticks[-1] < high - 1e-9:
        ticks.append(ticks[-1] + step)
    decimals = max(0, -math.floor(math.log10(step) + 1e-9)) if step < 1 else (1 if step % 1 else 0)
    return [round(t, 6) for t in ticks], decimals


def chart_svg(goal: Goal, chart_id: str = "malgraf") -> str:
    """An accessible line chart (role="img", <title>, <desc>) of the baseline, measured values and target."""
    points = []
    baseline, target = usable(goal.baseline_value), usable(goal.target_value)
    if baseline is not None and goal.baseline_date is not None:
        points.append((goal.baseline_date, baseline))
    points += [(m.measured_on, usable(m.value)) for m in goal.measurements
               if m.measured_on != goal.baseline_date and usable(m.value) is not None]
    points.sort()
    title = escape(str(_l("Utveckling: %(indicator)s", indicator=goal.indicator)))
    if not points:
        desc = escape(str(_l("Inga värden ännu.")))
        return (f'<svg xmlns="http://www.w3.org/2000/svg" role="img" aria-labelledby="{chart_id}-t {chart_id}-d" '
                f'viewBox="0 0 {WIDTH} 60" class="goal-chart"><title id="{chart_id}-t">{title}</title>'
                f'<desc id="{chart_id}-d">{desc}</desc><text x="10" y="35" fill="{INK}">{desc}</text></svg>')
    values = [v for _d, v in points]
    if goal.target_type == "value" and target is not None:
        values.append(target)
    low, high = float(min(values)), float(max(values))
    if high == low:
        high, low = high + 1, max(0.0, low - 1)
    low = min(0.0, low) if low >= 0 else low
    ticks, tick_decimals = round_ticks(low, high)
    low, high = ticks[0], ticks[-1]
    first = points[0][0]
    last = max(points[-1][0], goal.target_date or points[-1][0])
    span = max(1, (last - first).days)

    def x(d: date) -> float:
        return PAD_L + (WIDTH - PAD_L - PAD_R) * (d - first).days / span

    def y(v) -> float:
        return PAD_T + (HEIGHT - PAD_T - PAD_B) * (1 - (float(v) - low) / (high - low))

    parts = []
    unit = f" {goal.unit}" if goal.unit else ""
    for v in ticks:  # horizontal grid at round values, each labelled with its unit
        yy = y(v)
        parts.append(f'<line x1="{PAD_L}" y1="{yy:.1f}" x2="{WIDTH - PAD_R}" y2="{yy:.1f}" stroke="{GRID}" '
                     f'stroke-width="0.5"/>')
        parts.append(f'<text x="{PAD_L - 8}" y="{yy + 4:.1f}" text-anchor="end" font-size="12" fill="{INK}">'
                     f'{escape(fmt_number(Decimal(str(round(v, 6))), tick_decimals) + unit)}</text>')
    parts.append(f'<line x1="{PAD_L}" y1="{HEIGHT - PAD_B}" x2="{WIDTH - PAD_R}" y2="{HEIGHT - PAD_B}" '
                 f'stroke="{INK}"/>')
    if goal.target_type == "value" and target is not None:
        ty = y(target)
        parts.append(f'<line x1="{PAD_L}" y1="{ty:.1f}" x2="{WIDTH - PAD_R}" y2="{ty:.1f}" stroke="{TARGET}" '
                     f'stroke-width="2" stroke-dasharray="6 4"/>')
        label = escape(str(_l("Mål: %(value)s", value=fmt_value(goal.target_value, goal))))
        parts.append(f'<text x="{WIDTH - PAD_R}" y="{ty - 6:.1f}" text-anchor="end" font-size="12" '
                     f'fill="{TARGET}">{label}</text>')
    if goal.target_date:
        tx = x(goal.target_date)
        parts.append(f'<line x1="{tx:.1f}" y1="{PAD_T}" x2="{tx:.1f}" y2="{HEIGHT - PAD_B}" stroke="{TARGET}" '
                     f'stroke-dasharray="2 3"/>')
        anchor = "end" if tx > WIDTH - PAD_R - 40 else "middle"  # keep the label inside the picture
        parts.append(f'<text x="{tx:.1f}" y="{HEIGHT - PAD_B + 32}" text-anchor="{anchor}" font-size="12" '
                     f'fill="{TARGET}">{escape(str(_l("Måldatum")))}</text>')
    path = " ".join(f"{'M' if i == 0 else 'L'}{x(d):.1f},{y(v):.1f}" for i, (d, v) in enumerate(points))
    parts.append(f'<path d="{path}" fill="none" stroke="{LINE}" stroke-width="3"/>')
    for d, v in points:
        parts.append(f'<circle cx="{x(d):.1f}" cy="{y(v):.1f}" r="5" fill="{LINE}"/>')
        parts.append(f'<text x="{x(d):.1f}" y="{HEIGHT - PAD_B + 16}" text-anchor="middle" font-size="11" '
                     f'fill="{INK}">{escape(format_date(d, "MMM yy", locale=_date_locale()))}</text>')
    described = "; ".join(f"{fmt_date(d)}: {fmt_value(v, goal)}" for d, v in points)
    desc = escape(str(_l("Värden: %(values)s. Mål: %(target)s.", values=described, target=target_text(goal))))
    return (f'<svg xmlns="http://www.w3.org/2000/svg" role="img" aria-labelledby="{chart_id}-t {chart_id}-d" '
            f'viewBox="0 0 {WIDTH} {HEIGHT}" class="goal-chart"><title id="{chart_id}-t">{title}</title>'
            f'<desc id="{chart_id}-d">{desc}</desc>' + "".join(parts) + "</svg>")
