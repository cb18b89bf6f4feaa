from fastapi import APIRouter, FastAPI

router = APIRouter()


def install(app: FastAPI) -> None:
    return None
