# Ward — build, check, test, bench, demo, install.
# `make demo` and `make test` install their own prerequisites (Debian packages, npm ci).

SHELL := /bin/sh
NODE ?= node
PREFIX ?= /usr/local
TSC := node_modules/.bin/tsc
BIOME := node_modules/.bin/biome

.PHONY: all deps build check lint fmt typecheck imports docs-check lengths test bench demo install clean

all: build

deps:
	@sh scripts/install-deps.sh

# The emitted JavaScript carries no comments (tsconfig removeComments): V8 keeps each loaded
# module's source text in every process, and the sources are richly commented. The declarations
# are emitted again with their doc comments, for editors.
build: deps
	@$(NODE) scripts/gen-proto.mjs
	@$(TSC) -p tsconfig.json
	@$(TSC) -p tsconfig.json --emitDeclarationOnly --removeComments false
	@sh scripts/make-bins.sh

typecheck:
	@$(TSC) -p tsconfig.json --noEmit

lint:
	@$(BIOME) check --diagnostic-level=error .

fmt:
	@$(BIOME) check --write .

imports:
	@$(NODE) scripts/check-imports.mjs

docs-check:
	@$(NODE) scripts/check-docs.mjs

lengths:
	@$(NODE) scripts/check-lengths.mjs

check: typecheck lint imports docs-check lengths

test: build check
	@sh scripts/run-tests.sh

bench: build
	@$(NODE) dist/bench/main.js

demo: build
	@$(NODE) dist/integration/demo/main.js

install: build
	@$(NODE) dist/cli/main.js install --prefix $(PREFIX)

clean:
	rm -rf dist
