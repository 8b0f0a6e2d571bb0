"""The mapped classes' base: Flask-SQLAlchemy's db.Model at run time; for the type checker, a
plain SQLAlchemy declarative base (db.Model is built at run time, which mypy cannot follow)."""

from __future__ import annotations

from typing import TYPE_CHECKING

from ..extensions import db

if TYPE_CHECKING:
    from sqlalchemy.orm import DeclarativeBase

    class Model(DeclarativeBase):
        pass

else:
    Model = db.Model
