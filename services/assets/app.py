"""The assets service (扶贫资产与产业基金 assets)."""

from fastapi import FastAPI

from shared.app import create_service_app
from shared.settings import Settings


def create_app(settings: Settings | None = None) -> FastAPI:
    return create_service_app(process="assets", title="杭锦旗 扶贫资产与产业基金 assets", settings=settings)
