"""Identifier detection in free text: what is flagged and, as importantly, what is not."""

import random

import pytest
from hypothesis import given
from hypothesis import strategies as st

from supervision.identifiers import (
    describe,
    find_identifiers,
    find_possible_identifiers,
    nhs_number_is_valid,
)


def kinds(text):
    return [f.kind for f in find_identifiers(text)]


def with_check_digit(nine: str) -> str | None:
    total = sum(int(d) * w for d, w in zip(nine, range(10, 1, -1), strict=True))
    check = 11 - total % 11
    check = 0 if check == 11 else check
    return None if check == 10 else nine + str(check)


@pytest.mark.parametrize(
    "text",
    [
        "NHS number 943 476 5919 discussed",
        "9434765919",
        "ref 943-476-5919.",
        "(4010232137)",
    ],
)
def test_valid_nhs_numbers_are_found_with_or_without_separators(text):
    assert kinds(text) == ["nhs_number"]


@pytest.mark.parametrize(
    "text",
    [
        "9434765918",  # wrong check digit
        "943 476 591",  # nine digits
        "94347659190",  # eleven digits
        "Team budget 1234567890",  # check digit would be 10: never an NHS number
    ],
)
def test_ten_digit_numbers_that_fail_the_check_digit_are_not_nhs_numbers(text):
    assert "nhs_number" not in kinds(text)


@given(st.text(alphabet="0123456789", min_size=9, max_size=9))
def test_check_digit_agrees_with_the_modulus_11_rule(nine):
    full = with_check_digit(nine)
    if full is None:
        assert not any(nhs_number_is_valid(nine + str(d)) for d in range(10))
    else:
        assert nhs_number_is_valid(full)
        wrong = nine + str((int(full[-1]) + 1) % 10)
        assert not nhs_number_is_valid(wrong)


def test_any_valid_number_is_flagged_in_running_text():
    rng = random.Random(7)
    found = 0
    for _ in range(200):
        full = with_check_digit("".join(rng.choice("0123456789") for _ in range(9)))
        if full is None or full.startswith("0"):  # 0-led numbers may also read as phones
            continue
        spaced = f"{full[:3]} {full[3:6]} {full[6:]}"
        assert kinds(f"Seen today, number {spaced}, all well") == ["nhs_number"]
        found += 1
    assert found > 100


@pytest.mark.parametrize(
    "text",
    [
        "DOB 12/03/2024",
        "D.O.B.: 12.03.24",
        "dob - 1-3-2024",
        "baby born on 12 March 2024 at home",
        "date of birth of the baby is 2024-03-12",
        "birthday: March 12th, 2024",
        "born 1st of May 2023",
    ],
)
def test_full_dates_near_birth_words_are_dates_of_birth(text):
    assert kinds(text) == ["date_of_birth"]


@pytest.mark.parametrize(
    "text",
    [
        "We met on 12/03/2024 to plan the visit",
        "Referral sent 2024-03-12; review on 26 March 2024",
        "Baby born in March 2024",  # month and year only
        "Baby born. Visit on 12/03/2024.",  # a different sentence
        "Baby 4 months old, second child",
        "About 3/4 of families in 2024-25",
        "Scores 12-14 on the scale",
    ],
)
def test_ordinary_dates_and_ages_are_not_flagged(text):
    assert find_identifiers(text) == []


@pytest.mark.parametrize(
    ("text", "kind"),
    [
        ("lives near LS1 4AP", "postcode"),
        ("SW1A1AA", "postcode"),
        ("call mum on 07700 900123", "phone"),
        ("tel +44 7700 900123", "phone"),
        ("landline 020 7946 0000", "phone"),
        ("email jo.bloggs@example.org", "email"),
    ],
)
def test_postcodes_phones_and_emails(text, kind):
    assert kinds(text) == [kind]


def test_outward_postcode_alone_is_an_area_not_an_address():
    assert find_identifiers("Families in LS1 and LS2 wait longer") == []


def test_several_findings_are_listed_in_order_and_described():
    findings = find_identifiers("Mum DOB 01/02/1990, NHS 943 476 5919")
    assert [f.kind for f in findings] == ["date_of_birth", "nhs_number"]
    message = describe(findings)
    assert "a date of birth (01/02/1990)" in message
    assert "an NHS number (943 476 5919)" in message
    assert "anonymised" in message


# --- Issue 15, item 9: the walk-through's bypass, and what is only warned about ---------------

WALKTHROUGH = "NHS 943.476.5919, d.o.b. 2026-02-03, 12 Acacia Avenue"


def test_the_walkthrough_text_is_caught():
    found = find_identifiers(WALKTHROUGH)
    assert [(f.kind, f.text) for f in found] == [
        ("nhs_number", "943.476.5919"),
        ("date_of_birth", "2026-02-03"),
    ]
    assert [(f.kind, f.text) for f in find_possible_identifiers(WALKTHROUGH)] == [
        ("street_address", "12 Acacia Avenue")
    ]


@pytest.mark.parametrize(
    "text",
    [
        "NHS 943.476.5919",
        "nhs no 9 4 3 4 7 6 5 9 1 9 today",
        "943/476/5919",
        "9434 765 919",
    ],
)
def test_nhs_numbers_with_any_separators_are_found(text):
    assert kinds(text) == ["nhs_number"]


@pytest.mark.parametrize(
    "text",
    [
        "d.o.b. 2026-02-03",
        "D.O.B. 3rd February 2026",
        "born 2026/02/03",
        "dob 3 Feb 2026",
        "date of birth: the third of February 2026",
    ],
)
def test_iso_and_written_dates_of_birth_are_found(text):
    assert kinds(text) == ["date_of_birth"]


@pytest.mark.parametrize(
    ("text", "kind", "value"),
    [
        ("ref 943.476.5918 on file", "unchecked_number", "943.476.5918"),
        ("Team budget 1234567890", "unchecked_number", "1234567890"),
        ("visited at 12 Acacia Avenue", "street_address", "12 Acacia Avenue"),
        ("flat 3, 41b Mill Lane", "street_address", "41b Mill Lane"),
        ("baby Lily Smith is settling", "child_name", "Lily Smith"),
        ("Noah Jones (4 months) smiled", "child_name", "Noah Jones"),
    ],
)
def test_possible_identifiers_are_warned_about(text, kind, value):
    assert find_identifiers(text) == []
    assert [(f.kind, f.text) for f in find_possible_identifiers(text)] == [(kind, value)]


@pytest.mark.parametrize(
    "text",
    [
        "Family A (baby 3 months) visited twice",
        "The baby settled; Mum and Dad were calm",
        "We met on 12/03/2024 to plan the visit at 10:30",
        "Visit 2024-03-12 10:30 with Family B",
        "Sam Okafor and I discussed the Solihull Approach",
        "Read chapter 12 of the handbook",
    ],
)
def test_ordinary_notes_raise_no_warning(text):
    assert find_identifiers(text) == []
    assert find_possible_identifiers(text) == []
