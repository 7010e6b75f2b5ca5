"""Payee accounts (惠民惠农财政补贴资金"一卡通", or a social security card): what makes a number one a bank
can pay into, how it is shown masked, and why a household's account cannot be paid — pure rules shared by the
registry (which keeps accounts) and payments (which holds households out of a batch)."""

from collections.abc import Mapping
from typing import Any

from stdnum import luhn

MIN_DIGITS, MAX_DIGITS = 12, 19
CARD_DIGITS = 16  # from here on a number is a bank card's (ISO/IEC 7812), whose last digit is Luhn's
NO_ACCOUNT = "未登记一卡通账户"
NO_BANK = "未登记开户银行"
NO_PAYEE = "未登记收款人"


def account_number_problem(number: str) -> str | None:
    """Why `number` is no account number a bank takes, in Chinese; None when it is one."""
    if not number.isascii() or not number.isdigit():
        return "账号只能由数字组成"
    if not MIN_DIGITS <= len(number) <= MAX_DIGITS:
        return f"账号须为{MIN_DIGITS}–{MAX_DIGITS}位数字"
    if len(number) >= CARD_DIGITS and not luhn.is_valid(number):
        return "卡号校验位不正确，请核对卡号"
    return None


def mask_account_number(number: str) -> str:
    """`6217000010001234567` → `6217 **** **** 4567`: the bank's prefix and last four, not the length."""
    return f"{number[:4]} **** **** {number[-4:]}"


def account_problem(account: Mapping[str, Any] | None) -> str | None:
    """Why a household's payee account (as the registry hands it to payments) cannot be paid into; None when
    a bank instruction can carry it."""
    if not account or not account.get("account_number"):
        return NO_ACCOUNT
    if not account.get("bank_name"):
        return NO_BANK
    if not account.get("payee_name"):
        return NO_PAYEE
    return account_number_problem(account["account_number"])
