"""Where models live, and which one ``stance.load()`` picks when none is named."""

from __future__ import annotations

import os
import re
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


_HUB_PART = re.compile(r"^[A-Za-z0-9][A-Za-z0-9._-]*$")


def looks_like_hub_id(name: str) -> bool:
    """``owner/name`` and nothing that marks a path: no leading ``.``, ``~`` or ``/``, no
    backslash, no ``..``, and an ``owner`` that is not a folder here."""
    parts = name.split("/")
    return (len(parts) == 2 and all(_HUB_PART.match(p) for p in parts) and ".." not in name
            and not Path(parts[0]).expanduser().exists())


def resolve_model(name_or_path: str | os.PathLike | None = None) -> Path:
    """The folder of the model to load.

    An explicit local folder wins; an explicit ``owner/name`` that is not a
    local folder is fetched from the Hugging Face Hub (the only case that
    touches the network). Anything else that does not exist is "model folder not
    found". With nothing given, the places of :func:`default_model_candidates` are
    tried in order.
    """
    if name_or_path is not None:
        text = os.fspath(name_or_path)
        path = Path(text).expanduser()
        if path.is_dir():
            return path
        if path.exists():
            raise ModelNotFoundError(f"{text} is a file, not a model folder: pass the folder that "
                                     "holds stance.json and model.safetensors")
        if looks_like_hub_id(text):
            return _download(text, path)
        raise ModelNotFoundError(
            f"model folder not found: {text} (looked in {path.absolute()}): it is neither a local "
            "folder nor a Hugging Face Hub id (owner/name). Build a model with "
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


def _download(repo_id: str, as_path: Path) -> Path:
    """Fetch a Hub snapshot; any failure is one line that names both readings of the name."""
    not_here = f"model {repo_id!r} is not a folder here (looked in {as_path.absolute()})"
    if os.environ.get("HF_HUB_OFFLINE", "").strip().lower() in ("1", "true", "yes", "on"):
        raise ModelNotFoundError(f"{not_here}, and as a Hugging Face Hub id it needs the network, "
                                 "which is switched off (HF_HUB_OFFLINE is set)")
    try:
        from huggingface_hub import snapshot_download

        return Path(snapshot_download(repo_id))
    except ImportError:
        raise ModelNotFoundError(f"{not_here}; loading it from the Hugging Face Hub needs "
                                 "huggingface_hub (pip install huggingface_hub)") from None
    except Exception as err:  # offline, no such repository, no access, HTTP errors
        reason = str(err).strip().splitlines()[0][:200] if str(err).strip() else type(err).__name__
        raise ModelNotFoundError(f"{not_here}, and the Hugging Face Hub could not provide it "
                                 f"({type(err).__name__}: {reason}); the Hub needs the network") from None
