"""Personnummer, samordningsnummer and reserve numbers, and the list of Sweden's 290 municipalities."""
from __future__ import annotations

import csv
import re
from datetime import date
from pathlib import Path

import pytest

from portal.people import holders, identity
from tests.people import factories as f


def test_ten_and_twelve_digits_with_or_without_separator_give_one_normal_form():
    forms = ["19900101-0017", "199001010017", "900101-0017", "9001010017", " 900101 0017 "]
    parsed = {identity.parse_id_number(value).normal for value in forms}
    assert parsed == {"199001010017"}
    assert identity.parse_id_number("900101-0017").birth_date == date(1990, 1, 1)


def test_plus_means_a_hundred_years_or_more():
    assert identity.parse_id_number("900101+0017").birth_date == date(1890, 1, 1)
    assert identity.parse_id_number("900101+0017").normal == "189001010017"


def test_samordningsnummer_day_plus_sixty():
    # 1990-01-01 as a samordningsnummer: day 61; check digit computed over the number as written.
    from stdnum import luhn

    body = "900161001"
    number = f"{body[:6]}-{body[6:]}{luhn.calc_check_digit(body)}"
    parsed = identity.parse_id_number(number)
    assert parsed.kind == "samordningsnummer"
    assert parsed.birth_date == date(1990, 1, 1)
    assert parsed.normal == f"19900161001{luhn.calc_check_digit(body)}"


@pytest.mark.parametrize("value", ["900101-0018", "901301-0017", "900230-0014", "abc", "", "12345678901234",
                                   "300101-0012"])
def test_bad_numbers_are_refused(value):
    with pytest.raises(identity.PersonError) as info:
        identity.parse_id_number(value, on=date(2026, 11, 23))
    assert info.value.field == "number"


def test_ten_digits_born_later_this_year_belong_to_the_previous_century():
    birth = date(2026, 12, 24)
    number = f.pnr(birth, "123")[2:]
    assert identity.parse_id_number(number, on=date(2026, 11, 23)).birth_date == date(1926, 12, 24)


def test_age_and_birthday():
    assert identity.age_on(date(2008, 3, 14), date(2026, 3, 13)) == 17
    assert identity.age_on(date(2008, 3, 14), date(2026, 3, 14)) == 18
    assert identity.add_years(date(2008, 2, 29), 18) == date(2026, 3, 1)


def test_kommuner_csv_is_scbs_list():
    with open(identity.DATA / "kommuner.csv", encoding="utf-8", newline="") as handle:
        rows = list(csv.DictReader(handle))
    assert len(rows) == 290
    codes = [row["kommunkod"] for row in rows]
    assert len(set(codes)) == 290
    assert all(len(code) == 4 and code.isdigit() for code in codes)
    assert all(row["lanskod"] == row["kommunkod"][:2] for row in rows)
    counties = {row["lanskod"]: row["lan"] for row in rows}
    assert len(counties) == 21
    assert len(set(counties.values())) == 21
    by_code = {row["kommunkod"]: (row["kommun"], row["lan"]) for row in rows}
    assert by_code["0180"] == ("Stockholm", "Stockholms län")
    assert by_code["1480"] == ("Göteborg", "Västra Götalands län")
    assert by_code["1280"] == ("Malmö", "Skåne län")
    assert by_code["1814"] == ("Lekeberg", "Örebro län")
    assert by_code["1861"] == ("Hallsberg", "Örebro län")
    assert by_code["1380"] == ("Halmstad", "Hallands län")
    assert by_code["1381"] == ("Laholm", "Hallands län")
    assert by_code["2580"] == ("Luleå", "Norrbottens län")
    assert by_code["0980"] == ("Gotland", "Gotlands län")
    per_county = {}
    for row in rows:
        per_county[row["lanskod"]] = per_county.get(row["lanskod"], 0) + 1
    assert per_county["01"] == 26 and per_county["12"] == 33 and per_county["14"] == 49
    assert identity.kommuner()["1814"].county == "Örebro län"


def test_pseudonym_is_stable_and_unique(app, make_user):
    user = make_user(org="ami")
    first = f.person(user)
    second = f.person(user, first="Omar")
    assert first.pseudonym != second.pseudonym
    assert first.pseudonym.startswith("D-")
    again, outcome = holders.register_person(by=make_user(org="af"), first_name="X", last_name="Y",
                                            number=first.number_display)
    assert outcome == "new" and again.pseudonym == first.pseudonym and again.ref == first.ref


def _example_numbers() -> list[tuple[str, str]]:
    """Every number written like a personnummer in the portal's own text (what the catalogue is extracted from):
    hints, messages and templates. An organisation number's third digit is 2 or more (no month starts so)."""
    root = Path(__file__).resolve().parents[2]
    found = []
    for folder in ("portal", "agreements", "templates"):
        for path in sorted((root / folder).rglob("*")):
            if path.suffix not in (".py", ".html") or path.name.startswith("scale"):
                continue
            for number in re.findall(r"(?<![\d-])(\d{6}|\d{8})[-+](\d{4})(?!\d)", path.read_text(encoding="utf-8")):
                digits = number[0][-6:]
                if int(digits[2]) < 2:
                    found.append((path.name, "-".join(number)))
    return found


def test_every_example_personnummer_the_portal_shows_passes_its_own_check():
    examples = _example_numbers()
    assert ("forms.py", "20080314-2389") in examples  # the hint of the register form is among them
    for where, number in examples:
        assert identity.parse_id_number(number).normal, where
    with pytest.raises(identity.PersonError, match="kontrollsiffran"):
        identity.parse_id_number("20080314-2385")  # the example the portal showed until it was checked
    with pytest.raises(identity.PersonError) as refused:
        identity.parse_id_number("inget nummer")  # the message that names an example
    example = re.search(r"\d{8}-\d{4}", str(refused.value)).group()
    assert identity.parse_id_number(example).birth_date == date(2008, 3, 14)
