# engine.mk — engine build fragment, included by the top Makefile.
#
# Engine objects get -O3 (the kernels rely on unrolled tiles); ISA-specific code
# uses target attributes, never global -march flags.  CUDA (auto: when nvcc is
# found) adds engine/engine_cuda.cu to libengine.a and cudart to the link.
# `make test` also checks that libengine.a stands alone (below).

# (private: the flags stamp that every object depends on, scale.mk, must not
# inherit these, or its content would depend on which object asked first.)
$(BUILD)/engine/%.o: private CFLAGS += -O3

ifeq ($(CUDA),auto)
ENG_NVCC := $(shell command -v $(NVCC) 2>/dev/null || ls /usr/local/cuda/bin/nvcc 2>/dev/null)
else ifeq ($(CUDA),1)
ENG_NVCC := $(shell command -v $(NVCC) 2>/dev/null || ls /usr/local/cuda/bin/nvcc 2>/dev/null || echo $(NVCC))
else
ENG_NVCC :=
endif

# nvcc alone is not enough: toolkits installed piecemeal (pip wheels, a bare
# compiler package) may lack the runtime library.  Look for libcudart beside
# nvcc, then on the compiler's own search path; without it `auto` builds the
# CPU engine only and says why, `CUDA=1` stops.
ifneq ($(ENG_NVCC),)
ENG_CUDA_HOME := $(patsubst %/bin/nvcc,%,$(ENG_NVCC))
ENG_CUDART_DIR := $(firstword $(foreach d,$(ENG_CUDA_HOME)/lib64 $(ENG_CUDA_HOME)/lib \
                    $(ENG_CUDA_HOME)/targets/x86_64-linux/lib $(ENG_CUDA_HOME)/targets/sbsa-linux/lib,\
                    $(if $(wildcard $(d)/libcudart.so),$(d))))
ifeq ($(ENG_CUDART_DIR),)
ENG_CUDART_DIR := $(patsubst %/,%,$(dir $(filter /%,$(shell $(CC) -print-file-name=libcudart.so 2>/dev/null))))
endif
ifeq ($(ENG_CUDART_DIR),)
ifeq ($(CUDA),1)
$(error CUDA=1: $(ENG_NVCC) found but no libcudart.so beside it or on the linker path)
endif
$(info note: $(ENG_NVCC) found but no libcudart.so; building the CPU engine only (CUDA=1 to insist))
ENG_NVCC :=
endif
endif

ifneq ($(ENG_NVCC),)
ENG_CUDA_LIBS := -L$(ENG_CUDART_DIR) -Wl,-rpath,$(ENG_CUDART_DIR) -lcudart -lstdc++
EXTRA_OBJ  += $(BUILD)/engine/engine_cuda.o
EXTRA_LIBS += $(ENG_CUDA_LIBS)
$(BUILD)/engine/%.o: private CPPFLAGS += -DENG_CUDA_BUILD
$(BUILD)/tests/test_eng_%.o: private CPPFLAGS += -DENG_CUDA_BUILD
# sm_80 (A100), sm_89 (Ada) and sm_90 (H100) code, plus PTX for newer cards.  The
# host side is C in C++ clothing: without exceptions it defines no C++ runtime
# symbols (DW.ref.__gxx_personality_v0), so libengine.a exports eng_* only.
ENG_NVFLAGS ?= -O3 -std=c++17 -gencode arch=compute_80,code=sm_80 -gencode arch=compute_89,code=sm_89 \
               -gencode arch=compute_90,code=sm_90 -gencode arch=compute_90,code=compute_90
$(BUILD)/engine/engine_cuda.o: engine/engine_cuda.cu engine/engine_cuda.h engine/engine.h engine/eng_model.h \
                               engine/eng_quant.h engine/eng_kv.h engine/engine.mk | $(DEPS_FIRST)
	$(Q)mkdir -p $(@D)
	$(if $(Q),@echo "  NVCC    $<")
	$(Q)$(ENG_NVCC) $(ENG_NVFLAGS) -Xcompiler -fno-exceptions -DENG_CUDA_BUILD -D_GNU_SOURCE -Iengine -c $< -o $@
endif

# The engine's own flags go into a stamp of their own, so that switching the
# CUDA backend on or off (CUDA=0) rebuilds the objects that test ENG_CUDA_BUILD.
ENG_FLAGS_STAMP := $(BUILD)/.engine-flags
$(ENG_FLAGS_STAMP): FORCE
	$(Q)mkdir -p $(@D)
	$(Q)echo 'cuda: $(ENG_NVCC) $(ENG_NVFLAGS) $(ENG_CUDA_LIBS)' > $@.tmp
	$(Q)cmp -s $@.tmp $@ 2>/dev/null && rm -f $@.tmp || mv $@.tmp $@
$(ENG_OBJ) $(filter $(BUILD)/tests/test_eng_%.o,$(TESTS:%=%.o)): $(ENG_FLAGS_STAMP)

# == standing alone ==========================================================
# libengine.a must embed on its own.  tests/eng_embed.c is compiled without the
# simulator's include paths and linked against libengine.a with libm and OpenMP
# only (and the CUDA runtime when the CUDA backend is built in): no cJSON, GSL
# or HDF5.  Every symbol the archive defines must carry the eng_ prefix.
# `make test` checks both.
ENG_EMBED := $(BUILD)/tests/eng_embed
$(BUILD)/tests/eng_embed.o: tests/eng_embed.c | $(DEPS_FIRST)
	$(Q)mkdir -p $(@D)
	$(if $(Q),@echo "  CC      $<")
	$(Q)$(CC) -D_POSIX_C_SOURCE=200809L -I. -MMD -MP $(CFLAGS) -c $< -o $@
$(ENG_EMBED): $(BUILD)/tests/eng_embed.o $(ENG_LIB)
	$(Q)$(CC) $(LDFLAGS) $^ -o $@ -lm $(ENG_CUDA_LIBS)

.PHONY: check-engine-alone
check-engine-alone: $(ENG_EMBED)
	$(Q)bad=$$(nm -g --defined-only $(ENG_LIB) | awk 'NF == 3 && $$3 !~ /^eng_/ { print $$3 }'); \
	if [ -n "$$bad" ]; then echo "libengine.a defines names without the eng_ prefix:" $$bad; exit 1; fi
	$(Q)$(ENG_EMBED)
test: check-engine-alone

# == benchmark ===============================================================
# Not part of `make test`: timings are recorded in docs/benchmarks.md by hand.
ENG_BENCH_ARGS ?=
bench-engine: $(DAIS)
	$(DAIS) engine --bench $(ENG_BENCH_ARGS)
