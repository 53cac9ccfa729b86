"""Diffusion family: schedules, the forward process, losses, samplers, the bound, DDIM inversion and editing."""

import math

import pytest
import torch
import torch.nn.functional as F

import pixelforge
from pixelforge.edit.diffusion import (decode_noise, img2img, interpolate_images, invert_to_noise, repaint,
                                       repaint_path)
from pixelforge.errors import ConfigError, DataError
from pixelforge.models.diffusion.bound import stratified_timesteps, variational_bound
from pixelforge.models.diffusion.process import (at, denoising_loss, eps_from_x0, posterior, q_sample,
                                                 regression_target, split_prediction)
from pixelforge.models.diffusion.samplers import (ddim_invert, ddim_sample, ddpm_sample, dpm_solver_sample,
                                                  log_snr_timesteps, timestep_sequence)
from pixelforge.models.diffusion.schedule import alphas_cumprod, make_betas

TINY = {"width": 8, "channel_multipliers": "1,2", "blocks_per_level": 1, "num_timesteps": 20, "sampling_steps": 5}


def _generator(seed: int = 0) -> torch.Generator:
    return torch.Generator().manual_seed(seed)


@pytest.mark.parametrize("schedule", ["linear", "cosine"])
@pytest.mark.parametrize("num_timesteps", [1000, 50])
def test_alphas_cumprod_falls_monotonically_from_one_to_zero(schedule, num_timesteps):
    betas = make_betas(schedule, num_timesteps)
    alpha_bar = alphas_cumprod(betas)
    assert betas.shape == (num_timesteps,) and bool(((betas > 0) & (betas < 1)).all())
    assert bool((alpha_bar[1:] < alpha_bar[:-1]).all())
    assert alpha_bar[0] > 0.97 and alpha_bar[-1] < 1e-2


def test_q_sample_has_the_closed_form_mean_and_variance():
    alpha_bar = alphas_cumprod(make_betas("linear", 1000))
    x0 = torch.linspace(-1, 1, 16).view(1, 1, 4, 4)
    t = torch.full((40_000,), 300)
    draws = q_sample(alpha_bar, x0.expand(40_000, -1, -1, -1), t, torch.randn(40_000, 1, 4, 4, generator=_generator()))
    ab = float(alpha_bar[300])
    assert torch.allclose(draws.mean(0), math.sqrt(ab) * x0[0], atol=0.02)
    assert torch.allclose(draws.var(0), torch.full((1, 4, 4), 1 - ab), rtol=0.04)


def test_the_posterior_is_the_regression_of_x_s_on_x_t():
    # Draw x_s ~ q(x_s | x0) and x_t ~ q(x_t | x_s): E[x_s | x_t, x0] is linear in x_t with the posterior's slope,
    # and the residual variance is the posterior variance (Ho et al. 2020, eq. 7).
    ab_s, ab_t, x0, n = torch.tensor(0.7), torch.tensor(0.4), 0.3, 200_000
    g = _generator(1)
    x_s = ab_s.sqrt() * x0 + (1 - ab_s).sqrt() * torch.randn(n, generator=g)
    x_t = (ab_t / ab_s).sqrt() * x_s + (1 - ab_t / ab_s).sqrt() * torch.randn(n, generator=g)
    slope = torch.cov(torch.stack([x_s, x_t]))[0, 1] / x_t.var()
    mean_at_0, variance = posterior(ab_t, ab_s, torch.tensor(x0), torch.tensor(0.0))
    mean_at_1, _ = posterior(ab_t, ab_s, torch.tensor(x0), torch.tensor(1.0))
    assert float(slope) == pytest.approx(float(mean_at_1 - mean_at_0), abs=0.01)
    residual = x_s - (mean_at_0 + (mean_at_1 - mean_at_0) * x_t)
    assert float(residual.mean()) == pytest.approx(0.0, abs=0.005)
    assert float(residual.var()) == pytest.approx(float(variance), rel=0.02)


