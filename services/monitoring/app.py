"""The monitoring service (防返贫动态监测与帮扶 monitoring)."""

from fastapi import FastAPI

from shared.app import create_service_app
from shared.settings import Settings


def create_app(settings: Settings | None = None) -> FastAPI:
    return create_service_app(
        process="monitoring", title="杭锦旗 防返贫动态监测与帮扶 monitoring", settings=settings
    )
