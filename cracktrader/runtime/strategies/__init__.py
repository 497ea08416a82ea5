"""Built-in runtime strategies: this directory is a strategy path of every daemon
(unless started with ``--no-builtin-strategies``), so ``demo:SmaCross`` always resolves."""