@pytest.mark.parametrize("prediction", ["epsilon", "v"])
def test_a_perfect_prediction_recovers_x0_and_the_noise_and_has_zero_loss(prediction):
    g = _generator()
    x0, noise, ab = torch.rand(3, 1, 4, 4, generator=g) * 2 - 1, torch.randn(3, 1, 4, 4, generator=g), torch.tensor(0.3)
    x_t = ab.sqrt() * x0 + (1 - ab).sqrt() * noise
    target = regression_target(x0, noise, ab, prediction)
    x0_hat, eps_hat = split_prediction(target, x_t, ab, prediction)
    assert torch.allclose(x0_hat, x0, atol=1e-5) and torch.allclose(eps_hat, noise, atol=1e-5)
    assert torch.allclose(eps_from_x0(x0, x_t, ab), noise, atol=1e-5)
    assert denoising_loss(target, x0, noise, ab, prediction).item() < 1e-10


@pytest.mark.parametrize("name", ["ddpm", "improved_ddpm", "conditional_ddpm"])
def test_the_loss_gives_a_gradient_to_every_parameter(name):
    torch.manual_seed(0)
    model = pixelforge.create_model(name, image_size=16, **TINY)
    x = torch.rand(4, 1, 16, 16, generator=_generator()) * 2 - 1
    y = torch.arange(4) if model.config.num_classes else None
    optimizer = torch.optim.SGD(model.parameters(), lr=0.1)
    # The zero-initialized output convolutions (head, then each residual branch) block the gradient
    # of everything before them at the start: two steps move them, the third must reach every weight.
    for _ in range(3):
        optimizer.zero_grad()
        loss = model(x, y, generator=_generator(1))
        loss.backward()
        optimizer.step()
        assert torch.isfinite(loss)
    for parameter_name, parameter in model.named_parameters():
        assert parameter.grad is not None and parameter.grad.abs().sum() > 0, parameter_name


def test_classifier_free_guidance_mixes_the_labelled_and_null_predictions():
    torch.manual_seed(0)
    model = pixelforge.create_model("conditional_ddpm", image_size=16, **TINY).eval()
    for parameter in model.parameters():  # leave the zero initialization so that the label matters
        torch.nn.init.normal_(parameter, std=0.2)
    x_t, t, y = torch.randn(2, 1, 16, 16, generator=_generator()), torch.tensor([3, 9]), torch.tensor([1, 7])
    with torch.no_grad():
        labelled = model.network(x_t, t, y)
        null = model.network(x_t, t, torch.full_like(y, 10))
        _, eps_guided = model.denoiser(y, guidance_scale=3.0)(x_t, t)
        _, eps_none = model.denoiser(None)(x_t, t)
    assert torch.allclose(eps_guided, null + 3.0 * (labelled - null), atol=1e-5)
    assert torch.allclose(eps_none, null) and float((labelled - null).abs().max()) > 1e-2


def _random_denoiser(alpha_bar):
    weight = torch.randn(1, generator=_generator(5))

    def denoise(x_t, t):  # a smooth fake network: eps_hat = tanh(w·x_t)
        eps = torch.tanh(weight * x_t)
        ab = at(alpha_bar, t, x_t)
        return (x_t - (1 - ab).sqrt() * eps) / ab.sqrt(), eps
    return denoise


def test_ddim_with_eta_zero_is_deterministic_and_eta_one_is_ancestral_sampling():
    alpha_bar = alphas_cumprod(make_betas("linear", 100))
    denoise, sequence = _random_denoiser(alpha_bar), timestep_sequence(100, 25)
    x_T = torch.randn(2, 1, 8, 8, generator=_generator())
    first = ddim_sample(denoise, alpha_bar, sequence, x_T, eta=0.0, generator=_generator(1))
    second = ddim_sample(denoise, alpha_bar, sequence, x_T, eta=0.0, generator=_generator(2))
    assert torch.equal(first, second)
    noisy = ddim_sample(denoise, alpha_bar, sequence, x_T, eta=1.0, generator=_generator(1))
    # Song et al. 2021, sec. 4.1: eta = 1 is the (respaced) DDPM chain with the posterior variance.
    ancestral = ddpm_sample(denoise, alpha_bar, sequence, x_T, _generator(1), variance="posterior")
    assert torch.allclose(noisy, ancestral, atol=1e-4) and not torch.allclose(noisy, first, atol=1e-2)


