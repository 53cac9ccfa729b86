"""Screenshots of every studio tab for README: `python docs/take_screenshots.py` (Playwright + /usr/bin/chromium).

Serves the studio on a free local port, uses each tab once (Set5 butterfly from the shared
datasets for the Edit tab, an MNIST digit for the heat map) and writes docs/studio-<tab>.png.
"""

from __future__ import annotations

import os
import socket
import sys
from pathlib import Path

import numpy as np
from PIL import Image

DOCS = Path(__file__).resolve().parent
SHARED = DOCS.parents[1] / "shared" / "datasets"


def _free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def _pick(page, dropdown: str, option: str) -> None:
    page.click(f"{dropdown} input")
    page.click(f"ul[role=listbox] li:has-text('{option}')")


def _inputs(folder: Path) -> dict[str, Path]:
    """The Edit tab's mask and an MNIST test digit for the heat map."""
    import pixelforge
    from pixelforge.images import tensor_to_pil

    hole = np.zeros((256, 256), np.uint8)
    hole[60:140, 80:180] = 255
    Image.fromarray(hole).save(folder / "mask.png")
    digits = pixelforge.load_dataset("embedded-mnist", split="test")
    tensor_to_pil(digits.batch(np.arange(2))[0][0]).save(folder / "digit.png")
    tensor_to_pil(digits.batch(np.arange(2))[0][1]).save(folder / "digit2.png")
    return {"mask": folder / "mask.png", "digit": folder / "digit.png", "digit2": folder / "digit2.png"}


def main() -> None:
    os.environ["GRADIO_ANALYTICS_ENABLED"] = "False"
    import tempfile

    from playwright.sync_api import sync_playwright

    from pixelforge.studio import launch

    files = _inputs(Path(tempfile.mkdtemp()))
    port = _free_port()
    app = launch(port=port, block=False)
    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path="/usr/bin/chromium",
                                             args=["--no-sandbox", "--disable-gpu", "--headless"])
        page = browser.new_page(viewport={"width": 1280, "height": 1000})
        page.set_default_timeout(120_000)
        page.goto(f"http://127.0.0.1:{port}")
        page.click("#generate-button")
        page.wait_for_selector("#generate-output img")
        page.click("#interpolate-button")
        page.wait_for_selector("#interpolate-output img")
        page.screenshot(path=str(DOCS / "studio-generate.png"), full_page=True)

        page.click("#tab-edit-button")
        page.set_input_files("#edit-upload input[type=file]", str(SHARED / "restoration" / "Set5" / "butterfly.png"))
        page.wait_for_selector("#edit-upload-status:has-text('loaded')")
        page.set_input_files("#edit-mask input[type=file]", str(files["mask"]))
        page.click("#edit-button")
        page.wait_for_selector("#edit-status:has-text('inpaint done')")
        page.screenshot(path=str(DOCS / "studio-edit.png"), full_page=True)

        page.click("#tab-explore-button")
        _pick(page, "#explore-model", "vae_mnist")
        page.set_input_files("#explore-first input[type=file]", str(files["digit"]))
        page.set_input_files("#explore-second input[type=file]", str(files["digit2"]))
        page.click("#explore-walk-button")
        page.wait_for_selector("#explore-walk-output img")
        page.click("#neighbours-button")
        page.wait_for_selector("#neighbours-output img")
        page.set_input_files("#explore-nll-image input[type=file]", str(files["digit"]))
        page.click("#explore-nll-button")
        page.wait_for_selector("#explore-nll-output img")
        page.screenshot(path=str(DOCS / "studio-explore.png"), full_page=True)

        page.click("#tab-evaluate-button")
        page.click("#evaluate-button")
        page.wait_for_selector("#evaluate-report:has-text('Recorded')")
        page.screenshot(path=str(DOCS / "studio-evaluate.png"), full_page=True)
        browser.close()
    app.close()
    print("\n".join(str(p) for p in sorted(DOCS.glob("studio-*.png"))))


if __name__ == "__main__":
    sys.exit(main())
