# DAIS — Decentralized AI Simulator.  `make run` runs the baseline, `make test` the suite.
#
# == settings (override on the command line or in config.mk) =================
CC       ?= cc
OPT      ?= -O2
WERROR   ?= 0
OPENMP   ?= 1
MPI      ?= 0
SANITIZE ?= 0
# CUDA engine: auto builds it when nvcc is found, 0 never, 1 always.
CUDA     ?= auto
NVCC     ?= nvcc
V        ?= 0
# Debian's Python, which has the python3-* packages (not a pyenv or venv one)
PYTHON   ?= /usr/bin/python3
# == end of settings =========================================================
-include config.mk

BUILD    ?= build
GEN      := $(BUILD)/gen
SRCDIR   := $(CURDIR)

ifeq ($(V),0)
Q := @
else
Q :=
endif

WARN     := -Wall -Wextra -Wshadow -Wstrict-prototypes -Wmissing-prototypes \
            -Wno-unknown-pragmas
CSTD     := -std=c11
CFLAGS   ?= $(OPT) -g
CFLAGS   += $(CSTD) $(WARN)
ifeq ($(WERROR),1)
CFLAGS   += -Werror
endif
ifeq ($(SANITIZE),1)
CFLAGS   += -fsanitize=address,undefined -fno-omit-frame-pointer -fno-sanitize-recover=undefined
LDFLAGS  += -fsanitize=address,undefined
endif
ifeq ($(OPENMP),1)
CFLAGS   += -fopenmp
LDFLAGS  += -fopenmp
endif

PKGS     := gsl hdf5 libcjson
PKG_CFLAGS := $(shell pkg-config --cflags $(PKGS) 2>/dev/null)
PKG_LIBS   := $(shell pkg-config --libs $(PKGS) 2>/dev/null)
# Debian's serial HDF5 lives in a subdirectory that pkg-config knows; fall back if absent.
ifeq ($(PKG_LIBS),)
PKG_CFLAGS := -I/usr/include/hdf5/serial -I/usr/include/cjson
PKG_LIBS   := -L/usr/lib/x86_64-linux-gnu/hdf5/serial -lhdf5 -lgsl -lgslcblas -lcjson
endif
CRIT_LIBS  := $(shell pkg-config --libs criterion 2>/dev/null || echo -lcriterion)

CPPFLAGS += -D_GNU_SOURCE -I. -Itests/support -I$(GEN) $(PKG_CFLAGS) \
            -DDAIS_SRCDIR='"$(SRCDIR)"' -MMD -MP
# hdf5_hl: dimension scales (H5DS), which make results files netCDF-4 files
LDLIBS   += $(PKG_LIBS) -lhdf5_hl -lm -lpthread

