"""GAN family: losses, gradient penalty, spectral norm, DiffAugment, n_critic, health warnings, resume."""

import json
import math

import pytest
import torch
from safetensors.torch import load_file
from torch import nn

import pixelforge
from pixelforge import TrainConfig
from pixelforge.errors import ConfigError
from pixelforge.models.gan.diffaugment import cutout, diff_augment, translation
from pixelforge.models.gan.health import GANHealth
from pixelforge.models.gan.losses import discriminator_loss, generator_loss, gradient_penalty
from pixelforge.models.gan.model import truncated_normal

SMALL = {"width": 4, "latent_dim": 8}


def test_losses_at_hand_computed_values():
    zero, one = torch.zeros(3), torch.ones(3)
    assert discriminator_loss("nonsaturating", zero, zero).item() == pytest.approx(2 * math.log(2))
    assert generator_loss("nonsaturating", zero).item() == pytest.approx(math.log(2))
    assert discriminator_loss("hinge", one, -one).item() == 0.0           # both margins met
    assert discriminator_loss("hinge", zero, zero).item() == pytest.approx(2.0)
    assert discriminator_loss("wasserstein", 3 * one, one).item() == pytest.approx(-2.0)
    assert generator_loss("hinge", 2 * one).item() == pytest.approx(-2.0)


@pytest.mark.parametrize("weight_value,expected", [(0.5, 0.0), (2.0, 9.0), (0.25, 0.25)])
def test_gradient_penalty_of_a_linear_critic(weight_value, expected):
    # D(x) = <w, x> has gradient w everywhere, so the penalty is (||w|| - 1)^2 for any mixing weights.
    # w fills a 1x2x2 image: ||w|| = 2 * weight_value.
    w = torch.full((1, 2, 2), weight_value)
    real, fake = torch.randn(5, 1, 2, 2), torch.randn(5, 1, 2, 2)
    penalty = gradient_penalty(lambda x: (x * w).flatten(1).sum(1), real, fake, torch.Generator().manual_seed(0))
    assert penalty.item() == pytest.approx(expected, abs=1e-6)


def test_gradient_penalty_is_differentiable_with_respect_to_the_critic():
    critic = nn.Sequential(nn.Flatten(), nn.Linear(4, 1))
    penalty = gradient_penalty(lambda x: critic(x).squeeze(1), torch.randn(3, 1, 2, 2), torch.randn(3, 1, 2, 2))
    penalty.backward()
    assert critic[1].weight.grad is not None and critic[1].weight.grad.abs().sum() > 0


@pytest.mark.parametrize("name", ["sngan", "conditional_sngan"])
def test_spectral_norm_keeps_the_largest_singular_value_near_one(name):
    torch.manual_seed(0)
    model = pixelforge.create_model(name, width=8, latent_dim=8)
    x = torch.rand(4, 1, 28, 28) * 2 - 1
    y = torch.arange(4) if model.config.num_classes else None
    with torch.no_grad():
        for _ in range(30):  # one power iteration per training-mode forward
            model.discriminator_network(x, y)
    checked = 0
    for module in model.discriminator_network.modules():
        if isinstance(module, (nn.Conv2d, nn.Linear)):
            sigma = torch.linalg.matrix_norm(module.weight.detach().flatten(1), ord=2).item()
            assert sigma == pytest.approx(1.0, abs=0.02), f"{module}: largest singular value {sigma}"
            checked += 1
    assert checked >= 8


def test_diffaugment_is_seeded_differentiable_and_keeps_the_shape():
    x = (torch.rand(6, 3, 16, 16) * 2 - 1).requires_grad_(True)
    policies = ("color", "translation", "cutout")
    first = diff_augment(x, policies, torch.Generator().manual_seed(1))
    again = diff_augment(x, policies, torch.Generator().manual_seed(1))
    other = diff_augment(x, policies, torch.Generator().manual_seed(2))
    assert first.shape == x.shape and torch.equal(first, again) and not torch.equal(first, other)
    first.sum().backward()
    assert x.grad is not None and x.grad.abs().sum() > 0


