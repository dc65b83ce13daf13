# subweave: the two quickstart commands are `make demo` and `make test`.
PY ?= python3
VENV ?= .venv
BIN := $(VENV)/bin
export HF_HUB_OFFLINE := 1

.PHONY: demo test setup setup-dev sysdeps lint typecheck bench clean

# The demo needs the package alone; tests, lint and benchmarks add the dev and Ray extras.
$(BIN)/subweave: pyproject.toml
	$(PY) -m venv $(VENV)
	$(BIN)/pip install --quiet --upgrade pip
	$(BIN)/pip install --quiet -e .
	touch $@

$(VENV)/.dev-extras: $(BIN)/subweave
	$(BIN)/pip install --quiet -e '.[dev,ray]'
	touch $@

setup: $(BIN)/subweave

setup-dev: $(VENV)/.dev-extras

# Optional system tools: espeak-ng (synthetic speech for tests/bench), ffmpeg (test fixtures, the
# review page's MP3 proxy) and chromium (the review page's browser tests; a CJK font for its
# screenshots). Installed only when missing and when we can (root with apt-get); tests skip
# cleanly without them.
sysdeps:
	@if ! command -v espeak-ng >/dev/null || ! command -v ffmpeg >/dev/null \
	    || ! command -v chromium >/dev/null; then \
	  if [ "$$(id -u)" = 0 ] && command -v apt-get >/dev/null; then \
	    (apt-get update -qq && apt-get install -y -qq espeak-ng ffmpeg chromium \
	      fonts-wqy-microhei >/dev/null) \
	      || echo "note: could not install espeak-ng/ffmpeg/chromium; the tests that need them will skip"; \
	  else echo "note: espeak-ng/ffmpeg/chromium missing; the tests that need them will skip"; fi; \
	fi

# The README's screenshot of the review page: the sample aligned, its page shot in headless Chromium.
docs/review.png: setup-dev sysdeps
	$(BIN)/subweave align media/sample.mp3 media/sample.en-zh.txt --out outputs/sample -q
	$(BIN)/python -m tests.browser outputs/sample/sample.review.html $@ 1280 860

demo: setup
	$(BIN)/subweave align media/sample.mp3 media/sample.en-zh.txt --out outputs/sample

test: setup-dev sysdeps
	$(BIN)/python -m pytest -q

lint: setup-dev
	$(BIN)/ruff check pipeline tests bench media
	$(BIN)/ruff format --check pipeline tests bench media

typecheck: setup-dev
	$(BIN)/mypy --strict pipeline tests bench

bench: setup-dev sysdeps
	$(BIN)/python -m bench.run
	$(BIN)/python -m bench.tracks

clean:
	rm -rf outputs/*/ .pytest_cache .mypy_cache .ruff_cache
