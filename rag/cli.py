"""Command line: `rag ingest`, `ask`, `serve`, `documents`, `eval`, `models`, `bench`.

Turns user errors (rag.errors) into one line on stderr and exit code 1, never a traceback.
`rag ask --json` prints exactly the README's JSON object; stored text is shown via clean_text.
Knows nothing about how answers are made beyond rag.answer's API.
"""

from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path
from typing import Any

from rag import config
from rag.errors import RagError
from rag.text import clean_text

DEFAULT_ARTICLES = Path("seeds")


def _settings(args: argparse.Namespace) -> config.Settings:
    overrides = {key: getattr(args, key, None) for key in ("model", "data_dir", "host", "port")}
    return config.load(overrides)


def _show(*parts: object, **options: Any) -> None:
    """`print` without control characters, terminal escapes or bidi controls."""
    print(*(clean_text(str(part)) for part in parts), **options)


def cmd_ingest(args: argparse.Namespace) -> int:
    from tqdm import tqdm

    from rag import web
    from rag.articles import iso_date
    from rag.errors import InputError
    from rag.ingest import ingest
    from rag.store import Store

    settings = _settings(args)
    urls = [p for p in args.paths if web.is_url(p)]
    paths = [Path(p) for p in args.paths if not web.is_url(p)]
    online = bool(urls or args.feed or args.sitemap)
    since = iso_date(args.since) if args.since else None
    if args.since and since is None:
        raise InputError(f"--since: not a date: {args.since!r}")
    if args.watch is not None and (not args.feed or args.watch <= 0):
        raise InputError("--watch needs a number of minutes above 0 and at least one --feed")
    harvester = web.Harvester.from_settings(settings) if online else None
    fetched, failures = [], []
    if harvester:
        with tqdm(desc="fetch", unit="page", disable=args.quiet) as bar:
            got = harvester.collect(
                urls, args.feed, args.sitemap, since, progress=bar.update, planned=bar.reset
            )
        harvester.close()
        fetched, failures = got.articles, got.failures
    for failure in failures:
        print(f"skipped {failure}", file=sys.stderr)
    store = Store(settings)
    paths = paths or ([] if online else [DEFAULT_ARTICLES])
    done = ingest(store, paths, fetched, prune=args.prune, quiet=args.quiet)
    print(f"{done.report}; {store.count()} chunks in {settings.collection!r}")
    if harvester:
        harvester.save_state()
    if args.watch is not None:
        return _watch(args, settings)
    return 1 if (failures or done.failures) and not done.articles else 0


def _watch(args: argparse.Namespace, settings: config.Settings) -> int:
    """Poll the feeds with conditional requests until interrupted (exit 0)."""
    import time

    from rag import web
    from rag.store import Store

    store = Store(settings)

    def stored(got: web.Gathered) -> None:
        for failure in got.failures:
            print(f"skipped {failure}", file=sys.stderr)
        report = store.sync(got.articles)
        print(
            f"{time.strftime('%H:%M')} {report}; {len(got.unchanged)} URLs not modified", flush=True
        )

    harvester = web.Harvester.from_settings(settings, conditional=True)
    print(f"watching {len(args.feed)} feed(s) every {args.watch:g} min; Ctrl-C stops")
    try:
        web.watch(harvester, args.feed, args.watch, stored)
    except KeyboardInterrupt:
        print("stopped watching", file=sys.stderr)
    finally:
        harvester.close()
    return 0


def cmd_ask(args: argparse.Namespace) -> int:
    from rag.answer import Answer, Answerer, Token
    from rag.schema import answer_json

    answerer = Answerer(_settings(args))
    history = json.loads(Path(args.history).read_text()) if args.history else []
    answer = None
    for event in answerer.stream(args.question, history):
        if isinstance(event, Token) and args.verbose:
            _show(event.text, end="", file=sys.stderr, flush=True)
        elif isinstance(event, Answer):
            answer = event
    assert answer is not None
    if args.verbose:
        _show(file=sys.stderr)
    for note in answer.notes:
        _show(f"note: {note}", file=sys.stderr)
    if args.json:
        _show(json.dumps(answer_json(answer), ensure_ascii=False, indent=2))
        return 0
    _show(answer.text)
    for r in answer.resolved_dates:
        _show(f"  {r.text} = {r.value}")
    if answer.as_of:
        _show(f"  as of {answer.as_of} (the newest cited article)")
    for c in answer.conflicts:
        _show(
            f"  sources differ: [{c.cited.marker}] ({c.cited.chunk.date or 'undated'}) says "
            f"{c.stated}; {c.other.title} ({c.other.date or 'undated'}) says {c.other_value}: "
            f"“{c.other_quote}”"
        )
    for c in answer.citations:
        _show(
            f"[{c.marker}] {c.chunk.title} ({c.chunk.date or 'undated'}) {c.chunk.doc_id}\n"
            f"    “{c.quote}”"
        )
    return 0


