"""Where models live, and which one ``stance.load()`` picks when none is named."""

from __future__ import annotations

import os
from pathlib import Path

import platformdirs

from .model_folder import INFO_FILE

BUILD_COMMAND = "stance train --labels labels --out models/default"


class ModelNotFoundError(FileNotFoundError):
    """No model at the places tried; the message lists them and how to build one."""


def stance_home() -> Path:
    """The user data folder (``$STANCE_HOME`` or the platform's user data dir)."""
    env = os.environ.get("STANCE_HOME")
    return Path(env) if env else platformdirs.user_data_path("stance")


def checkout_models_dir() -> Path:
    """``models/`` of the source checkout this package runs from."""
    return Path(__file__).resolve().parent.parent / "models"


def default_model_candidates() -> list[tuple[str, Path]]:
    """The places tried, in order, when no model is named."""
    places = []
    env = os.environ.get("STANCE_MODEL")
    if env:
        places.append(("$STANCE_MODEL", Path(env)))
    places.append(("the checkout's models/default", checkout_models_dir() / "default"))
    places.append(("the user cache", stance_home() / "models" / "default"))
    return places


def _is_model_folder(path: Path) -> bool:
    return (path / INFO_FILE).is_file()


def _looks_like_hub_id(name: str) -> bool:
    parts = name.split("/")
    return (len(parts) == 2 and all(parts) and not name.startswith((".", "~"))
            and not os.path.isabs(name))


def resolve_model(name_or_path: str | os.PathLike | None = None) -> Path:
    """The folder of the model to load.

    An explicit local folder wins; an explicit ``owner/name`` that is not a
    local folder is downloaded from the Hugging Face Hub (the only case that
    touches the network). With nothing given, the places of
    :func:`default_model_candidates` are tried in order.
    """
    if name_or_path is not None:
        path = Path(name_or_path).expanduser()
        if path.is_dir():
            return path
        if _looks_like_hub_id(str(name_or_path)):
            return _download(str(name_or_path))
        raise ModelNotFoundError(
            f"model {str(name_or_path)!r} not found: it is neither a local folder nor a "
            "Hugging Face Hub id (owner/name). Build a model with "
            f"`{BUILD_COMMAND}` or pass the folder of one."
        )
    tried = []
    for label, path in default_model_candidates():
        if _is_model_folder(path):
            return path
        tried.append(f"  - {label}: {path}")
    raise ModelNotFoundError(
        "no trained stance model found. Tried:\n" + "\n".join(tried)
        + f"\nBuild the default model with `{BUILD_COMMAND}` (needs the 'train' extra: "
        "pip install 'stance[train]'), or set STANCE_MODEL to a model folder."
    )


def _download(repo_id: str) -> Path:
    from huggingface_hub import snapshot_download

    return Path(snapshot_download(repo_id))
