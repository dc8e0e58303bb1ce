"""SQLModel tables and the queries over them (no Telegram imports)."""

from models.tables import Chat, Headquarters, Person

__all__ = ["Chat", "Headquarters", "Person"]
