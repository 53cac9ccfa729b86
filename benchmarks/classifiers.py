"""Classifier test accuracy on MNIST, Fashion-MNIST and CIFAR-10 within a CPU budget.

Targets (evaluation issue): MNIST >= 99.5 %, Fashion-MNIST >= 93.5 %, CIFAR-10 >= 85 % within
60 minutes of CPU training each (>= 92 % on CIFAR-10 when a GPU is lent).

    python benchmarks/classifiers.py --data-root ../shared/datasets \\
        --source cifar10=../shared/datasets/CIFAR10/cifar-10-python.tar.xz
"""

from __future__ import annotations

import argparse
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

import pixelforge  # noqa: E402
from pixelforge import DataConfig, TrainConfig  # noqa: E402
from pixelforge.metrics.classification import evaluate_accuracy  # noqa: E402

from common import print_table, write_results  # noqa: E402

TARGETS = {"mnist": 99.5, "fashion-mnist": 93.5, "cifar10": 85.0}
# Model options, augmentation and steps (batch 128) per dataset.
SETUPS = {
    "mnist": {"model": {"width": 16, "blocks_per_stage": 2}, "augment": "crop", "steps": 3_750},
    "fashion-mnist": {"model": {"width": 16, "blocks_per_stage": 2, "label_smoothing": 0.1}, "augment": "flip_crop",
                      "steps": 10_000},
    "cifar10": {"model": {"width": 16, "blocks_per_stage": 2, "label_smoothing": 0.1}, "augment": "flip_crop",
                "steps": 10_000},
}


def run(dataset: str, source: str, steps: int, data_root: str | None, out: Path, batch_size: int) -> dict:
    setup = SETUPS[dataset]
    config = TrainConfig(steps=steps, batch_size=batch_size, optimizer="sgd", learning_rate=0.1,
                         weight_decay=5e-4, lr_schedule="cosine", warmup_steps=min(300, steps // 10),
                         channels_last=True, log_every=100, sample_every=0, checkpoint_every=max(steps // 4, 1),
                         seed=0)
    data = DataConfig(source=source, split="train", data_root=data_root, augment=setup["augment"])
    trained = pixelforge.train("small_resnet", data, out / dataset, config, setup["model"])
    model = pixelforge.load(out / dataset)
    result = evaluate_accuracy(model, pixelforge.load_dataset(source, split="test", data_root=data_root))
    train_images = model.checkpoint_config["data"]["dataset"]["num_images"]
    result["protocol"].update({
        "model": "small_resnet", "model_config": setup["model"], "augment": setup["augment"],
        "training": "SGD (Nesterov, momentum 0.9), lr 0.1, weight decay 5e-4, warm-up then cosine decay, "
                    "channels_last, whole train split",
        "training_steps": steps, "batch_size": batch_size, "epochs": round(steps * batch_size / train_images, 2),
        "train_wall_seconds": round(trained.wall_seconds, 1),
        "train_images_per_second": round(trained.images_per_second, 1),
        "target": TARGETS[dataset],
    })
    return result


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--datasets", default="mnist,fashion-mnist,cifar10")
    parser.add_argument("--steps", type=int, help="training steps for every dataset (default: per dataset)")
    parser.add_argument("--batch-size", type=int, default=128)
    parser.add_argument("--data-root")
    parser.add_argument("--source", action="append", default=[], metavar="NAME=PATH")
    parser.add_argument("--out", default="runs/benchmarks/classifiers")
    parser.add_argument("--name", default="classifiers", help="results file name (benchmarks/results/NAME.json)")
    args = parser.parse_args()
    started = time.perf_counter()
    sources = dict(pair.split("=", 1) for pair in args.source)
    results = []
    for dataset in args.datasets.split(","):
        steps = args.steps or SETUPS[dataset]["steps"]
        results.append(run(dataset, sources.get(dataset, dataset), steps, args.data_root, Path(args.out),
                           args.batch_size))
        print(f"{dataset}: {results[-1]['value']:.2f} %", flush=True)
    rows = [{"dataset": r["dataset"], "accuracy %": r["value"], "target %": r["protocol"]["target"],
             "epochs": r["protocol"]["epochs"], "train min": r["protocol"]["train_wall_seconds"] / 60,
             "img/s": r["protocol"]["train_images_per_second"]} for r in results]
    print_table(rows, ["dataset", "accuracy %", "target %", "epochs", "train min", "img/s"])
    print(f"written: {write_results(args.name, results, time.perf_counter() - started)}")


if __name__ == "__main__":
    main()
