# ndx: GNU make, no autotools.  See README.md for the two commands that
# matter; `make help` lists the rest.
include config.mk

B       ?= build
PKGS    ?= libxml-2.0 libxslt libexslt libarchive libsodium sqlite3 libpq \
	  gpgme gpg-error xlsxwriter odbc
WARN    = -std=c11 -Wall -Wextra -Wpedantic -Wmissing-prototypes \
	  -Wstrict-prototypes -Wwrite-strings -Wshadow -Wformat=2 \
	  -Wno-format-nonliteral $(WERROR)
PKG_CFLAGS := $(shell $(PKG_CONFIG) --cflags $(PKGS) 2>/dev/null)
PKG_LIBS   := $(shell $(PKG_CONFIG) --libs $(PKGS) 2>/dev/null) -lcsv -lm
ALL_CFLAGS = $(WARN) -D_GNU_SOURCE -Iinclude $(PKG_CFLAGS) $(CFLAGS) -MMD -MP
ALL_LDFLAGS = $(LDFLAGS)

# Programs: name, then the folder holding its sources.  Each folder has a
# main.c with only main(); the rest is <prog>_main() and its helpers so
# tests and fuzzers can drive a program in-process.
ALL_PROGS = ndx-extract ndx-fixtures ndx-pseudonymise ndx-transform \
	    ndx-validate ndx-run ndx ndx-pack ndx-combine
ndx-extract_DIR      = extract
ndx-fixtures_DIR     = fixtures
ndx-pseudonymise_DIR = pseudonymise
ndx-transform_DIR    = transform
ndx-validate_DIR     = validate
ndx-run_DIR          = run
ndx_DIR              = dispatch
ndx-pack_DIR         = pack
ndx-combine_DIR      = combine

