"""What each CLI command does: a few lines each, calling the library and printing."""

from __future__ import annotations

import dataclasses
from argparse import Namespace

import torch

from .cli import print_json, rank_zero
from .config import DataConfig, TrainConfig, parse_overrides
from .errors import ConfigError


def run_models(args: Namespace) -> None:
    from .registry import create_model, list_models, model_builder

    if args.name is None:
        for name in list_models():
            summary = (model_builder(name).__doc__ or "").strip().splitlines()
            print(f"{name:20s} {summary[0] if summary else ''}")
        return
    print_json({"model": args.name, "config": dataclasses.asdict(create_model(args.name).config)})


def run_data(args: Namespace) -> None:
    from .data import download_dataset, inspect_dataset, list_datasets, load_dataset
    from .images import save_image_grid

    if args.data_command == "list":
        print("\n".join(list_datasets()))
    elif args.data_command == "download":
        print(download_dataset(args.name, data_root=args.data_root))
    else:
        options = dict(split=args.split, image_size=args.image_size, channels=args.channels,
                       data_root=args.data_root, skip_unreadable=args.skip_unreadable)
        print_json(inspect_dataset(args.source, **options))
        if args.grid:
            dataset = load_dataset(args.source, **options)
            x, _ = dataset.batch(torch.arange(min(64, len(dataset))))
            print(f"grid: {save_image_grid(x, args.grid)}")


def run_train(args: Namespace) -> None:
    from .registry import model_config_class
    from .train import train

    model_overrides = parse_overrides(args.set, model_config_class(args.model))
    train_options = parse_overrides(args.train_options, TrainConfig)
    for key, value in (("steps", args.steps), ("batch_size", args.batch_size), ("learning_rate", args.lr),
                       ("seed", args.seed), ("device", args.device), ("max_minutes", args.max_minutes)):
        if value is not None:
            train_options[key] = value
    data = None  # resuming without --data: the run's own data
    if args.data is not None or not args.resume:
        data = DataConfig(source=args.data or "embedded-mnist", split=args.split, image_size=args.image_size,
                          channels=args.channels, data_root=args.data_root, skip_unreadable=args.skip_unreadable,
                          augment=args.augment)
    result = train(args.model, data, args.out, TrainConfig(**train_options), model_overrides, resume=args.resume,
                   init_from=args.init_from)
    if rank_zero():
        losses = ", ".join(f"{k} {v:.4f}" for k, v in result.final_losses.items())
        print(f"trained {args.model} for {result.steps} steps ({result.images_per_second:.0f} images/s); "
              f"final loss: {losses}")
        print(f"checkpoint: {result.checkpoint}")


def run_sample(args: Namespace) -> None:
    from .images import save_image_grid
    from .models import GenerativeModel
    from .runtime import choose_device, make_generator
    from .train import load

    if args.num_samples < 1:
        raise ConfigError(f"--num-samples {args.num_samples}: expected a positive integer")
    device = choose_device(args.device)
    model = load(args.checkpoint, weights=args.weights, device=device)
    if not isinstance(model, GenerativeModel):
        raise ConfigError(f"{args.checkpoint} holds a {model.registered_name!r} classifier, which cannot sample")
    if args.label is not None and not 0 <= args.label < model.config.num_classes:
        raise ConfigError(f"--label {args.label}: the model has {model.config.num_classes} classes")
    if args.interpolate is None and (args.steps_between is not None or args.method is not None):
        raise ConfigError("--steps-between and --method go with --interpolate N")
    if args.interpolate is not None and args.nrow is not None:
        raise ConfigError(f"--nrow {args.nrow} with --interpolate: each row is one walk of --steps-between + 2 "
                          f"images, so set the row length with --steps-between")
    if args.interpolate is not None or args.class_grid:
        images, nrow = _latent_walk_images(args, model)
    else:
        labels = None if args.label is None else torch.full((args.num_samples,), args.label, device=device)
        images = model.sample(args.num_samples, y=labels, generator=make_generator(args.seed, device),
                              **_sampler_options(args, model))
        nrow = args.nrow
    print(save_image_grid(images.float().cpu(), args.out, nrow=nrow))


def _sampler_options(args: Namespace, model) -> dict:
    """`sample --sampler/--sampling-steps/--eta/--guidance` as keyword arguments (diffusion models only)."""
    options = {key: value for key, value in (("sampler", args.sampler), ("steps", args.sampling_steps),
                                              ("eta", args.eta), ("guidance_scale", args.guidance)) if value is not None}
    if options and not callable(getattr(model, "denoiser", None)):
        raise ConfigError(f"--sampler, --sampling-steps, --eta and --guidance apply to diffusion models, not "
                          f"{model.registered_name!r}")
    return options


def _latent_walk_images(args: Namespace, model) -> tuple[torch.Tensor, int]:
    """`sample --interpolate N` (rows of K + 2 images) or `sample --class-grid` (rows = classes)."""
    from .edit import class_grid, interpolation_strip

    if args.class_grid:
        if args.label is not None:
            raise ConfigError("--class-grid shows every class: it takes no --label")
        columns = args.nrow or 8
        return class_grid(model, columns, seed=args.seed), columns
    between = 6 if args.steps_between is None else args.steps_between
    if args.interpolate < 1 or between < 0:
        raise ConfigError(f"--interpolate {args.interpolate} --steps-between {between}: expected at least 1 row "
                          f"and 0 or more images between the ends")
    columns = between + 2
    return interpolation_strip(model, args.interpolate, columns, args.method or "slerp", args.seed,
                               y=args.label), columns


