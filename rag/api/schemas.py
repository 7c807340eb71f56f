"""The shapes of the /v1 bodies other than the chat request (rag.api.messages), as pydantic
models: they validate what comes in and document what goes out in the OpenAPI schema.

Contract: `IngestBody` is POST /v1/ingest's JSON form: up to MAX_INGEST_ITEMS articles with a
title and a text (date, source, url and id optional), and/or up to MAX_INGEST_URLS web URLs in
all (`urls`: pages, `feeds`: RSS/Atom feeds, `sitemaps`: sitemaps or sitemap indexes; each an
absolute http(s) URL; `since` keeps the feeds' and sitemaps' pages from a date on); something
must be given. The other models describe responses.
Knows nothing about how answers are made or where articles are kept.
"""

from __future__ import annotations

from typing import Annotated, Any, Literal

from pydantic import AfterValidator, BaseModel, Field, model_validator

from rag.articles import iso_date
from rag.library import MAX_WEB_URLS
from rag.web import is_url

MAX_INGEST_ITEMS = 16  # files or articles in one ingest request
MAX_INGEST_URLS = MAX_WEB_URLS  # page, feed and sitemap URLs in one ingest request
MAX_URL_CHARS = 2048


def _web_url(value: str) -> str:
    if not is_url(value.strip()):
        raise ValueError("not an absolute http:// or https:// URL")
    return value.strip()


def _date(value: str | None) -> str | None:
    if value is not None and iso_date(value) is None:
        raise ValueError(f"cannot read {value!r} as a date (use YYYY-MM-DD)")
    return iso_date(value)


WebUrl = Annotated[str, Field(min_length=1, max_length=MAX_URL_CHARS), AfterValidator(_web_url)]
WebUrls = Annotated[list[WebUrl] | None, Field(min_length=1, max_length=MAX_INGEST_URLS)]


class NewArticle(BaseModel):
    title: str = Field(min_length=1)
    text: str = Field(min_length=1)
    date: str | None = Field(None, description="publication date, best as YYYY-MM-DD")
    source: str | None = Field(None, description="the outlet")
    url: str | None = None
    id: str | None = Field(None, description="becomes the doc_id (made safe); default: derived")


class WebSources(BaseModel):
    """Web URLs to fetch and ingest, at most MAX_INGEST_URLS in all."""

    urls: WebUrls = Field(None, description="web pages")
    feeds: WebUrls = Field(None, description="RSS or Atom feeds: the pages they list")
    sitemaps: WebUrls = Field(None, description="sitemaps or sitemap indexes: their pages")
    since: Annotated[str | None, AfterValidator(_date)] = Field(
        None, description="only the feeds' and sitemaps' pages from this date on (YYYY-MM-DD)"
    )

    def given(self) -> int:
        return sum(len(group or ()) for group in (self.urls, self.feeds, self.sitemaps))

    @model_validator(mode="after")
    def _at_most(self) -> WebSources:
        if self.given() > MAX_INGEST_URLS:
            raise ValueError(f"{self.given()} URLs: at most {MAX_INGEST_URLS} a request")
        return self


class IngestBody(WebSources):
    articles: list[NewArticle] | None = Field(None, min_length=1, max_length=MAX_INGEST_ITEMS)

    @model_validator(mode="after")
    def _something(self) -> IngestBody:
        if not self.articles and not self.given():
            raise ValueError("give articles, urls, feeds or sitemaps")
        return self


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
    name: str = Field(description="the file name, articles[i], or the URL that failed")
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
