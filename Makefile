# vigil: an operator console that keeps a gateway bot online.
# `make help` lists the targets from their `## target: what` comments.
#
# Sources are found by wildcard: a new file in src/<room>/ or tests/<layer>/
# needs no edit here.

PREFIX  ?= /usr/local
DESTDIR ?=
MANDIR  ?= $(PREFIX)/share/man
# systemd reads units from /usr/local/lib/systemd/system too.
UNITDIR ?= $(PREFIX)/lib/systemd/system
SYSCONFDIR ?= /etc
BUILD   ?= build
CC      ?= cc
VERSION := 0.1.0

PKGS      := libwebsockets libcurl jansson ncursesw readline zlib libzstd libssl libcrypto lua5.4 hiredis
TEST_PKGS := cmocka

# A fresh machine has none of the libraries: install them before anything
# asks pkg-config (skipped for targets that need no compiler).
NODEPS_GOALS := clean deps help
ifeq ($(filter-out $(NODEPS_GOALS),$(or $(MAKECMDGOALS),all)),)
else
DEPS_OK := $(shell pkg-config --exists $(PKGS) $(TEST_PKGS) && test -f /usr/include/jsmn.h && \
           command -v redis-server >/dev/null && echo ok)
ifneq ($(DEPS_OK),ok)
$(info deps: build dependencies are missing; running scripts/deps.sh)
DEPS_RC := $(shell ./scripts/deps.sh >&2; echo $$?)
ifneq ($(DEPS_RC),0)
$(error deps: scripts/deps.sh failed; see its message above)
endif
endif
endif

WARN    := -Wall -Wextra -Werror -Wshadow -Wstrict-prototypes -Wmissing-prototypes \
           -Wformat=2 -Wno-format-nonliteral
OPT     ?= -O2 -g
SAN_FLAGS := -fsanitize=address,undefined -fno-sanitize-recover=undefined \
             -fno-omit-frame-pointer
ifeq ($(SAN),1)
OPT     := -O1 -g $(SAN_FLAGS)
LDSAN   := $(SAN_FLAGS)
endif

PKG_CFLAGS := $(shell pkg-config --cflags $(PKGS) 2>/dev/null)
PKG_LIBS   := $(shell pkg-config --libs $(PKGS) 2>/dev/null)
TEST_LIBS  := $(shell pkg-config --libs $(TEST_PKGS) 2>/dev/null)

CPPFLAGS += -Isrc -D_GNU_SOURCE -DVIGIL_VERSION='"$(VERSION)"' \
            -DVIGIL_DATADIR='"$(PREFIX)/share/vigil"'
CFLAGS   += -std=c11 $(WARN) $(OPT) $(PKG_CFLAGS) -MMD -MP
LDFLAGS  += $(LDSAN)
LDLIBS   += $(PKG_LIBS) -lm

