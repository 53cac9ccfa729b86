"""Autoregressive family: causality, exact likelihoods, sampling, completion, training."""

import itertools
import json

import pytest
import torch

import pixelforge
from pixelforge import TrainConfig
from pixelforge.errors import ConfigError
from pixelforge.models.autoregressive.heads import BernoulliHead, Head, LogisticMixtureHead, SoftmaxHead

TINY = {"width": 6, "output_width": 8, "num_layers": 2}
TINY_LSTM = {"width": 6, "output_width": 8, "num_layers": 1}
TINY_PP = {"width": 6, "num_layers": 1, "num_scales": 2, "num_mixtures": 2}
MASKED = {"pixelcnn": TINY, "gated_pixelcnn": TINY, "row_lstm": TINY_LSTM, "diagonal_bilstm": TINY_LSTM}
CAUSALITY_CASES = [
    *[(name, {**small, "likelihood": likelihood, "channels": channels})
      for name, small in MASKED.items()
      for likelihood, channels in (("bernoulli", 1), ("softmax", 1), ("softmax", 3))],
    ("conditional_gated_pixelcnn", {**TINY, "likelihood": "softmax", "channels": 3}),
    ("pixelcnn_pp", {**TINY_PP, "channels": 1}),
    ("pixelcnn_pp", {**TINY_PP, "channels": 3}),
]


def _tiny(name, image_size=7, **overrides):
    torch.manual_seed(0)
    small = TINY_PP if name == "pixelcnn_pp" else MASKED.get(name, TINY)
    return pixelforge.create_model(name, image_size=image_size, **{**small, **overrides}).eval()


def _labels(model, batch):
    return torch.arange(batch) % model.config.num_classes if model.config.num_classes else None


def _dependencies(model, x, y):
    """(C·H·W, C·H·W) bool: entry [out, in] when some output parameter of `out` depends on input `in`
    for some image of the batch x (several, so that no dependency hides behind an inactive ReLU),
    both indexed in raster-then-channel order: (i · W + j) · C + c."""
    x = x.clone().requires_grad_(True)
    params = model.distribution_params(x, y)                        # (1, C, P, H, W)
    _, channels, _, height, width = params.shape
    rows = []
    for i, j, c in itertools.product(range(height), range(width), range(channels)):
        (grad,) = torch.autograd.grad(params[:, c, :, i, j].sum(), x, retain_graph=True)
        rows.append((grad != 0).any(0).permute(1, 2, 0).reshape(-1))  # (H, W, C) raster-then-channel
    return torch.stack(rows)


@pytest.mark.parametrize("name,overrides", CAUSALITY_CASES,
                         ids=[f"{n}-{o.get('likelihood', 'mixture')}-c{o['channels']}" for n, o in CAUSALITY_CASES])
def test_every_output_depends_only_on_earlier_pixels_and_channels(name, overrides):
    wide = {"width": 12, "output_width": 24} if overrides["channels"] == 3 else {}  # no dead ReLU hides a path
    model = _tiny(name, **{**overrides, **wide})
    x = torch.rand(8, model.config.channels, 7, 7, generator=torch.Generator().manual_seed(1)) * 2 - 1
    depends = _dependencies(model, x, _labels(model, 8))
    order = torch.arange(len(depends))
    future = order[None, :] >= order[:, None]                        # input at or after the output
    assert not depends[future].any(), f"{name}: an output sees its own or a later pixel/channel"
    sees_past = depends.any(dim=1)
    assert sees_past[1:].all(), f"{name}: outputs {torch.nonzero(~sees_past[1:]).flatten() + 1} see nothing earlier"
    if overrides["channels"] == 3:  # G sees R of the same pixel, B sees R and G (pixel (3, 3): outputs 72..74)
        base = (3 * 7 + 3) * 3
        assert depends[base + 1, base] and depends[base + 2, base] and depends[base + 2, base + 1]


def test_diagonal_bilstm_sees_the_whole_past_in_one_layer_but_the_last_pixel_of_the_row_above():
    # Only the stem's features of the next row carry input (i-1, W-1) (mask A hides a pixel from its own
    # features), and the left-to-right LSTM at (i, j) reaches them for j >= W - 1 - first_kernel_size // 2.
    model = _tiny("diagonal_bilstm", likelihood="softmax")
    depends = _dependencies(model, torch.rand(8, 1, 7, 7, generator=torch.Generator().manual_seed(1)) * 2 - 1, None)
    past = torch.arange(49)[None, :] < torch.arange(49)[:, None]
    unseen = torch.zeros(49, 49, dtype=torch.bool)
    for i in range(1, 7):
        unseen[i * 7:i * 7 + 3, (i - 1) * 7 + 6] = True
    assert torch.equal(past & ~depends, unseen)


