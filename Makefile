# The provincial image-promotion archive. `make demo` and `make test` are the
# two commands a fresh machine needs (see README.md).
GO       ?= go
BIN      := bin/archive
ROOT     ?= ./archive-data
PKGS     := ./...
FUZZTIME ?= 10s

.PHONY: all build test lint demo bench fuzz clean corpus-check

all: build

build:
	$(GO) build -o $(BIN) ./cmd/archive

lint:
	@out=$$(gofmt -l $$(git ls-files '*.go' 2>/dev/null || find . -name '*.go')); \
	if [ -n "$$out" ]; then echo "gofmt would change:"; echo "$$out"; exit 1; fi
	$(GO) vet $(PKGS)

test: lint
	$(GO) test -race -timeout 12m $(PKGS)

demo: build
	$(BIN) --root $(ROOT) ingest testdata/demo || [ $$? -eq 3 ]
	$(BIN) --root $(ROOT) stats

# Benchmarks print their figures (images/s, MB/s, ms per stage, peak RSS).
bench:
	$(GO) test -run '^$$' -bench . -benchtime 5x -timeout 30m ./thumbs ./archive ./indexer

# Runs every fuzz target for FUZZTIME each.
fuzz:
	@for pkg in $$($(GO) list ./...); do \
	  for t in $$($(GO) test -list '^Fuzz' $$pkg | grep '^Fuzz'); do \
	    echo "fuzz $$pkg $$t"; \
	    $(GO) test -run '^$$' -fuzz "^$$t$$" -fuzztime $(FUZZTIME) $$pkg || exit 1; \
	  done; \
	done

# Scores ingest + export against the corpus manifest as acceptance does.
corpus-check: build
	rm -rf /tmp/archive-corpus-check && mkdir -p /tmp/archive-corpus-check
	$(BIN) --root /tmp/archive-corpus-check/root ingest --json ../shared/corpus > /tmp/archive-corpus-check/ingest.jsonl || [ $$? -eq 3 ]
	$(BIN) --root /tmp/archive-corpus-check/root export --format jsonl > /tmp/archive-corpus-check/export.jsonl
	python3 ../shared/tools/corpus_check.py ../shared/corpus/manifest.json /tmp/archive-corpus-check/ingest.jsonl /tmp/archive-corpus-check/export.jsonl --kinds jpeg,png,tiff,webp --renditions

clean:
	rm -rf bin $(ROOT)