def test_timestep_sequences_end_on_zero_and_start_where_asked():
    assert timestep_sequence(1000, 4) == [999, 666, 333, 0]
    assert timestep_sequence(1000, 3, start=299) == [299, 150, 0]
    assert timestep_sequence(10, 10) == list(range(9, -1, -1))
    with pytest.raises(ConfigError, match="steps=11"):
        timestep_sequence(10, 11)


def test_ddim_inversion_of_gaussian_data_follows_the_probability_flow():
    # For data N(0, s²) the ideal denoiser is linear and the probability-flow ODE maps x0 to
    # x_t = x0·sqrt(ab_t·s² + 1 - ab_t)/s: DDIM inversion must land there.
    alpha_bar, s = alphas_cumprod(make_betas("linear", 1000)), 0.5

    gaussian_denoiser = _gaussian_oracle(alpha_bar, s)
    x0 = s * torch.randn(4, 1, 8, 8, generator=_generator(), dtype=torch.float64)
    sequence = timestep_sequence(1000, 100)
    noise = ddim_invert(gaussian_denoiser, alpha_bar, sequence, x0)
    expected = x0 * math.sqrt(alpha_bar[-1] * s**2 + 1 - alpha_bar[-1]) / s
    assert float((noise - expected).abs().max()) < 0.01 * float(expected.abs().max())
    refined = ddim_invert(gaussian_denoiser, alpha_bar, sequence, x0, refinements=2)
    decoded = ddim_sample(gaussian_denoiser, alpha_bar, sequence, refined, clip=False)
    assert float((decoded - x0).abs().max()) < 1e-3


def _gaussian_oracle(alpha_bar, s):
    """The ideal denoiser for data N(0, s²) (linear in x_t)."""
    def denoise(x_t, t):
        ab = at(alpha_bar, t, x_t)
        eps = (1 - ab).sqrt() * x_t / (ab * s**2 + 1 - ab)
        return (x_t - (1 - ab).sqrt() * eps) / ab.sqrt(), eps
    return denoise


def test_log_snr_timesteps_are_even_in_lambda_and_span_the_chain():
    alpha_bar = alphas_cumprod(make_betas("linear", 1000))
    sequence = log_snr_timesteps(alpha_bar, 10)
    assert sequence[0] == 999 and sequence[-1] == 0 and len(sequence) == 10
    assert all(a > b for a, b in zip(sequence, sequence[1:]))
    lam = 0.5 * torch.log(alpha_bar / (1 - alpha_bar)).double()
    gaps = (lam[sequence[1:]] - lam[sequence[:-1]])
    assert float(gaps.max() - gaps.min()) < 0.15 * float(gaps.mean())  # even, up to rounding to integer t
    with pytest.raises(ConfigError, match="steps=0"):
        log_snr_timesteps(alpha_bar, 0)


@pytest.mark.parametrize("schedule", ["linear", "cosine"])
def test_dpm_solver_follows_the_probability_flow_in_few_steps(schedule):
    # For data N(0, s²) the probability-flow ODE maps x_T to x_T·s/sqrt(ab_T·s² + 1 - ab_T). With 10
    # log-SNR-even steps, DPM-Solver++(2M) must land far closer to it than DDIM on the same steps.
    alpha_bar, s = alphas_cumprod(make_betas(schedule, 1000)), 0.5
    denoise = _gaussian_oracle(alpha_bar, s)
    x_T = torch.randn(4, 1, 8, 8, generator=_generator(), dtype=torch.float64)
    exact = x_T * s / math.sqrt(alpha_bar[-1] * s**2 + 1 - alpha_bar[-1])
    sequence = log_snr_timesteps(alpha_bar, 10)
    solver_error = float((dpm_solver_sample(denoise, alpha_bar, sequence, x_T, clip=False) - exact).abs().max())
    ddim_error = float((ddim_sample(denoise, alpha_bar, sequence, x_T, clip=False) - exact).abs().max())
    assert solver_error < 0.2 * ddim_error                   # at least 5x closer (measured: 7x linear, 28x cosine)
    assert solver_error < 0.04 * float(exact.abs().max())
    # one step is DDIM's step straight to x0_hat
    first = dpm_solver_sample(denoise, alpha_bar, [999], x_T, clip=False)
    assert torch.allclose(first, ddim_sample(denoise, alpha_bar, [999], x_T, clip=False))


