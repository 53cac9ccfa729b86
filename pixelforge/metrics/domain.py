"""Domain-feature metrics for 28×28 sets, with pixelforge's own shipped MNIST / Fashion-MNIST classifiers.

The Inception network was trained on ImageNet photographs at 299×299; for 28×28
digits a classifier trained on the digits themselves is a cheaper and more
sensitive feature space (it runs hundreds of times faster on a CPU). Its FID is
reported as `domain_fid:mnist` so that it is never confused with Inception FID;
numbers from different feature networks are not comparable.
"""

from __future__ import annotations

from pathlib import Path

import torch
from torch import Tensor, nn

from ..errors import ConfigError
from ..runtime import make_generator
from .features import file_sha256

WEIGHTS = Path(__file__).resolve().parents[1] / "weights"
DOMAINS = {"mnist": WEIGHTS / "mnist_classifier", "fashion-mnist": WEIGHTS / "fashion_mnist_classifier"}


def shipped_classifier(domain: str = "mnist", device: str | torch.device = "cpu"):
    """The classifier shipped for `domain` (trained by benchmarks/classifiers.py), in eval mode."""
    from ..train import load

    if domain not in DOMAINS:
        raise ConfigError(f"no shipped classifier for domain {domain!r}: expected one of {sorted(DOMAINS)}")
    return load(DOMAINS[domain], device=device)


class ClassifierFeatureExtractor(nn.Module):
    """Penultimate features and logits of a pixelforge classifier, for images in [-1, 1] at its own size."""

    def __init__(self, classifier, name: str, weights_file: Path | None = None) -> None:
        super().__init__()
        self.classifier = classifier.eval()
        self.has_logits = True
        self.protocol = {"feature_network": name, "resize": "none (the classifier's own input size)",
                         "weights_file": None if weights_file is None else weights_file.name,
                         "weights_sha256": None if weights_file is None else file_sha256(weights_file),
                         "feature_dimensions": 4 * classifier.config.width}

    def features_and_logits(self, images: Tensor) -> tuple[Tensor, Tensor]:
        features = self.classifier.features(images)
        return features, self.classifier.head(features)

    def forward(self, images: Tensor) -> Tensor:
        return self.classifier.features(images)


def domain_extractor(domain: str = "mnist", device: str | torch.device = "cpu") -> ClassifierFeatureExtractor:
    """The feature extractor of the domain FID: the shipped classifier of `domain`."""
    classifier = shipped_classifier(domain, device)
    return ClassifierFeatureExtractor(classifier, f"pixelforge small_resnet {domain} classifier",
                                      DOMAINS[domain] / "model.safetensors")


def compute_domain_fid(real, fake, domain: str = "mnist", **options) -> dict:
    """FID in the feature space of the shipped `domain` classifier; metric name `domain_fid:<domain>`."""
    from .generative import compute_fid

    result = compute_fid(real, fake, extractor=domain_extractor(domain), **options)
    result["metric"] = f"domain_fid:{domain}"
    return result


@torch.no_grad()
def conditional_sample_accuracy(model, classifier, samples_per_class: int = 100, seed: int = 0,
                                batch_size: int = 500) -> dict:
    """How often `classifier` agrees with the class a conditional model was asked for (%)."""
    num_classes = model.config.num_classes
    if not num_classes:
        raise ConfigError(f"model {model.registered_name!r} is unconditional: class accuracy does not apply")
    generator = make_generator(seed, model.device)
    requested = torch.arange(num_classes, device=model.device).repeat_interleave(samples_per_class)
    predicted = torch.cat([classifier.predict(model.sample(len(y), y=y, generator=generator).to(classifier.device))
                           for y in requested.split(batch_size)])
    agreement = (predicted.cpu() == requested.cpu()).float()
    per_class = {c: float(agreement[requested.cpu() == c].mean() * 100) for c in range(num_classes)}
    return {"metric": "conditional_accuracy", "value": float(agreement.mean() * 100), "unit": "%",
            "per_class": per_class,
            "protocol": {"samples_per_class": samples_per_class, "seed": seed,
                         "classifier": getattr(classifier, "registered_name", type(classifier).__name__)}}


def evaluate_domain_fid(model, dataset, num_samples: int | None = None, seed: int = 0, limit: int | None = None,
                        batch_size: int = 100, domain: str = "mnist", progress: bool = True) -> dict:
    """Domain FID of `model`'s samples against the first `limit` images of `dataset` (28×28 gray)."""
    from .sample_quality import sample_batches

    if (model.config.channels, model.config.image_size) != (1, 28):
        raise ConfigError(f"domain_fid:{domain} compares 28x28 gray images; the model makes "
                          f"{model.config.channels}x{model.config.image_size}x{model.config.image_size}")
    count = len(dataset) if limit is None else min(limit, len(dataset))
    real, _ = dataset.batch(torch.arange(count))
    samples = num_samples or count
    result = compute_domain_fid(real, sample_batches(model.eval(), samples, batch_size, seed), domain,
                                progress=progress)
    result["protocol"]["sampling"] = {"num_samples": samples, "seed": seed, "batch_size": batch_size}
    return result
