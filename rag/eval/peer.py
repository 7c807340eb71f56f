"""`rag bench peer`: the same questions answered by a LlamaIndex pipeline and by this app, in one
run, question by question, scored by the same scorer.

Contract: the peer is built the way LlamaIndex's documentation shows a local citation pipeline:
`SimpleDirectoryReader` over the corpus folders, `VectorStoreIndex.from_documents` with
`HuggingFaceEmbedding` on this app's embedder, `LlamaCPP` on this app's GGUF file (same context,
threads, seed; temperature 0; the model's ChatML format), and `CitationQueryEngine` with
`similarity_top_k` (3) streaming its answer. Nothing of this app's retrieval, prompts or checks
is used by it. Its answers name sources as "[Source 2]" or "Source 2" as often as "[2]"; each
is read as the marker "[2]" (`normalized`). The peer never declines by design, so an answer
that says the sources do not tell is counted as a decline (`declines`), which can only help its
abstention figures. Its `[n]` markers name the source nodes it was shown, whose files give the
cited article.
`compare(settings, questions, corpus, top_k)` asks each question of both (peer first, then the
app) and returns the two lists of (prediction, passages) in rag.eval.run's form; `measure`
scores both, writes each as a run folder (`peer/`, `app/`: predictions, scores, metrics, report)
and returns the app's report with the peer as its baseline (means, deltas, paired comparison).
Follow-up questions are given to the peer without their history (its query engine takes none).
Needs the `bench` extra (`pip install -e .[bench]`); the app never imports this module.
"""

from __future__ import annotations

import dataclasses
import re
import time
from collections.abc import Sequence
from pathlib import Path
from typing import Any

from rag.articles import SUPPORTED_SUFFIXES, safe_id
from rag.config import Settings
from rag.errors import InputError
from rag.eval.questions import Question, load_questions

Prediction = dict[str, Any]
Passages = dict[str, str]
TOP_K = 3
MAX_TOKENS = 256
_MARKER = re.compile(r"\[(\d+)\]")
# the ways its answers name a source besides "[n]": "[Source 2]", "(Source 2)", "Source 2"
_SOURCE = re.compile(r"[\[(]?\bSource (\d+)\b[\])]?")
# how an answer says the sources do not tell (the peer has no separate way to decline)
_DECLINE = re.compile(
    r"\b(not (?:\w+ ){0,2}(?:mention|provide|state|specif|give|include|contain|say|report|"
    r"available|found|known|clear)\w*|no (?:information|mention|details?|data)|"
    r"(?:cannot|can't|unable to) (?:be )?(?:determine|answer|find|tell)\w*|"
    r"i (?:do not|don't) know)",
    re.IGNORECASE,
)


def declines(answer: str) -> bool:
    """Whether an answer says the sources do not tell (or gives nothing)."""
    return not answer.strip() or bool(_DECLINE.search(answer))


def normalized(answer: str) -> str:
    """The answer with every way it names a source written as the marker "[n]"."""
    return _SOURCE.sub(r"[\1]", answer.strip())


def _chatml(messages: Sequence[Any]) -> str:
    """LlamaIndex messages in Qwen's ChatML, ending with the assistant's turn."""
    turns = [f"<|im_start|>{m.role.value}\n{m.content}<|im_end|>" for m in messages]
    return "\n".join([*turns, "<|im_start|>assistant\n"])


def _chatml_completion(prompt: str) -> str:
    return f"<|im_start|>user\n{prompt}<|im_end|>\n<|im_start|>assistant\n"


