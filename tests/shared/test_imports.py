"""ARCHITECTURE.md's boundaries, read from the source: no service imports another, the kernel and the gateway
import no service (the gateway reaches the services over HTTP, their words through `shared.vocabulary`)."""

import ast
from collections.abc import Iterator
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
SERVICES = sorted(p.name for p in (ROOT / "services").iterdir() if (p / "__init__.py").exists())


def imports(package: str) -> Iterator[tuple[str, str]]:
    """(module file, imported module) for every import in `package`'s source."""
    for path in sorted((ROOT / package).rglob("*.py")):
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            if isinstance(node, ast.Import):
                names = [alias.name for alias in node.names]
            elif isinstance(node, ast.ImportFrom) and node.level == 0 and node.module:
                names = [node.module]
            else:
                continue
            for name in names:
                yield str(path.relative_to(ROOT)), name


def service_of(module: str) -> str | None:
    parts = module.split(".")
    return parts[1] if parts[0] == "services" and len(parts) > 1 else None


def test_no_service_imports_another() -> None:
    offending = [
        f"{path} imports {module}"
        for path, module in imports("services")
        if (other := service_of(module)) and other != Path(path).parts[1]
    ]
    assert not offending, "\n".join(offending)


def test_the_kernel_imports_no_service_and_no_gateway() -> None:
    offending = [
        f"{path} imports {m}" for path, m in imports("shared") if m.split(".")[0] in {"services", "gateway"}
    ]
    assert not offending, "\n".join(offending)


def test_the_gateway_imports_no_service() -> None:
    offending = [f"{path} imports {m}" for path, m in imports("gateway") if m.split(".")[0] == "services"]
    assert not offending, "\n".join(offending)


def test_the_checks_see_every_service() -> None:
    assert SERVICES == ["assets", "monitoring", "payments", "registry"]