def run_edit_invert(args: Namespace) -> None:
    from .edit import invert_file
    from .runtime import choose_device
    from .train import load

    model = load(args.model, device=choose_device(args.device))
    result = invert_file(model, args.source, args.out, label=args.label, steps=args.steps,
                         restarts=args.restarts, seed=args.seed)
    print(f"reconstruction: mse {result.mse:.5f} (pixels in [-1, 1]), psnr {result.psnr:.2f} dB")
    print(f"image: {result.image}")
    print(f"latent: {result.latent}")


def _diffusion_model(args: Namespace):
    from .edit.diffusion import check_diffusion_model
    from .runtime import choose_device
    from .train import load

    model = load(args.model, device=choose_device(args.device))
    check_diffusion_model(model)
    return model


def run_edit_inpaint(args: Namespace) -> None:
    from .edit.inpainting import inpaint_file

    options = {}
    if args.method == "diffusion":
        options = {"label": args.label, "steps": args.sampling_steps, "jump_length": args.jump_length,
                   "resamplings": args.resamplings}
    elif args.method == "inversion":
        options = {"label": args.label}
    if args.ensemble:
        options["ensemble"] = True
    print(inpaint_file(args.source, args.mask, args.out, method=args.method, model=args.model, seed=args.seed,
                       device=args.device, **options))


def run_edit_img2img(args: Namespace) -> None:
    from .edit.diffusion_files import img2img_file

    print(img2img_file(_diffusion_model(args), args.source, args.out, args.strength, seed=args.seed, label=args.label,
                       steps=args.sampling_steps, sampler=args.sampler, eta=args.eta, guidance_scale=args.guidance))


def run_edit_interpolate(args: Namespace) -> None:
    from .edit.diffusion_files import interpolate_files

    print(interpolate_files(_diffusion_model(args), args.first, args.second, args.out, num_images=args.steps,
                            label=args.label, steps=args.sampling_steps))


def run_edit_complete(args: Namespace) -> None:
    from .edit.completion import complete_file
    from .runtime import choose_device
    from .train import load

    model = load(args.model, device=choose_device(args.device))
    print(complete_file(model, args.source, args.out, mask=args.mask, occlude=args.occlude,
                        num_completions=args.num_completions, seed=args.seed, label=args.label,
                        method=args.sampling))


def run_edit_superres(args: Namespace) -> None:
    from .edit.restore import superres_file

    result = superres_file(args.source, args.out, scale=args.scale, network=args.network, ensemble=args.ensemble)
    print(f"{args.out}: {result.width}x{result.height} {result.mode}")


def run_edit_denoise(args: Namespace) -> None:
    from .edit.restore import denoise_file

    result = denoise_file(args.source, args.out, sigma=args.sigma, ensemble=args.ensemble,
                          specialist=not args.general_model)
    print(f"{args.out}: {result.width}x{result.height} {result.mode}")


def run_edit_style(args: Namespace) -> None:
    from .edit.style import stylize_file

    print_json(stylize_file(args.source, args.out, style_image=args.style_image, fast=args.fast,
                            steps=args.steps, max_size=args.max_size))


def run_edit_colorize(args: Namespace) -> None:
    from .edit.colorize import colorize_file

    print(colorize_file(args.source, args.out, model=args.model))


def run_edit(args: Namespace) -> None:
    """`pixelforge edit ACTION`: one function per action (add `complete`, `inpaint` ... beside `invert`)."""
    actions = {"invert": run_edit_invert, "complete": run_edit_complete, "inpaint": run_edit_inpaint,
               "img2img": run_edit_img2img, "interpolate": run_edit_interpolate}
    actions.update(superres=run_edit_superres, denoise=run_edit_denoise)
    actions.update(style=run_edit_style, colorize=run_edit_colorize)
    actions[args.edit_command](args)


def run_eval(args: Namespace) -> None:
    from .evaluate import evaluate, format_results
    from .runtime import choose_device

    metrics = tuple(m.strip() for m in args.metrics.split(",") if m.strip())
    report = evaluate(args.checkpoint, data=args.data, split=args.split, metrics=metrics,
                      importance_samples=args.importance_samples, limit=args.limit, seed=args.seed,
                      device=choose_device(args.device), data_root=args.data_root, num_samples=args.num_samples,
                      batch_size=args.batch_size, feature_weights=args.feature_weights, resize=args.fid_resize,
                      compile_features=args.compile)
    print(format_results(report))
    print(f"written: {report['checkpoint']}/evaluation.json")


def run_explain(args: Namespace) -> None:
    from .explain import default_output, explain_to_file
    from .runtime import choose_device

    out = args.out or default_output(args.source, args.method)
    path = explain_to_file(args.checkpoint, args.source, out, method=args.method, split=args.split,
                           count=args.count, data=args.data, data_root=args.data_root,
                           device=choose_device(args.device))
    print(path)


def run_info(args: Namespace) -> None:
    from .train.checkpoint import read_config, resolve_checkpoint

    checkpoint_dir = resolve_checkpoint(args.checkpoint)
    print(f"checkpoint: {checkpoint_dir}")
    print_json(read_config(checkpoint_dir))


def run_quickstart(args: Namespace) -> None:
    from .quickstart import quickstart

    report = quickstart(args.out, steps=args.steps, seed=args.seed)
    print(f"report: {report.resolve()}")
    print(f"folder: {report.parent.resolve()}")


def run_export(args: Namespace) -> None:
    from .train.export import export_model

    print(export_model(args.checkpoint, args.out, fp16=args.fp16, weights=args.weights,
                       results=args.results))


def run_studio(args: Namespace) -> None:
    from .studio import launch

    launch(host=args.host, port=args.port, checkpoint_dirs=args.checkpoints, max_pixels=args.max_pixels,
           share=args.share)
