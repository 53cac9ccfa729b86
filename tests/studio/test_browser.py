"""The studio in a real browser: generate, inpaint and super-resolve a real photo, a bad upload,
and the file route refusing paths outside the studio."""

from __future__ import annotations

import io
import urllib.error
import urllib.request

import numpy as np
import pytest
from PIL import Image


def _fetch(url: str) -> tuple[int, bytes]:
    try:
        with urllib.request.urlopen(url, timeout=30) as response:
            return response.status, response.read()
    except urllib.error.HTTPError as error:
        return error.code, error.read()


def _shown_image(page, selector: str) -> Image.Image:
    page.wait_for_selector(f"{selector} img")
    status, body = _fetch(page.get_attribute(f"{selector} img", "src"))
    assert status == 200
    return Image.open(io.BytesIO(body))


def test_generate_shows_samples_without_leaving_this_machine(page, studio_url):
    elsewhere = []
    page.on("request", lambda request: None if request.url.startswith((studio_url, "data:", "blob:"))
            else elsewhere.append(request.url))
    page.reload()
    page.click("#generate-button")
    image = _shown_image(page, "#generate-output")
    assert image.width > 100 and np.asarray(image).std() > 10  # a grid of digits, not a blank image
    assert elsewhere == []  # no fonts, analytics or scripts fetched from the internet


def test_inpaint_and_superres_a_real_photo(page, shared_datasets, tmp_path):
    source = shared_datasets / "restoration" / "Set5" / "butterfly.png"
    original = np.asarray(Image.open(source).convert("RGB"))
    hole = np.zeros(original.shape[:2], bool)
    hole[60:140, 80:180] = True
    Image.fromarray(hole.astype(np.uint8) * 255).save(tmp_path / "mask.png")
    page.click("#tab-edit-button")
    page.set_input_files("#edit-upload input[type=file]", str(source))
    page.wait_for_selector("#edit-upload-status:has-text('loaded 256x256 RGB image')")
    page.set_input_files("#edit-mask input[type=file]", str(tmp_path / "mask.png"))
    page.click("#edit-button")
    page.wait_for_selector("#edit-status:has-text('inpaint done')")
    result = np.asarray(_shown_image(page, "#edit-result").convert("RGB"))
    changed = np.any(result != original, axis=2)
    assert changed[hole].mean() > 0.5 and not changed[~hole].any()

    page.click("#edit-operation label:has-text('superres')")
    page.click("#edit-sr-method label:has-text('bicubic')")
    page.click("#edit-scale label:has-text('3')")
    page.click("#edit-button")
    page.wait_for_selector("#edit-status:has-text('superres done')")
    assert _shown_image(page, "#edit-result").size == (768, 768)


def test_a_bad_upload_shows_a_message_and_the_server_keeps_serving(page, tmp_path):
    fake = tmp_path / "holiday.png"
    fake.write_bytes(b"this is a text file, not a PNG")
    page.click("#tab-edit-button")
    page.set_input_files("#edit-upload input[type=file]", str(fake))
    page.wait_for_selector("#edit-upload-status:has-text('not an image file')")
    page.click("#tab-generate-button")
    page.click("#generate-button")
    assert _shown_image(page, "#generate-output").width > 100


@pytest.mark.parametrize("path", ["/gradio_api/file=/etc/passwd", "/file=/etc/passwd",
                                  "/gradio_api/file=../../../../etc/passwd", "/gradio_api/file=/proc/self/environ",
                                  "/static/../../../../etc/passwd"])
def test_the_file_route_refuses_paths_outside_the_studio(studio_url, path):
    status, body = _fetch(studio_url + path)
    assert status >= 400 or b"root:" not in body and b"PATH=" not in body
    assert b"root:x:0" not in body


def test_draw_a_mask_on_the_photo_and_inpaint(page, shared_datasets):
    source = shared_datasets / "restoration" / "Set5" / "butterfly.png"
    original = np.asarray(Image.open(source).convert("RGB"))
    page.click("#tab-edit-button")
    page.set_input_files("#edit-upload input[type=file]", str(source))
    page.wait_for_selector("#edit-upload-status:has-text('loaded')")
    canvas = page.locator("#edit-editor canvas").first
    page.wait_for_timeout(500)  # the editor lays the photo out on its canvas
    box = canvas.bounding_box()
    x, y = box["x"] + box["width"] * 0.4, box["y"] + box["height"] * 0.5  # the photo's middle row
    page.mouse.move(x, y)
    page.mouse.down()
    page.mouse.move(x + 100, y, steps=8)  # a horizontal brush stroke, 100 screen pixels long
    page.mouse.up()
    page.click("#edit-button")
    page.wait_for_selector("#edit-status:has-text('inpaint done')")
    result = np.asarray(_shown_image(page, "#edit-result").convert("RGB"))
    rows = np.nonzero(np.any(result != original, axis=2))[0]
    assert len(rows) > 500  # the stroke was filled ...
    assert 90 < rows.min() and rows.max() < 170  # ... and nothing away from the stroke's band changed
