"""Latent editing: interpolation, class grids, attribute vectors, GAN inversion, and their CLI."""

import math
from types import SimpleNamespace

import numpy as np
import pytest
import torch
from PIL import Image
from safetensors import safe_open
from safetensors.torch import load_file
from torch import nn

import pixelforge
from pixelforge.cli import main
from pixelforge.edit import (apply_attribute, attribute_vector, class_grid, edit_image, find_attribute_vector,
                             interpolate, interpolation_strip, invert, lerp, shifted_latents, slerp)
from pixelforge.errors import ConfigError, DataError
from pixelforge.images import make_grid, to_float
from pixelforge.metrics.domain import shipped_classifier
from pixelforge.runtime import make_generator, seed_everything

SIZE = 28
PAD = 2  # save_image_grid's padding around and between images


def fixed_model(name: str, **options):
    """A small untrained model with seeded weights, its BatchNorm statistics set, in eval mode."""
    seed_everything(0)
    model = pixelforge.create_model(name, **options)
    model.refresh_after_averaging()
    return model.eval()


@pytest.fixture(scope="module")
def gan():
    return fixed_model("dcgan", width=8, latent_dim=8)


@pytest.fixture(scope="module")
def conditional_gan():
    model = fixed_model("conditional_dcgan", width=4, latent_dim=8)
    # Class-conditional BatchNorm starts as plain BN (scale 1, shift 0 for every class), so an
    # untrained generator ignores the label; give each class its own scale and shift, as training does.
    generator = torch.Generator().manual_seed(1)
    with torch.no_grad():
        for name, parameter in model.named_parameters():
            if name.endswith(("scale.weight", "shift.weight")):
                parameter.add_(0.5 * torch.randn(parameter.shape, generator=generator))
    return model


def generate(model, z, y=None):
    with torch.no_grad():
        return model.generate(z, y)


# --- interpolation -------------------------------------------------------------------------------

def test_lerp_hits_both_ends_and_the_midpoint():
    z0, z1 = torch.tensor([1.0, -2.0, 4.0]), torch.tensor([3.0, 0.0, 0.0])
    assert torch.equal(lerp(z0, z1, 0.0), z0) and torch.equal(lerp(z0, z1, 1.0), z1)
    assert torch.equal(lerp(z0, z1, 0.5), torch.tensor([2.0, -1.0, 2.0]))


def test_slerp_keeps_the_norm_of_equal_norm_vectors_and_splits_the_angle():
    generator = make_generator(1)
    z0, z1 = torch.randn(64, generator=generator), torch.randn(64, generator=generator)
    z1 = z1 * z0.norm() / z1.norm()
    omega = torch.arccos(torch.dot(z0, z1) / z0.norm() ** 2)
    path = slerp(z0[None], z1[None], torch.linspace(0, 1, 9)[:, None])  # (9, 64)
    torch.testing.assert_close(path[0], z0, atol=1e-5, rtol=0)
    torch.testing.assert_close(path[-1], z1, atol=1e-5, rtol=0)
    torch.testing.assert_close(path.norm(dim=1), z0.norm().expand(9), atol=1e-4, rtol=0)
    middle = path[4]
    angle = torch.arccos(torch.dot(z0, middle) / (z0.norm() * middle.norm()))
    assert angle.item() == pytest.approx(omega.item() / 2, abs=1e-4)
    # lerp's midpoint of the same pair is shorter: |z0 + z1| / 2 = |z0| cos(Ω/2)
    assert lerp(z0, z1, 0.5).norm().item() == pytest.approx(z0.norm().item() * math.cos(omega.item() / 2), rel=1e-4)


def test_slerp_of_orthogonal_unit_vectors_stays_on_the_circle():
    e1, e2 = torch.tensor([1.0, 0.0]), torch.tensor([0.0, 1.0])
    torch.testing.assert_close(slerp(e1, e2, 0.5), torch.tensor([1.0, 1.0]) / math.sqrt(2))
    torch.testing.assert_close(slerp(e1, e2, 1 / 3), torch.tensor([math.cos(math.pi / 6), math.sin(math.pi / 6)]))