# == sources =================================================================
# The libraries, one per layer group (docs/architecture.md):
#   libengine.a          engine/ but eng_profile.c: the inference engine, embeddable
#                        on its own (libc, libm, OpenMP; docs/engine.md)
#   libengine_profile.a  engine/eng_profile.c: calibration profiles as JSON (cJSON)
#   libdais.a            sim/ h5/ models/ analysis/ run/: the simulator
#   libcli.a             cli/ but main.c: the verbs, which the tests call too
# Every .c in these folders joins its library; cli/main.c is the entry point.
ENG_SRC  := $(wildcard engine/*.c)
ENG_OBJ  := $(ENG_SRC:%.c=$(BUILD)/%.o)
ENG_PROFILE_OBJ := $(BUILD)/engine/eng_profile.o
ENG_LIB  := $(BUILD)/libengine.a
ENG_PROFILE_LIB := $(BUILD)/libengine_profile.a
LIB_SRC  := $(wildcard sim/*.c h5/*.c models/*.c analysis/*.c run/*.c)
LIB_OBJ  := $(LIB_SRC:%.c=$(BUILD)/%.o) $(GEN)/schema_json.o $(GEN)/buildinfo.o
LIB      := $(BUILD)/libdais.a
CLI_SRC  := $(filter-out cli/main.c,$(wildcard cli/*.c))
CLI_OBJ  := $(CLI_SRC:%.c=$(BUILD)/%.o)
CLI_LIB  := $(BUILD)/libcli.a
DAIS     := $(BUILD)/dais
SCHEMA   := $(sort $(wildcard scenarios/schema/*.json))

TEST_SRC := $(wildcard tests/test_*.c)
TEST_SUP := $(wildcard tests/support/*.c)
TEST_SUP_OBJ := $(TEST_SUP:%.c=$(BUILD)/%.o)
TESTS    := $(TEST_SRC:tests/%.c=$(BUILD)/tests/%)
BENCH_SRC:= $(wildcard tests/bench/*.c)
BENCHES  := $(BENCH_SRC:tests/bench/%.c=$(BUILD)/bench/%)

# Optional parts contribute objects and flags through their own fragments.
EXTRA_OBJ :=
.DEFAULT_GOAL := all
# The verbs that install packages do it before anything compiles, also under -j.
ifneq ($(filter run test bench bench-engine figures paper regress-update,$(MAKECMDGOALS)),)
DEPS_FIRST := deps
endif

-include engine/engine.mk
-include scale.mk

.PHONY: all run test bench bench-engine figures paper deps docs clean regress-update \
        check-deps fuzz FORCE
all: $(DAIS)

# == dependencies ============================================================
deps:
	$(Q)sh scripts/deps.sh

# == build ===================================================================
$(BUILD)/%.o: %.c | $(DEPS_FIRST)
	$(Q)mkdir -p $(@D)
	$(if $(Q),@echo "  CC      $<")
	$(Q)$(CC) $(CPPFLAGS) $(CFLAGS) -c $< -o $@

# The scenario schema (scenarios/schema/*.json) is compiled into the binary.
$(GEN)/schema_json.c: $(SCHEMA) scripts/embed.sh
	$(Q)mkdir -p $(@D)
	$(Q)sh scripts/embed.sh dais_schema $(SCHEMA) > $@

$(GEN)/%.o: $(GEN)/%.c
	$(Q)$(CC) $(CPPFLAGS) $(CFLAGS) -c $< -o $@

# Build provenance: rewritten only when the version or the flags change.
$(GEN)/buildinfo.c: FORCE
	$(Q)mkdir -p $(@D)
	$(Q)sh scripts/buildinfo.sh "$(CC)" "$(CFLAGS)" > $@.tmp
	$(Q)cmp -s $@.tmp $@ 2>/dev/null && rm -f $@.tmp || mv $@.tmp $@

$(ENG_LIB): $(filter-out $(ENG_PROFILE_OBJ),$(ENG_OBJ)) $(EXTRA_OBJ)
	$(Q)rm -f $@
	$(Q)ar rcs $@ $^

$(ENG_PROFILE_LIB): $(ENG_PROFILE_OBJ)
	$(Q)rm -f $@
	$(Q)ar rcs $@ $^

$(LIB): $(LIB_OBJ)
	$(Q)rm -f $@
	$(Q)ar rcs $@ $^

$(CLI_LIB): $(CLI_OBJ)
	$(Q)rm -f $@
	$(Q)ar rcs $@ $^

$(DAIS): $(BUILD)/cli/main.o $(CLI_LIB) $(LIB) $(ENG_PROFILE_LIB) $(ENG_LIB)
	$(if $(Q),@echo "  LD      $@")
	$(Q)$(CC) $(LDFLAGS) $^ -o $@ $(LDLIBS) $(EXTRA_LIBS)

# Engine tests (tests/test_eng_*.c) link the engine, its profiles and its reference implementation only.
$(BUILD)/tests/test_eng_%: $(BUILD)/tests/test_eng_%.o $(BUILD)/tests/eng_ref.o $(ENG_PROFILE_LIB) $(ENG_LIB)
	$(Q)$(CC) $(LDFLAGS) $^ -o $@ $(CRIT_LIBS) $(LDLIBS) $(EXTRA_LIBS)

$(BUILD)/tests/test_%: $(BUILD)/tests/test_%.o $(TEST_SUP_OBJ) $(CLI_LIB) $(LIB) $(ENG_PROFILE_LIB) $(ENG_LIB)
	$(Q)$(CC) $(LDFLAGS) $^ -o $@ $(CRIT_LIBS) $(LDLIBS) $(EXTRA_LIBS)

$(BUILD)/bench/%: $(BUILD)/tests/bench/%.o $(LIB) $(ENG_PROFILE_LIB) $(ENG_LIB)
	$(Q)mkdir -p $(@D)
	$(Q)$(CC) $(LDFLAGS) $^ -o $@ $(LDLIBS) $(EXTRA_LIBS)

# == verbs ===================================================================
run: deps $(DAIS)
	$(Q)mkdir -p results
	$(DAIS) run scenarios/baseline.json -o results/baseline.h5
	$(DAIS) plot results/baseline.h5 -o results/figures

test: deps $(DAIS) $(TESTS)
	$(Q)sh scripts/check-layers.sh
	$(Q)PYTHON=$(PYTHON) DAIS=$(abspath $(DAIS)) sh scripts/run-tests.sh $(TESTS)

bench: deps $(DAIS) $(BENCHES)
	$(DAIS) bench des
	sh scripts/bench-network.sh $(DAIS)

# The paper's figures (PNG and PDF) under paper/figures/, from the scenarios.
figures: deps $(DAIS)
	$(Q)sh scripts/figures.sh $(DAIS)

# The research note, when pdflatex is installed; nothing else depends on it.
paper: figures
	$(Q)command -v pdflatex >/dev/null || { echo "paper: pdflatex not found (apt-get install texlive-latex-extra)"; exit 1; }
	$(Q)cd paper && pdflatex -interaction=nonstopmode -halt-on-error dais-note.tex >/dev/null && \
	    pdflatex -interaction=nonstopmode -halt-on-error dais-note.tex >/dev/null && echo "paper/dais-note.pdf"

# Rewrites the golden projections in tests/golden/ and prints what changed.
regress-update: deps $(DAIS)
	$(DAIS) regress --update

# Regenerates the schema reference in docs/scenarios.md from scenarios/schema/.
docs: $(DAIS)
	$(Q)sh scripts/gen-docs.sh $(DAIS)

clean:
	rm -rf $(BUILD)

-include $(shell find $(BUILD) -name '*.d' 2>/dev/null)
