"""The registry service: who the system serves — regions, households and members."""

from fastapi import FastAPI

from services.registry.flag_routes import flag_router
from services.registry.routes import household_router, router
from services.registry.site_routes import site_router
from services.registry.transfer_routes import transfer_router
from shared.app import create_service_app
from shared.crypto import FieldCipher
from shared.settings import Settings, get_settings


def create_app(settings: Settings | None = None) -> FastAPI:
    settings = settings or get_settings()
    app = create_service_app(
        process="registry",
        title="杭锦旗 户籍登记服务 registry",
        routers=[router, transfer_router, flag_router, household_router, site_router],
        settings=settings,
    )
    app.state.cipher = FieldCipher.from_settings(settings.id_encryption_keys, settings.id_lookup_key)
    return app
