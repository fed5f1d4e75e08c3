# scale.mk — scale-out and hardening parts of the build (included by the Makefile):
#   MPI=1            also builds $(BUILD)/dais-mpi, the dais whose `sweep`,
#                    `sensitivity` and `uncertainty` spread over MPI ranks
#                    (run/sweep_mpi.c, run/uq_mpi.c, mpicc);
#                    `make test` builds it anyway when mpicc and mpirun are found,
#                    and tests/test_mpi.c runs it (skipped without them)
#   SANITIZE=1       AddressSanitizer + UBSan (flags in the Makefile); objects are
#                    rebuilt whenever the compiler flags change, so switching
#                    SANITIZE in one build directory is safe
#   make fuzz        builds the libFuzzer targets tests/fuzz/fuzz_*.c with clang and
#                    runs each for FUZZ_TIME seconds on tests/fuzz/corpus/<target>/
#                    (new inputs go to $(BUILD)/fuzz/corpus/<target>/, crashes to
#                    $(BUILD)/fuzz/crash-<target>-*); FUZZ_LEAKS=0 turns the leak
#                    checker off and unwinds malloc stacks by frame pointers, for
#                    volume (fuzz_h5: 250 executions a second instead of 21)
#   make fuzz-replay replays the seed corpora, tests/fuzz/regress/ and the grown
#                    corpus in $(BUILD)/fuzz/corpus/ through the targets once, with
#                    the leak checker (no fuzzing): what CI can afford, and the leak
#                    check of what a FUZZ_LEAKS=0 campaign found

MPICC     ?= mpicc
MPIRUN    ?= mpirun
FUZZ_CC   ?= clang
FUZZ_TIME ?= 60
FUZZ_LEAKS ?= 1

DAIS_MPI_BIN := $(BUILD)/dais-mpi
HAVE_MPICC   := $(shell command -v $(MPICC) 2>/dev/null)
HAVE_MPIRUN  := $(shell command -v $(MPIRUN) 2>/dev/null)

# ---- MPI ------------------------------------------------------------------
# dais-mpi is dais with the real run/sweep_mpi.c linked ahead of libdais, whose
# own copy of that file is the stub built without DAIS_MPI.
$(BUILD)/mpi/sweep_mpi.o: run/sweep_mpi.c
	$(Q)mkdir -p $(@D)
	$(if $(Q),@echo "  MPICC   $<")
	$(Q)OMPI_CC="$(CC)" $(MPICC) $(CPPFLAGS) -DDAIS_MPI $(CFLAGS) -c $< -o $@

# run/uq_mpi.c (the ranks' exchange of `dais uncertainty`) is built the same way.
$(BUILD)/mpi/uq_mpi.o: run/uq_mpi.c
	$(Q)mkdir -p $(@D)
	$(if $(Q),@echo "  MPICC   $<")
	$(Q)OMPI_CC="$(CC)" $(MPICC) $(CPPFLAGS) -DDAIS_MPI $(CFLAGS) -c $< -o $@

$(DAIS_MPI_BIN): $(BUILD)/cli/main.o $(BUILD)/mpi/sweep_mpi.o $(BUILD)/mpi/uq_mpi.o $(CLI_LIB) $(LIB) $(ENG_PROFILE_LIB) $(ENG_LIB)
	$(if $(Q),@echo "  LD      $@")
	$(Q)OMPI_CC="$(CC)" $(MPICC) $(LDFLAGS) $^ -o $@ $(LDLIBS) $(EXTRA_LIBS)

ifeq ($(MPI),1)
all: $(DAIS_MPI_BIN)
endif
ifneq ($(HAVE_MPICC),)
ifneq ($(HAVE_MPIRUN),)
test: $(DAIS_MPI_BIN)
endif
endif

# ---- sanitizers -------------------------------------------------------------
# The test binaries inherit these through scripts/run-tests.sh.
ifeq ($(SANITIZE),1)
export LSAN_OPTIONS  := suppressions=$(CURDIR)/tests/fuzz/lsan.supp:print_suppressions=0
export UBSAN_OPTIONS := print_stacktrace=1:halt_on_error=1
# full malloc stacks: libhdf5 has no frame pointers, and the suppressions name
# its functions (tests/fuzz/lsan.supp)
export ASAN_OPTIONS  := fast_unwind_on_malloc=0
endif

# ---- rebuild when the flags change -----------------------------------------
FLAGS_STAMP := $(BUILD)/.flags
$(FLAGS_STAMP): FORCE
	$(Q)mkdir -p $(@D)
	$(Q)echo '$(CC) $(CPPFLAGS) $(CFLAGS) $(LDFLAGS)' > $@.tmp
	$(Q)cmp -s $@.tmp $@ 2>/dev/null && rm -f $@.tmp || mv $@.tmp $@

$(LIB_OBJ) $(ENG_OBJ) $(CLI_OBJ) $(BUILD)/cli/main.o $(BUILD)/mpi/sweep_mpi.o $(BUILD)/mpi/uq_mpi.o $(TEST_SUP_OBJ) \
$(TESTS:%=%.o) $(BUILD)/tests/eng_ref.o $(BENCH_SRC:%.c=$(BUILD)/%.o): $(FLAGS_STAMP)

# ---- fuzzing (clang, libFuzzer) ---------------------------------------------
FUZZ_DIR     := $(BUILD)/fuzz
FUZZ_CFLAGS  := -g -O1 -std=c11 -fsanitize=fuzzer-no-link,address,undefined \
                -fno-omit-frame-pointer -fno-sanitize-recover=undefined
