"""Export a trained model for shipping: only what sampling needs, optionally in fp16.

    pixelforge export runs/dcgan pixelforge/weights/dcgan_mnist --fp16

writes `config.json` (model name and config, where the weights came from) and
`model.safetensors`. A GAN keeps its generator only (the discriminator is not needed
to sample, edit or invert); every other model keeps all its weights. The EMA weights
are exported when the checkpoint has them (with the GAN's BatchNorm statistics
re-estimated for them by `load`). `load_exported` rebuilds the model in float32.
"""

from __future__ import annotations

import json
import os
import uuid
from pathlib import Path

import torch
from safetensors.torch import save_file

from ..errors import CheckpointError
from .checkpoint import CONFIG_FILE, FORMAT, FORMAT_VERSION, MODEL_FILE, read_config, read_tensors, \
    resolve_checkpoint, tensors_for_saving

# Sub-networks that training needs but sampling does not (prefixes of state_dict keys).
TRAINING_ONLY_PREFIXES = ("discriminator_network.",)


def sampling_state(model: torch.nn.Module) -> tuple[dict[str, torch.Tensor], list[str]]:
    """The state_dict entries sampling needs, and the key prefixes left out."""
    state = model.state_dict()
    omitted = [p for p in TRAINING_ONLY_PREFIXES if any(key.startswith(p) for key in state)]
    kept = {key: value for key, value in state.items() if not key.startswith(tuple(omitted))}
    return kept, omitted


def recorded_metrics(results_file: str | Path) -> dict:
    """{metric: {value, unit, dataset, command}} from a benchmark results JSON (benchmarks/common.write_results)."""
    try:
        data = json.loads(Path(results_file).read_text())
    except (OSError, json.JSONDecodeError) as error:
        raise CheckpointError(f"{results_file}: cannot read benchmark results ({error})") from None
    return {r["metric"]: {"value": r["value"], "unit": r.get("unit", ""), "dataset": r.get("dataset", ""),
                          "command": data.get("command", "")}
            for r in data.get("results", []) if isinstance(r.get("value"), (int, float))}


def export_model(checkpoint: str | Path, out: str | Path, fp16: bool = False, weights: str = "ema",
                 results: str | Path | None = None) -> Path:
    """Write the sampling weights of `checkpoint` (a checkpoint or run folder) into the new folder `out`;
    `results`: a benchmark results JSON whose metrics are recorded in the exported config."""
    from .. import __version__
    from .checkpoint import load

    out = Path(out)
    if out.exists():
        raise CheckpointError(f"{out} already exists: choose a new folder")
    source = resolve_checkpoint(checkpoint)
    saved = read_config(source)
    model = load(source, weights=weights)
    state, omitted = sampling_state(model)
    if fp16:
        state = {k: v.half() if v.is_floating_point() else v for k, v in state.items()}
    header = {"format": FORMAT, "format_version": FORMAT_VERSION, "pixelforge_version": __version__,
              "model": saved["model"], "exported": {
                  "from": str(source), "step": saved.get("step"), "weights": weights,
                  "dtype": "float16" if fp16 else "float32", "omitted_prefixes": omitted},
              "data": saved.get("data", {}), "evaluation": {**saved.get("evaluation", {}), **(recorded_metrics(results) if results else {})}}
    if "initialized_from" in saved:
        header["initialized_from"] = saved["initialized_from"]
    out.parent.mkdir(parents=True, exist_ok=True)
    tmp = out.with_name(f".{out.name}.tmp-{uuid.uuid4().hex[:8]}")
    tmp.mkdir()
    save_file(tensors_for_saving(state), str(tmp / MODEL_FILE))
    (tmp / CONFIG_FILE).write_text(json.dumps(header, indent=2, sort_keys=True) + "\n")
    for file in tmp.iterdir():
        os.chmod(file, 0o644)
    os.rename(tmp, out)
    return out


def load_exported(path: str | Path, device: str | torch.device = "cpu"):
    """Rebuild an exported model (float32, eval mode); also loads ordinary checkpoints via `load`."""
    from ..registry import create_model
    from .checkpoint import load

    path = Path(path)
    config = read_config(resolve_checkpoint(path))
    if "exported" not in config:
        return load(path, device=device)
    model = create_model(config["model"]["name"], **config["model"]["config"])
    file = path / MODEL_FILE
    state = read_tensors(file)
    missing, unexpected = model.load_state_dict(state, strict=False)
    omitted = tuple(config["exported"].get("omitted_prefixes", ()))
    missing = [key for key in missing if not key.startswith(omitted)] if omitted else missing
    if missing or unexpected:
        raise CheckpointError(f"{file} does not match model {config['model']['name']!r}: "
                              f"missing {sorted(missing)[:5]}, unexpected {sorted(unexpected)[:5]}")
    model.checkpoint_dir = path
    model.checkpoint_config = config
    return model.float().to(device).eval()
