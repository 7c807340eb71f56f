#!/usr/bin/env sh
# Prints the CMAKE_ARGS that build llama-cpp-python for the CPU this runs on.
# A native build enables AMX where the CPU reports it, and its first decode segfaults
# on such CPUs; so the build is never native: each SIMD level is switched on only when
# /proc/cpuinfo lists it, and AMX stays off.
flags=$(grep -m1 '^flags' /proc/cpuinfo 2>/dev/null || true)
has() { case " $flags " in *" $1 "*) echo ON ;; *) echo OFF ;; esac; }
echo "-DGGML_NATIVE=OFF -DGGML_AMX_TILE=OFF -DGGML_AMX_INT8=OFF -DGGML_AMX_BF16=OFF" \
  "-DGGML_AVX=$(has avx) -DGGML_AVX2=$(has avx2) -DGGML_FMA=$(has fma) -DGGML_F16C=$(has f16c)" \
  "-DGGML_AVX512=$(has avx512f) -DGGML_AVX512_VNNI=$(has avx512_vnni) -DGGML_AVX_VNNI=$(has avx_vnni)"
