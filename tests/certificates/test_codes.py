import math

import pytest

from certificates.codes import (
    ALPHABET,
    CODE_LENGTH,
    format_code,
    format_number,
    new_code,
    normalise_code,
)


def test_codes_carry_at_least_80_random_bits_in_a_readable_alphabet():
    assert CODE_LENGTH * math.log2(len(ALPHABET)) >= 80
    assert not set("ILOU") & set(ALPHABET)
    codes = {new_code() for _ in range(2000)}
    assert len(codes) == 2000
    assert all(len(code) == 16 and set(code) <= set(ALPHABET) for code in codes)


def test_codes_are_shown_in_groups_of_four():
    assert format_code("K7QDM2XP9WFA3RTN") == "K7QD-M2XP-9WFA-3RTN"


@pytest.mark.parametrize(
    "typed",
    [
        "K7QD-M2XP-9WFA-3RTN",
        "k7qd-m2xp-9wfa-3rtn",
        "K7QDM2XP9WFA3RTN",
        " k7qd m2xp 9wfa 3rtn ",
        "K7QD–M2XP–9WFA–3RTN",  # en dashes, as word processors write them
    ],
)
def test_typed_codes_are_read_whatever_the_case_and_separators(typed):
    assert normalise_code(typed) == "K7QDM2XP9WFA3RTN"


def test_letters_mistaken_for_digits_are_read_as_the_digits():
    assert normalise_code("OOOO-IIII-LLLL-2222") == "0000111111112222"


@pytest.mark.parametrize(
    "typed", ["", "K7QD-M2XP-9WFA", "K7QD-M2XP-9WFA-3RTNX", "UUUU-2222-3333-4444"]
)
def test_things_that_cannot_be_codes_are_refused(typed):
    assert normalise_code(typed) is None


def test_numbers_are_prefixed_by_year_and_zero_padded():
    assert format_number("IMH", 2026, 123) == "IMH-2026-000123"
