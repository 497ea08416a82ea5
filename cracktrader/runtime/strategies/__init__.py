"""Built-in runtime strategies: this directory is a strategy path of every daemon
(unless started with ``--no-builtin-strategies``), so ``examples:SmaCross`` and
``examples:Churn`` (``ct.Strategy`` classes, run on ``ct.Cerebro``) and ``demo:SmaCross``
and ``demo:Churn`` (``RuntimeStrategy`` classes, run on the core directly) always
resolve."""
