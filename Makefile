# steadycast — the two commands a new user needs are `make run` and `make test`.
# Both install missing system packages first (Debian 12, apt-get, idempotent).

BUILD_DIR ?= build
BUILD_TYPE ?= Release
JOBS ?= $(shell nproc)
FUZZ_DIR ?= build-fuzz
SANITIZE_DIR ?= build-sanitize
FUZZ_SECONDS ?= 60
ARGS ?=
SOAK_ARGS ?=

CMAKE_FLAGS = -G Ninja -DCMAKE_BUILD_TYPE=$(BUILD_TYPE)

.PHONY: all deps test-deps build run test unit integration sanitize format format-check tidy fuzz bench soak clean

all: build

deps:
	@scripts/install-deps.sh build
	@scripts/install-node-deps.sh

test-deps:
	@scripts/install-deps.sh build test
	@scripts/install-node-deps.sh

$(BUILD_DIR)/build.ninja:
	cmake -S . -B $(BUILD_DIR) $(CMAKE_FLAGS)

build: deps $(BUILD_DIR)/build.ninja
	cmake --build $(BUILD_DIR) -j $(JOBS)

run: build
	./$(BUILD_DIR)/steadycast serve $(ARGS)

test: test-deps $(BUILD_DIR)/build.ninja format-check
	cmake --build $(BUILD_DIR) -j $(JOBS)
	@scripts/tidy-changed.sh $(BUILD_DIR)
	ctest --test-dir $(BUILD_DIR) --output-on-failure -j $(JOBS) --timeout 300

unit: build
	ctest --test-dir $(BUILD_DIR) --output-on-failure -j $(JOBS) -L 'unit|fuzz-regression'

integration: test-deps build
	ctest --test-dir $(BUILD_DIR) --output-on-failure -L integration

# The whole suite (unit, fuzz replays, integration) built with ASan + UBSan. Not part of
# `make test` (it takes several times longer); any sanitizer report fails the test it ran in.
sanitize: test-deps
	cmake -S . -B $(SANITIZE_DIR) -G Ninja -DCMAKE_BUILD_TYPE=RelWithDebInfo -DSTEADYCAST_SANITIZE=ON
	cmake --build $(SANITIZE_DIR) -j $(JOBS)
	ASAN_OPTIONS=abort_on_error=1:detect_leaks=1 UBSAN_OPTIONS=print_stacktrace=1:halt_on_error=1 \
	  ctest --test-dir $(SANITIZE_DIR) --output-on-failure -j $(JOBS) --timeout 900 $(CTEST_ARGS)

format:
	@git ls-files '*.h' '*.cc' | xargs clang-format -i

format-check:
	@scripts/check-format.sh

tidy: $(BUILD_DIR)/build.ninja
	@git ls-files 'src/*.cc' | grep -v '_fuzz.cc' | xargs -P $(JOBS) -n 4 clang-tidy -p $(BUILD_DIR) --quiet

fuzz:
	@scripts/install-deps.sh build
	@scripts/install-node-deps.sh
	CC=clang CXX=clang++ cmake -S . -B $(FUZZ_DIR) -G Ninja -DCMAKE_BUILD_TYPE=Debug -DSTEADYCAST_FUZZ=ON
	cmake --build $(FUZZ_DIR) -j $(JOBS)
	@scripts/run-fuzzers.sh $(FUZZ_DIR) $(FUZZ_SECONDS)

bench: build
	@scripts/install-deps.sh build test bench
	@bench/run-all.sh $(BUILD_DIR)

# Soak tests (tests/soak/): load, slowloris, stability. Not part of `make test`; each script
# prints PASS/FAIL with its figures. Full mode takes ~20 min; SOAK_ARGS=--short ~2-3 min.
soak: test-deps build
	cd tests/soak && STEADYCAST_BIN=$(abspath $(BUILD_DIR))/steadycast python3 load.py $(SOAK_ARGS)
	cd tests/soak && STEADYCAST_BIN=$(abspath $(BUILD_DIR))/steadycast python3 slowloris.py $(SOAK_ARGS)
	cd tests/soak && STEADYCAST_BIN=$(abspath $(BUILD_DIR))/steadycast python3 stability.py $(SOAK_ARGS)

clean:
	rm -rf $(BUILD_DIR) $(FUZZ_DIR)
