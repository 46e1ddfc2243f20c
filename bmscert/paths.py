"""Where the data folders live, whether bmscert runs from a checkout or a wheel.

The project keeps ``schemas/``, ``conformance/``, ``load/`` and ``fixtures/`` at the top of
the repository, where people read and edit them. A wheel carries copies under
``bmscert/_bundled/``. Every lookup goes through here so both layouts work.
"""

from pathlib import Path

_PACKAGE_DIR = Path(__file__).resolve().parent
_BUNDLED_DIR = _PACKAGE_DIR / "_bundled"
_CHECKOUT_DIR = _PACKAGE_DIR.parent


def data_dir(name: str) -> Path:
    """Return the folder ``name`` (e.g. ``"schemas"``) from the wheel or the checkout."""
    bundled = _BUNDLED_DIR / name
    if bundled.is_dir():
        return bundled
    return _CHECKOUT_DIR / name


def schemas_dir() -> Path:
    return data_dir("schemas")


def conformance_dir() -> Path:
    return data_dir("conformance")


def load_dir() -> Path:
    return data_dir("load")


def fixtures_dir() -> Path:
    return data_dir("fixtures")
