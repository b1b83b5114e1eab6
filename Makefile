# pingwatch — the two commands a newcomer needs: `make demo` and `make test`.
JOBS        ?= $(shell nproc)
BUILD_DIR   ?= build
# The clang sanitizer build (ASan+UBSan with fuzzer coverage): the unit tests and the fuzz targets, compiled once.
ASAN_DIR    ?= build-sanitize
CMAKE_FLAGS ?=
PINGWATCH   := $(BUILD_DIR)/src/pingwatch
# The slim Lambda executable the zip holds (no CLI, daemon, status server or local stack).
PINGWATCH_LAMBDA := $(BUILD_DIR)/src/pingwatch-lambda
UNIT_TESTS  := test_core test_aws test_monitor test_local test_runtime
FUZZ_TARGETS := $(basename $(notdir $(wildcard tests/fuzz/fuzz_*.cpp)))
# A failing ctest stays a failure when its output is piped through sed.
SHELL       := bash
.SHELLFLAGS := -o pipefail -c

.PHONY: setup configure build build-demo build-lambda build-tests build-asan test test-release test-unit test-asan \
        test-fuzz test-fuzz-after-asan demo package bench soak deploy clean

setup:
	@scripts/setup.sh

configure: setup
	@cmake -S . -B $(BUILD_DIR) -G Ninja -DCMAKE_BUILD_TYPE=Release -DPINGWATCH_WERROR=ON $(CMAKE_FLAGS) >/dev/null

build: configure
	@cmake --build $(BUILD_DIR) -j $(JOBS)

# The demo needs the binary and the Lambda executable it deploys, not the tests and benchmarks a full build compiles.
build-demo: configure
	@cmake --build $(BUILD_DIR) -j $(JOBS) --target pingwatch pingwatch-lambda

build-lambda: configure
	@cmake --build $(BUILD_DIR) -j $(JOBS) --target pingwatch-lambda

# What the scripts run on the optimised build (tests/CMakeLists.txt: pingwatch_script_tests): the binaries and the
# tools, not the unit tests (they run in the sanitizer build) nor the benchmarks.
build-tests: configure
	@cmake --build $(BUILD_DIR) -j $(JOBS) --target pingwatch_script_tests

build-asan: setup
	@cmake -S . -B $(ASAN_DIR) -G Ninja -DCMAKE_BUILD_TYPE=Debug -DCMAKE_CXX_COMPILER=clang++ -DPINGWATCH_WERROR=ON -DPINGWATCH_FUZZ=ON -DPINGWATCH_BUILD_BENCH=OFF $(CMAKE_FLAGS) >/dev/null
	@cmake --build $(ASAN_DIR) -j $(JOBS) --target $(UNIT_TESTS) $(FUZZ_TARGETS)

# Everything: the integration and conformance tests on the optimised build, the unit tests under ASan+UBSan, the
# fuzz targets. Each configuration compiles only what it runs: the optimised build the binaries the scripts drive,
# the clang sanitizer build the unit tests and the fuzz targets (one compilation for both). Tests mostly wait (the
# local stack's simulated clock, retry back-off, clients and processes starting), so the scripts (lines start
# [release]) run while the sanitizer build compiles; the unit tests and the fuzzing run once it is done. Any part
# failing fails `make test`, after every part has finished.
test: build-tests
	@$(MAKE) --no-print-directory --keep-going -j 3 test-release test-asan test-fuzz-after-asan

test-release:
	@cd $(BUILD_DIR) && ctest --output-on-failure -j $(JOBS) -L script 2>&1 | sed -u 's/^/[release] /'

test-asan: build-asan
	@cd $(ASAN_DIR) && ASAN_OPTIONS=detect_leaks=1 UBSAN_OPTIONS=print_stacktrace=1 ctest --output-on-failure -j $(JOBS) -L unit

test-fuzz-after-asan: build-asan
	@scripts/fuzz.sh $(ASAN_DIR)

# libFuzzer targets (clang++, ASan+UBSan) for a bounded time each on the committed corpus (FUZZ_SECONDS, default 15).
test-fuzz: setup
	@scripts/fuzz.sh $(ASAN_DIR)

# The unit tests on the optimised build (make test runs them under the sanitizers).
test-unit: build
	@cd $(BUILD_DIR) && ctest --output-on-failure -j $(JOBS) -L unit

demo: build-demo
	@if [ -x scripts/demo.sh ]; then scripts/demo.sh $(PINGWATCH); else $(PINGWATCH) --help; fi

package: build-lambda
	@scripts/package-lambda.sh $(PINGWATCH_LAMBDA)

bench: build
	@scripts/bench.sh $(BUILD_DIR)

soak: build
	@scripts/soak.sh $(BUILD_DIR)

deploy: package
	@scripts/deploy.sh

clean:
	rm -rf $(BUILD_DIR) $(ASAN_DIR) build-asan build-fuzz dist