FUZZ_SRC     := $(wildcard tests/fuzz/fuzz_*.c)
FUZZ_NAMES   := $(FUZZ_SRC:tests/fuzz/fuzz_%.c=%)
FUZZ_BINS    := $(FUZZ_NAMES:%=$(FUZZ_DIR)/fuzz_%)
FUZZ_LIBOBJ  := $(LIB_SRC:%.c=$(FUZZ_DIR)/%.o) $(FUZZ_DIR)/gen/schema_json.o \
                $(FUZZ_DIR)/gen/buildinfo.o
FUZZ_ENGOBJ  := $(ENG_SRC:%.c=$(FUZZ_DIR)/%.o)
FUZZ_CPP     := $(filter-out -MMD -MP,$(CPPFLAGS)) -Itests/fuzz
# Leaks that are the libraries', not DAIS's (each explained in the file); the
# full malloc stack, since libhdf5 has no frame pointers to unwind by.  Without
# it the suppressions cannot match, so FUZZ_LEAKS=0 drops the leak checker too.
FUZZ_ENV     := LSAN_OPTIONS=suppressions=$(CURDIR)/tests/fuzz/lsan.supp:print_suppressions=0 \
                ASAN_OPTIONS=fast_unwind_on_malloc=0
ifeq ($(FUZZ_LEAKS),0)
FUZZ_RUN_ENV := ASAN_OPTIONS=fast_unwind_on_malloc=1:detect_leaks=0
else
FUZZ_RUN_ENV := $(FUZZ_ENV)
endif

$(FUZZ_DIR)/gen/%.o: $(GEN)/%.c
	$(Q)mkdir -p $(@D)
	$(Q)$(FUZZ_CC) $(FUZZ_CPP) $(FUZZ_CFLAGS) -c $< -o $@

$(FUZZ_DIR)/%.o: %.c
	$(Q)mkdir -p $(@D)
	$(if $(Q),@echo "  FUZZCC  $<")
	$(Q)$(FUZZ_CC) $(FUZZ_CPP) $(FUZZ_CFLAGS) -c $< -o $@

$(FUZZ_DIR)/libdais.a: $(FUZZ_LIBOBJ)
	$(Q)rm -f $@ && ar rcs $@ $^
$(FUZZ_DIR)/libengine.a: $(FUZZ_ENGOBJ)
	$(Q)rm -f $@ && ar rcs $@ $^

$(FUZZ_DIR)/fuzz_%: $(FUZZ_DIR)/tests/fuzz/fuzz_%.o $(FUZZ_DIR)/libdais.a $(FUZZ_DIR)/libengine.a
	$(Q)$(FUZZ_CC) -fsanitize=fuzzer,address,undefined $^ -o $@ $(PKG_LIBS) -lhdf5_hl -lm -lpthread

.SECONDARY: $(FUZZ_NAMES:%=$(FUZZ_DIR)/tests/fuzz/fuzz_%.o)
.PHONY: fuzz-build fuzz-replay
fuzz-build: $(FUZZ_BINS)

# Each target runs from an empty directory, so that scenario "extends" and
# sweep "scenario" paths found by the fuzzer cannot reach the source tree.
fuzz: fuzz-build
	$(Q)failed=""; for t in $(FUZZ_NAMES); do \
		echo "== fuzz_$$t for $(FUZZ_TIME) s"; \
		mkdir -p $(FUZZ_DIR)/corpus/$$t $(FUZZ_DIR)/run-$$t; \
		( cd $(FUZZ_DIR)/run-$$t && $(FUZZ_RUN_ENV) $(CURDIR)/$(FUZZ_DIR)/fuzz_$$t \
			-max_total_time=$(FUZZ_TIME) -timeout=10 -rss_limit_mb=2048 -print_final_stats=1 \
			-artifact_prefix=$(CURDIR)/$(FUZZ_DIR)/crash-$$t- \
			$(CURDIR)/$(FUZZ_DIR)/corpus/$$t $(CURDIR)/tests/fuzz/corpus/$$t ) || failed="$$failed $$t"; \
	done; \
	if [ -n "$$failed" ]; then \
		echo "fuzz: crashes in:$$failed; inputs in $(FUZZ_DIR)/crash-*; copy each to tests/fuzz/regress/<target>/"; \
		exit 1; \
	fi

# -rss_limit_mb=0: no memory-watch thread.  A replay runs one input and
# exits; now and then the thread was still starting at exit, and the leak
# checker reported the runtime's own bytes for it (3 of about 8,000 runs on
# 2026-12-07; docs/robustness.md).
fuzz-replay: fuzz-build
	$(Q)failed=""; for t in $(FUZZ_NAMES); do \
		mkdir -p $(FUZZ_DIR)/run-$$t; \
		files=$$(find $(CURDIR)/tests/fuzz/corpus/$$t $(CURDIR)/tests/fuzz/regress/$$t \
			$(CURDIR)/$(FUZZ_DIR)/corpus/$$t -type f 2>/dev/null | sort); \
		[ -z "$$files" ] && continue; \
		for f in $$files; do \
			( cd $(FUZZ_DIR)/run-$$t && $(FUZZ_ENV) $(CURDIR)/$(FUZZ_DIR)/fuzz_$$t -rss_limit_mb=0 $$f \
				>/dev/null 2>&1 ) \
				|| { echo "fuzz_$$t: fails on $$f (rerun: cd $(FUZZ_DIR)/run-$$t && ../fuzz_$$t $$f)"; \
				     failed="$$failed $$t"; }; \
		done; \
		echo "fuzz_$$t: $$(echo $$files | wc -w) inputs replayed"; \
	done; \
	if [ -n "$$failed" ]; then echo "fuzz-replay: failures in:$$failed"; exit 1; fi
