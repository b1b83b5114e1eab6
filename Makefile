# pingwatch — the two commands a newcomer needs: `make demo` and `make test`.
JOBS        ?= $(shell nproc)
BUILD_DIR   ?= build
ASAN_DIR    ?= build-asan
CMAKE_FLAGS ?=
PINGWATCH   := $(BUILD_DIR)/src/pingwatch
# The slim Lambda executable the zip holds (no CLI, daemon, status server or local stack).
PINGWATCH_LAMBDA := $(BUILD_DIR)/src/pingwatch-lambda
# The sanitizer build compiles only what the unit tests need.
UNIT_TESTS  := test_core test_aws test_monitor test_local test_runtime
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

# What ctest runs on the optimised build (tests/CMakeLists.txt: pingwatch_tests), not the benchmarks.
build-tests: configure
	@cmake --build $(BUILD_DIR) -j $(JOBS) --target pingwatch_tests

build-asan: setup
	@cmake -S . -B $(ASAN_DIR) -G Ninja -DCMAKE_BUILD_TYPE=Debug -DPINGWATCH_WERROR=ON -DPINGWATCH_SANITIZE=ON -DPINGWATCH_BUILD_BENCH=OFF $(CMAKE_FLAGS) >/dev/null
	@cmake --build $(ASAN_DIR) -j $(JOBS) --target $(UNIT_TESTS)

# Everything: unit, integration and conformance tests on the optimised build, the unit tests under ASan+UBSan, the
# fuzz targets. Tests mostly wait (the local stack's simulated clock, retry back-off, clients and processes
# starting), so they run while the next build compiles instead of after it: the optimised build's tests (lines start
# [release]) beside the ASan and fuzz builds, the ASan unit tests beside the fuzz build, which starts once the ASan
# build is done (one build at a time). Any part failing fails `make test`, after every part has finished.
test: build-tests
	@$(MAKE) --no-print-directory --keep-going -j 3 test-release test-asan test-fuzz-after-asan

test-release:
	@cd $(BUILD_DIR) && ctest --output-on-failure -j $(JOBS) 2>&1 | sed -u 's/^/[release] /'

test-asan: build-asan
	@cd $(ASAN_DIR) && ASAN_OPTIONS=detect_leaks=1 UBSAN_OPTIONS=print_stacktrace=1 ctest --output-on-failure -j $(JOBS) -L unit

test-fuzz-after-asan: build-asan
	@scripts/fuzz.sh build-fuzz

# libFuzzer targets (clang++, ASan+UBSan) for a bounded time each on the committed corpus (FUZZ_SECONDS, default 15).
test-fuzz: setup
	@scripts/fuzz.sh build-fuzz

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
	rm -rf $(BUILD_DIR) $(ASAN_DIR) build-fuzz dist