@pytest.mark.parametrize("scale", [2.0, 1.0, -3.0])
def test_slerp_falls_back_to_lerp_for_parallel_and_opposite_vectors(scale):
    z0 = torch.tensor([0.3, -1.2, 0.5])
    z1 = scale * z0
    for t in (0.0, 0.25, 0.5, 1.0):
        result = slerp(z0, z1, t)
        assert torch.isfinite(result).all()
        torch.testing.assert_close(result, lerp(z0, z1, t))


def test_slerp_interpolates_a_batch_of_pairs_independently():
    z0 = torch.tensor([[1.0, 0.0], [2.0, 0.0]])
    z1 = torch.tensor([[0.0, 1.0], [4.0, 0.0]])  # the second pair is parallel: lerp
    torch.testing.assert_close(slerp(z0, z1, 0.5), torch.tensor([[1 / math.sqrt(2), 1 / math.sqrt(2)], [3.0, 0.0]]))


def test_interpolation_strip_rows_run_between_the_seeded_latents(gan):
    strip = interpolation_strip(gan, num_pairs=3, steps=5, method="slerp", seed=7)
    assert strip.shape == (15, 1, SIZE, SIZE)
    z = gan.latents(6, make_generator(7))  # the strip's pairs: z[i] -> z[3 + i]
    torch.testing.assert_close(strip[0::5], generate(gan, z[:3]), atol=1e-5, rtol=0)
    torch.testing.assert_close(strip[4::5], generate(gan, z[3:]), atol=1e-5, rtol=0)
    torch.testing.assert_close(strip[2], generate(gan, slerp(z[0], z[3], 0.5)[None])[0], atol=1e-5, rtol=0)
    assert not torch.allclose(strip[1], strip[2])  # the images do change along a row
    assert torch.equal(strip, interpolation_strip(gan, 3, 5, seed=7))
    assert not torch.equal(strip, interpolation_strip(gan, 3, 5, seed=8))
    linear = interpolation_strip(gan, 3, 5, method="lerp", seed=7)
    ends = [0, 4, 5, 9, 10, 14]
    torch.testing.assert_close(linear[ends], strip[ends], atol=1e-5, rtol=0)
    assert not torch.allclose(linear[2], strip[2], atol=1e-4)


def test_interpolation_checks_its_options(gan):
    with pytest.raises(ConfigError, match="method='cubic'"):
        interpolation_strip(gan, 2, 4, method="cubic")
    with pytest.raises(ConfigError, match="steps=1"):
        interpolation_strip(gan, 2, 1)
    with pytest.raises(ConfigError, match="unconditional"):
        interpolation_strip(gan, 2, 4, y=3)


def test_interpolation_strip_works_on_a_vae_decoder():
    seed_everything(0)
    vae = pixelforge.create_model("vae", architecture="mlp", width=4, latent_dim=4).eval()
    strip = interpolation_strip(vae, num_pairs=2, steps=3, seed=0)
    z = torch.randn((4, 4), generator=make_generator(0))
    with torch.no_grad():
        torch.testing.assert_close(strip[0::3], vae.decode(z[:2]), atol=1e-5, rtol=0)
        torch.testing.assert_close(strip[2::3], vae.decode(z[2:]), atol=1e-5, rtol=0)


def test_conditional_strip_keeps_one_class_per_row(conditional_gan):
    z = conditional_gan.latents(4, make_generator(0))
    rows = [interpolate(z[0], z[2], 3), interpolate(z[1], z[3], 3)]
    strip = interpolation_strip(conditional_gan, num_pairs=2, steps=3, seed=0, y=torch.tensor([4, 9]))
    by_default = interpolation_strip(conditional_gan, num_pairs=2, steps=3, seed=0)  # row i: class i
    for row, (latents, label) in enumerate(zip(rows, (4, 9))):
        expected = generate(conditional_gan, latents, torch.full((3,), label))
        torch.testing.assert_close(strip[3 * row:3 * row + 3], expected, atol=1e-5, rtol=0)
        expected = generate(conditional_gan, latents, torch.full((3,), row))
        torch.testing.assert_close(by_default[3 * row:3 * row + 3], expected, atol=1e-5, rtol=0)


# --- class grid ----------------------------------------------------------------------------------

def test_class_grid_rows_are_classes_and_columns_share_a_latent(conditional_gan):
    grid = class_grid(conditional_gan, samples_per_class=3, seed=5)
    assert grid.shape == (10 * 3, 1, SIZE, SIZE)
    z = conditional_gan.latents(3, make_generator(5))
    for label in (0, 7):
        expected = generate(conditional_gan, z, torch.full((3,), label))
        torch.testing.assert_close(grid[3 * label:3 * label + 3], expected, atol=1e-5, rtol=0)
    assert not torch.allclose(grid[0], grid[3], atol=1e-4)  # same latent, another class: another image


