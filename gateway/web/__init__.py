"""The officials' pages (HTMX, Simplified Chinese), served by the gateway; not part of the OpenAPI."""

from pathlib import Path

STATIC_DIR = Path(__file__).parent / "static"
TEMPLATES_DIR = Path(__file__).parent / "templates"