def test_translation_shifts_content_and_cutout_blanks_a_square():
    x = torch.arange(1, 65, dtype=torch.float32).view(1, 1, 8, 8)
    for seed in range(20):
        shifted = translation(x, torch.Generator().manual_seed(seed))
        nonzero = shifted[shifted != 0]
        # every kept value is an original pixel, and a shift by (dy, dx) keeps (8-|dy|)(8-|dx|) of them
        assert set(nonzero.tolist()) <= set(x.flatten().tolist())
        assert nonzero.numel() in {(8 - a) * (8 - b) for a in range(2) for b in range(2)}
    blanked = cutout(torch.ones(3, 1, 8, 8), torch.Generator().manual_seed(0))
    assert ((blanked == 0).flatten(1).sum(1) == 16).all()  # a 4x4 square in each image


def test_unknown_diffaugment_policy_and_bad_size_are_clear_errors():
    with pytest.raises(ConfigError, match="diffaugment='colour'"):
        pixelforge.create_model("dcgan", diffaugment="colour")
    with pytest.raises(ConfigError, match="image_size=30"):
        pixelforge.create_model("dcgan", image_size=30)


def test_truncation_bounds_every_latent():
    z = truncated_normal((500, 16), 0.5, torch.Generator().manual_seed(0), torch.device("cpu"))
    assert z.abs().max() <= 0.5 and z.std() > 0.2
    model = pixelforge.create_model("dcgan", **SMALL).eval()
    assert model.latents(10, torch.Generator().manual_seed(0), truncation=0.3).abs().max() <= 0.3


def test_trainer_updates_the_generator_only_every_n_critic_steps(tmp_path):
    dataset = pixelforge.load_dataset("embedded-mnist").subset(torch.arange(64))
    snapshots = []

    def snapshot(trainer, step):
        model = trainer.model
        snapshots.append((torch.cat([p.detach().flatten() for p in model.generator_network.parameters()]),
                          torch.cat([p.detach().flatten() for p in model.discriminator_network.parameters()])))

    config = TrainConfig(steps=7, batch_size=16, sample_every=0, checkpoint_every=0, log_every=1)
    pixelforge.train("wgan_gp", "embedded-mnist", tmp_path / "run", config, SMALL, dataset=dataset,
                     callbacks=[snapshot])
    generator_changed = [not torch.equal(a[0], b[0]) for a, b in zip(snapshots, snapshots[1:])]
    critic_changed = [not torch.equal(a[1], b[1]) for a, b in zip(snapshots, snapshots[1:])]
    # steps 2..7 (0-based 1..6): the generator moves only at 0-based step 5 (n_critic=5)
    assert generator_changed == [False, False, False, False, True, False]
    assert all(critic_changed)
    records = [json.loads(line) for line in (tmp_path / "run" / "metrics.jsonl").read_text().splitlines()]
    assert all("gan/gradient_penalty" in r and "loss/generator" in r for r in records)


def test_generator_is_stepped_every_n_critic_steps():
    model = pixelforge.create_model("wgan_gp", **SMALL, n_critic=3)
    schedule = [model.objectives_at(step) for step in range(7)]
    generator_steps = [step for step, objectives in enumerate(schedule) if "generator" in objectives]
    assert generator_steps == [0, 3, 6]
    assert all(objectives[0] == "discriminator" for objectives in schedule)


def test_reused_fakes_give_the_same_generator_loss_as_fresh_ones_from_the_same_latents():
    torch.manual_seed(0)
    reuse = pixelforge.create_model("dcgan", **SMALL)
    fresh = pixelforge.create_model("dcgan", **SMALL, reuse_fake=False)
    fresh.load_state_dict(reuse.state_dict())
    x = torch.rand(8, 1, 28, 28) * 2 - 1
    losses = []
    for model in (reuse, fresh):
        generator = torch.Generator().manual_seed(5)
        model(x, objective="discriminator", generator=generator)
        if model is fresh:  # the fresh model draws new latents: rewind to the discriminator step's draw
            generator = torch.Generator().manual_seed(5)
        losses.append(model(x, objective="generator", generator=generator))
    assert losses[0].item() == pytest.approx(losses[1].item(), rel=1e-5)


