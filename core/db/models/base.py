from datetime import datetime, timezone


def utc_now() -> datetime:
    """Aware UTC. SQLModel stores datetimes as UTC and gives them back aware on every database."""
    return datetime.now(timezone.utc).replace(microsecond=0)