def test_the_two_directions_run_together_give_each_direction_alone():
    from pixelforge.models.autoregressive.pixelrnn import DiagonalBiLSTMLayer, diagonal_pair

    torch.manual_seed(0)
    layer = DiagonalBiLSTMLayer(4, 1).double()
    x = torch.randn(3, 8, 6, 5, dtype=torch.float64)
    first, second = diagonal_pair(layer.left_to_right, layer.right_to_left, x, x.flip(3))
    assert torch.allclose(first, layer.left_to_right(x), atol=1e-12, rtol=0)
    assert torch.allclose(second, layer.right_to_left(x.flip(3)), atol=1e-12, rtol=0)


def test_gated_pixelcnn_has_no_blind_spot_where_pixelcnn_has_one():
    # pixel (5, 1) and input (4, 3), up and to the right: PixelCNN's stacked 3x3 masks never reach it
    settings = {"likelihood": "softmax", "num_layers": 3, "first_kernel_size": 3}
    out, source = 5 * 7 + 1, 4 * 7 + 3
    x = torch.rand(8, 1, 7, 7, generator=torch.Generator().manual_seed(2)) * 2 - 1
    assert not _dependencies(_tiny("pixelcnn", **settings), x, None)[out, source]
    assert _dependencies(_tiny("gated_pixelcnn", **settings), x, None)[out, source]


BINARY = ["pixelcnn", "gated_pixelcnn", "conditional_gated_pixelcnn", "row_lstm", "diagonal_bilstm"]


@pytest.mark.parametrize("name", BINARY)
def test_exact_log_prob_sums_to_one_over_every_binary_4x4_image(name):
    model = _tiny(name, image_size=4)
    images = torch.tensor(list(itertools.product([-1.0, 1.0], repeat=16))).view(-1, 1, 4, 4)
    labels = torch.full((len(images),), 3) if model.config.num_classes else None
    with torch.no_grad():
        log_p = torch.cat([model.log_prob(chunk, None if labels is None else labels[:len(chunk)])
                           for chunk in images.split(4096)])
    assert abs(log_p.double().exp().sum().item() - 1.0) < 1e-5


def _last_two_pixels_sum(model, channels):
    """Σ over all 256² values of the last two gray pixels of p(those two | a fixed random prefix)."""
    levels = torch.arange(256) / 127.5 - 1
    prefix = levels[torch.randint(0, 256, (1, channels, 4, 4), generator=torch.Generator().manual_seed(0))]
    images = prefix.repeat(256 * 256, 1, 1, 1)
    pairs = torch.cartesian_prod(levels, levels)
    images[:, 0, 3, 2], images[:, 0, 3, 3] = pairs[:, 0], pairs[:, 1]
    with torch.no_grad():
        per_pixel = torch.cat([model.pixel_log_prob(chunk) for chunk in images.split(4096)])
    return per_pixel[:, 0, 3, 2:].sum(1).double().exp().sum().item()


@pytest.mark.parametrize("name", ["pixelcnn", "row_lstm", "pixelcnn_pp"])
def test_8bit_conditionals_of_the_last_two_pixels_sum_to_one(name):
    extra = {} if name == "pixelcnn_pp" else {"likelihood": "softmax"}
    assert abs(_last_two_pixels_sum(_tiny(name, image_size=4, **extra), 1) - 1.0) < 1e-4


def test_colour_softmax_green_given_red_and_blue_given_red_and_green_sum_to_one():
    model = _tiny("pixelcnn", image_size=4, likelihood="softmax", channels=3)
    levels = torch.arange(256) / 127.5 - 1
    base = torch.rand(1, 3, 4, 4, generator=torch.Generator().manual_seed(0)) * 2 - 1
    for channel, green in ((1, None), (2, -0.5), (2, 0.7)):
        images = base.repeat(256, 1, 1, 1)
        if green is not None:
            images[:, 1, 3, 3] = green
        images[:, channel, 3, 3] = levels
        with torch.no_grad():
            log_p = model.pixel_log_prob(images)[:, channel, 3, 3]
        assert abs(log_p.double().exp().sum().item() - 1.0) < 1e-5


