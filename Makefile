# escrowd: the two commands of the README are `make demo` and `make test`.
SHELL := /bin/bash
export GOTOOLCHAIN := local
GO ?= go
BIN := bin

.PHONY: all build deps test vet unit demo jaeger jaeger-build bench clean

all: build

deps:
	@scripts/deps.sh

build:
	$(GO) build -o $(BIN)/ ./cmd/...

vet:
	$(GO) vet ./...

# make test: installs what is missing, then vet and every test, real wallet servers included.
test: deps vet
	$(GO) test -count=1 ./...

demo: deps build
	scripts/demo.sh

jaeger-build:
	scripts/jaeger.sh build

jaeger:
	scripts/jaeger.sh run

clean:
	rm -rf $(BIN)
