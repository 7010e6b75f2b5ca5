"""GB 11643-1999 resident ID numbers: checksum, birth date, sex, generation and masking."""

from datetime import date, timedelta

import pytest

from shared.idnumber import InvalidIdNumber, Sex, check_char, make_id_number, mask_id_number, parse_id_number

# Check characters computed by hand: Σ(digit × weight) mod 11 → "10X98765432".
PUBLISHED_EXAMPLE = "11010519491231002X"  # the standard's own example (Σ = 167, 167 mod 11 = 2 → X)
HAND_COMPUTED = {
    "150625198503150019": (date(1985, 3, 15), Sex.male),  # Σ = 256, mod 11 = 3 → 9; order 001 odd
    "150625200002290021": (date(2000, 2, 29), Sex.female),  # Σ = 209, mod 11 = 0 → 1; a leap day
    "150625194910011237": (date(1949, 10, 1), Sex.male),  # Σ = 214, mod 11 = 5 → 7
    "44030419900101301X": (date(1990, 1, 1), Sex.male),  # Σ = 200, mod 11 = 2 → X
    "150625197001010003": (date(1970, 1, 1), Sex.female),  # Σ = 185, mod 11 = 9 → 3; order 000
    "440524188001010014": (date(1880, 1, 1), Sex.male),  # Σ = 195, mod 11 = 8 → 4 (too old, see below)
}


def with_check(first17: str) -> str:
    return first17 + check_char(first17)


def test_check_char_matches_the_published_example() -> None:
    assert check_char(PUBLISHED_EXAMPLE[:17]) == "X"
    facts = parse_id_number(PUBLISHED_EXAMPLE)
    assert (facts.number, facts.birth_date, facts.sex) == (PUBLISHED_EXAMPLE, date(1949, 12, 31), Sex.female)


@pytest.mark.parametrize("number", list(HAND_COMPUTED))
def test_check_char_matches_hand_computed_digits(number: str) -> None:
    assert check_char(number[:17]) == number[17]


@pytest.mark.parametrize("number", [n for n, (born, _) in HAND_COMPUTED.items() if born.year >= 1890])
def test_valid_numbers_give_their_birth_date_and_sex(number: str) -> None:
    facts = parse_id_number(number)
    assert facts.number == number
    assert (facts.birth_date, facts.sex) == HAND_COMPUTED[number]


def test_check_char_needs_exactly_17_digits() -> None:
    with pytest.raises(ValueError):
        check_char("1506251985031500")
    with pytest.raises(ValueError):
        check_char("150625198503150012")


def test_lowercase_x_is_accepted_and_normalised() -> None:
    assert parse_id_number(PUBLISHED_EXAMPLE.lower()).number == PUBLISHED_EXAMPLE


def test_surrounding_whitespace_is_ignored() -> None:
    assert parse_id_number(f"  {PUBLISHED_EXAMPLE}\n").number == PUBLISHED_EXAMPLE


@pytest.mark.parametrize("wrong", [c for c in "0123456789X" if c != "9"])
def test_every_wrong_check_char_is_refused(wrong: str) -> None:
    with pytest.raises(InvalidIdNumber, match="校验位"):
        parse_id_number("15062519850315001" + wrong)


def test_a_changed_digit_is_refused() -> None:
    with pytest.raises(InvalidIdNumber, match="校验位"):
        parse_id_number("150625198503150029")  # order code 002 with 001's check char


@pytest.mark.parametrize(
    "first17",
    [
        "15062519850230001",  # 30 February
        "15062519000229001",  # 1900 was not a leap year
        "15062519851301001",  # month 13
        "15062519850001001",  # month 0
        "15062519850100001",  # day 0
        "15062519850431001",  # 31 April
    ],
)
def test_impossible_birth_dates_are_refused(first17: str) -> None:
    with pytest.raises(InvalidIdNumber, match="出生日期无效"):
        parse_id_number(with_check(first17))


def test_future_birth_dates_are_refused() -> None:
    tomorrow = date.today() + timedelta(days=1)
    with pytest.raises(InvalidIdNumber, match="不合理"):
        parse_id_number(with_check(f"150625{tomorrow:%Y%m%d}001"))


def test_birth_today_is_accepted() -> None:
    assert parse_id_number(with_check(f"150625{date.today():%Y%m%d}001")).birth_date == date.today()


def test_implausibly_old_birth_dates_are_refused() -> None:
    with pytest.raises(InvalidIdNumber, match="不合理"):
        parse_id_number("440524188001010014")  # checksum fine, born 1880


@pytest.mark.parametrize(
    "raw",
    [
        "",
        PUBLISHED_EXAMPLE[:17],  # 17 characters
        PUBLISHED_EXAMPLE + "0",  # 19 characters
        "1101051949123100X2",  # X not last
        "11010519491231002Y",
        "11010A19491231002X",  # a letter among the digits
        "110105 9491231002X",
        "１１０１０５１９４９１２３１００２X",  # full-width digits would be stored as a second spelling
        "١١٠١٠٥١٩٤٩١٢٣١٠٠٢X",  # other Unicode digits likewise
        "11010519491231002X\n1",
    ],
)
def test_malformed_numbers_are_refused(raw: str) -> None:
    with pytest.raises(InvalidIdNumber, match="18位"):
        parse_id_number(raw)


@pytest.mark.parametrize(("digit", "sex"), [(d, Sex.male if d % 2 else Sex.female) for d in range(10)])
def test_sex_comes_from_the_17th_digit(digit: int, sex: Sex) -> None:
    assert parse_id_number(with_check(f"1506251985031500{digit}")).sex is sex


@pytest.mark.parametrize("sex", list(Sex))
def test_make_id_number_gives_500_valid_distinct_numbers_per_sex(sex: Sex) -> None:
    born = date(1985, 3, 15)
    numbers = [make_id_number("150625", born, sequence, sex) for sequence in range(500)]
    assert len(set(numbers)) == 500
    for number in numbers:
        facts = parse_id_number(number)
        assert number.startswith("15062519850315")
        assert (facts.birth_date, facts.sex) == (born, sex)


def test_make_id_number_never_repeats_across_sexes() -> None:
    born = date(2001, 6, 1)
    males = {make_id_number("150625", born, s, Sex.male) for s in range(500)}
    females = {make_id_number("150625", born, s, Sex.female) for s in range(500)}
    assert not males & females


def test_mask_keeps_the_first_six_and_last_four() -> None:
    assert mask_id_number("150625198503150019") == "150625********0019"
    assert mask_id_number(PUBLISHED_EXAMPLE) == "110105********002X"
    assert len(mask_id_number(PUBLISHED_EXAMPLE)) == 18