def cmd_serve(args: argparse.Namespace) -> int:
    from rag.server import serve

    serve(_settings(args), ui=not args.no_ui)
    return 0


def cmd_documents(args: argparse.Namespace) -> int:
    import dataclasses

    from rag.library import documents
    from rag.store import Store

    found = documents(Store(_settings(args)))
    if args.json:
        _show(json.dumps([dataclasses.asdict(d) for d in found], ensure_ascii=False, indent=2))
        return 0
    for d in found:
        origin = " ".join(part for part in (d.source, d.url) if part)
        _show(f"{d.doc_id}  {d.date or 'undated':10}  {d.chunks:3} chunks  {d.title}")
        if origin:
            _show(f"    {origin}")
    _show(f"{len(found)} article{'' if len(found) == 1 else 's'}")
    return 0


def cmd_eval(args: argparse.Namespace) -> int:
    from rag.eval.run import run

    return run(
        _settings(args),
        questions=args.questions,
        out=args.out,
        baseline=args.baseline,
        split=args.split,
        limit=args.limit,
        robustness=not args.no_robustness,
        gates=args.gates,
        corpus=args.corpus,
        gold_evidence=args.gold_evidence,
    )


def cmd_calibrate(args: argparse.Namespace) -> int:
    from rag import calibrate
    from rag.eval.calibration import calibration_rows, cross_validated, fit, save
    from rag.eval.metrics import reliability

    rows = [row for folder in args.folders for row in calibration_rows(folder)]
    settings = _settings(args)
    runs = ", ".join(str(folder) for folder in args.folders)
    fitted_on = f"{len(rows)} answers of the eval runs {runs}"
    fitted = fit(rows, fitted_on=fitted_on, model=settings.model)
    out = args.out or args.folders[0] / "calibration.json"
    save(fitted, out)
    right = sum(label for _, label in rows)
    weights = zip(calibrate.FEATURES, fitted.weights, strict=True)
    print(f"fit on {len(rows)} answers ({right} right): bias {fitted.bias:.3f}", end=", ")
    print(", ".join(f"{name} {weight:.3f}" for name, weight in weights))
    table, ece = reliability(zip(cross_validated(rows), (label for _, label in rows), strict=True))
    print(f"5-fold cross-validated: expected calibration error {ece:.3f}")
    for bucket in table:
        accuracy = "n/a" if bucket["accuracy"] is None else f"{bucket['accuracy']:.2f}"
        print(f"  confidence {bucket['low']:.1f}-{bucket['high']:.1f}: ", end="")
        print(f"{bucket['n']} answers, {accuracy} right")
    print(f'wrote {out}; use it with `calibration = "{out}"` in rag.toml')
    return 0


def cmd_bench(args: argparse.Namespace) -> int:
    from rag.eval import bench

    return bench.main(_settings(args), args)


def cmd_models(args: argparse.Namespace) -> int:
    from rag.weights import KNOWN_MODELS, locate

    settings = _settings(args)
    names = args.pull or []
    for name in names:
        found = locate(name, settings.cache_dir)
        print(f"{name}: {found.path} sha256 {found.sha256}")
    if args.check:
        from rag.llm import get_model

        model = get_model(settings)
        reply = "".join(model.generate([{"role": "user", "content": "Say OK."}], 4))
        print(f"{model.name}: decode works ({reply.strip()!r})")
    if not names and not args.check:
        for name, spec in KNOWN_MODELS.items():
            mark = "*" if name == settings.model else " "
            print(f"{mark} {name:14} {spec.size / 1e6:7.0f} MB  {spec.description}")
    return 0


