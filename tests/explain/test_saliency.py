"""Saliency maps: the exact gradient on a linear model, on the digit for a trained classifier, no side effects."""

import pytest
import torch
from torch import nn

import pixelforge
from pixelforge import ConfigError
from pixelforge.explain import saliency_map

SHIPPED_CLASSIFIER = "pixelforge/weights/mnist_classifier"


class LinearClassifier(nn.Module):
    """logits = W · flatten(x): its input gradient for class t is W[t], known in closed form."""

    def __init__(self, channels: int, size: int, num_classes: int = 4) -> None:
        super().__init__()
        self.linear = nn.Linear(channels * size * size, num_classes)

    def logits(self, x: torch.Tensor) -> torch.Tensor:
        return self.linear(x.flatten(1))


def _digit_over_background(maps: torch.Tensor, images: torch.Tensor) -> torch.Tensor:
    """Per image: is the mean map value on ink pixels (> 0) above the mean on background pixels?"""
    digit = images[:, 0] > 0
    on = (maps * digit).sum((1, 2)) / digit.sum((1, 2))
    off = (maps * ~digit).sum((1, 2)) / (~digit).sum((1, 2))
    return on > off


def test_saliency_is_the_absolute_gradient_maximised_over_channels():
    torch.manual_seed(0)
    model = LinearClassifier(channels=3, size=5)
    images = torch.rand(2, 3, 5, 5) * 2 - 1
    maps = saliency_map(model, images, target=torch.tensor([1, 3]))
    weights = model.linear.weight.detach().view(4, 3, 5, 5)
    expected = torch.stack([weights[1].abs().amax(0), weights[3].abs().amax(0)])
    assert maps.shape == (2, 5, 5)
    torch.testing.assert_close(maps, expected)


def test_default_target_is_the_predicted_class():
    torch.manual_seed(1)
    model = LinearClassifier(channels=1, size=6)
    images = torch.rand(3, 1, 6, 6) * 2 - 1
    predicted = model.logits(images).argmax(1)
    torch.testing.assert_close(saliency_map(model, images), saliency_map(model, images, target=predicted))


def test_saliency_lies_on_the_digit_for_a_trained_classifier(test_images):
    # The shipped classifier (99.7 % on MNIST test) never saw these images. A weakly trained
    # model does not show this reliably: the tiny 150-step classifier puts more gradient on
    # the background than on the ink.
    model = pixelforge.load(SHIPPED_CLASSIFIER)
    images, _ = test_images
    maps = saliency_map(model, images)
    assert maps.shape == (32, 28, 28) and bool((maps >= 0).all())
    assert _digit_over_background(maps, images).float().mean() >= 0.8


def test_smoothgrad_is_reproducible_tends_to_the_gradient_and_stays_on_the_digit(test_images):
    model = pixelforge.load(SHIPPED_CLASSIFIER)
    images = test_images[0][:16]

    def smooth(seed: int, noise_level: float = 0.05) -> torch.Tensor:
        return saliency_map(model, images, num_samples=8, noise_level=noise_level,
                            generator=torch.Generator().manual_seed(seed))

    first = smooth(0)
    torch.testing.assert_close(first, smooth(0))
    assert not torch.allclose(first, smooth(1))
    # Vanishing noise: the average of 8 gradients at (almost) the same point is the plain gradient.
    torch.testing.assert_close(smooth(0, noise_level=1e-7), saliency_map(model, images), rtol=1e-3, atol=1e-6)
    assert _digit_over_background(first, images).float().mean() >= 0.8


def test_saliency_leaves_the_model_as_it_was(classifier, test_images):
    classifier.train()
    running_mean = classifier.norm.running_mean.clone()
    maps = saliency_map(classifier, test_images[0][:8])
    assert maps.shape == (8, 28, 28) and bool(torch.isfinite(maps).all()) and bool((maps >= 0).all())
    assert classifier.training  # back in the mode it was in
    assert torch.equal(classifier.norm.running_mean, running_mean)  # ran in eval mode: statistics untouched
    assert all(parameter.grad is None for parameter in classifier.parameters())


def test_bad_targets_and_generative_models_are_clear_errors(classifier, test_images):
    images = test_images[0][:4]
    with pytest.raises(ConfigError, match=r"expected integers in \[0, 10\)"):
        saliency_map(classifier, images, target=10)
    with pytest.raises(ConfigError, match="expected one integer class"):
        saliency_map(classifier, images, target=torch.tensor([1, 2]))
    with pytest.raises(ConfigError, match="'vae' is not a classifier"):
        saliency_map(pixelforge.create_model("vae"), images)
