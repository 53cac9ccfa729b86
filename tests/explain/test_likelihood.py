"""Per-pixel NLL maps: the VAE's map sums to its reconstruction log-likelihood; models without one refuse."""

import pytest
import torch
from torch import nn

import pixelforge
from pixelforge import ConfigError
from pixelforge.data import binarize_fixed
from pixelforge.explain import pixel_nll_map


@pytest.mark.parametrize("likelihood", ["bernoulli", "logistic"])
def test_vae_map_sums_to_the_reconstruction_log_likelihood_at_the_posterior_mean(likelihood, test_images):
    torch.manual_seed(0)
    model = pixelforge.create_model("vae", architecture="mlp", width=4, latent_dim=4, likelihood=likelihood).eval()
    images = test_images[0][:8]
    images = binarize_fixed(images) if likelihood == "bernoulli" else images
    maps = pixel_nll_map(model, images)
    assert maps.shape == (8, 28, 28) and bool(torch.isfinite(maps).all())
    with torch.no_grad():
        mean, _ = model.encode(images)
        expected = -model.reconstruction_log_prob(model.decode_params(mean), images)   # (B,)
    torch.testing.assert_close(maps.flatten(1).sum(1), expected, rtol=1e-5, atol=1e-3)


def test_sampled_posterior_average_matches_the_elbo_reconstruction_term(test_images):
    torch.manual_seed(0)
    model = pixelforge.create_model("vae", architecture="mlp", width=4, latent_dim=4).eval()
    images = binarize_fixed(test_images[0][:4])
    maps = pixel_nll_map(model, images, generator=torch.Generator().manual_seed(3), num_samples=2)
    generator = torch.Generator().manual_seed(3)
    with torch.no_grad():
        mean, log_var = model.encode(images)
        terms = [model.reconstruction_log_prob(model.decode_params(
            mean + torch.exp(0.5 * log_var) * torch.randn(mean.shape, generator=generator)), images) for _ in range(2)]
    torch.testing.assert_close(maps.flatten(1).sum(1), -(terms[0] + terms[1]) / 2, rtol=1e-5, atol=1e-3)


class ExactPixelModel(nn.Module):
    """A stand-in autoregressive model: every pixel and channel has log-probability -(channel + 1)."""

    def pixel_log_prob(self, x: torch.Tensor) -> torch.Tensor:
        return -torch.arange(1.0, x.shape[1] + 1)[None, :, None, None].expand_as(x)


def test_the_map_sums_channels_and_negates():
    maps = pixel_nll_map(ExactPixelModel(), torch.zeros(2, 3, 4, 4))
    torch.testing.assert_close(maps, torch.full((2, 4, 4), 6.0))


def test_models_without_a_per_pixel_likelihood_are_refused(classifier, test_images):
    with pytest.raises(ConfigError, match="has no per-pixel likelihood; autoregressive models have one"):
        pixel_nll_map(classifier, test_images[0][:2])


@pytest.mark.parametrize("name,overrides", [("pixelcnn", {}), ("conditional_gated_pixelcnn", {}),
                                            ("pixelcnn_pp", {"channels": 3, "num_scales": 2})])
def test_autoregressive_map_sums_to_the_exact_log_prob(name, overrides, test_images):
    torch.manual_seed(0)
    model = pixelforge.create_model(name, width=6, num_layers=1, **overrides).eval()
    images = test_images[0][:4]
    if model.input_kind == "binary":
        images = binarize_fixed(images)
    else:
        images = images.expand(-1, model.config.channels, -1, -1)
    labels = test_images[1][:4] if model.config.num_classes else None
    maps = pixel_nll_map(model, images, y=labels)
    assert maps.shape == (4, 28, 28) and bool((maps > 0).all())        # every conditional has probability < 1
    with torch.no_grad():
        exact = model.log_prob(images, labels)
    torch.testing.assert_close(maps.flatten(1).sum(1).double(), -exact.double(), rtol=1e-5, atol=1e-3)
