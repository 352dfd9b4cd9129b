# The provincial image-promotion archive. `make demo` and `make test` are the
# two commands a fresh machine needs (see README.md).
GO       ?= go
BIN      := bin/archive
ROOT     ?= ./archive-data
PKGS     := ./...
FUZZTIME ?= 10s
ADDR     ?= 127.0.0.1:8080

.PHONY: all build test lint demo bench fuzz clean corpus-check loadtest serve

all: build

build:
	$(GO) build -o $(BIN) ./cmd/archive

lint:
	@out=$$(gofmt -l $$(git ls-files '*.go' 2>/dev/null || find . -name '*.go')); \
	if [ -n "$$out" ]; then echo "gofmt would change:"; echo "$$out"; exit 1; fi
	$(GO) vet $(PKGS)

test: lint
	$(GO) test -race -timeout 12m $(PKGS)

# Ingests the sample media as published and public, then serves it (the URL
# is printed; Ctrl-C stops).
demo: build
	$(BIN) --root $(ROOT) ingest --no-server --status published --visibility public testdata/demo || [ $$? -eq 3 ]
	$(BIN) --root $(ROOT) stats
	$(BIN) --root $(ROOT) serve --addr $(ADDR)

serve: build
	$(BIN) --root $(ROOT) serve --addr $(ADDR)

# 200 concurrent clients for 30 s on loopback against a generated 10 k-record
# archive: search, record and rendition requests; prints throughput, p50/p99
# and errors. Not part of `make test`.
loadtest:
	$(GO) test -tags loadtest -run '^TestLoad$$' -count=1 -timeout 10m -v ./api

# Benchmarks print their figures (images/s, MB/s, ms per stage, peak RSS).
# BENCH_N=1000000 runs the search benchmarks at a million records (the index
# is cached under the temp dir); BENCH_DUMP=DIR writes the records and queries
# for ../shared/tools/peer_fts5.py.
bench:
	$(GO) test -run '^$$' -bench . -benchtime 5x -timeout 30m ./thumbs ./archive/ingest ./archive/curation
	$(GO) test -run '^$$' -bench . -benchtime 1x -timeout 180m ./indexer
	$(GO) test -run '^$$' -bench CollectionZip -benchtime 3x -timeout 30m ./api
	$(GO) test -run '^$$' -bench IIIF -benchtime 10x -timeout 30m ./api
	$(GO) test -run '^$$' -bench . -benchtime 1x -timeout 30m ./archive/similar

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
