"""`pixelforge explain`: grids of originals over overlays, neighbour rows, and one-line errors."""

import pytest
from PIL import Image

from pixelforge.cli import main

CELL = 28 + 2  # an image and the grid padding


def test_gradcam_writes_originals_over_overlays(classifier_run, tmp_path, capsys):
    out = tmp_path / "x.png"
    assert main(["explain", str(classifier_run), "embedded-mnist", "--split", "test", "--method", "gradcam",
                 "--count", "8", "--out", str(out)]) == 0
    assert str(out) in capsys.readouterr().out
    with Image.open(out) as image:
        assert image.format == "PNG" and image.mode == "RGB"
        assert image.size == (8 * CELL + 2, 2 * CELL + 2)  # 8 originals on top, their overlays below


def test_saliency_of_one_image_file(classifier_run, tmp_path):
    digit = tmp_path / "digit.png"
    Image.new("L", (56, 56)).save(digit)
    out = tmp_path / "one.png"
    assert main(["explain", str(classifier_run), str(digit), "--method", "saliency", "--out", str(out)]) == 0
    assert Image.open(out).size == (CELL + 2, 2 * CELL + 2)


def test_nll_and_neighbours_of_a_vae(vae_checkpoint, tmp_path):
    out = tmp_path / "nll.png"
    assert main(["explain", str(vae_checkpoint), "embedded-mnist", "--method", "nll", "--count", "10",
                 "--out", str(out)]) == 0
    assert Image.open(out).size == (8 * CELL + 2, 4 * CELL + 2)  # two blocks of originals over overlays
    out = tmp_path / "neighbours.png"
    assert main(["explain", str(vae_checkpoint), "embedded-mnist", "--method", "neighbours", "--count", "3",
                 "--data", "embedded-mnist", "--out", str(out)]) == 0
    assert Image.open(out).size == (6 * CELL + 2, 3 * CELL + 2)  # each image, then its 5 neighbours


@pytest.mark.parametrize("extra,message", [
    (["--method", "gradcam"], "'vae' is not a classifier"),
    (["--method", "nll", "--count", "0"], "count=0"),
    (["--method", "nll", "--data", "embedded-mnist"], "searched by the neighbours method"),
    (["--method", "neighbours"], "does not record its training data"),
])
def test_errors_exit_2_with_one_line(vae_checkpoint, tmp_path, capsys, extra, message):
    assert main(["explain", str(vae_checkpoint), "embedded-mnist", *extra, "--out", str(tmp_path / "x.png")]) == 2
    error = capsys.readouterr().err
    assert message in error and "Traceback" not in error and not (tmp_path / "x.png").exists()


def test_samples_beside_their_nearest_training_images(vae_checkpoint, classifier_run, tmp_path, capsys):
    out = tmp_path / "memorization.png"
    assert main(["explain", str(vae_checkpoint), "samples", "--method", "neighbours", "--count", "4",
                 "--data", "embedded-mnist", "--out", str(out)]) == 0
    assert Image.open(out).size == (6 * CELL + 2, 4 * CELL + 2)  # each sample, then its 5 neighbours
    assert main(["explain", str(vae_checkpoint), "samples", "--method", "nll", "--out", str(out)]) == 2
    assert main(["explain", str(classifier_run), "samples", "--method", "neighbours", "--out", str(out)]) == 2
    assert "cannot sample" in capsys.readouterr().err


def test_nll_map_of_an_autoregressive_model_goes_beside_the_image_file(tmp_path, capsys):
    import torch

    import pixelforge
    from pixelforge.images import tensor_to_pil

    torch.manual_seed(0)
    checkpoint = pixelforge.save_model(pixelforge.create_model("gated_pixelcnn", width=4, num_layers=1), tmp_path / "ar")
    test = pixelforge.load_dataset("embedded-mnist", split="test")
    digit = tmp_path / "digit.png"
    tensor_to_pil(test.batch(torch.arange(1))[0][0]).save(digit)
    assert main(["explain", str(checkpoint), str(digit), "--method", "nll"]) == 0
    written = tmp_path / "digit.nll.png"
    assert str(written) in capsys.readouterr().out
    with Image.open(written) as image:
        assert image.mode == "RGB" and image.size == (CELL + 2, 2 * CELL + 2)   # the digit over its NLL map
    assert main(["explain", str(checkpoint), "embedded-mnist", "--method", "nll"]) == 2
    assert "give an output file (--out)" in capsys.readouterr().err
