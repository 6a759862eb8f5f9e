# layerstack -- top-level build.
#
#   make            install missing Debian packages, generate protobuf code, build
#   make test       unit suites under ASan+UBSan, then all suites (unit + integration)
#   make demo       bring the default topology up and run the lessons
#   make unit S=ipv4   run one suite (CK_RUN_SUITE), normal build
#   make lint       dependency cycles between files (check-cycles) and uncounted drop sites (check-drops)
#
# Layout rules the build relies on (no per-module edits needed):
#   common/*/*.c                    -> linked into everything (wire/ runtime/ fault/ topology/)
#   <svc>/main.c                    -> bin/<svc>   (link-svc, net-svc, transport-svc, dns-svc)
#   <svc>/*.c (other)               -> that service's core, also linked into the test runner
#   orchestrator/stackctl.c         -> bin/stackctl; orchestrator/*.c the rest
#   apps/lib/*.c                    -> app library; apps/*.c -> bin/<name> each
#   tests/unit/test_*.c             -> each defines `Suite *NAME_suite(void)`; collected automatically
#   tests/tools/*.c, bench/*.c      -> bin/<name> each: common + apps/lib + the cores it uses
#   tests/integration/*.sh          -> run as check tests by tests/unit/test_integration.c

BUILD   ?= build
CC      ?= gcc
PKGS    := libzmq libprotobuf-c check libpcap yaml-0.1
OPT     ?= -O2
SANFLAGS :=
ifeq ($(SAN),1)
  BUILD := build/asan
  OPT := -O1
  SANFLAGS := -fsanitize=address,undefined -fno-omit-frame-pointer -fno-sanitize-recover=undefined
endif
CFLAGS  ?= $(OPT) -g
CFLAGS  += -std=gnu11 -Wall -Wextra -Wno-unused-parameter -Wshadow -D_GNU_SOURCE $(SANFLAGS) \
           -I. -Icommon -Ibuild/gen
LDFLAGS += $(SANFLAGS)
PKG_CFLAGS = $(shell pkg-config --cflags $(PKGS) 2>/dev/null)
PKG_LIBS   = $(shell pkg-config --libs $(PKGS) 2>/dev/null) -lm

SVCS := link-svc net-svc transport-svc dns-svc

GEN_C   := build/gen/proto/layerstack.pb-c.c
GEN_H   := build/gen/proto/layerstack.pb-c.h

