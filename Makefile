# punchline - meme agent for AI Meme Arena. `make` lists the targets.
SHELL := /bin/bash
GO ?= go
PKGS := ./...
FUZZTIME ?= 60s
export PUNCHLINE_REQUIRE_MOTO := 1

.DEFAULT_GOAL := help

.PHONY: help
help: ## List targets
	@grep -hE '^[a-zA-Z_%-]+:.*## ' $(MAKEFILE_LIST) | awk -F':.*## ' '{printf "  %-22s %s\n", $$1, $$2}'

.PHONY: run
run: ## Serve the agent on localhost:8080 (PORT); offline generator, local stores under .data
	$(GO) run ./functions/predict

.PHONY: deps
deps: ## Install test tools that are missing (moto_server, cfn-lint)
	@command -v moto_server >/dev/null || python3 -m pip install --quiet 'moto[server]'
	@command -v cfn-lint >/dev/null || python3 -m pip install --quiet cfn-lint
	@command -v moto_server >/dev/null || { echo "moto_server still missing after install" >&2; exit 1; }

.PHONY: test
test: deps lint ## Everything: vet, format, cfn-lint, unit, fuzz seeds, and integration tests (moto, provider server)
	$(GO) test -race -count=1 $(PKGS)

.PHONY: lint
lint: ## gofmt, go vet, cfn-lint
	@out=$$(gofmt -l $$(git ls-files '*.go' 2>/dev/null || find . -name '*.go')); \
		if [ -n "$$out" ]; then echo "gofmt needed: $$out" >&2; exit 1; fi
	$(GO) vet $(PKGS)
	cfn-lint template.yaml

.PHONY: bench
bench: ## Benchmarks: one offline 1024x1024 meme request end to end, rendering, encoding
	$(GO) test -run '^$$' -bench . -benchmem -count=1 ./functions/predict ./pkg/render

.PHONY: fuzz
fuzz: ## Fuzz the request decoder for FUZZTIME (default 60s)
	$(GO) test -run '^$$' -fuzz '^FuzzParseRequest$$' -fuzztime $(FUZZTIME) -fuzzminimizetime 5s ./pkg/httpapi

# sam build (BuildMethod: makefile) calls build-<LogicalId> with ARTIFACTS_DIR set.
LAMBDA_BUILD := GOOS=linux GOARCH=arm64 CGO_ENABLED=0 $(GO) build -tags lambda.norpc -trimpath -ldflags='-s -w'

.PHONY: build-PredictFunction
build-PredictFunction: ## Build the predict bootstrap for Lambda (arm64) into ARTIFACTS_DIR
	$(LAMBDA_BUILD) -o $(or $(ARTIFACTS_DIR),bin/predict)/bootstrap ./functions/predict

.PHONY: build
build: build-PredictFunction ## Build every function into bin/

.PHONY: deploy
deploy: ## sam build && sam deploy (uses samconfig.toml; needs AWS credentials and the SAM CLI)
	sam build
	sam deploy

.PHONY: clean
clean: ## Remove build output and local stores
	rm -rf bin .aws-sam .data