def test_class_grid_of_an_unconditional_model_is_a_config_error(gan):
    with pytest.raises(ConfigError, match="'dcgan' is unconditional"):
        class_grid(gan, 4)


# --- attribute vectors ---------------------------------------------------------------------------

def test_attribute_vector_is_the_difference_of_the_group_means():
    group_a = torch.tensor([[0.0, 0.0], [2.0, 0.0]])  # mean (1, 0)
    group_b = torch.tensor([[1.0, 3.0], [1.0, 5.0], [1.0, 4.0]])  # mean (1, 4)
    vector = attribute_vector(group_a, group_b)
    assert torch.equal(vector, torch.tensor([0.0, 4.0]))
    assert torch.equal(group_a.mean(0) + vector, group_b.mean(0))
    shifted = shifted_latents(torch.tensor([[0.0, 1.0], [5.0, 5.0]]), vector, [-1.0, 0.0, 2.0])
    expected = [[0.0, -3.0], [0.0, 1.0], [0.0, 9.0], [5.0, 1.0], [5.0, 5.0], [5.0, 13.0]]  # rows: latents x strengths
    assert torch.equal(shifted, torch.tensor(expected))
    with pytest.raises(DataError, match="expected the same latent size"):
        attribute_vector(group_a, torch.zeros(3, 5))
    with pytest.raises(DataError, match="expected \\(2,\\)"):
        shifted_latents(group_a, torch.zeros(3), [1.0])


def test_apply_attribute_gives_one_row_per_latent_and_one_column_per_strength(gan):
    z = gan.latents(2, make_generator(3))
    vector = torch.linspace(-1, 1, 8)
    images = apply_attribute(gan, z, vector, [0.0, 1.5])
    assert images.shape == (4, 1, SIZE, SIZE)
    torch.testing.assert_close(images[0], generate(gan, z[:1])[0], atol=1e-5, rtol=0)
    torch.testing.assert_close(images[3], generate(gan, z[1:] + 1.5 * vector)[0], atol=1e-5, rtol=0)


class BrightnessClassifier:
    """Labels an image 1 when its mean pixel is above `threshold`, else 0: an attribute we can measure."""

    def __init__(self, threshold: float) -> None:
        self.threshold = threshold

    def predict(self, images: torch.Tensor) -> torch.Tensor:
        return (images.mean(dim=(1, 2, 3)) > self.threshold).long()


class LinearGenerator(nn.Module):
    """G(z) = W z as 1×4×4 images: mean brightness is u·z with u = W.mean(0), a known direction."""

    def __init__(self, latent_dim: int = 6) -> None:
        super().__init__()
        self.config = SimpleNamespace(latent_dim=latent_dim, num_classes=0, channels=1, image_size=4)
        self.weight = nn.Parameter(0.1 * torch.randn((16, latent_dim), generator=make_generator(0)))

    @property
    def device(self) -> torch.device:
        return self.weight.device

    def generate(self, z: torch.Tensor, y=None) -> torch.Tensor:
        return (z @ self.weight.T).view(-1, 1, 4, 4)


def test_a_classifier_labelled_direction_points_along_the_attribute():
    model = LinearGenerator()
    found = find_attribute_vector(model, BrightnessClassifier(0.0), class_a=0, class_b=1, num_samples=2000, seed=1)
    assert found.count_a + found.count_b == 2000 and min(found.count_a, found.count_b) > 800
    # For z ~ N(0, I) split by the sign of u·z, the difference of the group means is parallel to u.
    brightness_direction = model.weight.detach().mean(0)
    cosine = torch.nn.functional.cosine_similarity(found.vector, brightness_direction, dim=0)
    assert cosine > 0.95  # dark (class 0) -> bright (class 1), not the reverse
    moved = apply_attribute(model, torch.zeros(6), found.vector, [-1.0, 0.0, 1.0]).mean(dim=(1, 2, 3))
    assert moved[0] < moved[1] == 0 < moved[2]


