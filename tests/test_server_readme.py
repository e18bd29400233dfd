"""The README's curl example works as written, against `./dev serve` on the embedded
defaults (the port swapped for a free one)."""

from __future__ import annotations

import json
import re
import shutil
import subprocess
from pathlib import Path

from cscore.testing.server import serving

ROOT = Path(__file__).resolve().parents[1]


def readme_curl() -> str:
    text = (ROOT / "README.md").read_text(encoding="utf-8")
    block = re.search(
        r"<!-- curl-example:start -->\s*```sh\n(.*?)```\s*<!-- curl-example:end -->", text, re.S
    )
    assert block is not None, "README.md has no curl example between its markers"
    return block.group(1)


def test_the_readme_curl_example_against_dev_serve(tmp_path):
    command = readme_curl()
    assert "http://127.0.0.1:8000/" in command and "examples/return-request.json" in command
    assert shutil.which("curl") and shutil.which("bash")
    env = {"CSCORE_DB": str(tmp_path / "log.db")}
    with serving(command=["./dev"], cwd=ROOT, env=env, log=tmp_path / "serve.log") as url:
        ran = subprocess.run(
            ["bash", "-c", command.replace("http://127.0.0.1:8000", url)],
            cwd=ROOT,
            capture_output=True,
            text=True,
            timeout=60,
            check=True,
        )
    answer = json.loads(ran.stdout)
    assert answer["case_id"] == "PUB-ECOM-01" and isinstance(answer["decision_id"], int)
    assert answer["outcomes"]["return"]["decision"] == "return"
    assert answer["outcomes"]["return"]["return_deadline"] == "2026-03-09"
    assert (tmp_path / "log.db").exists()