def test_logistic_mixture_channel_conditionals_are_normalized_and_multiply_to_the_joint():
    head = LogisticMixtureHead(channels=3, num_mixtures=3)
    raw = torch.randn(1, head.raw_channels(), 1, 1, generator=torch.Generator().manual_seed(0))
    x = torch.tensor([[0.2, -0.4, 0.9]])
    params = head.params(raw, x[:, :, None, None])[:, :, :, 0, 0]        # (1, C, 3K)
    for channel in range(3):  # Σ_v p(x_c = v | x_<c) = 1
        assert abs(head.value_log_probs(params, x, channel).double().exp().sum().item() - 1.0) < 1e-5
    # Σ_c log p(x_c | x_<c) = log Σ_k π_k Π_c p(x_c | x_<c, k), with the means linear in the earlier channels
    k = 3
    logits, means, scales = raw[0, :k, 0, 0], raw[0, k:4 * k, 0, 0].view(3, k), raw[0, 4 * k:7 * k, 0, 0].view(3, k)
    alpha, beta, gamma = torch.tanh(raw[0, 7 * k:, 0, 0].view(3, k))
    means = torch.stack([means[0], means[1] + alpha * x[0, 0], means[2] + beta * x[0, 0] + gamma * x[0, 1]])
    from pixelforge.models.likelihoods import discretized_logistic_log_prob
    per_component = discretized_logistic_log_prob(means, scales.clamp(min=-7), x[0, :, None]).sum(0)
    joint = torch.logsumexp(torch.log_softmax(logits, 0) + per_component, 0)
    total = head.log_prob(head.params(raw, x[:, :, None, None]), x[:, :, None, None]).sum()
    assert torch.allclose(total, joint, atol=1e-5)


def test_loss_is_the_mean_nll_in_nats_and_log_prob_is_the_sum_of_pixel_terms():
    model = _tiny("gated_pixelcnn", likelihood="softmax")
    x = torch.rand(3, 1, 7, 7, generator=torch.Generator().manual_seed(0)) * 2 - 1
    loss = model(x)
    log_p = model.log_prob(x)
    assert torch.allclose(loss, -log_p.mean())
    assert torch.allclose(log_p, model.pixel_log_prob(x).sum((1, 2, 3)))
    assert torch.allclose(model.bits_per_dim(x), -log_p / (49 * torch.log(torch.tensor(2.0))))
    assert model.last_terms["nll_nats"] == pytest.approx(float(loss.detach()))


@pytest.mark.parametrize("name", ["pixelcnn", "gated_pixelcnn", "row_lstm", "diagonal_bilstm", "pixelcnn_pp"])
def test_row_params_from_the_rows_above_equal_the_full_pass(name):
    model = _tiny(name, image_size=8, num_layers=1)
    x = torch.rand(2, 1, 8, 8, generator=torch.Generator().manual_seed(0)) * 2 - 1
    with torch.no_grad():
        full = model.distribution_params(x)
        for row in range(8):
            assert torch.allclose(model.row_params(x, row), full[:, :, :, row], atol=1e-5)


@pytest.mark.parametrize("name,overrides", [("pixelcnn", {"likelihood": "softmax", "channels": 3}),
                                            ("pixelcnn_pp", {"channels": 3}), ("row_lstm", {})])
def test_seeded_sampling_is_reproducible_and_in_range(name, overrides):
    model = _tiny(name, image_size=5, **overrides)
    first = model.sample(3, generator=torch.Generator().manual_seed(0))
    again = model.sample(3, generator=torch.Generator().manual_seed(0))
    other = model.sample(3, generator=torch.Generator().manual_seed(1))
    assert first.shape == (3, model.config.channels, 5, 5)
    assert torch.equal(first, again) and not torch.equal(first, other)
    levels = torch.round((first + 1) * 127.5)
    assert first.min() >= -1 and first.max() <= 1 and torch.allclose(levels / 127.5 - 1, first)
    with pytest.raises(ConfigError, match="method='cached'"):
        model.sample(1, method="cached")


FAST_CASES = [
    *[(name, {"likelihood": "bernoulli"}) for name in ("pixelcnn", "gated_pixelcnn", "conditional_gated_pixelcnn",
                                                       "row_lstm", "diagonal_bilstm")],
    *[(name, {"likelihood": "softmax", "channels": 3, "width": 12, "num_layers": 2})
      for name in ("pixelcnn", "gated_pixelcnn", "row_lstm", "diagonal_bilstm")],
    ("pixelcnn_pp", {"channels": 1}), ("pixelcnn_pp", {"channels": 3, "num_scales": 3}),
]