def test_find_attribute_vector_with_the_shipped_mnist_classifier(gan):
    classifier = shipped_classifier("mnist")
    z = gan.latents(400, make_generator(0))
    predicted = classifier.predict(generate(gan, z))
    class_a, class_b = torch.bincount(predicted, minlength=10).topk(2).indices.tolist()  # the two most common
    found = find_attribute_vector(gan, classifier, class_a, class_b, num_samples=400, seed=0, batch_size=150)
    assert (found.count_a, found.count_b) == (int((predicted == class_a).sum()), int((predicted == class_b).sum()))
    expected = z[predicted == class_b].mean(0) - z[predicted == class_a].mean(0)
    torch.testing.assert_close(found.vector, expected, atol=1e-5, rtol=0)


def test_finding_a_direction_for_a_class_the_classifier_never_sees_is_an_error(gan):
    with pytest.raises(DataError, match="0 as class 1"):
        find_attribute_vector(gan, BrightnessClassifier(10.0), class_a=0, class_b=1, num_samples=50)


# --- inversion -----------------------------------------------------------------------------------

def test_inversion_recovers_the_image_of_a_known_latent(gan):
    z_true = gan.latents(4, make_generator(123))
    targets = generate(gan, z_true)
    # The scale to beat: two unrelated samples of this generator differ by this much on average.
    samples = gan.sample(64, generator=make_generator(5))
    unrelated = (samples[:32] - samples[32:]).pow(2).flatten(1).mean(1).mean().item()
    result = invert(gan, targets, steps=200, lr=0.1, restarts=1, seed=0, latent_weight=0.0)
    assert result.latents.shape == (4, 8) and result.reconstructions.shape == targets.shape
    torch.testing.assert_close(result.mse, (result.reconstructions - targets).pow(2).flatten(1).mean(1))
    # The reconstruction is a thousand times closer to the target than an unrelated sample is;
    # with an 8-dimensional latent and no prior penalty the latent itself comes back too.
    assert result.mse.max().item() < 1e-3 * unrelated
    assert (result.latents - z_true).norm(dim=1).max().item() < 0.05
    assert (result.psnr > 50).all()


def test_inversion_is_seeded_and_leaves_the_model_as_it_was(gan):
    target = generate(gan, gan.latents(1, make_generator(4)))[0]  # one image (C, S, S)
    gan.train()
    flags = [p.requires_grad for p in gan.parameters()]
    try:
        first = invert(gan, target, steps=20, seed=3, restarts=2)
        again = invert(gan, target, steps=20, seed=3, restarts=2)
        other = invert(gan, target, steps=20, seed=4, restarts=2)
        assert gan.training and [p.requires_grad for p in gan.parameters()] == flags
    finally:
        gan.eval()
    assert torch.equal(first.latents, again.latents) and not torch.equal(first.latents, other.latents)
    assert all(p.grad is None for p in gan.parameters())


def test_each_image_keeps_its_best_restart(gan):
    targets = generate(gan, gan.latents(6, make_generator(31)))
    one = invert(gan, targets, steps=10, seed=0, restarts=1)
    three = invert(gan, targets, steps=10, seed=0, restarts=3)  # its first restart is `one`'s only one
    assert (three.loss <= one.loss).all() and (three.loss < one.loss).any()
    torch.testing.assert_close(three.loss, three.mse + 1e-3 * three.latents.pow(2).mean(1))


def test_the_prior_penalty_pulls_the_latent_towards_the_origin(gan):
    target = generate(gan, 2.5 * gan.latents(1, make_generator(8)))  # an unusually long latent
    free = invert(gan, target, steps=100, seed=0, restarts=1, latent_weight=0.0)
    pulled = invert(gan, target, steps=100, seed=0, restarts=1, latent_weight=0.1)
    assert pulled.latents.norm() < 0.8 * free.latents.norm()
    assert pulled.mse.item() > free.mse.item()


def test_inversion_works_on_a_vae_decoder():
    seed_everything(0)
    vae = pixelforge.create_model("vae", architecture="mlp", width=4, latent_dim=4, likelihood="logistic").eval()
    z_true = torch.randn((2, 4), generator=make_generator(1))
    with torch.no_grad():
        targets = vae.decode(z_true)
    result = invert(vae, targets, steps=150, restarts=1, latent_weight=0.0)
    assert result.mse.max().item() < 1e-3 * (targets[0] - targets[1]).pow(2).mean().item()