COMMON_SRC := $(wildcard common/*/*.c)
svc_core    = $(filter-out $(1)/main.c,$(wildcard $(1)/*.c))
CORE_SRC   := $(foreach s,$(SVCS),$(call svc_core,$(s))) \
              $(filter-out orchestrator/stackctl.c,$(wildcard orchestrator/*.c)) \
              $(wildcard apps/lib/*.c)
APP_SRC    := $(wildcard apps/*.c)
TOOL_SRC   := $(wildcard tests/tools/*.c bench/*.c)
UNIT_SRC   := $(wildcard tests/unit/*.c)
TOOL_BINS  := $(foreach f,$(TOOL_SRC),$(BUILD)/bin/$(basename $(notdir $(f))))

obj = $(patsubst %.c,$(BUILD)/obj/%.o,$(1))
BASE_OBJ := $(call obj,$(COMMON_SRC)) $(BUILD)/obj/gen/layerstack.pb-c.o

SVC_BINS := $(foreach s,$(SVCS),$(if $(wildcard $(s)/main.c),$(BUILD)/bin/$(s)))
APP_BINS := $(patsubst apps/%.c,$(BUILD)/bin/%,$(APP_SRC))
ORCH_BIN := $(if $(wildcard orchestrator/stackctl.c),$(BUILD)/bin/stackctl)
RUNNER   := $(BUILD)/tests/runner


.PHONY: all deps build binaries test unit unit-asan integration demo clean bench compose-test help lint
.SUFFIXES:
.SECONDARY:

all: build

help:
	@sed -n '3,9p' Makefile

deps:
	@./scripts/deps.sh

build: deps
	@$(MAKE) --no-print-directory -s binaries

binaries: $(SVC_BINS) $(APP_BINS) $(ORCH_BIN) $(TOOL_BINS) $(RUNNER)

$(GEN_C) $(GEN_H): proto/layerstack.proto
	@mkdir -p build/gen
	protoc-c --c_out=build/gen proto/layerstack.proto

$(BUILD)/obj/gen/layerstack.pb-c.o: $(GEN_C)
	@mkdir -p $(dir $@)
	$(CC) $(CFLAGS) $(PKG_CFLAGS) -MMD -MP -c $< -o $@

$(BUILD)/obj/%.o: %.c $(GEN_H)
	@mkdir -p $(dir $@)
	$(CC) $(CFLAGS) $(PKG_CFLAGS) -MMD -MP -c $< -o $@

# each service: its main + its own core + common
$(BUILD)/bin/%: $(BUILD)/obj/%/main.o $(BASE_OBJ) $(call obj,$(CORE_SRC))
	@mkdir -p $(dir $@)
	$(CC) $(LDFLAGS) -o $@ $(BUILD)/obj/$*/main.o \
	  $(call obj,$(filter-out $*/main.c,$(wildcard $*/*.c))) $(BASE_OBJ) $(PKG_LIBS)

$(BUILD)/bin/stackctl: $(BUILD)/obj/orchestrator/stackctl.o $(BASE_OBJ) $(call obj,$(CORE_SRC))
	@mkdir -p $(dir $@)
	$(CC) $(LDFLAGS) -o $@ $< $(call obj,$(filter-out orchestrator/stackctl.c,$(wildcard orchestrator/*.c))) \
	  $(call obj,$(wildcard apps/lib/*.c)) $(BASE_OBJ) $(PKG_LIBS)

# apps: one binary each, with the app library
$(APP_BINS): $(BUILD)/bin/%: $(BUILD)/obj/apps/%.o $(BASE_OBJ) $(call obj,$(wildcard apps/lib/*.c))
	@mkdir -p $(dir $@)
	$(CC) $(LDFLAGS) -o $@ $< $(call obj,$(wildcard apps/lib/*.c)) $(BASE_OBJ) $(PKG_LIBS)

# every core as a (thin) archive: a tool links only the core objects it uses
CORE_LIB := $(BUILD)/lib/cores.a
$(CORE_LIB): $(call obj,$(CORE_SRC))
	@mkdir -p $(dir $@)
	@rm -f $@
	$(AR) rcsT $@ $^

# test tools and bench programs (tests/tools/*.c, bench/*.c): one binary each
define tool_rule
$(BUILD)/bin/$(basename $(notdir $(1))): $(call obj,$(1)) $(BASE_OBJ) $(call obj,$(wildcard apps/lib/*.c)) $(CORE_LIB)
	@mkdir -p $$(dir $$@)
	$$(CC) $$(LDFLAGS) -o $$@ $$^ $$(PKG_LIBS)
endef
$(foreach f,$(TOOL_SRC),$(eval $(call tool_rule,$(f))))

# the test runner: every suite in tests/unit, every core
$(BUILD)/suites/suites.h: $(UNIT_SRC)
	@mkdir -p $(dir $@)
	@grep -ho '^Suite \*[a-z0-9_]*_suite(void)' $(UNIT_SRC) | sed 's/^Suite \*\(.*\)(void)/X(\1)/' | sort > $@.tmp
	@cmp -s $@.tmp $@ || mv $@.tmp $@; rm -f $@.tmp

$(BUILD)/obj/tests/unit/check_main.o: $(BUILD)/suites/suites.h
$(BUILD)/obj/tests/unit/check_main.o: CFLAGS := -I$(BUILD)/suites $(CFLAGS)

$(RUNNER): $(call obj,$(UNIT_SRC)) $(BASE_OBJ) $(call obj,$(CORE_SRC))
	@mkdir -p $(dir $@)
	$(CC) $(LDFLAGS) -o $@ $^ $(PKG_LIBS)

# make test: unit suites under sanitizers, then everything in the normal build.
# The last line printed is check's aggregated summary of the full run.
test: deps
	@$(MAKE) --no-print-directory unit-asan
	@$(MAKE) --no-print-directory build
	@LS_ROOT=$(CURDIR) LS_BIN=$(CURDIR)/build/bin $(RUNNER)

unit-asan: deps
	@$(MAKE) --no-print-directory SAN=1 build/asan/tests/runner
	@echo "== unit suites under ASan+UBSan"
	@LS_UNIT_ONLY=1 ASAN_OPTIONS=detect_leaks=1 UBSAN_OPTIONS=print_stacktrace=1 build/asan/tests/runner

unit: build
	@CK_RUN_SUITE=$(S) LS_UNIT_ONLY=1 $(RUNNER)

integration: build
	@LS_ROOT=$(CURDIR) LS_BIN=$(CURDIR)/build/bin CK_RUN_SUITE=integration $(RUNNER)

lint: deps
	@python3 scripts/check-cycles.py
	@python3 scripts/check-drops.py

demo: build
	@./scripts/demo.sh

bench: build
	@./bench/run.sh

compose-test: build
	@./scripts/compose-test.sh

clean:
	rm -rf build

-include $(shell find $(BUILD) -name '*.d' 2>/dev/null)
