"""The evaluation side: offline runs over a question set, scoring, metrics, reports, benchmarks
and the fitting of the answer confidence.

The product (everything else under rag/) never imports this package; only rag.cli does, lazily
inside the commands `rag eval`, `rag calibrate` and `rag bench` (and `rag bench`'s options,
rag.eval.bench_args, when the parser is built).
"""
