# escrowd: the README's two commands are `make demo` and `make test`.
SHELL := /bin/bash
export GOTOOLCHAIN := local
GO ?= go
BIN := bin
# Budgets are counts of executions, not durations: a duration-bound run that
# ends while the fuzzer minimises a new input fails with "context deadline
# exceeded" on a loaded machine (seen twice on FuzzDecode), a count-bound one
# ends between executions. -fuzzminimizetime bounds each minimisation alike.
FUZZTIME ?= 50000x
FUZZ := -run '^$$' -fuzztime $(FUZZTIME) -fuzzminimizetime 200x

.PHONY: all build deps deps-demo test vet unit race fuzz demo jaeger jaeger-build jaeger-start jaeger-stop bench bench-smoke clean

all: build

# Installs what is missing on a fresh Debian machine: monero (wallet server), curl and jq (demo),
# and for the tests chromium (browser tests).
deps:
	@scripts/deps.sh chromium

deps-demo:
	@scripts/deps.sh

build:
	$(GO) build -o $(BIN)/ ./cmd/...

vet:
	$(GO) vet ./...

# make test: installs what is missing, builds the local Jaeger once (cached), then vet,
# every test under the race detector (real wallet servers, real Jaeger, headless Chromium
# included), a short fuzz of every input reader, and a one-iteration smoke run of the benchmarks.
test: deps jaeger-build vet race fuzz bench-smoke

race:
	$(GO) test -race -count=1 -timeout 40m ./...

fuzz:
	$(GO) test $(FUZZ) -fuzz '^FuzzReadFile$$' ./analysis
	$(GO) test $(FUZZ) -fuzz '^FuzzDecode$$' ./pkg/escrowtrace
	$(GO) test $(FUZZ) -fuzz '^FuzzParseOTLP$$' ./pkg/escrowtrace
	$(GO) test $(FUZZ) -fuzz '^FuzzInitRequest$$' ./internal/api
	$(GO) test $(FUZZ) -fuzz '^FuzzEscrowID$$' ./internal/api
	$(GO) test $(FUZZ) -fuzz '^FuzzPayoutBody$$' ./internal/api
	$(GO) test $(FUZZ) -fuzz '^FuzzParse$$' ./pkg/moneroaddr
	$(GO) test $(FUZZ) -fuzz '^FuzzBase58$$' ./pkg/moneroaddr

bench-smoke:
	$(GO) test -run '^$$' -bench . -benchtime 1x ./pkg/trace ./pkg/exporters/jsonfile ./pkg/multisig ./pkg/multisig/walletrpc ./pkg/metrics ./internal/escrows

demo: deps-demo build
	scripts/demo.sh

jaeger-build:
	scripts/jaeger.sh build

jaeger:
	scripts/jaeger.sh run

jaeger-start:
	scripts/jaeger.sh start

jaeger-stop:
	scripts/jaeger.sh stop

bench: deps build
	scripts/bench.sh

clean:
	rm -rf $(BIN)
