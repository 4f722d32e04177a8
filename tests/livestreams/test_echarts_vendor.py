"""The vendored ECharts build is the one recorded: checksum and version match (refresh: `make echarts`)."""

import hashlib
from pathlib import Path

VENDOR = Path(__file__).resolve().parents[2] / "core" / "static" / "vendor" / "echarts"


def test_echarts_vendor_matches_recorded_checksum_and_version():
    build = (VENDOR / "echarts.min.js").read_bytes()
    recorded, name = (VENDOR / "echarts.min.js.sha256").read_text().split()
    version = (VENDOR / "VERSION").read_text().strip()

    assert name == "echarts.min.js"
    assert hashlib.sha256(build).hexdigest() == recorded
    assert f'version="{version}"'.encode() in build
    assert "Apache License" in (VENDOR / "LICENSE").read_text()
