"""The payee account rules (issue 13 part 1): which numbers a bank takes, how they are masked, and why a
household's account cannot be paid (the reason payments holds it out of a batch with)."""

from stdnum import luhn

from shared.bank_accounts import NO_ACCOUNT, account_number_problem, account_problem, mask_account_number

BANK = "中国农业银行杭锦旗支行"


def card(stem: str = "622848001000123456") -> str:
    """A card number whose last digit is Luhn's."""
    return stem + luhn.calc_check_digit(stem)


def bad_check_digit(number: str) -> str:
    return number[:-1] + str((int(number[-1]) + 1) % 10)


def test_a_card_number_passes_luhn_and_a_shorter_account_number_need_not() -> None:
    assert account_number_problem(card()) is None
    assert account_number_problem("150625100201") is None  # 12 digits: a passbook account, no check digit
    assert account_number_problem(bad_check_digit(card())) == "卡号校验位不正确，请核对卡号"
    assert account_number_problem(bad_check_digit(card("622848001000123"))) is not None  # 16 digits
    assert account_number_problem("12345678901") == "账号须为12–19位数字"
    assert account_number_problem("1" * 20) == "账号须为12–19位数字"
    assert account_number_problem("6228 4800 1000 1234") == "账号只能由数字组成"
    assert account_number_problem("６２２８４８００１０００１２３４５") == "账号只能由数字组成"  # full-width


def test_masking_shows_the_bank_prefix_and_last_four_only() -> None:
    assert mask_account_number("6217000010001234567") == "6217 **** **** 4567"
    assert mask_account_number("150625100201") == "1506 **** **** 0201"  # the length is not told either


def test_an_account_a_bank_cannot_pay_into_says_why() -> None:
    good = {"payee_name": "巴特尔", "bank_name": BANK, "account_number": card()}
    assert account_problem(good) is None
    assert account_problem(None) == NO_ACCOUNT
    assert account_problem(good | {"account_number": None}) == NO_ACCOUNT
    assert account_problem(good | {"bank_name": ""}) == "未登记开户银行"
    assert (
        account_problem(good | {"account_number": bad_check_digit(card())}) == "卡号校验位不正确，请核对卡号"
    )
