"""A core that records itself: replay log per committed input, checkpoints every K steps.

The piece of a runtime that makes a run recoverable (docs/recovery.md). Python-owned,
backend-agnostic: it only calls the component protocol of D-020.

Ordering rules it enforces (D-361, D-364):

* an input is applied, then (if accepted) its line is appended to the log, and only
  then is its result returned to the caller, who may act on it;
* before a checkpoint is written, the log is synced up to the checkpoint's cursor, so
  a checkpoint never refers to steps the log could lose.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any, Iterable

from cracktrader.engine import build_core, durable
from cracktrader.engine.checkpoint import CheckpointEnvelope, CheckpointStore, build_checkpoint_from_runtime
from cracktrader.engine.durable import crash_point
from cracktrader.engine.replay import FlushPolicy, ReplayLogWriter


class RecordingSession:
    """Drive ``core`` while logging every committed input and checkpointing.

    Satisfies the runtime protocol of ``build_checkpoint_from_runtime`` (``core``,
    ``run_id``, ``mode``, ``data_hash``, the ``*_state`` getters).
    """

    def __init__(
        self,
        core: Any,
        writer: ReplayLogWriter,
        *,
        run_id: str,
        mode: str,
        data_hash: str,
        store: CheckpointStore | None = None,
        checkpoint_every: int | None = None,
        seed: int | None = None,
        metadata: dict[str, Any] | None = None,
        clock: Any = None,
    ) -> None:
        self.core = core
        self.writer = writer
        self.run_id = run_id
        self.mode = mode
        self.data_hash = data_hash
        self.store = store
        self.checkpoint_every = checkpoint_every
        self.seed = seed
        self.metadata = metadata
        self.clock = clock
        self.committed = 0
        self.checkpoints: list[Path] = []
        self.broker: dict[str, Any] = {}
        self.feeds: dict[str, Any] = {}
        self.strategy: dict[str, Any] = {}

    @classmethod
    def start(
        cls,
        directory: str | Path,
        *,
        run_id: str,
        config: dict[str, Any] | None,
        backend: str | None = None,
        mode: str = "backtest",
        data_hash: str = "0" * 64,
        policy: str | FlushPolicy = "step",
        fsync: bool = True,
        checkpoint_every: int | None = None,
        seed: int | None = None,
        keep: int = 3,
        clock: Any = None,
    ) -> RecordingSession:
        """A fresh run in ``directory``: ``replay.log`` plus ``checkpoints/``.

        ``clock`` (a function returning ms) stamps ``created_at``; the wall clock
        when None.
        """
        directory = Path(directory)
        directory.mkdir(parents=True, exist_ok=True)
        core = build_core(backend, config=config)
        writer = ReplayLogWriter(directory / "replay.log", run_id=run_id, config=config, policy=policy, fsync=fsync)
        store = CheckpointStore(directory / "checkpoints", keep=keep)
        return cls(
            core,
            writer,
            run_id=run_id,
            mode=mode,
            data_hash=data_hash,
            store=store,
            checkpoint_every=checkpoint_every,
            seed=seed,
            clock=clock,
        )

    # ---- the runtime protocol used by build_checkpoint_from_runtime
    def broker_state(self) -> dict[str, Any]:
        return self.broker

    def feed_cursors(self) -> dict[str, Any]:
        return self.feeds

    def risk_state(self) -> dict[str, Any]:
        return {}

    def strategy_state(self) -> dict[str, Any]:
        return self.strategy

    # ---- driving
    def apply(self, input_: dict[str, Any]) -> dict[str, Any]:
        """Apply one input; log it if committed; checkpoint when due."""
        result = self.core.apply(input_)
        if durable.ARMED:
            crash_point("step_after_apply")
        if self.writer.log_step(input_, result):
            self.committed += 1
            if durable.ARMED:
                crash_point("step_after_log")
            if self.checkpoint_every and self.committed % self.checkpoint_every == 0:
                self.checkpoint()
        return result

    def apply_batch(self, inputs: Iterable[dict[str, Any]]) -> list[dict[str, Any]]:
        """``apply`` each input in order (checkpoints fall where they are due)."""
        return [self.apply(item) for item in inputs]

    def checkpoint(self) -> CheckpointEnvelope:
        """Sync the log, then write a checkpoint at the current cursor."""
        self.writer.sync()
        created_at = None if self.clock is None else self.clock()
        envelope = build_checkpoint_from_runtime(self, created_at=created_at)
        if self.store is not None:
            self.checkpoints.append(self.store.write(envelope))
        return envelope

    def close(self) -> None:
        """A clean end: the log's end line is written and synced."""
        self.writer.close()
