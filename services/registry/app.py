"""The registry service: who the system serves — regions, households and members."""

from fastapi import FastAPI

from services.registry.routes import router
from shared.app import create_service_app
from shared.settings import Settings


def create_app(settings: Settings | None = None) -> FastAPI:
    return create_service_app(
        process="registry", title="杭锦旗 户籍登记服务 registry", routers=[router], settings=settings
    )
