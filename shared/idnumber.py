"""The 18-character resident identity number of GB 11643-1999: checksum, birth date and sex."""

import re
from dataclasses import dataclass
from datetime import date
from enum import StrEnum

_WEIGHTS = (7, 9, 10, 5, 8, 4, 2, 1, 6, 3, 7, 9, 10, 5, 8, 4, 2)
_CHECK_CHARS = "10X98765432"
_SHAPE = re.compile(r"[0-9]{17}[0-9X]")  # ASCII only: `\d` would admit full-width digits


class Sex(StrEnum):
    male = "male"
    female = "female"


class InvalidIdNumber(ValueError):
    """The number breaks GB 11643; the message says how, in Chinese, for forms and import reports."""


@dataclass(frozen=True)
class IdFacts:
    number: str
    birth_date: date
    sex: Sex


def check_char(first17: str) -> str:
    """The ISO 7064 MOD 11-2 check character over the first 17 digits."""
    return _CHECK_CHARS[sum(int(d) * w for d, w in zip(first17, _WEIGHTS, strict=True)) % 11]


def parse_id_number(raw: str) -> IdFacts:
    """Validate a resident ID number and read its birth date and sex; a lowercase `x` is accepted."""
    number = raw.strip().upper()
    if not _SHAPE.fullmatch(number):
        raise InvalidIdNumber("身份证号应为18位，前17位为数字，末位为数字或X")
    try:
        birth = date(int(number[6:10]), int(number[10:12]), int(number[12:14]))
    except ValueError:
        raise InvalidIdNumber("身份证号中的出生日期无效") from None
    if birth > date.today() or birth.year < 1890:
        raise InvalidIdNumber("身份证号中的出生日期不合理")
    if check_char(number[:17]) != number[17]:
        raise InvalidIdNumber("身份证号校验位错误")
    return IdFacts(number=number, birth_date=birth, sex=Sex.male if int(number[16]) % 2 else Sex.female)


def make_id_number(region6: str, birth: date, sequence: int, sex: Sex) -> str:
    """Build a valid number (for demo data and tests): `sequence` 0–499 picks the order code."""
    order = sequence * 2 % 1000 + (1 if sex is Sex.male else 0)
    first17 = f"{region6}{birth:%Y%m%d}{order:03d}"
    return first17 + check_char(first17)


def mask_id_number(number: str) -> str:
    """Keep the first 6 and last 4 characters: `150625********123X`."""
    return number[:6] + "*" * (len(number) - 10) + number[-4:]
