"""Names on public notices: the first and last characters, never the whole name."""

import pytest

from shared.masking import mask_name


@pytest.mark.parametrize(
    ("name", "masked"),
    [
        ("巴特尔", "巴*尔"),
        ("王五", "王*"),
        ("苏和", "苏*"),
        ("欧阳娜娜", "欧**娜"),
        ("阿拉坦仓", "阿**仓"),
        ("李", "李"),
    ],
)
def test_a_notice_shows_only_the_first_and_last_characters(name: str, masked: str) -> None:
    assert mask_name(name) == masked