LIB_SRCS = $(sort $(wildcard lib/*.c))
LIB_OBJS = $(LIB_SRCS:%.c=$(B)/%.o)
LIB      = $(B)/libndx.a

prog_srcs = $(sort $(wildcard $($(1)_DIR)/*.c))
prog_objs = $(patsubst %.c,$(B)/%.o,$(call prog_srcs,$(1)))
# A program is built once its folder has a main.c.
PROGS = $(foreach p,$(ALL_PROGS),$(if $(wildcard $($(p)_DIR)/main.c),$(p)))
BINS = $(PROGS:%=$(B)/%)

UNIT_SRCS = $(sort $(wildcard tests/unit/test_*.c))
UNIT_BINS = $(UNIT_SRCS:tests/unit/%.c=$(B)/tests/%)
CMOCKA_CFLAGS := $(shell $(PKG_CONFIG) --cflags cmocka 2>/dev/null)
CMOCKA_LIBS   := $(shell $(PKG_CONFIG) --libs cmocka 2>/dev/null)

DATA = $(wildcard schemas/*.xsd schemas/*.csv)
XSLT = $(wildcard transform/xslt/*.xsl)
SQL  = $(wildcard extract/sql/*.sql)

.DELETE_ON_ERROR:
.PHONY: all check check-unit check-e2e deps demo install uninstall clean \
	asan valgrind fuzz help

all: $(BINS) $(B)/ndx-dataset.5

# ndx-dataset(5) is made from the XSD, so it states what ndx-validate
# checks and cannot fall behind it.
$(B)/ndx-dataset.5: man/ndx-dataset.xsl schemas/episodes-2.xsd
	@mkdir -p $(@D)
	xsltproc -o $@ man/ndx-dataset.xsl schemas/episodes-2.xsd

$(B)/%.o: %.c
	@mkdir -p $(@D)
	$(CC) $(ALL_CFLAGS) -c -o $@ $<

$(LIB): $(LIB_OBJS)
	@mkdir -p $(@D)
	rm -f $@
	$(AR) rcs $@ $^

# ndx-run runs validation and the products in-process (run/pass.c): it
# links those programs' filters, everything of theirs but main.
ndx-run_LINKS = ndx-validate ndx-pseudonymise ndx-transform
# ndx-combine verifies and unpacks as ndx-pack does, and sorts with
# ndx-extract's external sorter.
ndx-combine_LINKS = ndx-pack ndx-extract
link_objs = $(call prog_objs,$(1)) $(filter-out %/main.o,$(foreach q,$($(1)_LINKS),$(call prog_objs,$(q))))
define prog_rule
$(B)/$(1): $(call link_objs,$(1)) $(LIB)
	$$(CC) $$(ALL_CFLAGS) $$(ALL_LDFLAGS) -o $$@ $(call link_objs,$(1)) $(LIB) $$(PKG_LIBS)
endef
$(foreach p,$(PROGS),$(eval $(call prog_rule,$(p))))

# Unit tests may reach a program's internals: they link every non-main
# object of every program.
PROG_LIB_OBJS = $(filter-out %/main.o,$(foreach p,$(PROGS),$(call prog_objs,$(p))))
$(B)/tests/%: tests/unit/%.c $(PROG_LIB_OBJS) $(LIB)
	@mkdir -p $(@D)
	$(CC) $(ALL_CFLAGS) $(CMOCKA_CFLAGS) $(ALL_LDFLAGS) -o $@ $< \
		$(PROG_LIB_OBJS) $(LIB) $(CMOCKA_LIBS) $(PKG_LIBS)

deps:
	@sh .ci/deps

# check and demo install missing packages first, then build in a fresh
# make so pkg-config sees what was just installed.
check: deps
	@$(MAKE) --no-print-directory check-unit check-e2e

check-unit: $(UNIT_BINS)
	@sh tests/unit/run.sh $(UNIT_BINS)

check-e2e: all
	@BIN=$(abspath $(B)) VALGRIND="$(VALGRIND)" UPDATE="$(UPDATE)" \
		sh tests/e2e/run.sh

# The demo: the README's first command.
demo: deps
	@$(MAKE) --no-print-directory all $(B)/demo.db
	@sh tests/demo.sh $(abspath $(B))

# The demo's case-management database: synthetic, made here, never
# downloaded.  A few injected errors give the report something to say.
$(B)/demo.db: $(B)/ndx-fixtures
	rm -f $@ $(B)/demo-errors.csv
	$(B)/ndx-fixtures --seed 2026 --clients 400 --until 2026-10-31 \
		--errors 0.03 --errors-list $(B)/demo-errors.csv \
		--target sqlite:$@

# Benchmarks (bench/run.sh): every program and ndx-run on BENCH_ROWS rows
# of ndx-fixtures data (cached in $(B)/bench/), BENCH_RUNS runs each,
# medians, beside xmllint, xsltproc and Python doing the comparable job,
# and beside the previous release, BENCH_BASE (a commit; empty for none).
# make bench BENCH_ROWS="100000 1000000 10000000" for more sizes.  What
# is timed is a snapshot of the build installed in $(B)/bench/ndx, so a
# rebuild or a stylesheet edited meanwhile cannot change it halfway.  The
# previous release is built once from `git archive BENCH_BASE` (no
# worktree) with the same CC and CFLAGS and installed in
# $(B)/bench/base-BENCH_BASE; its .bench-build says what it was built
# with, and it is built again when that differs.
BENCH_ROWS ?= 1000000
BENCH_RUNS ?= 5
BENCH_SEED ?= 1
BENCH_BASE ?= 0d5d285
BENCH_NDX   = $(abspath $(B))/bench/ndx
BENCH_PREV  = $(if $(BENCH_BASE),$(abspath $(B))/bench/base-$(BENCH_BASE))
# Not $(MAKE) in that recipe, which make -n would run (and so empty the
# cache): make -n bench only prints it.
BENCH_MAKE  = $(MAKE)
.PHONY: bench
bench: deps
	@$(MAKE) --no-print-directory all
	@rm -rf $(BENCH_NDX)
	@$(MAKE) --no-print-directory install PREFIX=$(BENCH_NDX) DESTDIR= \
		>/dev/null
	@set -e; base='$(BENCH_BASE)'; [ -n "$$base" ] || exit 0; \
	prev='$(BENCH_PREV)'; log=$$prev.log; \
	src='$(abspath $(B))/bench/base-src-$(BENCH_BASE)'; \
	rev=$$(git rev-parse -q --verify "$$base^{commit}") || { \
		echo "bench: BENCH_BASE=$$base is not a commit of this" \
		    "repository (BENCH_BASE= for no previous release)" >&2; \
		exit 1; }; \
	built="CC \`$(CC)\`, CFLAGS \`$(CFLAGS)\`, commit $$rev"; \
	if [ -f "$$prev/.bench-build" ] && \
	    [ "$$(cat "$$prev/.bench-build")" = "$$built" ]; then exit 0; fi; \
	echo "bench: building the previous release $$base into $$prev" \
	    "(once; log in $$log)" >&2; \
	rm -rf "$$src" "$$prev"; mkdir -p "$$src"; \
	git archive "$$rev" | tar -x -C "$$src"; \
	if $(BENCH_MAKE) -C "$$src" --no-print-directory B=build WERROR= \
	    CC="$(CC)" CFLAGS="$(CFLAGS)" all >"$$log" 2>&1 && \
	    $(BENCH_MAKE) -C "$$src" --no-print-directory B=build WERROR= \
	    CC="$(CC)" CFLAGS="$(CFLAGS)" install PREFIX="$$prev" DESTDIR= \
	    >>"$$log" 2>&1; then :; else \
		tail -n 20 "$$log" >&2; rm -rf "$$prev"; \
		echo "bench: the previous release $$base did not build" \
		    "(above; all of it in $$log, the sources in $$src);" \
		    "BENCH_BASE= runs the bench without it" >&2; \
		exit 1; \
	fi; \
	git rev-parse --short "$$rev" >"$$prev/.bench-commit"; \
	echo "$$built" >"$$prev/.bench-build"; \
	rm -rf "$$src"
	@CC="$(CC)" CFLAGS="$(CFLAGS)" sh bench/run.sh $(BENCH_NDX) \
		$(abspath $(B))/bench "$(BENCH_ROWS)" "$(BENCH_RUNS)" \
		"$(BENCH_SEED)" "$(BENCH_PREV)"

asan:
	$(MAKE) B=build-asan WERROR=$(WERROR) \
		CFLAGS="-O1 -g -fsanitize=address,undefined -fno-omit-frame-pointer -fno-sanitize-recover=all" \
		LDFLAGS="-fsanitize=address,undefined" check

valgrind: all $(UNIT_BINS)
	$(MAKE) VALGRIND="valgrind -q --leak-check=full --show-leak-kinds=definite,indirect --errors-for-leak-kinds=definite,indirect --error-exitcode=99" check-unit check-e2e

# Fuzzing: every tests/fuzz/fuzz_*.c is a libFuzzer harness.  The lib
# sources are built with the same sanitizers into $(FUZZ_B)/; each harness
# runs for FUZZ_SECONDS on a corpus kept in $(FUZZ_B)/corpus/<name>/ and
# seeded from tests/fuzz/seeds/<name>/ (and <name>.dict when present).
# Crashing inputs go to $(FUZZ_B)/artifacts/.
FUZZ_SECONDS ?= 20
FUZZ_CC      ?= clang
FUZZ_B        = build-fuzz
FUZZ_FLAGS    = -O1 -g -fsanitize=fuzzer,address,undefined \
		-fno-sanitize-recover=all -fno-omit-frame-pointer
FUZZ_CFLAGS   = $(WARN) -D_GNU_SOURCE -Iinclude $(PKG_CFLAGS) $(FUZZ_FLAGS) \
		-MMD -MP
FUZZ_SRCS     = $(sort $(wildcard tests/fuzz/fuzz_*.c))
FUZZ_BINS     = $(FUZZ_SRCS:tests/fuzz/%.c=$(FUZZ_B)/%)
FUZZ_LIB      = $(FUZZ_B)/libndx.a

fuzz: $(FUZZ_BINS)
	@set -e; for f in $(FUZZ_BINS); do \
		n=$${f##*/}; \
		mkdir -p $(FUZZ_B)/corpus/$$n $(FUZZ_B)/artifacts; \
		seeds=; dict=; \
		[ -d tests/fuzz/seeds/$$n ] && seeds=tests/fuzz/seeds/$$n; \
		[ -f tests/fuzz/$$n.dict ] && dict=-dict=tests/fuzz/$$n.dict; \
		echo "== fuzz: $$n for $(FUZZ_SECONDS)s"; \
		NDX_DATADIR=$(abspath schemas) NDX_SRCDIR=$(CURDIR) \
		$$f -max_total_time=$(FUZZ_SECONDS) -timeout=10 \
			-print_final_stats=1 \
			-artifact_prefix=$(FUZZ_B)/artifacts/$$n- $$dict \
			$(FUZZ_B)/corpus/$$n $$seeds; \
	done

# A harness of a program's internals lists the program's sources it
# needs in <name>_SRCS; they are built with the sanitizers like lib/.
fuzz_rules_SRCS = validate/rules.c validate/cross.c validate/problem.c \
		  validate/report.c
fuzz_objs = $(patsubst %.c,$(FUZZ_B)/%.o,$($(1)_SRCS))

$(FUZZ_B)/%.o: %.c
	@mkdir -p $(@D)
	$(FUZZ_CC) $(FUZZ_CFLAGS) -c -o $@ $<

$(FUZZ_LIB): $(LIB_SRCS:%.c=$(FUZZ_B)/%.o)
	rm -f $@
	$(AR) rcs $@ $^

define fuzz_rule
$(FUZZ_B)/$(1): tests/fuzz/$(1).c $(call fuzz_objs,$(1)) $(FUZZ_LIB)
	$$(FUZZ_CC) $$(FUZZ_CFLAGS) -o $$@ $$< $(call fuzz_objs,$(1)) \
		$$(FUZZ_LIB) $$(PKG_LIBS)
endef
$(foreach f,$(FUZZ_BINS:$(FUZZ_B)/%=%),$(eval $(call fuzz_rule,$(f))))

-include $(shell find $(FUZZ_B) -name '*.d' 2>/dev/null)

install: all
	install -d $(DESTDIR)$(BINDIR) $(DESTDIR)$(DATADIR) \
		$(DESTDIR)$(DATADIR)/xslt $(DESTDIR)$(DATADIR)/sql
	install -m 755 $(BINS) $(DESTDIR)$(BINDIR)
	install -m 644 $(DATA) $(DESTDIR)$(DATADIR)
	$(if $(XSLT),install -m 644 $(XSLT) $(DESTDIR)$(DATADIR)/xslt)
	install -m 644 $(SQL) $(DESTDIR)$(DATADIR)/sql
	install -d $(DESTDIR)$(MANDIR)/man1 $(DESTDIR)$(MANDIR)/man5 \
		$(DESTDIR)$(MANDIR)/man7
	install -m 644 man/*.1 $(DESTDIR)$(MANDIR)/man1
	install -m 644 $(B)/ndx-dataset.5 $(DESTDIR)$(MANDIR)/man5
	install -m 644 man/*.7 $(DESTDIR)$(MANDIR)/man7
	install -d $(DESTDIR)$(DOCDIR)/examples
	install -m 644 examples/* $(DESTDIR)$(DOCDIR)/examples

uninstall:
	rm -f $(PROGS:%=$(DESTDIR)$(BINDIR)/%)
	rm -rf $(DESTDIR)$(DATADIR) $(DESTDIR)$(DOCDIR)
	rm -f $(PROGS:%=$(DESTDIR)$(MANDIR)/man1/%.1) $(DESTDIR)$(MANDIR)/man7/ndx.7 \
		$(DESTDIR)$(MANDIR)/man5/ndx-dataset.5

clean:
	rm -rf build build-asan build-fuzz

help:
	@echo "make deps | all | demo | check | asan | valgrind | fuzz | install | clean"

-include $(shell find $(B) -name '*.d' 2>/dev/null)