def parser() -> argparse.ArgumentParser:
    top = argparse.ArgumentParser(prog="rag", description=__doc__.splitlines()[0])
    top.add_argument("--data-dir", type=Path, help="where the store and uploads live")
    top.add_argument("--model", help="model name (see `rag models`) or .gguf path")
    sub = top.add_subparsers(dest="command", required=True)

    ingest = sub.add_parser("ingest", help="add or update articles (idempotent)")
    ingest.add_argument(
        "paths", nargs="*", metavar="PATH|URL", help="files, folders or web pages (default: seeds/)"
    )
    ingest.add_argument(
        "--feed", action="append", default=[], metavar="URL", help="an RSS or Atom feed's pages"
    )
    ingest.add_argument(
        "--sitemap", action="append", default=[], metavar="URL", help="a sitemap's pages"
    )
    ingest.add_argument("--since", metavar="DATE", help="only feed or sitemap pages from DATE on")
    ingest.add_argument(
        "--watch", type=float, metavar="MINUTES", help="then poll the feeds until interrupted"
    )
    ingest.add_argument("--prune", action="store_true", help="remove articles not in PATHS")
    ingest.add_argument("--quiet", action="store_true", help="no progress bar")
    ingest.set_defaults(run=cmd_ingest)

    ask = sub.add_parser("ask", help="answer one question")
    ask.add_argument("question")
    ask.add_argument("--json", action="store_true", help="print the JSON answer object")
    ask.add_argument("--history", help="JSON file of earlier turns [{role, content}, ...]")
    ask.add_argument("--verbose", action="store_true", help="stream the draft to stderr")
    ask.set_defaults(run=cmd_ask)

    serve = sub.add_parser("serve", help="serve the browser chat at / and the API at /v1")
    serve.add_argument("--host", help="address to bind (default 127.0.0.1)")
    serve.add_argument("--port", type=int, help="port (default 7860)")
    serve.add_argument("--no-ui", action="store_true", help="serve the API alone")
    serve.set_defaults(run=cmd_serve)

    listing = sub.add_parser("documents", help="list the ingested articles")
    listing.add_argument("--json", action="store_true", help="print a JSON list")
    listing.set_defaults(run=cmd_documents)

    evaluate = sub.add_parser("eval", help="run a question set offline and write a report")
    evaluate.add_argument("--questions", type=Path, default=Path("eval/questions.jsonl"))
    evaluate.add_argument("--out", type=Path, help="output folder (default eval/runs/<time>)")
    evaluate.add_argument("--baseline", type=Path, help="an earlier output folder to compare")
    evaluate.add_argument(
        "--split", help="only this split (smoke, dev, test; heldout runs only when named)"
    )
    evaluate.add_argument(
        "--corpus",
        type=Path,
        nargs="+",
        help="article folders (default seeds/; for --split heldout also eval/corpus/)",
    )
    evaluate.add_argument("--limit", type=int, help="only the first N questions")
    evaluate.add_argument(
        "--no-robustness", action="store_true", help="skip the fixed-context reader robustness runs"
    )
    evaluate.add_argument(
        "--gates", type=Path, help="TOML thresholds; exit 1 when a metric misses its threshold"
    )
    evaluate.add_argument(
        "--gold-evidence",
        action="store_true",
        help="diagnostic: the model also reads each question's gold evidence that retrieval "
        "found (what the answers would be with a perfect choice of sentences)",
    )
    evaluate.set_defaults(run=cmd_eval)

    calibration = sub.add_parser("calibrate", help="fit answer confidence to an eval run")
    calibration.add_argument(
        "folders", type=Path, nargs="+", metavar="RUN", help="eval output folders (rag eval --out)"
    )
    calibration.add_argument("--out", type=Path, help="default FIRST_RUN/calibration.json")
    calibration.set_defaults(run=cmd_calibrate)

    from rag.eval.bench_args import add_arguments  # argparse alone: the options of `rag bench`

    bench = sub.add_parser("bench", help="time the app against its libraries, or one part")
    add_arguments(bench)
    bench.set_defaults(run=cmd_bench)

    models = sub.add_parser("models", help="list known models, or assemble and verify some")
    models.add_argument("--pull", nargs="+", metavar="NAME", help="assemble and verify")
    models.add_argument("--check", action="store_true", help="load the model and decode")
    models.set_defaults(run=cmd_models)
    return top


def main(argv: list[str] | None = None) -> int:
    args = parser().parse_args(argv)
    try:
        return int(args.run(args))
    except RagError as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 1
    except KeyboardInterrupt:
        print("interrupted", file=sys.stderr)
        return 130


if __name__ == "__main__":
    sys.exit(main())