def _perturbed(name, **overrides):
    """A tiny model with weights pushed away from their initialization, so that no layer is negligible."""
    model = _tiny(name, image_size=6, **overrides)
    generator = torch.Generator().manual_seed(1)
    with torch.no_grad():
        for parameter in model.parameters():
            parameter.add_(0.3 * torch.randn(parameter.shape, generator=generator))
    return model


def test_fast_sampling_is_covered_for_every_registered_autoregressive_model():
    registered = {name for name in pixelforge.list_models()
                  if isinstance(pixelforge.create_model(name), pixelforge.models.autoregressive.AutoregressiveModel)}
    assert registered == {name for name, _ in FAST_CASES}


@pytest.mark.parametrize("name,overrides", FAST_CASES,
                         ids=[f"{n}-c{o.get('channels', 1)}" for n, o in FAST_CASES])
def test_fast_and_naive_sampling_give_identical_samples_from_the_same_seed(name, overrides):
    model = _perturbed(name, **overrides)
    fast = model.sample(4, generator=torch.Generator().manual_seed(0))                  # the default
    naive = model.sample(4, generator=torch.Generator().manual_seed(0), method="naive")
    assert torch.equal(fast, naive)
    assert len({tuple(image.flatten().tolist()) for image in fast}) > 1                # not a constant image


@pytest.mark.parametrize("name,overrides", FAST_CASES,
                         ids=[f"{n}-c{o.get('channels', 1)}" for n, o in FAST_CASES])
def test_the_stepper_reproduces_the_full_pass_pixel_by_pixel(name, overrides):
    model = _perturbed(name, **overrides).double()  # float64: the comparison is of the arithmetic, not rounding
    channels = model.config.channels
    x = (torch.rand(3, channels, 6, 6, generator=torch.Generator().manual_seed(2)) * 2 - 1).double()
    y = _labels(model, 3)
    stepper = model.stepper(x, y)
    with torch.no_grad():
        full = model.network(x, y)
        for i, j in itertools.product(range(6), range(6)):
            torch.testing.assert_close(stepper.raw(x, i, j), full[:, :, i, j], atol=1e-9, rtol=1e-9)


@pytest.mark.parametrize("name,overrides", [("gated_pixelcnn", {}), ("diagonal_bilstm", {}),
                                            ("pixelcnn", {"likelihood": "softmax", "channels": 3, "width": 12}),
                                            ("pixelcnn_pp", {"channels": 3, "num_scales": 3})])
def test_fast_and_naive_completion_agree_with_scattered_known_pixels_and_channels(name, overrides):
    model = _perturbed(name, **overrides)
    channels = model.config.channels
    generator = torch.Generator().manual_seed(3)
    x = torch.where(torch.rand(2, channels, 6, 6, generator=generator) > 0.5, 1.0, -1.0)
    if channels == 3:
        x = torch.round((torch.rand(x.shape, generator=generator) * 2 - 1) * 127.5) / 127.5
    known = torch.rand(2, channels, 6, 6, generator=generator) > 0.6        # per channel, per image
    fast = model.complete(x, known, num_completions=2, generator=torch.Generator().manual_seed(4))
    naive = model.complete(x, known, num_completions=2, generator=torch.Generator().manual_seed(4), method="naive")
    assert torch.equal(fast, naive)
    assert torch.equal(fast[:, 0][known], x[known])


def test_samples_follow_the_model_distribution():
    # A pixel whose conditional is nearly deterministic must come out that way in samples.
    model = _tiny("pixelcnn", image_size=4)
    with torch.no_grad():
        model.network.output[-1].bias.fill_(6.0)     # every pixel white with probability sigmoid(6) ≈ 0.9975
        model.network.output[-1].weight.zero_()
    samples = model.sample(20, generator=torch.Generator().manual_seed(0))
    assert (samples == 1).float().mean() > 0.97


def test_completion_keeps_known_pixels_and_samples_only_unknown_ones():
    model = _tiny("gated_pixelcnn", image_size=5)
    x = torch.where(torch.rand(2, 1, 5, 5, generator=torch.Generator().manual_seed(0)) > 0.5, 1.0, -1.0)
    known = torch.zeros(2, 1, 5, 5, dtype=torch.bool)
    known[:, :, :3] = True                                              # top three rows known
    out = model.complete(x, known, num_completions=4, generator=torch.Generator().manual_seed(0))
    assert out.shape == (2, 4, 1, 5, 5)
    assert torch.equal(out[:, :, :, :3], x[:, None, :, :3].expand(2, 4, 1, 3, 5))
    assert not torch.equal(out[:, 0], out[:, 1]) or not torch.equal(out[:, 2], out[:, 3])
    everything = model.complete(x, torch.ones_like(known), generator=torch.Generator().manual_seed(0))
    assert torch.equal(everything[:, 0], x)
    with pytest.raises(ConfigError, match="known_mask of shape"):
        model.complete(x, known[:, :, :3])
    nothing = model.complete(torch.zeros_like(x), torch.zeros_like(known), generator=torch.Generator().manual_seed(5))
    assert torch.equal(nothing[:, 0], model.sample(2, generator=torch.Generator().manual_seed(5)))


