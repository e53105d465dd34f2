# punchline - meme agent for AI Meme Arena. `make` lists the targets.
SHELL := /bin/bash
.SHELLFLAGS := -o pipefail -ec
GO ?= go
PKGS := ./...
# lingua-go embeds 1- to 5-gram models of 75 languages; what we ship (and
# run and test) has the 45 package language tells apart, without five-grams
# (pkg/tools/linguaprune), through a module file that replaces lingua-go
# with the pruned copy under build/. Nothing of it is committed.
SHIP_MODFILE := $(CURDIR)/build/ship.mod
LINGUA_DIR := $(CURDIR)/build/lingua-go
FUZZTIME ?= 60s
export PUNCHLINE_REQUIRE_MOTO := 1

.DEFAULT_GOAL := help

.PHONY: help
help: ## List targets
	@grep -hE '^[a-zA-Z_%-]+:.*## ' $(MAKEFILE_LIST) | awk -F':.*## ' '{printf "  %-22s %s\n", $$1, $$2}' | \
		sed -e 's/$$(CROSS_GOARCH)/$(CROSS_GOARCH)/g' -e 's/$$(CROSS_QEMU)/$(CROSS_QEMU)/g' -e 's/$$(ZIP_BUDGET_MB)/$(ZIP_BUDGET_MB)/g'

.PHONY: run
run: ship-modfile ## Serve the agent on localhost:8080 (PORT); offline generator, local stores under .data
	$(GO) run -modfile=$(SHIP_MODFILE) ./functions/predict

.PHONY: stats
stats: ## One stats pass: arena battles into the results store, ModelChorus into the state store; prints a summary
	$(GO) run ./functions/stats

.PHONY: arena-fake
arena-fake: ## Serve a stand-in arena + ModelChorus on ARENA_FAKE_PORT (8090) following the local results, votes simulated (then run the printed make stats)
	$(GO) run ./pkg/tools/arenafake

.PHONY: report
report: ## Win rates (Wilson 95%) per strategy/recipe/model/format/language/template, the learned posteriors per arm, traffic by recipe; CSV + PNGs in DATA_DIR/report; HTML=1 adds a gallery of the best and worst memes
	HTML=$(HTML) $(GO) run ./pkg/tools/report

.PHONY: eval
eval: ## Run the eval prompt set (N=… first, MIX=… across languages) through the pipeline (configured provider, else the test server; OFFLINE=1: no provider); A=… B=… (K=V,…) compare two configurations; HTML and picture sheets in .data/eval
	$(GO) run ./pkg/tools/eval -out $(or $(OUT),.data/eval) $(if $(N),-n $(N)) $(if $(MIX),-mix $(MIX)) $(if $(A),-a "$(A)") $(if $(B),-b "$(B)") $(if $(OFFLINE),-offline)

.PHONY: template-preview
template-preview: ## Render one template with given captions: ID=… TEXT="top|bottom" [DIR=… IN=ru (fixed labels) OUT=…] (default .data/template-preview.png)
	$(GO) run ./pkg/tools/templateslint $(if $(DIR),-dir "$(DIR)") -id "$(ID)" -text "$(TEXT)" -lang $(or $(IN),en) -out $(or $(OUT),.data/template-preview.png)

.PHONY: doctor
doctor: ## After a deploy: every configured model against the live catalogue; with PROVIDER_API_KEY (or PROVIDER_API_KEY_PARAM) one tiny call per role, with latency and cost
	$(GO) run ./pkg/tools/doctor

.PHONY: templates-paint
templates-paint: ## Have the provider paint the library once: photo variants of every template with a paint spec and clip templates with sound (VIDEO_MODEL) into OUT=dir [IDS=…], then lint it and render its contact sheet (OUT/lint.png); no key: the AIML stand-in's placeholders
	@test -n "$(OUT)" || { echo "usage: make templates-paint OUT=dir [IDS=a,b]" >&2; exit 2; }
	$(GO) run ./pkg/tools/templatespaint -out "$(OUT)" $(if $(IDS),-ids "$(IDS)")
	$(GO) run ./pkg/tools/templateslint -dir "$(OUT)" -out "$(OUT)/lint.png"

.PHONY: templates-lint
templates-lint: ## Validate a template folder (DIR=…, default the house set) and render a contact sheet to .data/templates-lint.png
	$(GO) run ./pkg/tools/templateslint $(if $(DIR),-dir "$(DIR)") -out $(or $(OUT),.data/templates-lint.png)

