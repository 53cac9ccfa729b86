"""The web studio: `pixelforge studio` serves Generate, Edit, Explore and Evaluate tabs on 127.0.0.1.

Layout and callbacks live in app.py (Gradio); what the callbacks do lives in service.py,
operations.py, uploads.py and catalog.py, which call the library and import no Gradio.
"""

from __future__ import annotations

import os
from pathlib import Path

from .service import StudioService
from .uploads import DEFAULT_MAX_PIXELS, read_upload

__all__ = ["StudioService", "read_upload", "create_app", "launch", "DEFAULT_MAX_PIXELS"]


def create_app(checkpoint_dirs: list[str | Path] = (), max_pixels: int = DEFAULT_MAX_PIXELS):
    """The Gradio Blocks app (queued: one inference job at a time), not yet launched."""
    os.environ.setdefault("GRADIO_ANALYTICS_ENABLED", "False")
    from .app import build_app

    app = build_app(StudioService(checkpoint_dirs, max_pixels))
    return app.queue(default_concurrency_limit=1, max_size=256)


def launch(host: str = "127.0.0.1", port: int = 7860, checkpoint_dirs: list[str | Path] = (),
           max_pixels: int = DEFAULT_MAX_PIXELS, share: bool = False, block: bool = True):
    """Serve the studio on host:port (this machine only by default; `share=True` asks Gradio for a public link).

    Only the studio's own assets and the files it produced are served: Gradio's file route
    refuses every path outside its upload/output cache (no `allowed_paths` are added).
    """
    from .app import THEME_AT_LAUNCH, offline_theme

    app = create_app(checkpoint_dirs, max_pixels)
    options = {"theme": offline_theme()} if THEME_AT_LAUNCH else {}
    app.launch(server_name=host, server_port=port, share=share, prevent_thread_lock=not block, show_error=False,
               max_file_size=max(64 * 1024 * 1024, max_pixels * 8), ssr_mode=False, **options)
    return app
