"""End-to-end checks of the FID Inception network on real data (issue 3's validation).

    python benchmarks/fid_validation.py --check mnist-halves --data-root ../shared/datasets
    python benchmarks/fid_validation.py --check cifar10 --data-root ../shared/datasets \
        --source ../shared/datasets/CIFAR10/cifar-10-python.tar.xz --device cuda

- mnist-halves: FID between the first and the last 5,000 MNIST test digits (small, not 0),
  between two random halves, and of a set with itself (0 up to rounding).
- cifar10: FID(CIFAR-10 train 50k, CIFAR-10 test 10k); clean-fid's tables give about 3.1
  (legacy resize). 60k Inception passes: about 2.4 core-hours on this CPU, minutes on a GPU.
  The extraction is saved in pieces of 5,000 images: run the same command again after an
  interruption and it resumes at the first missing piece.

Reference features are cached under --cache-dir (the GAN benchmarks read the same files).
"""

from __future__ import annotations

import argparse
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

import torch  # noqa: E402

from pixelforge.metrics import compute_fid  # noqa: E402
from pixelforge.metrics.feature_sets import FeatureSet  # noqa: E402
from pixelforge.metrics.features import default_extractor  # noqa: E402
from pixelforge.metrics.reference import reference_features  # noqa: E402

from common import print_table, write_results  # noqa: E402

CACHE = Path(__file__).resolve().parent / "cache"


def _part(features: FeatureSet, start: int, stop: int, label: str) -> FeatureSet:
    description = dict(features.description, source=f"{features.description['source']}[{label}]",
                       num_images=stop - start)
    return FeatureSet(features.features[start:stop], description)


def mnist_halves(args, extractor) -> list[dict]:
    test = reference_features(args.source or "mnist", split="test", extractor=extractor, data_root=args.data_root,
                              cache_dir=args.cache_dir, device=args.device)
    half = len(test) // 2
    first, second = _part(test, 0, half, f"0:{half}"), _part(test, half, len(test), f"{half}:{len(test)}")
    # MNIST's test set is two halves of different writers (the first 5,000 from NIST's cleaner
    # SD-3, the last 5,000 from SD-1): a random split shows the small-sample floor instead.
    order = torch.randperm(len(test), generator=torch.Generator().manual_seed(0))
    shuffled = FeatureSet(test.features[order], dict(test.description, source="mnist test (shuffled)"))
    random_a, random_b = _part(shuffled, 0, half, "random half A"), _part(shuffled, half, len(test), "random half B")
    rows = []
    for name, real, fake in (("mnist test, first half vs second half", first, second),
                             ("mnist test, random half vs the other half", random_a, random_b),
                             ("mnist test, a set vs itself", test, test)):
        result = compute_fid(real, fake, progress=False)
        rows.append({"check": name, "fid": result["value"], "num_real": len(real), "num_fake": len(fake),
                     "resize": result["protocol"]["resize"], "extraction_s": test.description.get("extraction_seconds"),
                     "protocol": result["protocol"]})
    return rows


def cifar10(args, extractor) -> list[dict]:
    source = args.source or "cifar10"
    train = reference_features(source, split="train", extractor=extractor, data_root=args.data_root,
                               cache_dir=args.cache_dir, device=args.device)
    test = reference_features(source, split="test", extractor=extractor, data_root=args.data_root,
                              cache_dir=args.cache_dir, device=args.device)
    result = compute_fid(train, test, progress=False)
    return [{"check": "cifar10 train 50k vs test 10k", "fid": result["value"], "num_real": len(train),
             "num_fake": len(test), "resize": result["protocol"]["resize"], "published": 3.1,
             "protocol": result["protocol"]}]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--check", choices=["mnist-halves", "cifar10"], required=True)
    parser.add_argument("--data-root", default=None)
    parser.add_argument("--source", default=None, help="dataset path (default: the named dataset under --data-root)")
    parser.add_argument("--resize", choices=["legacy", "clean"], default="legacy")
    parser.add_argument("--device", default="cpu")
    parser.add_argument("--cache-dir", default=str(CACHE))
    args = parser.parse_args()
    started = time.perf_counter()
    extractor = default_extractor(device=args.device, resize=args.resize)
    rows = (mnist_halves if args.check == "mnist-halves" else cifar10)(args, extractor)
    print_table(rows, ["check", "fid", "num_real", "num_fake", "resize"])
    write_results(f"fid_validation_{args.check}", rows, time.perf_counter() - started)


if __name__ == "__main__":
    main()