# The JPEG and outline kernels are assembly on amd64 and arm64: `make test`
# also runs the media packages for the other one of the two (arm64, the
# Lambda's, on an amd64 machine) under qemu-user.
# Recursive (=): `go env` runs only for the targets that use these.
HOST_GOARCH = $(shell $(GO) env GOARCH 2>/dev/null)
CROSS_GOARCH = $(if $(filter arm64,$(HOST_GOARCH)),amd64,arm64)
CROSS_QEMU = qemu-$(if $(filter arm64,$(CROSS_GOARCH)),aarch64,x86_64)

# Debian packages the tests need: ffmpeg/ffprobe (video), chromium (the
# browser playback test) and qemu-user (the other architecture's kernels).
APT_TEST_PKGS = ffmpeg:ffmpeg ffprobe:ffmpeg chromium:chromium $(CROSS_QEMU):qemu-user

# Python tools come from the machine when it has them, else from a project
# venv: never pip into the system Python (Debian 12 refuses, PEP 668).
VENV := $(CURDIR)/.venv
export PATH := $(VENV)/bin:$(PATH)

.PHONY: pydeps
pydeps: ## moto_server, cfn-lint and aws-sam-translator: the machine's, else pip-installed into .venv
	@need=""; \
	command -v moto_server >/dev/null || need="$$need moto[server]"; \
	command -v cfn-lint >/dev/null || need="$$need cfn-lint"; \
	python3 -c 'import samtranslator' 2>/dev/null || need="$$need aws-sam-translator"; \
	if [ -n "$$need" ]; then \
		echo "installing$$need into $(VENV)"; \
		python3 -c 'import ensurepip' 2>/dev/null || { $(SUDO) apt-get update -qq && \
			DEBIAN_FRONTEND=noninteractive $(SUDO) apt-get install -y -qq --no-install-recommends python3-venv >/dev/null; }; \
		[ -x $(VENV)/bin/pip ] || python3 -m venv $(VENV); \
		$(VENV)/bin/pip install --quiet $$need; \
	fi
	@for t in moto_server cfn-lint; do command -v $$t >/dev/null || { echo "$$t still missing after install" >&2; exit 1; }; done
	@python3 -c 'import samtranslator' || { echo "aws-sam-translator still missing after install" >&2; exit 1; }

