"""The payments service (惠民惠农补贴发放 payments)."""

from fastapi import FastAPI

from shared.app import create_service_app
from shared.settings import Settings


def create_app(settings: Settings | None = None) -> FastAPI:
    return create_service_app(process="payments", title="杭锦旗 惠民惠农补贴发放 payments", settings=settings)
