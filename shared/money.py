"""Money is integer fen (分) everywhere; yuan appear only when a person reads them."""

from typing import Annotated

from pydantic import Field

FEN_PER_YUAN = 100

MAX_FEN = 10**15  # ten trillion yuan: far above any real amount, well inside a BIGINT column
Fen = Annotated[int, Field(ge=0, le=MAX_FEN, description="amount in fen (1 yuan = 100 fen)")]


def yuan_to_fen(yuan: int) -> int:
    """Whole yuan, as the plan states its rates, to fen."""
    return yuan * FEN_PER_YUAN


def format_yuan(fen: int) -> str:
    """`123456` → `'1,234.56'`, exact, for pages and notices."""
    sign = "-" if fen < 0 else ""
    whole, cents = divmod(abs(fen), FEN_PER_YUAN)
    return f"{sign}{whole:,}.{cents:02d}"
