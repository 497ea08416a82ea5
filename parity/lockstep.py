"""The lockstep runner: every step to both backends, compared byte for byte.

Steps are fed in chunks through ``apply_jsonl`` (the fully canonical path of both
backends) and the output lines compared pairwise; the first differing line is the
divergence. Hidden state is compared through ``state_hash`` every ``hash_every`` steps
and at the end (hashing every step would make a run quadratic); on a hash mismatch the
runner rebuilds the state at the last good point and bisects to the first step after
which the hashes differ. An exception in either backend (``PanicException`` included,
which is a ``BaseException``) is localized the same way. The run stops at the first
divergence.
"""

from __future__ import annotations

import random
from dataclasses import dataclass, field
from typing import Any, Callable

from cracktrader.engine.canonical import canonical_bytes
from parity import diff, snapshot_edits
from parity.steps import SWAP_RESTORE, is_directive, restore_edit_seed, step_bytes
from parity.targets import Target

CONTEXT_STEPS = 3
Observer = Callable[[str, bytes], None]


@dataclass
class Divergence:
    """The first point where two backends disagreed."""

    target: str
    backends: tuple[str, str]
    kind: str  # "result" | "state_hash" | "exception" | "restore_edit"
    step_index: int
    step: str
    outputs: tuple[str | None, str | None]
    paths: list[str]
    codes: tuple[str, str]
    context: list[dict[str, Any]] = field(default_factory=list)

    @property
    def signature(self) -> str:
        return diff.signature(self.target, self.kind, self.paths[0] if self.paths else "", self.codes)


class _Failure(Exception):
    """An exception raised by a backend, carried with which side raised it."""

    def __init__(self, side: int, error: BaseException) -> None:
        super().__init__(side, error)
        self.side = side
        self.error = error


def _call(side: int, fn: Callable[[], Any]) -> Any:
    try:
        return fn()
    except (KeyboardInterrupt, SystemExit):
        raise
    except BaseException as error:  # noqa: BLE001 - PanicException is a BaseException
        raise _Failure(side, error) from None


def _describe(error: BaseException) -> str:
    return f"exception:{type(error).__name__}"


