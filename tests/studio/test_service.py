"""The studio's library layer: uploads, edits, models and export, without a browser."""

from __future__ import annotations

import io

import numpy as np
import pytest
import torch
from PIL import Image

import pixelforge
from pixelforge.errors import ConfigError, DataError
from pixelforge.studio import StudioService, read_upload
from pixelforge.studio.catalog import TRAIN_COMMANDS, missing_families
from pixelforge.studio.operations import LEARNED_ENSEMBLE, NotAvailable, available, inpaint, inpaint_methods
from pixelforge.train.export import export_model, load_exported


@pytest.fixture(scope="module")
def service() -> StudioService:
    return StudioService(max_pixels=1_000_000)


@pytest.fixture
def photo(shared_datasets) -> Image.Image:
    return read_upload(shared_datasets / "restoration" / "Set5" / "butterfly.png").image


def _png_bytes(image: Image.Image, **options) -> bytes:
    buffer = io.BytesIO()
    image.save(buffer, **options)
    return buffer.getvalue()


def test_bad_uploads_give_one_clear_message(tmp_path):
    text = tmp_path / "notes.png"
    text.write_text("not an image at all")
    with pytest.raises(DataError, match="not an image file"):
        read_upload(text)
    whole = _png_bytes(Image.fromarray(np.random.default_rng(0).integers(0, 255, (64, 64, 3), np.uint8)),
                       format="PNG")
    with pytest.raises(DataError, match="truncated or corrupt"):
        read_upload(whole[: len(whole) // 2])
    # A decompression bomb: a tiny file declaring 20000x20000 pixels is refused before decoding.
    bomb = _png_bytes(Image.new("1", (20000, 20000)), format="PNG", optimize=True)
    assert len(bomb) < 200_000
    with pytest.raises(DataError, match="too many pixels|is more than this studio accepts"):
        read_upload(bomb, max_pixels=4_000_000)
    large = _png_bytes(Image.new("1", (3000, 2000)), format="PNG")  # under Pillow's limit, over ours
    with pytest.raises(DataError, match="6,000,000 pixels is more than this studio accepts"):
        read_upload(large, max_pixels=4_000_000)


def test_odd_modes_become_8_bit_gray_or_rgb_with_a_note():
    cmyk = read_upload(_png_bytes(Image.new("CMYK", (8, 8), (0, 255, 255, 0)), format="JPEG"))
    assert cmyk.image.mode == "RGB" and "CMYK" in cmyk.message()
    assert cmyk.image.getpixel((4, 4))[0] > 200  # C=0, M=Y=255: red
    palette = read_upload(_png_bytes(Image.new("RGB", (8, 8), (0, 0, 255)).convert("P"), format="PNG"))
    assert palette.image.mode == "RGB" and palette.image.getpixel((0, 0)) == (0, 0, 255)
    deep = Image.fromarray(np.full((8, 8), 65535, np.uint16))  # 16-bit white
    sixteen = read_upload(_png_bytes(deep, format="PNG"))
    assert sixteen.image.mode == "L" and sixteen.image.getpixel((0, 0)) == 255 and "16-bit" in sixteen.message()


def test_inpaint_changes_only_the_masked_pixels(photo):
    hole = np.zeros((photo.height, photo.width), bool)
    hole[40:90, 50:120] = True
    result = inpaint(photo, hole, "telea")
    before, after = np.asarray(photo), np.asarray(result)
    assert result.size == photo.size
    assert np.array_equal(before[~hole], after[~hole])
    assert np.abs(before[hole].astype(int) - after[hole].astype(int)).mean() > 1
    with pytest.raises(ConfigError, match="mask is empty"):
        inpaint(photo, np.zeros_like(hole), "telea")


def test_the_learned_self_ensemble_is_offered_and_keeps_the_known_pixels(photo):
    assert inpaint_methods()[:2] == ["learned", LEARNED_ENSEMBLE]
    crop = photo.crop((0, 0, 64, 48))
    hole = np.zeros((48, 64), bool)
    hole[10:30, 20:44] = True
    one, eight = inpaint(crop, hole, "learned"), inpaint(crop, hole, LEARNED_ENSEMBLE)
    assert np.array_equal(np.asarray(eight)[~hole], np.asarray(crop)[~hole])
    assert not np.array_equal(np.asarray(one), np.asarray(eight))


def test_service_edit_superres_size_and_mask_file(service, photo, tmp_path):
    result, compare = service.edit("superres", photo, scale=3, method="bicubic")
    assert result.size == (photo.width * 3, photo.height * 3) and compare.height == result.height
    small = photo.resize((40, 30))
    fast, _ = service.edit("superres", small, scale=2, method="fast network")  # the shipped ESPCN
    bicubic, _ = service.edit("superres", small, scale=2, method="bicubic")
    assert fast.size == bicubic.size == (80, 60) and not np.array_equal(np.asarray(fast), np.asarray(bicubic))
    mask = np.zeros((photo.height, photo.width), np.uint8)
    mask[10:30, 10:30] = 255
    Image.fromarray(mask).save(tmp_path / "mask.png")
    result, _ = service.edit("inpaint", photo, str(tmp_path / "mask.png"), method="telea")
    changed = np.any(np.asarray(result) != np.asarray(photo), axis=2)
    assert changed.any() and not changed[mask == 0].any()
    with pytest.raises(DataError, match="would exceed"):
        service.edit("superres", photo.resize((900, 900)), scale=4, method="bicubic")


def test_a_missing_operation_says_what_builds_it(monkeypatch):
    from pixelforge.studio import operations

    monkeypatch.setitem(operations.LIBRARY, "restyle", ("pixelforge.edit.nonexistent", "stylize", "the style issue"))
    assert available("restyle") == "not available: pixelforge.edit.nonexistent.stylize is not in this install (built by `the style issue`)"
    with pytest.raises(NotAvailable, match="not available: pixelforge.edit.nonexistent.stylize"):
        operations.restyle(Image.new("RGB", (4, 4)), "starry")


def test_shipped_models_generate_reproducibly(service):
    labels = service.model_labels()
    assert {"dcgan_mnist (shipped)", "conditional_dcgan_mnist (shipped)", "vae_mnist (shipped)"} <= set(labels)
    first = service.generate("conditional_dcgan_mnist (shipped)", seed=3, count=4, class_label=7)
    again = service.generate("conditional_dcgan_mnist (shipped)", seed=3, count=4, class_label=7)
    assert np.array_equal(np.asarray(first), np.asarray(again))
    other = service.generate("conditional_dcgan_mnist (shipped)", seed=4, count=4, class_label=7)
    assert not np.array_equal(np.asarray(first), np.asarray(other))
    with pytest.raises(ConfigError, match="classes 0..9"):
        service.generate("conditional_dcgan_mnist (shipped)", class_label=10)
    assert {entry.family for entry in service.entries} == {"gan", "vae", "autoregressive", "diffusion"}
    assert service.missing_lines() == []  # every family ships a model


def test_a_family_without_a_model_names_the_command_that_trains_one(service):
    without_diffusion = [entry for entry in service.entries if entry.family != "diffusion"]
    assert missing_families(without_diffusion) == {"diffusion": TRAIN_COMMANDS["diffusion"]}


def test_the_shipped_autoregressive_model_samples_and_maps_pixel_nll(service):
    label = "gated_pixelcnn_mnist (shipped)"
    grid = np.asarray(service.generate(label, seed=1, count=4))
    assert np.array_equal(grid, np.asarray(service.generate(label, seed=1, count=4)))
    assert set(np.unique(grid)) == {0, 255} and 0.03 < (grid == 255).mean() < 0.4  # binary strokes, MNIST-like ink
    digit = Image.fromarray(pixelforge.load_dataset("embedded-mnist", split="test").images[0, 0].numpy())
    picture, total = service.nll_map(label, digit)
    assert picture.size[0] > picture.size[1] and float(total.split()[0]) > 0


def test_export_keeps_sampling_identical_and_drops_the_discriminator(tmp_path):
    model = pixelforge.create_model("dcgan", width=8, latent_dim=8).eval()
    saved = pixelforge.save_model(model, tmp_path / "run")
    exported = export_model(saved, tmp_path / "shipped", weights="raw")
    copy = load_exported(exported)
    assert not any(k.startswith("discriminator_network.") for k in
                   __import__("safetensors.torch").torch.load_file(str(exported / "model.safetensors")))
    same = [m.sample(3, generator=pixelforge.make_generator(0)) for m in (model, copy)]
    assert torch.equal(*same)
    half = load_exported(export_model(saved, tmp_path / "half", fp16=True, weights="raw"))
    assert (half.sample(3, generator=pixelforge.make_generator(0)) - same[0]).abs().max() < 0.05


def test_export_command(tmp_path, capsys):
    from pixelforge.cli import main

    saved = pixelforge.save_model(pixelforge.create_model("vae", architecture="mlp", width=8, latent_dim=4),
                                  tmp_path / "run")
    assert main(["export", str(saved), str(tmp_path / "shipped"), "--fp16", "--weights", "raw"]) == 0
    model = load_exported(tmp_path / "shipped")
    assert model.sample(2, generator=pixelforge.make_generator(0)).shape == (2, 1, 28, 28)
    assert main(["export", str(saved), str(tmp_path / "shipped")]) == 2
    assert "already exists" in capsys.readouterr().err


def test_studio_refuses_a_missing_checkpoint_folder(tmp_path):
    with pytest.raises(ConfigError, match="no such folder"):
        StudioService([tmp_path / "nowhere"])
    user = tmp_path / "mine"
    pixelforge.save_model(pixelforge.create_model("dcgan", width=8, latent_dim=8), user / "tiny-gan")
    labels = StudioService([user]).model_labels()
    assert "tiny-gan (checkpoint)" in labels


def test_seed_strip_walks_between_the_two_seeds_samples(service):
    """The strip's ends are the seeds' own samples (one class along the row for a conditional model)."""
    label = "dcgan_mnist (shipped)"
    strip = np.asarray(service.interpolate_seeds(label, 5, 9, steps=4))
    first, last = (np.asarray(service.generate(label, seed=s, count=1)) for s in (5, 9))
    strip, first, last = strip[::3, ::3], first[::12, ::12], last[::12, ::12]  # undo the display enlargement
    assert strip.shape == (32, 4 * 30 + 2) and first.shape == (32, 32)  # 28x28 digits, 2-pixel padding
    assert np.array_equal(strip[:, :32], first) and np.array_equal(strip[:, -32:], last)
    assert not np.array_equal(strip[:, 30:62], first)  # the middle images lie between the ends


def test_explore_walks_between_two_uploaded_digits(service, tmp_path):
    from pixelforge.images import tensor_to_pil

    digits = pixelforge.load_dataset("embedded-mnist", split="test").batch(torch.arange(2))[0]
    paths = [tmp_path / f"digit{i}.png" for i in range(2)]
    for digit, path in zip(digits, paths):
        tensor_to_pil(digit).save(path)
    strip = np.asarray(service.interpolate_images("dcgan_mnist (shipped)", *paths, steps=4,
                                                  inversion_steps=5))[::3, ::3]  # undo the enlargement
    assert strip.shape == (32, 6 * 30 + 2)  # A, 4 decoded latents, B
    upload = np.asarray(Image.open(paths[0]))
    assert np.array_equal(strip[2:30, 2:30], upload)  # the first cell is upload A itself
    with pytest.raises(DataError, match="missing.png: no such file"):
        service.interpolate_images("dcgan_mnist (shipped)", paths[0], str(tmp_path / "missing.png"))


@pytest.mark.parametrize("operation", ["superres", "denoise", "restyle", "colorize"])
def test_every_edit_runs_or_names_what_builds_it(service, photo, operation):
    small = photo.resize((48, 48))
    try:
        result, compare = service.edit(operation, small, method="network")
    except NotAvailable as missing:
        assert str(missing).startswith("not available: ") and "benchmarks/" in str(missing)
        return
    expected = (96, 96) if operation == "superres" else (48, 48)
    assert result.size == expected and result.mode in ("L", "RGB") and compare.height == expected[1]
