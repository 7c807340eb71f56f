"""The shapes of the /v1 bodies other than the chat request (rag.api.messages), as pydantic
models: they validate what comes in and document what goes out in the OpenAPI schema.

Contract: `IngestBody` is POST /v1/ingest's JSON form (1 to MAX_INGEST_ITEMS articles with a
title and a text; date, source, url and id optional); the other models describe responses.
Knows nothing about how answers are made or where articles are kept.
"""

from __future__ import annotations

from typing import Any, Literal

from pydantic import BaseModel, Field

MAX_INGEST_ITEMS = 16  # files or articles in one ingest request


class NewArticle(BaseModel):
    title: str = Field(min_length=1)
    text: str = Field(min_length=1)
    date: str | None = Field(None, description="publication date, best as YYYY-MM-DD")
    source: str | None = Field(None, description="the outlet")
    url: str | None = None
    id: str | None = Field(None, description="becomes the doc_id (made safe); default: derived")


class IngestBody(BaseModel):
    articles: list[NewArticle] = Field(min_length=1, max_length=MAX_INGEST_ITEMS)


class ErrorDetail(BaseModel):
    message: str
    type: str
    param: str | None
    code: str | None


class ErrorResponse(BaseModel):
    error: ErrorDetail


class AssistantMessage(BaseModel):
    role: Literal["assistant"] = "assistant"
    content: str = Field(description="the checked answer with its [n] markers")


class Choice(BaseModel):
    index: int
    message: AssistantMessage
    logprobs: None = None
    finish_reason: Literal["stop"]


class Usage(BaseModel):
    prompt_tokens: int
    completion_tokens: int = Field(description="tokens of the model's draft")
    total_tokens: int


class ChatCompletion(BaseModel):
    id: str
    object: Literal["chat.completion"]
    created: int
    model: str
    choices: list[Choice]
    usage: Usage
    citations: list[dict[str, Any]] = Field(
        description="marker, doc_id, title, date, chunk_id, quote: as `rag ask --json`"
    )
    abstained: bool
    confidence: float | None
    conflicts: list[dict[str, Any]]
    as_of: str | None


class Model(BaseModel):
    id: str
    object: Literal["model"] = "model"
    created: int
    owned_by: str


class ModelList(BaseModel):
    object: Literal["list"] = "list"
    data: list[Model]


class Document(BaseModel):
    doc_id: str
    title: str
    date: str | None
    source: str | None
    url: str | None
    chunks: int


class DocumentList(BaseModel):
    object: Literal["list"] = "list"
    data: list[Document]


class Ingested(BaseModel):
    doc_id: str
    title: str
    date: str | None
    source: str | None
    url: str | None
    status: Literal["added", "updated", "unchanged"]


class IngestFailure(BaseModel):
    name: str = Field(description="the file name, or articles[i]")
    message: str
    code: str | None


class IngestResult(BaseModel):
    object: Literal["list"] = "list"
    data: list[Ingested]
    errors: list[IngestFailure]


class Deleted(BaseModel):
    id: str
    object: Literal["document"] = "document"
    deleted: bool