class Lockstep:
    """Run ``steps`` through two backends of one target and report the first divergence."""

    def __init__(
        self,
        target: Target,
        backends: tuple[str, str],
        config: dict[str, Any],
        *,
        hash_every: int = 64,
        chunk: int = 64,
        builder: Callable[[Target, str, dict[str, Any]], Any] | None = None,
        observer: Observer | None = None,
    ) -> None:
        self.target = target
        self.backends = backends
        self.config = config
        self.hash_every = max(1, hash_every)
        self.chunk = max(1, chunk)
        self._builder = builder or (lambda tgt, backend, cfg: tgt.build(backend, dict(cfg)))
        self.observer = observer
        self.steps_run = 0

    # ------------------------------------------------------------------ build
    def _build_pair(self) -> tuple[Any, Any]:
        return (
            _call(0, lambda: self._builder(self.target, self.backends[0], self.config)),
            _call(1, lambda: self._builder(self.target, self.backends[1], self.config)),
        )

    # -------------------------------------------------------------------- run
    def run(self, steps: list[str]) -> Divergence | None:
        """Feed ``steps``; return the first divergence, or None when they agree."""
        try:
            pair = self._build_pair()
        except _Failure as failure:
            return self._exception_divergence(steps, 0, failure, [])
        good_index = 0
        history: list[tuple[str, bytes]] = []  # recent (step, output) for report context
        index = 0
        count = len(steps)
        while index < count:
            step = steps[index]
            if is_directive(step):
                found = self._directive(pair, steps, index)
                if found is not None:
                    return found
                index += 1
                continue
            end = index
            while end < count and end - index < self.chunk and not is_directive(steps[end]):
                end += 1
            data = b"".join(step_bytes(s) + b"\n" for s in steps[index:end])
            try:
                out_a = _call(0, lambda: pair[0].apply_jsonl(data)).split(b"\n")[:-1]
                out_b = _call(1, lambda: pair[1].apply_jsonl(data)).split(b"\n")[:-1]
            except _Failure:
                return self._localize(steps, good_index, end)
            if len(out_a) != end - index or len(out_b) != end - index:
                return self._localize(steps, good_index, end)
            for offset, (line_a, line_b) in enumerate(zip(out_a, out_b)):
                if line_a != line_b:
                    return self._result_divergence(steps, index + offset, line_a, line_b, history)
                if self.observer is not None:
                    self.observer(steps[index + offset], line_a)
            history.extend(zip(steps[max(index, end - CONTEXT_STEPS) : end], out_a[-CONTEXT_STEPS:]))
            del history[:-CONTEXT_STEPS]
            self.steps_run += end - index
            index = end
            if self.target.stateful and (index - good_index >= self.hash_every or index == count):
                try:
                    same = _call(0, pair[0].state_hash) == _call(1, pair[1].state_hash)
                except _Failure:
                    return self._localize(steps, good_index, index)
                if not same:
                    return self._bisect(steps, good_index, index)
                good_index = index
        return None

    # ------------------------------------------------------------- directives
    def _directive(self, pair: tuple[Any, Any], steps: list[str], index: int) -> Divergence | None:
        if not self.target.stateful:
            return None
        seed = restore_edit_seed(steps[index])
        if seed is not None:
            return self._restore_edits(pair, steps, index, seed)
        if steps[index] != SWAP_RESTORE:
            return None
        try:
            snap_a = _call(0, pair[0].snapshot)
            snap_b = _call(1, pair[1].snapshot)
            if canonical_bytes(snap_a) != canonical_bytes(snap_b):
                return self._state_divergence(steps, index, snap_a, snap_b)
            _call(0, lambda: pair[0].restore(snap_b))
            _call(1, lambda: pair[1].restore(snap_a))
            hash_a, hash_b = _call(0, pair[0].state_hash), _call(1, pair[1].state_hash)
        except _Failure as failure:
            return self._exception_divergence(steps, index, failure, [])
        if hash_a != hash_b:
            return self._state_divergence(steps, index, _call(0, pair[0].snapshot), _call(1, pair[1].snapshot))
        return None

    def _restore_edits(self, pair: tuple[Any, Any], steps: list[str], index: int, seed: int) -> Divergence | None:
        """Restore edited snapshots into both sides: they must refuse alike (same
        exception class) or load alike (same state hash). Then the unedited one."""
        try:
            snap_a = _call(0, pair[0].snapshot)
            snap_b = _call(1, pair[1].snapshot)
        except _Failure as failure:
            return self._exception_divergence(steps, index, failure, [])
        if canonical_bytes(snap_a) != canonical_bytes(snap_b):
            return self._state_divergence(steps, index, snap_a, snap_b)
        for description, edited in snapshot_edits.edits(snap_a, random.Random(seed)):
            outcomes = (_edited_restore(pair[0], edited), _edited_restore(pair[1], edited))
            # exception messages are each backend's own; the class and the state are the contract
            if outcomes[0][0] != outcomes[1][0] or (outcomes[0][0] == "ok" and outcomes[0][1] != outcomes[1][1]):
                return Divergence(
                    target=self.target.name,
                    backends=self.backends,
                    kind="restore_edit",
                    step_index=index,
                    step=steps[index],
                    outputs=(f"{description}: {outcomes[0][1]}", f"{description}: {outcomes[1][1]}"),
                    paths=[description.split(" ")[1] if " " in description else ""],
                    codes=(outcomes[0][0], outcomes[1][0]),
                )
        try:
            _call(0, lambda: pair[0].restore(snap_a))
            _call(1, lambda: pair[1].restore(snap_b))
        except _Failure as failure:
            return self._exception_divergence(steps, index, failure, [])
        return None

    # -------------------------------------------------------------- localize
    def _replay_to(self, steps: list[str], stop: int) -> tuple[Any, Any]:
        """Fresh components with ``steps[:stop]`` applied (outputs ignored)."""
        pair = self._build_pair()
        for index in range(stop):
            if is_directive(steps[index]):
                self._directive(pair, steps, index)
                continue
            data = step_bytes(steps[index]) + b"\n"
            _call(0, lambda: pair[0].apply_jsonl(data))
            _call(1, lambda: pair[1].apply_jsonl(data))
        return pair

    def _localize(self, steps: list[str], start: int, stop: int) -> Divergence:
        """Step by step from the last good point to find what raised or misbehaved."""
        try:
            pair = self._replay_to(steps, start)
        except _Failure as failure:
            return self._exception_divergence(steps, start, failure, [])
        for index in range(start, stop):
            step = steps[index]
            if is_directive(step):
                found = self._directive(pair, steps, index)
                if found is not None:
                    return found
                continue
            data = step_bytes(step) + b"\n"
            outs: list[Any] = []
            for side in (0, 1):
                try:
                    outs.append(_call(side, lambda side=side: pair[side].apply_jsonl(data)))
                except _Failure as failure:
                    outs.append(failure)
            if any(isinstance(out, _Failure) for out in outs):
                return self._exception_divergence(steps, index, outs, [])
            out_a, out_b = outs
            if out_a != out_b or out_a.count(b"\n") != 1:
                return self._result_divergence(steps, index, out_a.rstrip(b"\n"), out_b.rstrip(b"\n"), [])
        return self._bisect(steps, start, stop)

    def _bisect(self, steps: list[str], good: int, bad: int) -> Divergence:
        """The first step after which the state hashes differ, in (good, bad]."""
        try:
            base = self._replay_to(steps, good)
            snaps = (_call(0, base[0].snapshot), _call(1, base[1].snapshot))
        except _Failure as failure:
            return self._exception_divergence(steps, good, failure, [])

        def hashes_differ_after(stop: int) -> bool:
            pair = self._build_pair()
            _call(0, lambda: pair[0].restore(snaps[0]))
            _call(1, lambda: pair[1].restore(snaps[1]))
            for index in range(good, stop):
                if is_directive(steps[index]):
                    self._directive(pair, steps, index)
                    continue
                data = step_bytes(steps[index]) + b"\n"
                _call(0, lambda: pair[0].apply_jsonl(data))
                _call(1, lambda: pair[1].apply_jsonl(data))
            return _call(0, pair[0].state_hash) != _call(1, pair[1].state_hash)

        low, high = good, bad  # hashes agree after `low` steps, differ after `high`
        try:
            while high - low > 1:
                middle = (low + high) // 2
                if hashes_differ_after(middle):
                    high = middle
                else:
                    low = middle
            pair = self._replay_to(steps, high)
            snap_a, snap_b = _call(0, pair[0].snapshot), _call(1, pair[1].snapshot)
        except _Failure as failure:
            return self._exception_divergence(steps, low, failure, [])
        return self._state_divergence(steps, high - 1, snap_a, snap_b)

    # --------------------------------------------------------------- reports
    def _context(self, history: list[tuple[str, bytes]]) -> list[dict[str, Any]]:
        return [{"step": step, "output": out.decode("utf-8", "replace")} for step, out in history[-CONTEXT_STEPS:]]

    def _result_divergence(
        self, steps: list[str], index: int, line_a: bytes, line_b: bytes, history: list[tuple[str, bytes]]
    ) -> Divergence:
        doc_a, doc_b = diff.parse_output(line_a), diff.parse_output(line_b)
        return Divergence(
            target=self.target.name,
            backends=self.backends,
            kind="result",
            step_index=index,
            step=steps[index],
            outputs=(line_a.decode("utf-8", "replace"), line_b.decode("utf-8", "replace")),
            paths=diff.differing_paths(doc_a, doc_b) or [""],
            codes=(diff.result_code(doc_a), diff.result_code(doc_b)),
            context=self._context(history),
        )

    def _state_divergence(self, steps: list[str], index: int, snap_a: Any, snap_b: Any) -> Divergence:
        return Divergence(
            target=self.target.name,
            backends=self.backends,
            kind="state_hash",
            step_index=index,
            step=steps[index] if 0 <= index < len(steps) else "",
            outputs=(canonical_bytes(snap_a).decode("utf-8"), canonical_bytes(snap_b).decode("utf-8")),
            paths=diff.differing_paths(snap_a, snap_b) or [""],
            codes=("state", "state"),
        )

    def _exception_divergence(
        self,
        steps: list[str],
        index: int,
        failure: _Failure | list[Any],
        history: list[tuple[str, bytes]],
    ) -> Divergence:
        """``failure`` is one side's failure, or both sides' outcomes of one step."""
        outcomes = failure if isinstance(failure, list) else [
            failure if side == failure.side else None for side in (0, 1)
        ]
        codes = tuple(_describe(o.error) if isinstance(o, _Failure) else "ok" for o in outcomes)
        outputs = tuple(
            f"{type(o.error).__name__}: {o.error}" if isinstance(o, _Failure)
            else (o.decode("utf-8", "replace").rstrip("\n") if isinstance(o, bytes) else None)
            for o in outcomes
        )
        return Divergence(
            target=self.target.name,
            backends=self.backends,
            kind="exception",
            step_index=index,
            step=steps[index] if 0 <= index < len(steps) else "",
            outputs=(outputs[0], outputs[1]),
            paths=[""],
            codes=(codes[0], codes[1]),
            context=self._context(history),
        )


def _edited_restore(component: Any, edited: Any) -> tuple[str, str]:
    """("ok", state hash) when ``component`` loads ``edited``, else (exception class, "")."""
    try:
        component.restore(edited)
        return ("ok", component.state_hash())
    except (KeyboardInterrupt, SystemExit):
        raise
    except BaseException as error:  # noqa: BLE001 - PanicException is a BaseException
        return (f"exception:{type(error).__name__}", str(error)[:200])


def run_lockstep(
    target: Target, backends: tuple[str, str], config: dict[str, Any], steps: list[str], **options: Any
) -> Divergence | None:
    """One-call form of ``Lockstep(...).run(steps)``."""
    return Lockstep(target, backends, config, **options).run(steps)