def test_conditional_model_samples_depend_on_the_label():
    model = _tiny("conditional_gated_pixelcnn", image_size=5)
    with torch.no_grad():
        model.network.layers[0].label_bias.weight.mul_(20)
    with pytest.raises(ConfigError, match="class-conditional"):
        model(-torch.ones(1, 1, 5, 5))
    threes = model.sample(4, y=torch.full((4,), 3), generator=torch.Generator().manual_seed(0))
    sevens = model.sample(4, y=torch.full((4,), 7), generator=torch.Generator().manual_seed(0))
    assert not torch.equal(threes, sevens)


@pytest.fixture(scope="module")
def mnist_8x8():
    return pixelforge.load_dataset("embedded-mnist", image_size=8).subset(torch.arange(128))


@pytest.mark.parametrize("name", ["pixelcnn", "gated_pixelcnn", "row_lstm", "diagonal_bilstm", "pixelcnn_pp"])
def test_a_few_training_steps_on_real_digits_raise_log_prob(name, mnist_8x8):
    model = _tiny(name, image_size=8).train()
    x, _ = mnist_8x8.batch(torch.arange(64))
    if model.input_kind == "binary":
        x = pixelforge.data.binarize_fixed(x)
    optimizer = torch.optim.Adam(model.parameters(), lr=1e-2)
    with torch.no_grad():
        before = model.log_prob(x).mean()
    for _ in range(15):
        optimizer.zero_grad()
        model(x).backward()
        optimizer.step()
    with torch.no_grad():
        after = model.log_prob(x).mean()
    assert after > before + 0.05 * abs(before)


@pytest.mark.parametrize("name", ["pixelcnn", "gated_pixelcnn", "conditional_gated_pixelcnn", "row_lstm",
                                  "diagonal_bilstm", "pixelcnn_pp"])
def test_the_trainer_trains_every_autoregressive_model(name, mnist_8x8, tmp_path):
    config = TrainConfig(steps=3, batch_size=16, log_every=1, sample_every=0, checkpoint_every=0,
                         num_grid_samples=2)
    small = TINY_PP if name == "pixelcnn_pp" else TINY
    result = pixelforge.train(name, "embedded-mnist", tmp_path / "run", config, small, dataset=mnist_8x8)
    assert result.steps == 3
    records = [json.loads(line) for line in (tmp_path / "run" / "metrics.jsonl").read_text().splitlines()]
    assert all(r["loss/loss"] > 0 for r in records)
    assert (result.checkpoint / "model.safetensors").is_file()


@pytest.mark.parametrize("name,field,value", [
    ("pixelcnn", "likelihood", "logistic_mixture"), ("pixelcnn_pp", "likelihood", "softmax"),
    ("pixelcnn", "kernel_size", 4), ("row_lstm", "first_kernel_size", 1), ("gated_pixelcnn", "width", 0),
    ("pixelcnn", "num_classes", 10), ("pixelcnn_pp", "dropout", 1.0), ("pixelcnn_pp", "num_mixtures", 0),
    ("diagonal_bilstm", "architecture", "transformer"),
])
def test_bad_config_values_name_the_field(name, field, value):
    with pytest.raises(ConfigError, match=field):
        pixelforge.create_model(name, **{field: value})


def test_colour_width_must_split_into_channel_groups():
    with pytest.raises(ConfigError, match="width=8: expected a multiple of channels=3"):
        pixelforge.create_model("pixelcnn", channels=3, width=8)


@pytest.mark.parametrize("head", [BernoulliHead(1), SoftmaxHead(3)], ids=["bernoulli", "softmax"])
def test_shortcut_value_log_probs_equal_the_generic_candidate_images(head):
    raw = torch.randn(4, head.raw_channels(), 1, 1, generator=torch.Generator().manual_seed(0)) * 3
    x = torch.zeros(4, head.channels, 1, 1)
    params = head.params(raw, x)[..., 0, 0]
    for channel in range(head.channels):
        torch.testing.assert_close(head.value_log_probs(params, x[..., 0, 0], channel),
                                   Head.value_log_probs(head, params, x[..., 0, 0], channel))