def test_generator_step_leaves_the_discriminator_weights_without_gradients():
    torch.manual_seed(0)
    model = pixelforge.create_model("dcgan", **SMALL)
    x = torch.rand(8, 1, 28, 28) * 2 - 1
    model(x, objective="discriminator")
    model.zero_grad(set_to_none=True)
    model(x, objective="generator").backward()
    assert all(p.grad is None for p in model.discriminator_network.parameters())   # never computed
    assert all(p.requires_grad for p in model.discriminator_network.parameters())  # flags restored
    assert all(p.grad is not None and p.grad.abs().sum() > 0 for p in model.generator_network.parameters()
               if p.ndim > 1)


def test_discriminator_terms_are_logged_on_demand_with_the_same_values():
    from pixelforge.models.gan.model import mean_pairwise_distance

    torch.manual_seed(0)
    model = pixelforge.create_model("wgan_gp", **SMALL)
    x = torch.rand(8, 1, 28, 28) * 2 - 1
    generator = torch.Generator().manual_seed(3)
    model(x, objective="discriminator", generator=generator)
    terms = dict(model.last_terms)
    assert set(terms) == {"gan/d_real", "gan/d_fake", "gan/diversity", "gan/gradient_penalty"}
    fake = model.generator_network(torch.randn((8, SMALL["latent_dim"]), generator=torch.Generator().manual_seed(3)))
    expected = float(mean_pairwise_distance(fake) / mean_pairwise_distance(x))
    assert terms["gan/diversity"] == pytest.approx(expected, rel=1e-5)
    assert terms["gan/gradient_penalty"] >= 0


def test_health_warnings_fire_once_per_condition():
    health = GANHealth("nonsaturating")
    quiet = {"loss/discriminator": 1.2, "gan/diversity": 0.9, "gan/gradient_penalty": 0.1}
    assert health.check({**quiet, "step": 1}) == []
    collapsed = {**quiet, "loss/discriminator": 0.001}
    messages = [health.check({**collapsed, "step": s}) for s in range(2, 7)]
    assert [len(m) for m in messages] == [0, 0, 1, 0, 0]
    assert "discriminator loss" in messages[2][0] and "lr_discriminator" in messages[2][0]
    low = {**quiet, "gan/diversity": 0.3}
    assert [len(health.check({**low, "step": s})) for s in range(3)] == [0, 0, 1]
    penalty = {**quiet, "gan/gradient_penalty": 4.0}
    assert "gradient penalty" in [health.check({**penalty, "step": s}) for s in range(3)][-1][0]
    assert GANHealth("wasserstein").check({"loss/discriminator": -5.0}) == []


def test_standing_statistics_are_the_average_over_fresh_generator_batches():
    torch.manual_seed(0)
    model = pixelforge.create_model("dcgan", **SMALL)
    first_norm = model.generator_network.stem_norm
    inputs = []
    handle = first_norm.register_forward_hook(lambda module, args, output: inputs.append(args[0].detach()))
    first_norm.running_mean.fill_(5.0)
    model.refresh_after_averaging()
    handle.remove()
    stacked = torch.cat(inputs)
    assert torch.allclose(first_norm.running_mean, stacked.mean(dim=(0, 2, 3)), atol=1e-5)
    assert torch.allclose(first_norm.running_var, stacked.var(dim=(0, 2, 3), unbiased=True), rtol=1e-3)


def test_conditional_gan_samples_the_requested_classes_and_needs_labels():
    model = pixelforge.create_model("conditional_dcgan", **SMALL).eval()
    assert model.labels_for(12, None).tolist() == [c % 10 for c in range(12)]
    with pytest.raises(ConfigError, match="class-conditional"):
        model(torch.zeros(2, 1, 28, 28), None, objective="discriminator")