def _eight_bit(x):
    return ((x + 1) * 127.5).round() / 127.5 - 1


def test_the_bound_of_an_oracle_denoiser_is_the_closed_form():
    # A denoiser that knows x0 makes every KL term 0 when p's variance is the posterior's; what is left
    # is L_T (a Gaussian KL) and L_0 (the discretized Gaussian mass of the right bin).
    model = pixelforge.create_model("ddpm", image_size=16, variance="posterior", **TINY)
    x0 = _eight_bit(torch.rand(2, 1, 16, 16, generator=_generator()) * 2 - 1)
    x0[:, :, 0] = -1.0  # edge bins integrate to -infinity

    def oracle(x_t, t):
        return x0, eps_from_x0(x0, x_t, at(model.alpha_bar, t, x_t))

    terms = variational_bound(oracle, model.alpha_bar, model.model_variance, x0, _generator())
    ab, sigma, half_bin = float(model.alpha_bar[-1]), float(model.model_variance[0].sqrt()), 1 / 255
    prior = (0.5 * (ab * x0.double()**2 + (1 - ab) - 1 - math.log(1 - ab))).flatten(1).sum(1)
    normal = torch.distributions.Normal(0.0, 1.0)
    inner = -math.log(normal.cdf(torch.tensor(half_bin / sigma)) - normal.cdf(torch.tensor(-half_bin / sigma)))
    edge = -math.log(normal.cdf(torch.tensor(half_bin / sigma)))
    decoder = torch.where(x0.abs() > 0.999, edge, inner).flatten(1).sum(1)
    assert torch.allclose(terms.prior.double(), prior, rtol=1e-4)
    assert float(terms.transitions.abs().max()) < 1e-6
    assert torch.allclose(terms.decoder.double(), decoder.double(), rtol=1e-4)


def test_stratified_timesteps_cover_every_kl_term_once_in_weight():
    pairs = stratified_timesteps(1000, 10, 3, _generator())
    assert sum(weight for _, weight in pairs) == 999 and len(pairs) == 10
    assert all(bool(((t >= 1) & (t <= 999)).all()) and t.shape == (3,) for t, _ in pairs)
    assert [(t.tolist(), weight) for t, weight in stratified_timesteps(20, 0, 2, None)] == \
        [([t, t], 1) for t in range(1, 20)]


def test_repaint_path_goes_down_jumps_back_and_ends_on_the_data():
    assert repaint_path(4, 10, 1) == [0, 1, 2, 3, 4]
    path = repaint_path(6, 2, 2)
    assert path[0] == 0 and path[-1] == 6 and all(abs(a - b) == 1 for a, b in zip(path, path[1:]))
    assert sum(1 for a, b in zip(path, path[1:]) if b > a) == 6 + 2 * 2   # two jumps of length 2 redone
    with pytest.raises(ConfigError):
        repaint_path(4, 0, 1)


def test_configs_are_validated():
    with pytest.raises(ConfigError, match="channel_multipliers"):
        pixelforge.create_model("ddpm", channel_multipliers="1,x")
    with pytest.raises(ConfigError, match="halve evenly"):
        pixelforge.create_model("ddpm", channel_multipliers="1,2,2,2")  # 28 -> 14 -> 7 -> 3.5
    with pytest.raises(ConfigError, match="sampling_steps"):
        pixelforge.create_model("ddpm", num_timesteps=10, sampling_steps=20)