def test_inversion_refuses_images_the_model_cannot_make(gan, conditional_gan):
    with pytest.raises(DataError, match=r"shape \(2, 3, 28, 28\): the model expects \(N, 1, 28, 28\)"):
        invert(gan, torch.zeros(2, 3, 28, 28))
    with pytest.raises(DataError, match=r"shape \(1, 1, 32, 32\)"):
        invert(gan, torch.zeros(1, 1, 32, 32))
    with pytest.raises(DataError, match=r"expected \[-1, 1\]"):
        invert(gan, torch.full((1, 1, 28, 28), 255.0))
    with pytest.raises(ConfigError, match="class-conditional"):
        invert(conditional_gan, torch.zeros(1, 1, 28, 28))


def test_editing_a_real_image_moves_its_recovered_latent(gan):
    z_true = gan.latents(1, make_generator(21))
    image = generate(gan, z_true)[0]
    vector = 0.5 * torch.ones(8)
    edited, inversion = edit_image(gan, image, vector, [0.0, 1.0], steps=200, restarts=1, latent_weight=0.0)
    assert edited.shape == (2, 1, SIZE, SIZE)
    torch.testing.assert_close(edited[0], image, atol=1e-3, rtol=0)  # strength 0: the reconstruction
    torch.testing.assert_close(edited[1], generate(gan, z_true + vector)[0], atol=1e-3, rtol=0)
    assert inversion.mse.item() < 1e-6


# --- command line --------------------------------------------------------------------------------

@pytest.fixture(scope="module")
def gan_run(tmp_path_factory):
    run = tmp_path_factory.mktemp("latent_cli") / "run"
    assert main(["train", "dcgan", "--out", str(run), "--steps", "3", "--batch-size", "16",
                 "--set", "width=4", "latent_dim=8", "--train", "sample_every=0"]) == 0
    return run


def _grid_size(rows: int, columns: int) -> tuple[int, int]:
    return columns * (SIZE + PAD) + PAD, rows * (SIZE + PAD) + PAD


def test_sample_interpolate_writes_the_librarys_strip(gan_run, tmp_path):
    model = pixelforge.load(gan_run)
    for method in ("slerp", "lerp"):
        out = tmp_path / f"{method}.png"
        assert main(["sample", str(gan_run), "--interpolate", "3", "--steps-between", "2", "--method", method,
                     "--seed", "5", "--out", str(out)]) == 0
        assert Image.open(out).size == _grid_size(rows=3, columns=4)
        expected = make_grid(interpolation_strip(model, 3, 4, method=method, seed=5), nrow=4)[:, :, 0]
        assert np.array_equal(np.asarray(Image.open(out)), expected)


def test_edit_invert_writes_the_pair_and_the_latent(gan_run, tmp_path, capsys):
    source = tmp_path / "photo.jpg"  # an RGB photo of another size: converted to gray and resized
    Image.fromarray(np.random.default_rng(0).integers(0, 255, (40, 50, 3), dtype=np.uint8)).save(source)
    out = tmp_path / "inverted.png"
    assert main(["edit", "invert", str(source), str(out), "--model", str(gan_run), "--steps", "30",
                 "--restarts", "1"]) == 0
    printed = capsys.readouterr().out
    assert "mse" in printed and "psnr" in printed and "dB" in printed
    assert Image.open(out).size == _grid_size(rows=1, columns=2)
    latent_file = tmp_path / "inverted.latent.safetensors"
    latent = load_file(latent_file)["latent"]
    assert latent.shape == (1, 8)
    with safe_open(str(latent_file), "pt") as file:
        assert file.metadata()["model"] == "dcgan"
    # The saved latent regenerates the reconstruction shown on the right (up to 8-bit rounding).
    model = pixelforge.load(gan_run)
    pixels = torch.from_numpy(np.asarray(Image.open(out))[PAD:PAD + SIZE, 2 * PAD + SIZE:2 * PAD + 2 * SIZE].copy())
    torch.testing.assert_close(to_float(pixels)[None, None], generate(model, latent), atol=1.01 / 127.5, rtol=0)


