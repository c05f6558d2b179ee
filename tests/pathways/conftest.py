from tests.content.conftest import mini  # noqa: F401 (the small curriculum fixture)
