"""What a training run tells the user: short messages and a progress bar on the terminal,
everything (messages and the trainer's loss figures) in a log file."""

from __future__ import annotations

import json
import sys
import time
from pathlib import Path

from transformers import TrainerCallback

_log_file: Path | None = None


def open_log(path: str | Path | None) -> Path | None:
    """Send this run's messages to ``path`` as well (created, or appended to)."""
    global _log_file
    _log_file = Path(path) if path else None
    if _log_file is not None:
        _log_file.parent.mkdir(parents=True, exist_ok=True)
        write_to_file(f"--- training run started {time.strftime('%Y-%m-%d %H:%M:%S')}")
    return _log_file


def write_to_file(line: str) -> None:
    if _log_file is not None:
        with open(_log_file, "a", encoding="utf-8") as handle:
            handle.write(line + "\n")


def log(message: str) -> None:
    """A message for the terminal (standard error) and the log file."""
    print(f"[stance train] {message}", file=sys.stderr, flush=True)
    write_to_file(message)


class TrainingProgress(TrainerCallback):
    """One progress bar over the training steps on the terminal; the trainer's periodic
    figures (loss, learning rate, gradient norm) go to the log file only."""

    def __init__(self) -> None:
        self.bar = None

    def on_train_begin(self, args, state, control, **kwargs):
        from tqdm.auto import tqdm

        self.bar = tqdm(total=state.max_steps, desc="fine-tuning", unit="step", file=sys.stderr,
                        dynamic_ncols=True, mininterval=2.0)

    def on_step_end(self, args, state, control, **kwargs):
        if self.bar is not None:
            self.bar.update(state.global_step - self.bar.n)

    def on_log(self, args, state, control, logs=None, **kwargs):
        if logs:
            write_to_file(json.dumps({"step": state.global_step, **logs}))
            if self.bar is not None and "loss" in logs:
                self.bar.set_postfix(loss=f"{float(logs['loss']):.3f}")

    def on_train_end(self, args, state, control, **kwargs):
        if self.bar is not None:
            self.bar.close()
            self.bar = None