@pytest.mark.parametrize("argv,message", [
    (["edit", "invert", "{tmp}/missing.png", "{tmp}/out.png", "--model", "{run}"], "missing.png: no such image file"),
    (["edit", "invert", "{tmp}/corrupt.png", "{tmp}/out.png", "--model", "{run}"], "cannot decode the image"),
    (["edit", "invert", "{tmp}/corrupt.png", "{tmp}/out.jpg", "--model", "{run}"], "expected an output file ending"),
    (["sample", "{run}", "--class-grid", "--out", "{tmp}/grid.png"], "'dcgan' is unconditional"),
    (["sample", "{run}", "--steps-between", "3", "--out", "{tmp}/grid.png"], "go with --interpolate"),
    (["sample", "{run}", "--interpolate", "0", "--out", "{tmp}/grid.png"], "expected at least 1 row"),
    (["sample", "{run}", "--interpolate", "2", "--nrow", "4", "--out", "{tmp}/grid.png"], "set the row length with"),
])
def test_latent_editing_user_errors_are_one_line_and_exit_2(gan_run, tmp_path, capsys, argv, message):
    (tmp_path / "corrupt.png").write_bytes(b"not a png")
    argv = [arg.format(tmp=tmp_path, run=gan_run) for arg in argv]
    assert main(argv) == 2
    error = capsys.readouterr().err
    assert message in error and "Traceback" not in error
    assert len(error.strip().splitlines()) == 1
    assert not (tmp_path / "out.png").exists()


def test_masked_inversion_matches_only_the_known_pixels_and_recovers_the_hidden_ones(gan):
    z_true = gan.latents(2, make_generator(77))
    targets = generate(gan, z_true)
    known = torch.ones(SIZE, SIZE, dtype=torch.bool)
    known[8:20, 6:22] = False                                   # a 12x16 hole in every image
    hidden_targets = torch.where(known, targets, torch.zeros_like(targets))   # hole pixels blanked
    result = invert(gan, hidden_targets, steps=200, lr=0.1, restarts=1, seed=0, latent_weight=0.0, known=known)
    squared = (result.reconstructions - targets).pow(2)
    torch.testing.assert_close(result.mse, squared[..., known].flatten(1).mean(1))
    samples = gan.sample(64, generator=make_generator(5))
    unrelated = (samples[:32] - samples[32:]).pow(2)[..., ~known].mean().item()
    # the hole is never seen, yet its pixels come back: the known ones pin the latent down
    assert squared[..., ~known].mean().item() < 1e-2 * unrelated


def test_inpainting_by_inversion_keeps_the_known_pixels_and_checks_the_mask(gan):
    from pixelforge.edit import inpaint

    image = ((generate(gan, gan.latents(1, make_generator(9)))[0] + 1) / 2).clamp(0, 1)   # (1, S, S)
    hole = torch.zeros(SIZE, SIZE, dtype=torch.bool)
    hole[5:15, 5:15] = True
    filled = inpaint(image, hole, method="inversion", model=gan, steps=100)
    assert torch.equal(filled[:, ~hole], image[:, ~hole])
    mean_fill_error = (image[:, ~hole].mean() - image[:, hole]).abs().mean()   # filling with the known mean
    assert (filled[:, hole] - image[:, hole]).abs().mean() < 0.3 * mean_fill_error
    with pytest.raises(DataError, match="expected a bool mask"):
        invert(gan, image * 2 - 1, steps=1, known=torch.ones(SIZE, SIZE + 1, dtype=torch.bool))


def test_edit_inpaint_by_inversion_keeps_the_known_pixels(gan_run, tmp_path):
    digit = np.random.default_rng(1).integers(0, 255, (SIZE, SIZE), dtype=np.uint8)
    Image.fromarray(digit).save(tmp_path / "digit.png")
    hole = np.zeros((SIZE, SIZE), np.uint8)
    hole[6:16, 8:20] = 255                                           # white = fill
    Image.fromarray(hole).save(tmp_path / "mask.png")
    out = tmp_path / "filled.png"
    assert main(["edit", "inpaint", str(tmp_path / "digit.png"), str(out), "--mask", str(tmp_path / "mask.png"),
                 "--method", "inversion", "--model", str(gan_run), "--seed", "2"]) == 0
    assert Image.open(out).size == _grid_size(rows=1, columns=1)
    filled = np.asarray(Image.open(out))[PAD:PAD + SIZE, PAD:PAD + SIZE].astype(int)
    known = hole == 0
    assert np.abs(filled[known] - digit[known]).max() <= 1                      # 8-bit round trip
    assert not np.array_equal(filled[~known], digit[~known])