.PHONY: deps
deps: pydeps ## Install test tools that are missing (Python tools via pydeps; ffmpeg and chromium via apt)
	@missing=$$(for p in $(APT_TEST_PKGS); do command -v $${p%%:*} >/dev/null || echo $${p#*:}; done | sort -u | tr '\n' ' '); \
	if [ -n "$$missing" ]; then \
		echo "installing $$missing"; \
		$(SUDO) apt-get update -qq && DEBIAN_FRONTEND=noninteractive $(SUDO) apt-get install -y -qq --no-install-recommends $$missing >/dev/null; \
	fi
	@for p in $(APT_TEST_PKGS); do command -v $${p%%:*} >/dev/null || { echo "$${p%%:*} still missing after install" >&2; exit 1; }; done

.PHONY: test
test: deps lint ship-modfile ## Everything: vet, format, cfn-lint, unit, fuzz seeds, integration tests (moto, provider server), both kernel architectures, templates-lint
	$(GO) test -race -count=1 -modfile=$(SHIP_MODFILE) $(PKGS)
	$(MAKE) --no-print-directory test-kernels
	$(MAKE) --no-print-directory templates-lint OUT=$(or $(TMPDIR),/tmp)/punchline-templates-lint.png

.PHONY: test-kernels
test-kernels: ## The SIMD kernels' Go fallbacks (-tags purego), and jpegenc and render on $(CROSS_GOARCH) under $(CROSS_QEMU) (~1 min)
	$(GO) test -count=1 -tags purego ./pkg/media/jpegenc ./pkg/media/render
	GOARCH=$(CROSS_GOARCH) $(GO) test -count=1 -exec $(CROSS_QEMU) ./pkg/media/jpegenc ./pkg/media/render

.PHONY: lint
lint: ## gofmt, go mod tidy (no diff), go vet, cfn-lint, make help with every variable expanded
	@out=$$(gofmt -l $$(git ls-files '*.go' 2>/dev/null || find . -name '*.go')); \
		if [ -n "$$out" ]; then echo "gofmt needed: $$out" >&2; exit 1; fi
	@if $(MAKE) --no-print-directory -s help | grep -F '$$('; then echo "make help shows an unexpanded variable (above)" >&2; exit 1; fi
	$(GO) mod tidy -diff
	$(GO) vet $(PKGS)
	cfn-lint template.yaml --include-checks I

# Root installs directly; anyone else goes through sudo.
SUDO := $(if $(filter 0,$(shell id -u)),,sudo)
BENCH_DIR ?= $(or $(TMPDIR),/tmp)/punchline-bench
NPROC := $(shell nproc 2>/dev/null || echo 2)
# The first Python that imports PIL: apt's python3-pil lives in /usr/bin/python3,
# which need not be the python3 on PATH (pyenv, venvs).
PILLOW_PYTHON = for py in python3 /usr/bin/python3; do $$py -c 'import PIL' 2>/dev/null && { echo $$py; exit 0; }; done; exit 1

.PHONY: bench-deps
bench-deps: ## Install Pillow (Debian python3-pil) for the side-by-side render benchmark
	@$(PILLOW_PYTHON) >/dev/null 2>&1 || { $(SUDO) apt-get update -qq && \
		DEBIAN_FRONTEND=noninteractive $(SUDO) apt-get install -y -qq --no-install-recommends python3-pil >/dev/null; }
	@$(PILLOW_PYTHON) >/dev/null || { echo "Pillow still missing after installing python3-pil" >&2; exit 1; }

.PHONY: bench
bench: bench-deps deps ship-modfile ## Benchmarks: offline request; render+JPEG vs Pillow (classic meme and busiest template); Arabic+emoji vs Latin caption; Lambda zip sizes; 5 s clip on one core; 10k-battle stats sync (~2 min)
	$(GO) test -modfile=$(SHIP_MODFILE) -run '^$$' -bench '^Benchmark(OfflineRequest|Replay)$$' -benchmem -count=1 ./functions/predict
	@# One iteration: it builds its own tables, and moto takes ~12 ms a write.
	$(GO) test -run '^$$' -bench Sync10k -benchtime 1x ./pkg/stats/statsync
	@mkdir -p $(BENCH_DIR)
	@# GOMAXPROCS in the environment, not -cpu: with -cpu the first run of a
	@# benchmark can still see every CPU. -p 1: one package at a time, none
	@# competing for the cores. Three runs each, and the ratios below take
	@# the best, as meme.py takes Pillow's best of three.
	RENDER_BENCH_DIR=$(BENCH_DIR) GOMAXPROCS=1 $(GO) test -p 1 -run '^$$' -bench . -benchmem -count=3 ./pkg/media/render ./pkg/media/jpegenc ./pkg/media/templates | tee $(BENCH_DIR)/go-1.txt
	GOMAXPROCS=$(NPROC) $(GO) test -p 1 -run '^$$' -bench . -benchmem -count=3 ./pkg/media/render ./pkg/media/jpegenc | tee $(BENCH_DIR)/go-$(NPROC).txt
	@$(MAKE) -s size
	@# ffmpeg clip rendering on one core, as on a 1769 MB Lambda.
	GOMAXPROCS=1 taskset -c 0 $(GO) test -run '^$$' -bench '^BenchmarkClip$$' -benchtime 3x ./pkg/media/video
	$$($(PILLOW_PYTHON)) pkg/media/render/testdata/pillow/meme.py --out $(BENCH_DIR)/pillow.jpg $(BENCH_DIR)/meme.json | tee $(BENCH_DIR)/pillow.txt
	$$($(PILLOW_PYTHON)) pkg/media/render/testdata/pillow/meme.py --out $(BENCH_DIR)/pillow-template.jpg $(BENCH_DIR)/template.json | tee $(BENCH_DIR)/pillow-template.txt
	@awk '/^BenchmarkRenderTemplate[ \t]/ { v = $$3 / 1e6; if (go == "" || v < go) go = v } /^Pillow/ { py = $$3 } \
		END { printf "render+JPEG busiest template (18 boxes): Go %.2f ms (GOMAXPROCS=1), Pillow %.2f ms: ratio %.2fx\n", go, py, go / py }' \
		$(BENCH_DIR)/go-1.txt $(BENCH_DIR)/pillow-template.txt
	@awk '/^BenchmarkCaptionScripts\/latin\/render[ \t]/ { if (l == "" || $$3 < l) l = $$3 } /^BenchmarkCaptionScripts\/arabic-emoji\/render[ \t]/ { if (a == "" || $$3 < a) a = $$3 } \
		END { printf "caption with Arabic and colour emoji vs Latin (render, GOMAXPROCS=1): %.2f ms vs %.2f ms: ratio %.2fx\n", a / 1e6, l / 1e6, a / l }' \
		$(BENCH_DIR)/go-1.txt
	@for f in $(BENCH_DIR)/go-1.txt $(BENCH_DIR)/go-$(NPROC).txt; do \
		awk -v file=$$f '/^BenchmarkRenderMeme(-[0-9]+)?[ \t]/ { n = split($$1, p, "-"); cpu = (n > 1 ? p[2] : 1); v = $$3 / 1e6; if (go == "" || v < go) go = v } \
			/^Pillow/ { py = $$3 } \
			END { printf "render+JPEG 1024x1024 meme: Go %.2f ms (GOMAXPROCS=%s), Pillow %.2f ms: ratio %.2fx\n", go, cpu, py, go / py }' \
			$$f $(BENCH_DIR)/pillow.txt; \
	done

.PHONY: bench-policy
bench-policy: ## Simulated arena, 10,000 battles through the real stats code: regret of Thompson sampling vs uniform and ε-greedy, drift detection (~40 s)
	$(GO) test -run '^$$' -bench '^BenchmarkPolicy$$' -benchtime 1x ./pkg/learn

.PHONY: bench-deadline
bench-deadline: ship-modfile ## Naive vs our pipeline on a heavy-tailed provider: p50/p95/p99/max, image and text shares (~80 s); BENCH_ENV=K=V,… varies ours
	BENCH_ENV="$(BENCH_ENV)" $(GO) test -modfile=$(SHIP_MODFILE) -run '^$$' -bench '^BenchmarkDeadline$$' -benchtime 1x ./functions/predict

.PHONY: bench-memory
bench-memory: ship-modfile ## Every house template overridden by 16-bit 4096² (refused) then 2048² PNGs; 30 requests 6 at a time each: peak RSS ≤ 1 GB, every answer < 15 s
	$(GO) test -modfile=$(SHIP_MODFILE) -run '^$$' -bench '^BenchmarkHugeTemplates$$' -benchtime 1x ./functions/predict

.PHONY: load
load: ship-modfile ## 50 concurrent clients for LOAD_SECONDS (60), twice each, offline and with FORMAT_POLICY=video on the AIML stand-in: 0 errors, no growth; p99, RSS
	$(GO) test -modfile=$(SHIP_MODFILE) -run '^$$' -bench '^BenchmarkLoad$$' -benchtime 1x -timeout 30m ./functions/predict

# Every fuzz target, as package:Target; `make fuzz` runs each for FUZZTIME.
FUZZ_TARGETS := ./pkg/provider/videogen:FuzzRead ./pkg/language:FuzzIdentify ./pkg/media/jpegenc:FuzzKernels ./pkg/media/render:FuzzDistances ./pkg/serve/httpapi:FuzzParseRequest ./pkg/joke:FuzzParseCandidates ./pkg/joke:FuzzParseRanking ./pkg/provider/imagegen:FuzzDecodeResponse ./pkg/provider/imagegen:FuzzDecodeImage ./pkg/stats/arena:FuzzDecode ./pkg/media/render:FuzzCaption ./pkg/media/templates:FuzzParse ./pkg/media/templates:FuzzLoad ./pkg/provider/aiml:FuzzDecodeCatalogue ./pkg/provider/aiml:FuzzClassify ./pkg/provider/chat:FuzzText ./pkg/provider/tts:FuzzAudioURL

.PHONY: fuzz
fuzz: ## Fuzz every decoder of outside input, and the SIMD kernels against their references, for FUZZTIME each (default 60s); new corpus entries land in testdata/fuzz to commit
	@cache=$$($(GO) env GOCACHE)/fuzz; for t in $(FUZZ_TARGETS); do \
		pkg=$${t%%:*}; name=$${t#*:}; \
		echo "fuzz $$name in $$pkg for $(FUZZTIME)"; \
		$(GO) test -run '^$$' -fuzz "^$$name$$" -fuzztime $(FUZZTIME) -fuzzminimizetime 5s "$$pkg" || exit 1; \
		src="$$cache/punchline/$${pkg#./}/$$name"; dst="$$pkg/testdata/fuzz/$$name"; \
		if [ -d "$$src" ]; then mkdir -p "$$dst" && cp -n "$$src"/* "$$dst"/ 2>/dev/null; fi; \
		echo "corpus: $$(ls "$$dst" 2>/dev/null | wc -l) entries in $$dst"; \
	done

.PHONY: ship-modfile
ship-modfile: ## The module file predict is built, run and tested with: lingua-go with only our languages' models (build/)
	@mkdir -p build
	@$(GO) run ./pkg/tools/linguaprune -from "$$($(GO) list -m -f '{{.Dir}}' github.com/pemistahl/lingua-go)" -out $(LINGUA_DIR)
	@cp go.mod $(SHIP_MODFILE) && cp go.sum $(SHIP_MODFILE:.mod=.sum)
	@$(GO) mod edit -modfile=$(SHIP_MODFILE) -replace github.com/pemistahl/lingua-go=$(LINGUA_DIR)

# sam build (BuildMethod: makefile) calls build-<LogicalId> with ARTIFACTS_DIR set.
LAMBDA_BUILD := GOOS=linux GOARCH=arm64 CGO_ENABLED=0 $(GO) build -tags lambda.norpc -trimpath -ldflags='-s -w'

.PHONY: build-PredictFunction
build-PredictFunction: ship-modfile ## Build the predict bootstrap for Lambda (arm64) into ARTIFACTS_DIR
	$(LAMBDA_BUILD) -modfile=$(SHIP_MODFILE) -o $(or $(ARTIFACTS_DIR),bin/predict)/bootstrap ./functions/predict

.PHONY: build-StatsFunction
build-StatsFunction: ## Build the stats bootstrap for Lambda (arm64) into ARTIFACTS_DIR
	$(LAMBDA_BUILD) -o $(or $(ARTIFACTS_DIR),bin/stats)/bootstrap ./functions/stats

.PHONY: build
build: build-PredictFunction build-StatsFunction ## Build every function into bin/

# 22 MB of code and 39 MB of language models (ship-modfile). Over Lambda's
# 50 MB direct-upload limit: sam deploy uploads through S3, where the limit
# is 250 MB unzipped.
ZIP_BUDGET_MB := 70
.PHONY: size
size: ## Lambda zip of each function as sam packages it (arm64, deflate); fails past $(ZIP_BUDGET_MB) MB
	@dir=$$(mktemp -d) && trap 'rm -rf $$dir' EXIT && for fn in PredictFunction StatsFunction; do \
		mkdir -p $$dir/$$fn && $(MAKE) -s build-$$fn ARTIFACTS_DIR=$$dir/$$fn && \
		(cd $$dir/$$fn && python3 -c 'import zipfile,sys; z=zipfile.ZipFile("f.zip","w",zipfile.ZIP_DEFLATED); z.write("bootstrap"); z.close()') && \
		bytes=$$(stat -c %s $$dir/$$fn/f.zip) && raw=$$(stat -c %s $$dir/$$fn/bootstrap) && \
		awk -v fn=$$fn -v b=$$bytes -v r=$$raw -v max=$(ZIP_BUDGET_MB) 'BEGIN { printf "%s: zip %.1f MB (bootstrap %.1f MB), budget %d MB\n", fn, b/1e6, r/1e6, max; exit (b > max*1e6) }' || exit 1; \
	done

# The region samconfig.toml deploys to; every aws command here uses it too.
REGION ?= $(shell sed -n 's/^region = "\(.*\)"/\1/p' samconfig.toml)

.PHONY: deploy
deploy: ## sam build && sam deploy to REGION (samconfig.toml; needs AWS credentials and SAM CLI ≥ 1.100)
	sam build
	sam deploy --region $(REGION)

.PHONY: smoke
smoke: ## Check a deployed URL: URL=… TOKEN=… posts a prompt, checks the answer and fetches its media; without the token it must get 401
	@test -n "$(URL)" || { echo "usage: make smoke URL=https://….lambda-url.$(REGION).on.aws/ TOKEN=…" >&2; exit 2; }
	$(GO) run ./pkg/tools/smoke -url "$(URL)" -token "$(TOKEN)"

.PHONY: clean
clean: ## Remove build output and local stores
	rm -rf bin .aws-sam .data