# One archive per room: ar names members by basename, so two rooms' files
# of the same name (sim/budget.c, bot/budget.c) must not share an archive.
# ROOMS is the layer order, outermost first (docs/design.md "Layers"): the
# archives are linked in that order and not as a group, so a room that calls
# into a room above it fails the link. scripts/check-layers.sh says which
# #include crossed the line.
ROOM_SRC_bot := $(wildcard src/bot/*.c)
ROOM_SRC_sim := $(filter-out src/sim/vigil-sim.c,$(wildcard src/sim/*.c))
ROOM_SRC_net := $(wildcard src/net/*.c)
ROOM_SRC_app := $(wildcard src/app/*.c)
ROOM_SRC_ui  := $(wildcard src/ui/*.c)
ROOM_SRC_script := $(wildcard src/script/*.c)
ROOM_SRC_cli := $(filter-out src/main.c,$(wildcard src/*.c))
ROOMS    := cli ui app script net sim bot
LIBS     := $(foreach r,$(ROOMS),$(if $(ROOM_SRC_$(r)),$(BUILD)/libvigil-$(r).a))
LIB_LINK := $(LIBS)

BINS     := $(BUILD)/vigil $(if $(wildcard src/sim/vigil-sim.c),$(BUILD)/vigil-sim)

UNIT_SRC  := $(wildcard tests/unit/test-*.c)
INTEG_SRC := $(wildcard tests/integration/test-*.c)
CHAOS_SRC := $(wildcard tests/chaos/test-*.c)
DST_SRC   := $(wildcard tests/dst/test-*.c)
TEST_SUPPORT_SRC := $(wildcard tests/support/*.c)
TEST_SUPPORT_OBJ := $(TEST_SUPPORT_SRC:%.c=$(BUILD)/obj/%.o)
# The deterministic simulation's harness: tests/dst/*.c but its tests and main.
DST_HARNESS_SRC := $(filter-out tests/dst/test-% tests/dst/dst.c,$(wildcard tests/dst/*.c))
DST_HARNESS_OBJ := $(DST_HARNESS_SRC:%.c=$(BUILD)/obj/%.o)
TEST_BINS := $(UNIT_SRC:tests/%.c=$(BUILD)/tests/%) \
             $(DST_SRC:tests/%.c=$(BUILD)/tests/%) \
             $(INTEG_SRC:tests/%.c=$(BUILD)/tests/%) \
             $(CHAOS_SRC:tests/%.c=$(BUILD)/tests/%)
TUI_TESTS := $(wildcard tests/tui/test-*.sh)
# Operations (docs/operations.md): a headless vigil with ctl, HTTP, systemd,
# webhooks, log rotation, and the shipped files (man pages, unit).
OPS_TESTS := $(wildcard tests/ops/test-*.sh)
LINT_TESTS := $(wildcard tests/lint/test-*.sh)

# Fuzzing (docs/fuzzing.md): clang's libFuzzer with ASan+UBSan, apart in
# build-fuzz/. The library is instrumented for coverage (fuzzer-no-link);
# only the targets link libFuzzer's main. The library's own warnings are
# gcc's job in the normal build, so clang's do not stop this one.
FUZZ_BUILD := build-fuzz
FUZZ_CC    ?= clang
FUZZ_SAN   := -fsanitize=address,undefined -fno-sanitize-recover=undefined \
              -fno-omit-frame-pointer
FUZZ_FLAGS := -std=c11 -O1 -g $(FUZZ_SAN) $(PKG_CFLAGS) -MMD -MP
FUZZ_SRC   := $(wildcard tests/fuzz/fuzz-*.c)
FUZZ_BINS  := $(FUZZ_SRC:tests/fuzz/%.c=$(FUZZ_BUILD)/%)
FUZZ_LIBS  := $(foreach r,$(ROOMS),$(if $(ROOM_SRC_$(r)),$(FUZZ_BUILD)/libvigil-$(r).a))
SECONDS    ?= 60

# V=1 shows the full commands.
ifeq ($(V),1)
Q :=
SAY := @true
else
Q := @
SAY := @printf '  %-4s %s\n'
endif

.PHONY: all run check asan fuzz fuzz-build valgrind install uninstall clean deps help tests bench dst dst-cluster chaos soak
## all: build build/vigil and build/vigil-sim (the default)
all: $(BINS)

$(BUILD)/obj/%.o: %.c
	@mkdir -p $(@D)
	$(SAY) CC $<
	$(Q)$(CC) $(CPPFLAGS) $(CFLAGS) -c -o $@ $<

# room_lib ROOM BUILDDIR (the fuzz build has its own archives)
define room_lib
$(2)/libvigil-$(1).a: $$(ROOM_SRC_$(1):%.c=$(2)/obj/%.o)
	@rm -f $$@
	$$(SAY) AR $$@
	$$(Q)$$(AR) rcs $$@ $$^
endef
$(foreach r,$(ROOMS),$(eval $(call room_lib,$(r),$(BUILD))))
$(foreach r,$(ROOMS),$(eval $(call room_lib,$(r),$(FUZZ_BUILD))))

$(BUILD)/vigil: $(BUILD)/obj/src/main.o $(LIBS)
	$(SAY) LD $@
	$(Q)$(CC) $(LDFLAGS) -o $@ $< $(LIB_LINK) $(LDLIBS)

$(BUILD)/vigil-sim: $(BUILD)/obj/src/sim/vigil-sim.o $(LIBS)
	$(SAY) LD $@
	$(Q)$(CC) $(LDFLAGS) -o $@ $< $(LIB_LINK) $(LDLIBS)

$(BUILD)/tests/%: $(BUILD)/obj/tests/%.o $(TEST_SUPPORT_OBJ) $(LIBS)
	@mkdir -p $(@D)
	$(SAY) LD $@
	$(Q)$(CC) $(LDFLAGS) -o $@ $< $(TEST_SUPPORT_OBJ) $(LIB_LINK) $(LDLIBS) $(TEST_LIBS)

$(BUILD)/tests/dst/%: $(BUILD)/obj/tests/dst/%.o $(DST_HARNESS_OBJ) $(TEST_SUPPORT_OBJ) $(LIBS)
	@mkdir -p $(@D)
	$(SAY) LD $@
	$(Q)$(CC) $(LDFLAGS) -o $@ $< $(DST_HARNESS_OBJ) $(TEST_SUPPORT_OBJ) $(LIB_LINK) $(LDLIBS) $(TEST_LIBS)

## tests: build every test binary without running them
tests: $(BINS) $(TEST_BINS)

# Faults over real sockets for SECS seconds (default 300): loopback, and a
# network namespace when root. make check runs a short version.
## chaos: faults over real sockets for SECS seconds (default 300)
chaos: $(BINS) $(CHAOS_SRC:tests/%.c=$(BUILD)/tests/%)
	@CHAOS_SECS=$(or $(SECS),300) VIGIL_BUILD=$(BUILD) tests/run.sh $(CHAOS_SRC:tests/%.c=$(BUILD)/tests/%)

# Memory over a long run: SOAK_EVENTS events, SOAK_RECONNECTS reconnects; RSS must stay flat.
## soak: RSS over SOAK_EVENTS events and SOAK_RECONNECTS reconnects
soak: $(BINS)
	@VIGIL_BUILD=$(BUILD) sh tests/soak/soak.sh

## dst-cluster: the cluster's simulation campaign: DAYS=N SEED=S SEEDS=K
dst-cluster: $(BUILD)/tests/dst/test-dst-cluster
	DST_CLUSTER_SEED=$(or $(SEED),1) DST_CLUSTER_SEEDS=$(or $(SEEDS),8) \
	    DST_CLUSTER_DAYS=$(or $(DAYS),1) $(BUILD)/tests/dst/test-dst-cluster

## dst: a deterministic simulation campaign: DAYS=N SEED=S [SEEDS=K] [SHARDS=N [MC=M]]
dst: $(BUILD)/tests/dst/dst
	$(BUILD)/tests/dst/dst --seed $(or $(SEED),1) --seeds $(or $(SEEDS),1) --days $(or $(DAYS),100) \
	    $(if $(SHARDS),--shards $(SHARDS) --max-concurrency $(or $(MC),0))

# Figures, never pass/fail: events/s, CPU per event, peak RSS (bench/run.sh).
BENCH_BINS := $(patsubst bench/%.c,$(BUILD)/bench/%,$(wildcard bench/*.c))
$(BUILD)/bench/%: $(BUILD)/obj/bench/%.o $(LIBS)
	@mkdir -p $(@D)
	$(SAY) LD $@
	$(Q)$(CC) $(LDFLAGS) -o $@ $< $(LIB_LINK) $(LDLIBS)

## bench: throughput, latency, redraw cost and RSS figures
bench: $(BINS) $(BENCH_BINS)
	@VIGIL_BUILD=$(BUILD) sh bench/run.sh

# The console against the built-in emulator, or real Discord with VIGIL_TOKEN.
## run: build, then open the console (emulator unless VIGIL_TOKEN is set); ARGS=...
run: $(BINS)
	$(BUILD)/vigil $(ARGS)

# The fuzz replay (tests/fuzz/check.sh) already runs under ASan+UBSan, so
# `make asan` does not run it twice.
FUZZ_CHECK := $(if $(filter 1,$(SAN)),,$(FUZZ_BINS) tests/fuzz/check.sh)

## check: build and run every test; the last line is "N passed, N failed"
check: $(BINS) $(TEST_BINS) $(filter-out %.sh,$(FUZZ_CHECK))
	@VIGIL_BUILD=$(BUILD) VIGIL_FUZZ_BUILD=$(FUZZ_BUILD) \
	    tests/run.sh $(LINT_TESTS) $(TEST_BINS) $(TUI_TESTS) $(OPS_TESTS) $(filter %.sh,$(FUZZ_CHECK))

## asan: the same tests built with ASan+UBSan (in build-asan/)
asan:
	@$(MAKE) --no-print-directory BUILD=build-asan SAN=1 check

$(FUZZ_BUILD)/obj/tests/fuzz/%.o: tests/fuzz/%.c
	@mkdir -p $(@D)
	$(SAY) FZCC $<
	$(Q)$(FUZZ_CC) $(CPPFLAGS) $(FUZZ_FLAGS) $(WARN) -fsanitize=fuzzer -c -o $@ $<

$(FUZZ_BUILD)/obj/%.o: %.c
	@mkdir -p $(@D)
	$(SAY) FZCC $<
	$(Q)$(FUZZ_CC) $(CPPFLAGS) $(FUZZ_FLAGS) -w -fsanitize=fuzzer-no-link -c -o $@ $<

$(FUZZ_BUILD)/fuzz-%: $(FUZZ_BUILD)/obj/tests/fuzz/fuzz-%.o $(FUZZ_LIBS)
	$(SAY) LD $@
	$(Q)$(FUZZ_CC) $(FUZZ_SAN) -fsanitize=fuzzer -o $@ $< \
	    $(FUZZ_LIBS) $(LDLIBS)

## fuzz-build: build every libFuzzer target (build-fuzz/)
fuzz-build: $(FUZZ_BINS)

# SECONDS per target; new corpus entries stay in build-fuzz/corpus/, a
# crash is copied into tests/fuzz/regress/<target>/ and fails the run.
## fuzz: every libFuzzer target for SECONDS (60) each
fuzz: $(FUZZ_BINS)
	@VIGIL_FUZZ_BUILD=$(FUZZ_BUILD) tests/fuzz/run.sh $(SECONDS) $(FUZZ_BINS)

## valgrind: the unit and integration tests under valgrind memcheck
valgrind: $(TEST_BINS)
	@VIGIL_BUILD=$(BUILD) tests/valgrind.sh $(UNIT_SRC:tests/%.c=$(BUILD)/tests/%) \
	    $(INTEG_SRC:tests/%.c=$(BUILD)/tests/%)

## install: PREFIX=/usr/local DESTDIR=
install: $(BINS)
	install -d $(DESTDIR)$(PREFIX)/bin $(DESTDIR)$(PREFIX)/share/vigil/themes \
	    $(DESTDIR)$(PREFIX)/share/vigil/bots $(DESTDIR)$(MANDIR)/man1 \
	    $(DESTDIR)$(UNITDIR) $(DESTDIR)$(SYSCONFDIR)/logrotate.d
	install -m 755 $(BINS) $(DESTDIR)$(PREFIX)/bin/
	[ -z "$(wildcard themes/*.theme)" ] || install -m 644 themes/*.theme $(DESTDIR)$(PREFIX)/share/vigil/themes/
	install -m 644 bots/*.lua $(DESTDIR)$(PREFIX)/share/vigil/bots/
	install -m 644 man/vigil.1 man/vigil-sim.1 $(DESTDIR)$(MANDIR)/man1/
	sed 's|/usr/local/bin/vigil|$(PREFIX)/bin/vigil|' contrib/systemd/vigil.service \
	    >$(DESTDIR)$(UNITDIR)/vigil.service
	chmod 644 $(DESTDIR)$(UNITDIR)/vigil.service
	install -m 644 contrib/logrotate/vigil $(DESTDIR)$(SYSCONFDIR)/logrotate.d/vigil

## uninstall: remove what install put in PREFIX
uninstall:
	rm -f $(DESTDIR)$(PREFIX)/bin/vigil $(DESTDIR)$(PREFIX)/bin/vigil-sim
	rm -rf $(DESTDIR)$(PREFIX)/share/vigil
	rm -f $(DESTDIR)$(MANDIR)/man1/vigil.1 $(DESTDIR)$(MANDIR)/man1/vigil-sim.1
	rm -f $(DESTDIR)$(UNITDIR)/vigil.service $(DESTDIR)$(SYSCONFDIR)/logrotate.d/vigil

## deps: install missing Debian packages (make does it on its own)
deps:
	./scripts/deps.sh

## clean: remove build, build-asan and build-fuzz
clean:
	rm -rf build build-asan build-fuzz

## help: this list
help:
	@sed -n 's/^## \([a-z-]*\): /  make \1\t/p' $(MAKEFILE_LIST) | expand -t 20

-include $(shell find $(BUILD)/obj $(FUZZ_BUILD)/obj -name '*.d' 2>/dev/null)
.SECONDARY:
