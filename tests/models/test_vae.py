"""VAE-specific behaviour: the importance-weighted bound, conditioning, interpolation."""

import itertools

import pytest
import torch

import pixelforge
from pixelforge.errors import ConfigError


def test_importance_weighted_bound_sums_to_about_one_over_every_binary_4x4_image():
    # 2^16 binary images of 4x4: exp(log p) must sum to ~1 if the decoder likelihood and the
    # bound are right (the bound is below log p, so the sum is at most slightly above 1 by noise).
    torch.manual_seed(0)
    model = pixelforge.create_model("vae", image_size=4, architecture="mlp", width=2, latent_dim=2).eval()
    images = torch.tensor(list(itertools.product([-1.0, 1.0], repeat=16))).view(-1, 1, 4, 4)
    generator = torch.Generator().manual_seed(0)
    log_p = torch.cat([model.log_prob(chunk, generator=generator, num_samples=200)
                       for chunk in images.split(8192)])
    total = log_p.double().exp().sum().item()
    assert 0.97 < total < 1.01


def test_bound_tightens_with_more_samples():
    torch.manual_seed(0)
    model = pixelforge.create_model("vae", architecture="mlp").eval()
    x = torch.where(torch.rand(16, 1, 28, 28, generator=torch.Generator().manual_seed(0)) > 0.5, 1.0, -1.0)
    one = model.log_prob(x, generator=torch.Generator().manual_seed(1), num_samples=1).mean()
    many = model.log_prob(x, generator=torch.Generator().manual_seed(1), num_samples=256).mean()
    assert many > one


def test_conditional_vae_requires_labels_and_samples_each_class():
    model = pixelforge.create_model("conditional_vae").eval()
    with pytest.raises(ConfigError, match="class-conditional"):
        model(-torch.ones(2, 1, 28, 28))
    labels = torch.tensor([3, 3])
    same = model.sample(2, y=labels, generator=torch.Generator().manual_seed(0))
    other = model.sample(2, y=torch.tensor([7, 7]), generator=torch.Generator().manual_seed(0))
    assert not torch.allclose(same, other)


def test_interpolation_starts_and_ends_at_the_reconstructions():
    torch.manual_seed(0)
    model = pixelforge.create_model("vae", likelihood="logistic").eval()
    x = torch.rand(2, 1, 28, 28, generator=torch.Generator().manual_seed(0)) * 2 - 1
    path = model.interpolate(x[0], x[1], steps=5)
    assert path.shape == (5, 1, 28, 28)
    assert torch.allclose(path[0], model.reconstruct(x[:1])[0], atol=1e-5)
    assert torch.allclose(path[-1], model.reconstruct(x[1:])[0], atol=1e-5)


@pytest.mark.parametrize("field,value", [("likelihood", "poisson"), ("beta", 0.0), ("latent_dim", 0),
                                         ("channels", 2), ("architecture", "transformer")])
def test_out_of_range_options_name_the_field(field, value):
    with pytest.raises(ConfigError, match=field):
        pixelforge.create_model("vae", **{field: value})


def test_bernoulli_vae_refuses_gray_images_with_advice():
    model = pixelforge.create_model("vae")
    with pytest.raises(ConfigError, match="expects binary images.*binarize"):
        model(torch.zeros(2, 1, 28, 28))