# --- a tiny model trained on eight real digits: inversion, editing and the bound ---------------------

@pytest.fixture(scope="module")
def trained():
    torch.manual_seed(0)
    test = pixelforge.load_dataset("embedded-mnist", split="train")
    images = _eight_bit(F.interpolate(test.batch(torch.arange(8))[0], size=16, mode="bilinear", antialias=True))
    untrained = pixelforge.create_model("ddpm", image_size=16, width=16, channel_multipliers="1,2", blocks_per_level=1,
                                        dropout=0.0, num_timesteps=100, sampling_steps=20)
    model = pixelforge.create_model("ddpm", **untrained.config.__dict__)
    model.load_state_dict(untrained.state_dict())
    optimizer, g = torch.optim.Adam(model.parameters(), lr=2e-3), _generator()
    for _ in range(250):
        loss = model(images, generator=g)
        optimizer.zero_grad()
        loss.backward()
        optimizer.step()
    return model.eval(), untrained.eval(), images


def test_ddim_inversion_reconstructs_real_images(trained):
    model, _, images = trained
    noise = invert_to_noise(model, images, steps=20, refinements=3)
    assert 0.8 < float(noise.std()) < 1.2                      # it looks like Gaussian noise
    assert F.mse_loss(decode_noise(model, noise, steps=20), images).item() < 2e-3
    other = decode_noise(model, torch.randn(images.shape, generator=_generator(3)), steps=20)
    assert F.mse_loss(other, images).item() > 0.1               # a different noise is a different image
    strip = interpolate_images(model, images[0], images[1], num_images=5, steps=20, refinements=3)
    assert strip.shape == (5, 1, 16, 16)
    assert F.mse_loss(strip[0], images[0]).item() < 5e-3 and F.mse_loss(strip[-1], images[1]).item() < 5e-3


@pytest.mark.parametrize("resamplings", [1, 3])
def test_repaint_keeps_the_known_pixels_exactly(trained, resamplings):
    model, _, images = trained
    known = torch.ones(1, 1, 16, 16, dtype=torch.bool)
    known[..., 4:12, 4:12] = False
    result = repaint(model, images[:4], known, _generator(), steps=10, jump_length=3, resamplings=resamplings)
    assert torch.equal(result[known.expand_as(result)], images[:4][known.expand_as(result)])
    hole = ~known.expand_as(result)
    assert not torch.equal(result[hole], images[:4][hole]) and result.min() >= -1 and result.max() <= 1
    with pytest.raises(DataError, match="does not match"):
        repaint(model, images[:4], known[..., :8], _generator())


def test_img2img_keeps_the_guide_at_low_strength_and_refuses_bad_strengths(trained):
    model, _, images = trained
    light = img2img(model, images, 0.1, _generator())
    heavy = img2img(model, images, 1.0, _generator())
    assert F.mse_loss(light, images).item() < 0.02 < F.mse_loss(heavy, images).item()
    for strength in (0.0, 1.5, -0.2):
        with pytest.raises(ConfigError, match="strength"):
            img2img(model, images, strength, _generator())


def test_the_bound_is_finite_positive_and_lower_after_training(trained):
    model, untrained, images = trained
    bits = -model.log_prob(images, generator=_generator()) / (256 * math.log(2))
    before = -untrained.log_prob(images, generator=_generator()) / (256 * math.log(2))
    assert torch.isfinite(bits).all() and bool((bits > 0).all())
    assert float(bits.mean()) < float(before.mean()) - 1.0
    # 20 of the 99 KL terms, stratified: unbiased, so a few estimates average to about the full bound.
    estimates = [float((-model.log_prob(images, generator=_generator(seed), timesteps=20)).mean()) for seed in range(4)]
    assert sum(estimates) / 4 / (256 * math.log(2)) == pytest.approx(float(bits.mean()), rel=0.15)
    with pytest.raises(ConfigError, match="importance samples"):
        model.log_prob(images, num_samples=10)
