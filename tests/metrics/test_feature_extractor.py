"""The FID Inception extractor on real MNIST digits: same features as the TorchScript file, the
pytorch-fid weight format, the resize protocols, and FID growing with noise."""

import numpy as np
import pytest
import torch
from PIL import Image

import pixelforge
from pixelforge.errors import ConfigError, DataError
from pixelforge.metrics import InceptionFeatureExtractor, compute_features, compute_fid, compute_inception_score
from pixelforge.metrics.features import _load_network, default_weights_path, resize_pixels


@pytest.fixture(scope="module")
def digits() -> torch.Tensor:
    """40 real MNIST test digits, (40, 1, 28, 28) in [-1, 1]."""
    test = pixelforge.load_dataset("embedded-mnist", split="test")
    return test.batch(torch.arange(40))[0]


@pytest.mark.filterwarnings("ignore::DeprecationWarning")  # torch.jit.load is deprecated in torch 2.13
def test_our_network_gives_the_torchscript_files_features(inception, digits):
    scripted = torch.jit.load(str(default_weights_path()), map_location="cpu").eval()
    x = inception.network_input(digits[:2])  # (2, 3, 299, 299), the TF scale (v - 128) / 128
    assert x.shape == (2, 3, 299, 299) and float(x.min()) == -1.0 and float(x.max()) <= 127 / 128
    with torch.inference_mode():
        expected = scripted(x.contiguous())
    ours = inception(digits[:2])
    assert ours.shape == (2, 2048) and float(expected.abs().max()) > 0.1
    torch.testing.assert_close(ours, expected, rtol=0, atol=1e-4)  # float32 rounding only


def test_channels_last_changes_the_layout_not_the_features(inception, digits):
    plain = InceptionFeatureExtractor(channels_last=False)
    torch.testing.assert_close(plain(digits[:2]), inception(digits[:2]), rtol=0, atol=1e-4)


def test_the_default_weights_have_no_logits_so_the_inception_score_is_refused(inception, digits):
    assert not inception.has_logits
    with pytest.raises(ConfigError, match="needs class logits"):
        compute_inception_score(digits[:2], extractor=inception, num_splits=1, progress=False)


def test_pytorch_fid_state_dicts_load_and_give_logits(inception, digits, tmp_path):
    # pytorch-fid's file is a torchvision-named state_dict with a 1008-way fc layer; build one from
    # the same TF weights (plus a made-up classifier) and check the loader rebuilds the same network.
    # (the extractor's own network has its batch norms folded into the convolutions: take the raw one)
    raw_network, _, _ = _load_network(str(default_weights_path()), "cpu")
    state = {key: value for key, value in raw_network.state_dict().items() if "num_batches" not in key}
    generator = torch.Generator().manual_seed(0)
    state["fc.weight"], state["fc.bias"] = torch.randn(1008, 2048, generator=generator) * 0.05, torch.zeros(1008)
    torch.save(state, tmp_path / "pt_inception-test.pth")
    loaded = InceptionFeatureExtractor(weights=tmp_path / "pt_inception-test.pth")
    assert loaded.has_logits and loaded.protocol["input_scaling"].startswith("v / 127.5 - 1")
    x = inception.network_input(digits[:4])
    with torch.inference_mode():
        features, logits = loaded.network(x)
    torch.testing.assert_close(features, inception(digits[:4]), rtol=0, atol=1e-4)
    assert logits.shape == (4, 1008)
    score = compute_inception_score(digits[:4], extractor=loaded, num_splits=2, progress=False)
    assert 1.0 <= score["value"] <= 1008 and score["protocol"]["num_splits"] == 2


