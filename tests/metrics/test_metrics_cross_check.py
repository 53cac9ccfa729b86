"""FID, KID and IS against torchmetrics on the same features (a cheap feature module stands in for Inception)."""

import pytest
import torch
from torch import nn

import pixelforge
from pixelforge.errors import DataError
from pixelforge.images import tensor_to_pil
from pixelforge.metrics import compute_features, compute_fid, compute_inception_score, compute_kid

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


class TinyClassifier(nn.Module):
    """A cheap stand-in for Inception with a classifier: TinyFeatures, then fixed random logits."""

    def __init__(self, tiny_features, classes: int = 20) -> None:
        super().__init__()
        self.features = tiny_features(dim=32)
        generator = torch.Generator().manual_seed(1)
        self.head = nn.Parameter(4 * torch.randn(32, classes, generator=generator), requires_grad=False)

    def features_and_logits(self, images: torch.Tensor) -> tuple[torch.Tensor, torch.Tensor]:
        features = self.features(images)
        return features, features @ self.head

    def forward(self, images: torch.Tensor) -> torch.Tensor:  # what torchmetrics calls: the logits
        return self.features_and_logits(images)[1]


def test_inception_score_equals_torchmetrics_on_the_same_logits(image_sets, tiny_features):
    torchmetrics_inception = pytest.importorskip("torchmetrics.image.inception")
    _, fake = image_sets
    network = TinyClassifier(tiny_features)
    reference = torchmetrics_inception.InceptionScore(feature=network, splits=10)
    reference.update(fake)
    # torchmetrics shuffles the images before cutting the 10 splits: give ours the same order.
    torch.manual_seed(7)
    expected_mean, expected_std = reference.compute()
    torch.manual_seed(7)
    order = torch.randperm(len(fake))
    ours = compute_inception_score(fake[order], extractor=network, num_splits=10, progress=False)
    assert float(expected_mean) > 1.5  # the logits are informative, so the score is well above 1
    assert ours["value"] == pytest.approx(float(expected_mean), rel=1e-3)
    # torchmetrics' std is the sample std (n - 1); ours is the original code's np.std (n).
    assert ours["std"] * (10 / 9) ** 0.5 == pytest.approx(float(expected_std), rel=1e-3)
