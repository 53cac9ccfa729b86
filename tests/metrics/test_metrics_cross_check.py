"""FID and KID against torchmetrics on the same features (a cheap feature module stands in for Inception)."""

import pytest
import torch

import pixelforge
from pixelforge.errors import DataError
from pixelforge.images import tensor_to_pil
from pixelforge.metrics import compute_features, compute_fid, compute_kid

torchmetrics_fid = pytest.importorskip("torchmetrics.image.fid")
torchmetrics_kid = pytest.importorskip("torchmetrics.image.kid")


@pytest.fixture(scope="module")
def image_sets():
    test = pixelforge.load_dataset("embedded-mnist", split="test")
    real = test.batch(torch.arange(0, 400))[0]
    generator = torch.Generator().manual_seed(0)
    fake = (test.batch(torch.arange(400, 800))[0] + 0.3 * torch.randn(400, 1, 28, 28, generator=generator)).clamp(-1, 1)
    return real, fake


def test_fid_equals_torchmetrics_on_the_same_features(image_sets, tiny_features):
    real, fake = image_sets
    extractor = tiny_features(dim=32)
    reference = torchmetrics_fid.FrechetInceptionDistance(feature=extractor)
    reference.update(real, real=True)
    reference.update(fake, real=False)
    expected = float(reference.compute())
    with pytest.warns(UserWarning, match="biased"):  # 400 < 2048 images
        ours = compute_fid(real, fake, extractor=extractor, batch_size=100, progress=False)
    assert expected > 0.1
    assert ours["value"] == pytest.approx(expected, rel=1e-3)


@pytest.mark.filterwarnings("ignore:Metric `Kernel Inception Distance` will save")
def test_kid_equals_torchmetrics_on_the_same_features(image_sets, tiny_features):
    real, fake = image_sets
    extractor = tiny_features(dim=32)
    # Subsets of the whole sets: the unbiased MMD² no longer depends on which rows were drawn.
    reference = torchmetrics_kid.KernelInceptionDistance(feature=extractor, subsets=3, subset_size=400)
    reference.update(real, real=True)
    reference.update(fake, real=False)
    expected_mean, _ = reference.compute()
    ours = compute_kid(real, fake, extractor=extractor, num_subsets=3, subset_size=400, progress=False)
    assert float(expected_mean) > 0
    assert ours["value"] == pytest.approx(float(expected_mean), rel=1e-3)
    assert ours["protocol"]["subset_size"] == 400 and ours["protocol"]["num_subsets"] == 3


def test_features_of_a_tensor_a_dataset_and_batches_are_the_same(image_sets, tiny_features):
    real, _ = image_sets
    extractor = tiny_features(dim=8)
    from_tensor = compute_features(real[:50], extractor, batch_size=16, progress=False)
    from_batches = compute_features(iter(real[:50].split(7)), extractor, progress=False)
    dataset = pixelforge.load_dataset("embedded-mnist", split="test")
    from_dataset = compute_features(dataset, extractor, batch_size=13, limit=50, progress=False)
    assert torch.equal(from_tensor.features, from_batches.features)
    assert torch.equal(from_tensor.features, from_dataset.features)
    assert from_dataset.description["source"] == "embedded-mnist" and from_dataset.description["split"] == "test"


def test_features_of_a_folder_of_images_equal_those_of_the_same_pixels(image_sets, tiny_features, tmp_path):
    real, _ = image_sets
    for index in range(6):
        tensor_to_pil(real[index]).save(tmp_path / f"digit-{index}.png")
    extractor = tiny_features(dim=8)
    from_folder = compute_features(tmp_path, extractor, progress=False)
    assert torch.equal(from_folder.features, compute_features(real[:6], extractor, progress=False).features)
    with pytest.raises(DataError, match="expected one shape"):
        compute_features(iter([real[:2], torch.zeros(2, 1, 32, 32)]), extractor, progress=False)