def test_weights_that_are_not_fid_inception_are_a_clear_error(tmp_path):
    torch.save({"layer.weight": torch.zeros(2, 2)}, tmp_path / "other.pth")
    with pytest.raises(ConfigError, match="not FID Inception-v3 weights"):
        InceptionFeatureExtractor(weights=tmp_path / "other.pth")
    (tmp_path / "broken.pt").write_bytes(b"not a model")
    with pytest.raises(DataError, match="neither a TorchScript file"):
        InceptionFeatureExtractor(weights=tmp_path / "broken.pt")
    with pytest.raises(ConfigError, match="resize"):
        InceptionFeatureExtractor(resize="nearest")


def test_clean_resize_is_pils_bicubic_and_gray_is_repeated(inception, digits):
    pixels = ((digits[:1] + 1) * 127.5).round()  # (1, 1, 28, 28) in 0..255
    ours = resize_pixels(pixels, "clean")[0, 0].numpy()
    pil = np.asarray(Image.fromarray(pixels[0, 0].numpy().astype(np.float32), mode="F").resize((299, 299),
                                                                                            Image.BICUBIC))
    assert np.abs(ours - np.clip(pil, 0, 255)).max() < 0.01  # of a 0..255 pixel level
    gray = inception.network_input(digits[:1])
    torch.testing.assert_close(gray, inception.network_input(digits[:1].expand(-1, 3, -1, -1)))


def test_fid_grows_with_the_noise_added_to_real_digits(inception, digits):
    real = compute_features(digits[:20], inception, progress=False)
    generator = torch.Generator().manual_seed(0)
    noise = torch.randn(digits[20:].shape, generator=generator)
    values = []
    for sigma in (0.1, 0.3, 0.6):
        fake = compute_features((digits[20:] + sigma * noise).clamp(-1, 1), inception, progress=False)
        with pytest.warns(UserWarning, match="biased"):
            values.append(compute_fid(real, fake, method="eigh")["value"])
    assert values[0] < values[1] < values[2]
    assert values[2] > 1.2 * values[0]


def test_images_outside_the_range_or_of_another_size_are_refused(tiny_features):
    extractor = tiny_features()
    with pytest.raises(DataError, match=r"expected finite values in \[-1, 1\]"):
        compute_features(torch.full((2, 1, 28, 28), 2.0), extractor, progress=False)
    with pytest.raises(DataError, match="expected finite values"):
        compute_features(torch.full((2, 1, 28, 28), float("nan")), extractor, progress=False)
    pooled = torch.nn.Sequential(torch.nn.AdaptiveAvgPool2d(2), torch.nn.Flatten())
    with pytest.raises(DataError, match="same size and channels"):
        compute_fid(torch.zeros(4, 1, 28, 28), torch.zeros(4, 1, 32, 32), extractor=pooled, progress=False)
    with pytest.raises(DataError, match="same size and channels"):
        compute_fid(torch.zeros(4, 1, 28, 28), torch.zeros(4, 3, 28, 28), extractor=pooled, progress=False)


@pytest.mark.slow
def test_compiled_extractor_gives_the_eager_features_for_any_batch_size(digits):
    # compile=True pads every batch to the first one's size (one compilation); a shorter last
    # batch must come back with its own rows only, equal to the eager features up to rounding.
    eager = InceptionFeatureExtractor()
    compiled = InceptionFeatureExtractor(compile=True)
    first, last = compiled(digits[:3]), compiled(digits[3:5])
    assert first.shape == (3, 2048) and last.shape == (2, 2048)
    torch.testing.assert_close(torch.cat([first, last]), eager(digits[:5]), rtol=1e-4, atol=1e-4)
    assert "compiled" not in dict(compiled.named_modules())  # no second copy of the weights


def test_compiling_on_cpu_without_a_cpp_compiler_is_a_clear_error(monkeypatch):
    from pixelforge.metrics import features

    monkeypatch.delenv("CXX", raising=False)
    monkeypatch.setattr(features.shutil, "which", lambda name: None)
    with pytest.raises(ConfigError, match="needs a C\\+\\+ compiler"):
        InceptionFeatureExtractor(compile=True)
