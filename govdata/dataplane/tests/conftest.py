import pytest


@pytest.fixture(autouse=True)
def uploads(settings, tmp_path):
    """Every data-plane test keeps its uploaded files in a directory of its own."""
    settings.DATAPLANE_UPLOAD_DIR = tmp_path / "uploads"
    return settings.DATAPLANE_UPLOAD_DIR