class Peer:
    """A LlamaIndex CitationQueryEngine over the corpus, on this app's GGUF and embedder."""

    def __init__(self, settings: Settings, corpus: Sequence[Path], top_k: int = TOP_K) -> None:
        try:
            from llama_index.core import Settings as IndexSettings
            from llama_index.core import SimpleDirectoryReader, VectorStoreIndex
            from llama_index.core.query_engine import CitationQueryEngine
            from llama_index.embeddings.huggingface import HuggingFaceEmbedding
            from llama_index.llms.llama_cpp import LlamaCPP
        except ImportError:
            raise InputError("the peer needs the bench extra: pip install -e '.[bench]'") from None
        from rag.embed import resolve
        from rag.llm import llama_options
        from rag.weights import locate

        options = llama_options(settings)
        IndexSettings.embed_model = HuggingFaceEmbedding(
            model_name=resolve(settings.embedder), device="cpu"
        )
        IndexSettings.llm = LlamaCPP(
            model_path=str(locate(settings.model, settings.cache_dir).path),
            temperature=0.0,
            max_new_tokens=MAX_TOKENS,
            context_window=settings.n_ctx,
            model_kwargs={k: v for k, v in options.items() if k != "n_ctx"},
            messages_to_prompt=_chatml,
            completion_to_prompt=_chatml_completion,
            verbose=False,
        )
        files = sorted(
            path
            for folder in corpus
            for path in Path(folder).iterdir()
            if path.suffix.lower() in SUPPORTED_SUFFIXES and path.suffix.lower() != ".jsonl"
        )
        documents = SimpleDirectoryReader(input_files=[str(path) for path in files]).load_data()
        index = VectorStoreIndex.from_documents(documents)
        self.engine = CitationQueryEngine.from_args(
            index, similarity_top_k=top_k, citation_chunk_size=512, streaming=True
        )

    def predict(self, question: Question) -> tuple[Prediction, Passages | None]:
        """One question (without its history) in rag.eval.run's prediction form."""
        start = time.perf_counter()
        try:
            response = self.engine.query(question.question)
            first, pieces = None, []
            for piece in response.response_gen:
                first = first if first is not None else time.perf_counter()
                pieces.append(piece)
        except Exception as exc:  # one failing question must not end the run
            return {"id": question.id, "error": f"{type(exc).__name__}: {exc}"}, None
        end = time.perf_counter()
        answer = normalized("".join(pieces))
        nodes = response.source_nodes
        retrieved = [
            {"rank": rank, "doc_id": _doc_id(node), "chunk_id": node.node.node_id}
            for rank, node in enumerate(nodes, 1)
        ]
        citations = [
            {"marker": n, **retrieved[n - 1]}
            for n in sorted({int(m) for m in _MARKER.findall(answer)})
            if 1 <= n <= len(nodes)
        ]
        prediction = {
            "id": question.id,
            "answer": answer,
            "abstained": declines(answer),
            "citations": citations,
            "retrieved": retrieved,
            "confidence": None,
            "timings_ms": {
                "ttft": ((first or end) - start) * 1000,
                "total": (end - start) * 1000,
            },
        }
        return prediction, {node.node.node_id: node.node.get_content() for node in nodes}


def _doc_id(node: Any) -> str:
    """The article a source node came from, named as rag.articles names it."""
    return safe_id(Path(str(node.node.metadata.get("file_path", ""))).stem)


def compare(
    settings: Settings, questions: Sequence[Question], corpus: Sequence[Path], top_k: int = TOP_K
) -> tuple[list[tuple[Prediction, Passages | None]], list[tuple[Prediction, Passages | None]]]:
    """Each question asked of the peer, then of the app; both answer lists in question order."""
    from rag.answer import Answerer
    from rag.eval.run import ensure_corpus, predict, progress
    from rag.store import Store

    store = Store(settings)
    ensure_corpus(store, corpus)
    answerer = Answerer(settings, store=store)
    answerer.model  # noqa: B018 - loads the model before the first question is timed
    peer = Peer(settings, corpus, top_k)
    theirs, ours = [], []
    for question in progress(questions, "peer and app"):
        theirs.append(peer.predict(question))
        ours.append(predict(answerer, question))
    return theirs, ours


def measure(
    settings: Settings, questions_file: Path, split: str | None, limit: int | None, out: Path
) -> str:
    """`rag bench peer`: both sides answered, scored and written under `out`; the report."""
    from rag.eval import report
    from rag.eval.run import command_line, default_corpus, score_all, write_outputs
    from rag.eval.summary import compare as paired

    chosen = load_questions(questions_file, split, limit)
    corpus = default_corpus(split)
    theirs, ours = compare(settings, chosen, corpus)
    peer, app = score_all(chosen, theirs), score_all(chosen, ours)
    app.comparison = paired(peer.scores, app.scores)
    command = command_line()
    model = {"name": settings.model, "embedder": settings.embedder, "peer_top_k": TOP_K}
    peer_md = report.render_markdown(peer.summary, command=command, model=model)
    app_md = report.render_markdown(
        app.summary,
        command=command,
        model=model,
        baseline=peer.summary,
        comparison=app.comparison,
    )
    meta = {
        "command": command,
        "questions": {"file": str(questions_file), "split": split, "limit": limit},
        "corpus": [str(path) for path in corpus],
        "settings": dataclasses.asdict(settings),
    }
    write_outputs(out / "peer", peer, peer_md, {**meta, "system": "llama-index"})
    write_outputs(out / "app", app, app_md, {**meta, "system": "rag-news"})
    return f"wrote {out}/peer/ and {out}/app/\n\n" + app_md
