"""What a public notice may show of a person (公示): enough for neighbours to recognise, not to identify."""


def mask_name(name: str) -> str:
    """Only a name's first and last characters: 巴特尔 → 巴*尔, 欧阳娜娜 → 欧**娜, 苏和 → 苏*."""
    if len(name) <= 1:
        return name
    if len(name) == 2:
        return name[0] + "*"
    return name[0] + "*" * (len(name) - 2) + name[-1]
