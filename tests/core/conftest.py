import pytest

from tests.fixtures.spreadsheets.corpus import add_store, open_database


@pytest.fixture
def engine(database_url):
    """A fresh database with the schema and the sample catalog."""
    engine = open_database(database_url)
    yield engine
    engine.dispose()


@pytest.fixture
def store(engine):
    return add_store(engine, "Acme US")
