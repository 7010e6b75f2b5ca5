"""Settings read once from the environment, shared by every process.

Each service has one database URL (`<SERVICE>_DATABASE_URL`); the embedded default is a SQLite file
under `var/`, so `make run` needs nothing installed. Outside `local`, default secrets are refused.
"""

from functools import lru_cache
from pathlib import Path
from typing import Literal

from pydantic import AliasChoices, Field
from pydantic_settings import BaseSettings, SettingsConfigDict

VAR_DIR = Path("var")
SERVICES = ("registry", "monitoring", "payments", "assets")
PROCESSES = ("gateway", *SERVICES)
DEFAULT_PORTS = {"gateway": 8000, "registry": 8001, "monitoring": 8002, "payments": 8003, "assets": 8004}

SECRETS_OF_REGISTRY = ("service_clients_secret", "id_encryption_keys", "id_lookup_key")

JWT_ISSUER = "hangjin-gateway"
JWT_AUDIENCE = "hangjin-services"


class Settings(BaseSettings):
    """Everything a process may be told from outside; names are the environment variables."""

    model_config = SettingsConfigDict(extra="ignore", case_sensitive=False)

    hangjin_env: Literal["local", "test", "production"] = "local"
    gateway_database_url: str = f"sqlite+aiosqlite:///{VAR_DIR}/gateway.db"
    registry_database_url: str = f"sqlite+aiosqlite:///{VAR_DIR}/registry.db"
    monitoring_database_url: str = f"sqlite+aiosqlite:///{VAR_DIR}/monitoring.db"
    payments_database_url: str = f"sqlite+aiosqlite:///{VAR_DIR}/payments.db"
    assets_database_url: str = f"sqlite+aiosqlite:///{VAR_DIR}/assets.db"

    gateway_url: str = f"http://127.0.0.1:{DEFAULT_PORTS['gateway']}"
    registry_url: str = f"http://127.0.0.1:{DEFAULT_PORTS['registry']}"
    monitoring_url: str = f"http://127.0.0.1:{DEFAULT_PORTS['monitoring']}"
    payments_url: str = f"http://127.0.0.1:{DEFAULT_PORTS['payments']}"
    assets_url: str = f"http://127.0.0.1:{DEFAULT_PORTS['assets']}"

    jwt_private_key_file: Path = VAR_DIR / "keys" / "jwt-private.pem"
    jwt_public_key_file: Path = VAR_DIR / "keys" / "jwt-public.pem"
    access_token_minutes: int = Field(default=60, ge=1, le=24 * 60)

    secret_key: str = "local-only-secret-key-change-me"
    # Each service's client secret for background calls is derived from this (shared/service_auth.py).
    service_clients_secret: str = "local-only-service-clients-secret"
    # Resident ID numbers at rest (shared/crypto.py): AES-GCM keys "id:base64,…" (first = active) and
    # the HMAC key for lookups. The defaults below are for local development only.
    id_encryption_keys: str = "local1:" + "bG9jYWwtb25seS1pZC1lbmNyeXB0aW9uLWtleS0wMDE="
    id_lookup_key: str = "bG9jYWwtb25seS1pZC1sb29rdXAta2V5LTAwMDAwMDE="
    # Payments: AES-GCM keys (same form) sealing the account number in each queued bank instruction, so the
    # outbox holds no account in clear; payments' own, never the registry's. Local development default.
    instruction_encryption_keys: str = "local1:" + "bG9jYWwtb25seS1pbnN0cnVjdGlvbi1rZXktMDAwMDE="
    # The bearer token Prometheus presents at /metrics; unset, /metrics answers loopback callers only.
    metrics_token: str = ""
    # The registry's spreadsheet import: the largest upload and the most member rows one file may hold
    # (a banner's registry fits the defaults; a province-wide load raises them).
    # `MAX_IMPORT_BYTES` also bounds every other upload's body (multipart) at the gateway and the services.
    registry_import_max_bytes: int = Field(
        default=20 * 1024 * 1024,
        ge=1,
        validation_alias=AliasChoices("max_import_bytes", "registry_import_max_bytes"),
    )
    registry_import_max_rows: int = Field(default=200_000, ge=1)
    # What an .xlsx may unpack to (all its parts, as its zip declares them) and how much better than a
    # spreadsheet's XML any large part may compress (a zip bomb compresses a thousandfold; sheets ten- to
    # thirtyfold); past either, 422 before a cell is read.
    registry_import_max_unpacked_bytes: int = Field(default=512 * 1024 * 1024, ge=1)
    registry_import_max_ratio: int = Field(default=100, ge=1)
    # The largest request body any process reads (uploads: `MAX_IMPORT_BYTES`); past it, 413.
    max_body_bytes: int = Field(default=1024 * 1024, ge=1)
    # The store the gateway's processes and the services share: signed-out tokens (shared/revocation.py) and
    # the gateway's rate limits (gateway/ratelimit.py). Unset, each process keeps its own in memory.
    redis_url: str = ""
    redis_key_prefix: str = "hangjin"  # every key starts with it, so two deployments can share one Redis
    # Addresses (or CIDR ranges) of the TLS-terminating ingress, comma-separated: only requests from them
    # may say, in X-Forwarded-Proto/For, the original scheme and client. Unset, no one may.
    trusted_proxies: str = ""
    # Hosts the bank's webhook endpoint may point at, comma-separated (`make run`: the bank simulator's).
    # Disbursement instructions go to no other host: an endpoint elsewhere is refused (422). Unset, none.
    bank_endpoint_hosts: str = ""
    # Claims for last year are taken until this day (MM-DD) of the current year, in Beijing time (payments).
    previous_year_claims_until: str = Field(
        default="03-31", pattern=r"^(0[1-9]|1[0-2])-(0[1-9]|[12]\d|3[01])$"
    )
    # How long a payment batch's notice is posted before it may be approved, in days (decimal: drills and
    # tests shorten it to seconds); unset, the policy version's `notice_days` (payments).
    payment_notice_days: float | None = Field(default=None, ge=0, le=60)
    # Supervision phones printed on payment notices, `region=phone` comma-separated: each issuing level shows
    # its own or the nearest one above it, else the national rural revitalisation hotline 12317.
    payment_supervision_phones: str = ""
    log_level: str = "INFO"
    sql_echo: bool = False
    migrate_on_start: bool = False

    def require_secrets(self, process: str) -> None:
        """Refuse to run `process` in production on a default secret it uses (each uses only its own)."""
        if self.hangjin_env != "production":
            return
        needed = {
            "gateway": ("secret_key", "service_clients_secret"),
            "registry": SECRETS_OF_REGISTRY,
            "payments": ("service_clients_secret", "instruction_encryption_keys"),
        }
        for name in needed.get(process, ("service_clients_secret",)):
            if getattr(self, name) == Settings.model_fields[name].default:
                raise ValueError(f"{name.upper()} must be set outside local development")

    def database_url(self, process: str) -> str:
        """The database URL of one process (`gateway` or a service)."""
        return str(getattr(self, f"{process}_database_url"))

    def service_url(self, service: str) -> str:
        """Where a service answers, as seen from the gateway and the other services."""
        return str(getattr(self, f"{service}_url"))


@lru_cache
def get_settings() -> Settings:
    return Settings()