def test_gan_resume_after_interruption_is_bitwise_identical(tmp_path):
    dataset = pixelforge.load_dataset("embedded-mnist").subset(torch.arange(64))
    config = TrainConfig(steps=8, batch_size=16, sample_every=0, checkpoint_every=3, ema_decay=0.9, log_every=1,
                         seed=2, keep_checkpoints=5)
    overrides = {**SMALL, "n_critic": 2, "diffaugment": "color,translation,cutout"}

    class Stop(Exception):
        pass

    def stop_at_7(trainer, step):
        if step == 7:
            raise Stop

    straight = pixelforge.train("wgan_gp", "embedded-mnist", tmp_path / "a", config, overrides, dataset=dataset)
    with pytest.raises(Stop):
        pixelforge.train("wgan_gp", "embedded-mnist", tmp_path / "b", config, overrides, dataset=dataset,
                         callbacks=[stop_at_7])
    resumed = pixelforge.train("wgan_gp", "embedded-mnist", tmp_path / "b", config, resume=True, dataset=dataset)
    for file in ("model.safetensors", "ema.safetensors"):
        a, b = load_file(straight.checkpoint / file), load_file(resumed.checkpoint / file)
        assert all(torch.equal(a[key], b[key]) for key in a), f"{file} differs after resume"


@pytest.mark.parametrize("name", ["dcgan", "sngan", "conditional_sngan"])
@pytest.mark.parametrize("size,channels", [(32, 3), (64, 3), (48, 1)])
def test_architectures_build_for_colour_and_folder_sizes(name, size, channels):
    model = pixelforge.create_model(name, image_size=size, channels=channels, width=4, latent_dim=8)
    x = torch.rand(2, channels, size, size) * 2 - 1
    y = torch.tensor([0, 1]) if model.config.num_classes else None
    assert model.discriminator_network(x, y).shape == (2,)
    assert model.eval().sample(2, generator=torch.Generator().manual_seed(0)).shape == (2, channels, size, size)


def test_diversity_is_measured_within_classes_for_conditional_batches():
    from pixelforge.models.gan.model import mean_pairwise_distance

    prototypes = torch.rand(10, 1, 28, 28) * 2 - 1
    labels = torch.arange(40) % 10
    one_image_per_class = prototypes[labels]           # distinct across classes, identical within
    assert mean_pairwise_distance(one_image_per_class) > 1.0
    assert mean_pairwise_distance(one_image_per_class, labels) == 0.0


def test_health_flags_a_discriminator_that_scores_real_and_fake_alike():
    # The records of an SN + hinge run on CIFAR-10 with n_critic=1: D(real) = D(fake), loss 2.0.
    health = GANHealth("hinge")
    separated = {"loss/discriminator": 1.3, "gan/d_real": 0.5, "gan/d_fake": -0.3}
    blind = {"loss/discriminator": 2.0, "gan/d_real": -0.193, "gan/d_fake": -0.188}
    records = [separated] * 6 + [blind] * 4 + [separated] + [blind] * 3
    fired = [health.check({**record, "step": s}) for s, record in enumerate(records)]
    assert [bool(m) for m in fired] == [False] * 8 + [True] + [False] * 4 + [True]
    assert "same score" in fired[8][0] and "n_critic=5" in fired[8][0]
    # Blind from the very first records (the initial discriminator): only after the warm-up.
    early = GANHealth("hinge")
    assert [bool(early.check({**blind, "step": s})) for s in range(8)] == [False] * 7 + [True]
    assert GANHealth("wasserstein").check({**blind, "step": 9}) == []


def test_sngan_presets_train_the_discriminator_five_times_per_generator_step():
    assert pixelforge.create_model("sngan", **SMALL).config.n_critic == 5
    assert pixelforge.create_model("conditional_sngan", **SMALL).config.n_critic == 5


def test_health_flags_diversity_that_never_rises():
    health = GANHealth("hinge")
    low = {"loss/discriminator": 1.0, "gan/diversity": 0.1}
    fired = [bool(health.check({**low, "step": s})) for s in range(10)]
    assert fired.index(True) == 7  # after the warm-up records and PATIENCE low ones, once
    assert fired.count(True) == 1


@pytest.mark.slow
def test_a_gan_trains_under_torch_compile(tmp_path):
    # The compiled discriminator step must not keep its fakes for the generator step: the
    # compiled backward frees that graph ("backward through the graph a second time").
    dataset = pixelforge.load_dataset("embedded-mnist").subset(torch.arange(64))
    config = TrainConfig(steps=3, batch_size=16, sample_every=0, checkpoint_every=0, log_every=1, compile=True)
    result = pixelforge.train("dcgan", "embedded-mnist", tmp_path, config, SMALL, dataset=dataset)
    assert result.steps == 3 and set(result.final_losses) == {"discriminator", "generator"}
