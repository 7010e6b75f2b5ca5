"""Money is integer fen; yuan only for display, formatted exactly."""

import pytest

from shared.money import FEN_PER_YUAN, format_yuan, yuan_to_fen


@pytest.mark.parametrize(
    ("fen", "shown"),
    [
        (0, "0.00"),
        (1, "0.01"),
        (10, "0.10"),
        (99, "0.99"),
        (100, "1.00"),
        (123456, "1,234.56"),
        (100000000001, "1,000,000,000.01"),
        (2**53 + 1, "90,071,992,547,409.93"),  # beyond float precision, still exact
        (-1, "-0.01"),
        (-100, "-1.00"),
        (-123456, "-1,234.56"),
    ],
)
def test_format_yuan_is_exact(fen: int, shown: str) -> None:
    assert format_yuan(fen) == shown


@pytest.mark.parametrize(("yuan", "fen"), [(0, 0), (1, 100), (500, 50000), (6000, 600000), (-3, -300)])
def test_yuan_to_fen(yuan: int, fen: int) -> None:
    assert yuan_to_fen(yuan) == fen
    assert FEN_PER_YUAN == 100


def test_yuan_to_fen_and_format_agree() -> None:
    assert format_yuan(yuan_to_fen(1234567)) == "1,234,567.00"
