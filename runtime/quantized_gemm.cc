// runtime/quantized_gemm.cc: the int8 GEMM of quantized_gemm.h: weight packing per variant, the int16 x int16
// product over pair-interleaved weights (portable and AVX2), and the dispatch to the uint8 x int8 VNNI product
// (quantized_gemm_vnni.cc).
//
// int16 layout: blocks of 8 output columns, in each block pairs of depth values per column,
//   packed[((b * (kp / 2) + g) * 8 + j) * 2 + i] = w[b * 8 + j][g * 2 + i]   (int16; 0 beyond cols or depth)
// so one 32-byte load holds the next 2 depth values of 8 columns, and a 4-byte broadcast of an activation row's
// pair times it with pmaddwd gives 8 column partial sums, added straight into the accumulators (no horizontal
// sums). The AVX2 tile is up to 6 rows x 16 columns: 12 ymm accumulators, per depth pair 2 weight loads and
// 6 broadcasts feed 12 pmaddwd (one row: 32 columns, two accumulator sets). Exact: |a*w + a*w| <= 2*255*128 < 2^31, and int32 sums wrap as the reference's do.
// The AVX2 variant also keeps the same layout as int8 (half the bytes): the one- and two-row tiles, which use each
// weight once or twice (a fully connected layer on one sample), read it and sign-extend with vpmovsxbw, so the
// weights of e.g. ad_autoencoder (264 K) stay in L2 instead of streaming 528 KB of int16 from L3.
#include "runtime/quantized_gemm.h"

#include <algorithm>
#include <atomic>
#include <cstring>

#include "runtime/quantized_gemm_signed_row.h"
#include "runtime/quantized_gemm_vnni.h"

#if defined(__x86_64__) || defined(__i386__)
#include <immintrin.h>
#define TINYOPT_X86 1
#endif

namespace tinyopt {

namespace {

constexpr int kBlock16 = 8;  // output columns per block of the int16 layout
int blocks16(int cols) { return (cols + kBlock16 - 1) / kBlock16; }

template <class T>
void pack_s16(const int8_t* w, int cols, int depth, int kp, T* packed) {
  const int groups = kp / 2;
  std::memset(packed, 0, static_cast<size_t>(blocks16(cols)) * kBlock16 * kp * sizeof(T));
  for (int c = 0; c < cols; ++c)
    for (int k = 0; k < depth; ++k)
      packed[((static_cast<long>(c / kBlock16) * groups + k / 2) * kBlock16 + c % kBlock16) * 2 + k % 2] =
          w[static_cast<long>(c) * depth + k];
}

// The activation rows a GEMM reads: the depth pair g of row i is the two int16 at pair(i, g).
struct ContiguousRows {  // rows of kp int16, one after the other (multiply)
  const int16_t* a;
  long kp;
  [[gnu::always_inline]] const int16_t* pair(int i, int g) const { return a + i * kp + 2 * g; }
  [[gnu::always_inline]] ContiguousRows from(int r) const { return {a + r * kp, kp}; }
};
struct GatheredRows {  // row i starts at rows[i], its pair g pair_offset[g] elements on (multiply_gathered)
  const int16_t* const* rows;
  const int32_t* pair_offset;
  [[gnu::always_inline]] const int16_t* pair(int i, int g) const { return rows[i] + pair_offset[g]; }
  [[gnu::always_inline]] GatheredRows from(int r) const { return {rows + r, pair_offset}; }
};

// Per row and block of 8 columns, 8 local sums over the depth pairs: the inner loop over the block's columns reads
// contiguous interleaved pairs, which the compiler vectorises for baseline x86-64 (SSE2 pmaddwd).
template <class Rows>
void gemm_s16_portable(Rows a, int rows, const int16_t* packed, int cols, int kp, int32_t* out) {
  const int groups = kp / 2;
  for (int r = 0; r < rows; ++r) {
    for (int b = 0; b < blocks16(cols); ++b) {
      const int16_t* wb = packed + static_cast<long>(b) * groups * kBlock16 * 2;
      int32_t acc[kBlock16] = {};
      for (int g = 0; g < groups; ++g) {
        const int16_t* x = a.pair(r, g);
        const int32_t x0 = x[0], x1 = x[1];
        const int16_t* wg = wb + g * kBlock16 * 2;
        for (int j = 0; j < kBlock16; ++j) acc[j] += x0 * wg[2 * j] + x1 * wg[2 * j + 1];
      }
      for (int j = 0; j < kBlock16 && b * kBlock16 + j < cols; ++j) out[static_cast<long>(r) * cols + b * kBlock16 + j] = acc[j];
    }
  }
}

#ifdef TINYOPT_X86
// 16 packed weights (8 columns x one depth pair) as int16: loaded, or loaded as int8 and sign-extended.
[[gnu::always_inline]] __attribute__((target("avx2"))) inline __m256i load_weights(const int16_t* p) {
  return _mm256_loadu_si256(reinterpret_cast<const __m256i*>(p));
}
[[gnu::always_inline]] __attribute__((target("avx2"))) inline __m256i load_weights(const int8_t* p) {
  return _mm256_cvtepi8_epi16(_mm_loadu_si128(reinterpret_cast<const __m128i*>(p)));
}

// One depth pair g of R rows x NB column blocks (from w0) into `sum`.
template <int R, int NB, class W, class Rows>
[[gnu::always_inline]] __attribute__((target("avx2"))) inline void step_s16(Rows a, const W* w0, long block_elems, int g,
                                                                            __m256i (&sum)[R][NB]) {
  __m256i w[NB];
#pragma GCC unroll 4
  for (int n = 0; n < NB; ++n) w[n] = load_weights(w0 + n * block_elems + g * kBlock16 * 2);
#pragma GCC unroll 6
  for (int i = 0; i < R; ++i) {
    int32_t pair;
    std::memcpy(&pair, a.pair(i, g), 4);
    const __m256i x = _mm256_set1_epi32(pair);
#pragma GCC unroll 4
    for (int n = 0; n < NB; ++n) sum[i][n] = _mm256_add_epi32(sum[i][n], _mm256_madd_epi16(x, w[n]));
  }
}

// R rows (1..6) x NB column blocks (1, 2 or 4) starting at block `b`. One accumulator per row and block: the
// loop-carried chain is only the vpaddd (latency 1), so even the one-row tile's NB chains keep pmaddwd busy, and
// a second accumulator set (tried) only adds register copies and spills.
template <int R, int NB, class W, class Rows>
__attribute__((target("avx2"))) void tile_s16(Rows a, int kp, const W* packed, int b, int cols, int32_t* out) {
  const int groups = kp / 2;
  const long block_elems = static_cast<long>(groups) * kBlock16 * 2;
  __m256i acc[R][NB];
#pragma GCC unroll 6
  for (int i = 0; i < R; ++i)
#pragma GCC unroll 4
    for (int n = 0; n < NB; ++n) acc[i][n] = _mm256_setzero_si256();
  const W* w0 = packed + b * block_elems;
  for (int g = 0; g < groups; ++g) step_s16<R, NB>(a, w0, block_elems, g, acc);
#pragma GCC unroll 4
  for (int n = 0; n < NB; ++n) {
    const int c0 = (b + n) * kBlock16;
    const int valid = cols - c0 < kBlock16 ? cols - c0 : kBlock16;
    if (valid == kBlock16) {
#pragma GCC unroll 6
      for (int i = 0; i < R; ++i)
        _mm256_storeu_si256(reinterpret_cast<__m256i*>(out + static_cast<long>(i) * cols + c0), acc[i][n]);
    } else {
      // Lane j is stored when j < valid (vpmaskmovd takes the lanes whose mask sign bit is set).
      const __m256i mask = _mm256_cmpgt_epi32(_mm256_set1_epi32(valid), _mm256_setr_epi32(0, 1, 2, 3, 4, 5, 6, 7));
#pragma GCC unroll 6
      for (int i = 0; i < R; ++i) _mm256_maskstore_epi32(out + static_cast<long>(i) * cols + c0, mask, acc[i][n]);
    }
  }
}

// Every column block for `rows` rows: 16 columns per tile for 2..6 rows, 32 for one row.
template <int R, int NB, class W, class Rows>
__attribute__((target("avx2"))) void tiles_s16(Rows a, int kp, const W* packed, int cols, int32_t* out) {
  const int blocks = blocks16(cols);
  int b = 0;
  for (; b + NB <= blocks; b += NB) tile_s16<R, NB>(a, kp, packed, b, cols, out);
  if constexpr (NB == 4) {
    if (b + 2 <= blocks) tile_s16<R, 2>(a, kp, packed, b, cols, out), b += 2;
  }
  if constexpr (NB >= 2) {
    if (b < blocks) tile_s16<R, 1>(a, kp, packed, b, cols, out);
  }
}

// Tiles of one or two rows read each weight once or twice, so they stream the weights: they read the int8 copy
// (half the bytes; a fully connected layer's weights then stay in L2) and sign-extend it.
template <class Rows>
__attribute__((target("avx2"))) void gemm_s16_avx2(Rows a, int rows, const int16_t* packed, const int8_t* packed8,
                                                   int cols, int kp, int32_t* out) {
  if (!packed) {  // only the int8 copy (a GEMM packed for one-row products): tiles of two rows
    for (int r = 0; r < rows; r += 2) {
      int32_t* o = out + static_cast<long>(r) * cols;
      if (rows - r >= 2) tiles_s16<2, 2>(a.from(r), kp, packed8, cols, o);
      else tiles_s16<1, 4>(a.from(r), kp, packed8, cols, o);
    }
    return;
  }
  for (int r = 0; r < rows; r += 6) {
    const Rows ar = a.from(r);
    int32_t* o = out + static_cast<long>(r) * cols;
    switch (rows - r < 6 ? rows - r : 6) {
      case 1: tiles_s16<1, 4>(ar, kp, packed8, cols, o); break;
      case 2: tiles_s16<2, 2>(ar, kp, packed8, cols, o); break;
      case 3: tiles_s16<3, 2>(ar, kp, packed, cols, o); break;
      case 4: tiles_s16<4, 2>(ar, kp, packed, cols, o); break;
      case 5: tiles_s16<5, 2>(ar, kp, packed, cols, o); break;
      default: tiles_s16<6, 2>(ar, kp, packed, cols, o); break;
    }
  }
}
#endif

std::atomic<bool> g_unsigned_emulation{false};

}  // namespace

void set_unsigned_gemm_emulation(bool on) { g_unsigned_emulation.store(on); }

bool Int8Gemm::takes_unsigned_rows(Isa isa) { return isa == Isa::Avx512Vnni || g_unsigned_emulation.load(); }

Int8Gemm::Int8Gemm(const int8_t* w, int cols, int depth, Isa isa, bool one_row)
    : isa_(isa), unsigned_rows_(takes_unsigned_rows(isa)), depth_(depth), cols_(cols) {
  column_sum_.assign(static_cast<size_t>(blocks16(cols)) * kBlock16, 0);
  for (int c = 0; c < cols; ++c)
    for (int k = 0; k < depth; ++k) column_sum_[static_cast<size_t>(c)] += w[static_cast<long>(c) * depth + k];
  if (unsigned_rows_) {
    kp_ = (depth + kGemmDepthAlignU8 - 1) / kGemmDepthAlignU8 * kGemmDepthAlignU8;
    packed_u8_.resize(static_cast<size_t>(vnni::column_blocks(cols)) * vnni::kColumnBlock * kp_);
    vnni::pack_weights(w, cols, depth, kp_, packed_u8_.data());
  } else {
    kp_ = (depth + kGemmDepthAlign - 1) / kGemmDepthAlign * kGemmDepthAlign;
    const size_t elements = static_cast<size_t>(blocks16(cols)) * kBlock16 * kp_;
#ifdef TINYOPT_X86
    if (one_row && isa != Isa::Portable && signed_row::fits(w, static_cast<long>(cols) * depth)) {
      packed_row_.resize(static_cast<size_t>(signed_row::column_blocks(cols)) * signed_row::kColumnBlock *
                         signed_row::padded_depth(depth));
      signed_row::pack_weights(w, cols, depth, packed_row_.data());
    }
#else
    (void)one_row;
#endif
    // The int16 copy serves the AVX2 tiles of three rows and more: a GEMM packed for one-row products does
    // without it (its multiply() takes two rows at a time from the int8 copy), so it holds 2 bytes per weight, not 4.
    if (packed_row_.empty()) {
      packed_s16_.resize(elements);
      pack_s16(w, cols, depth, kp_, packed_s16_.data());
    }
    if (isa != Isa::Portable) {  // the one- and two-row tiles of the AVX2 GEMM read the weights as int8
      packed_s8_.resize(elements);
      pack_s16(w, cols, depth, kp_, packed_s8_.data());
    }
  }
}

std::vector<int32_t> Int8Gemm::unsigned_offset_bias(std::span<const int32_t> bias, int32_t input_zero_point) const {
  std::vector<int32_t> out(static_cast<size_t>(cols_), 0);
  for (size_t c = 0; c < out.size(); ++c) {
    const int64_t b = c < bias.size() ? bias[c] : 0;
    const int64_t corrected = unsigned_rows_ ? b - (128 + int64_t{input_zero_point}) * column_sum_[c] : b;
    out[c] = static_cast<int32_t>(static_cast<uint32_t>(static_cast<uint64_t>(corrected)));  // wraps as int32 sums do
  }
  return out;
}

void Int8Gemm::multiply(const void* a, int rows, int32_t* out) const {
  if (!unsigned_rows_) {
    const ContiguousRows x{static_cast<const int16_t*>(a), kp_};
#ifdef TINYOPT_X86
    if (isa_ != Isa::Portable)  // vnni has AVX2
      return gemm_s16_avx2(x, rows, packed_s16_.empty() ? nullptr : packed_s16_.data(), packed_s8_.data(), cols_,
                           kp_, out);
#endif
    return gemm_s16_portable(x, rows, packed_s16_.data(), cols_, kp_, out);
  }
  const auto* u = static_cast<const uint8_t*>(a);
  if (isa_ == Isa::Avx512Vnni) return vnni::gemm_u8s8_avx512vnni(u, rows, packed_u8_.data(), cols_, kp_, out);
  vnni::gemm_u8s8_portable(u, rows, packed_u8_.data(), cols_, kp_, out);  // the test emulation
}

void Int8Gemm::write_row(const int8_t* x, int32_t zero_point, void* dst) const {
  if (unsigned_rows_) {
    auto* row = static_cast<uint8_t*>(dst);
    for (int k = 0; k < depth_; ++k) row[k] = static_cast<uint8_t>(x[k] + 128);
    std::fill(row + depth_, row + kp_, uint8_t{0});
  } else {
    auto* row = static_cast<int16_t*>(dst);
    for (int k = 0; k < depth_; ++k) row[k] = static_cast<int16_t>(x[k] - zero_point);
    std::fill(row + depth_, row + kp_, int16_t{0});
  }
}

void Int8Gemm::multiply_row(const int8_t* x, int32_t zero_point, int32_t* out) const {
#ifdef TINYOPT_X86
  if (!packed_row_.empty()) return signed_row::multiply_avx2(x, zero_point, depth_, packed_row_.data(),
                                                             column_sum_.data(), cols_, out);
#endif
  // Elsewhere: the row in the variant's own kind, through multiply (the uint8 sums minus (128 + zp) * sum w).
  std::vector<uint8_t> row(row_bytes());
  write_row(x, zero_point, row.data());
  multiply(row.data(), 1, out);
  if (!unsigned_rows_) return;
  for (int c = 0; c < cols_; ++c)
    out[c] = static_cast<int32_t>(static_cast<uint32_t>(out[c]) -
                                  static_cast<uint32_t>(128 + zero_point) * static_cast<uint32_t>(column_sum_[c]));
}

void Int8Gemm::multiply_gathered(const int16_t* const* rows, const int32_t* pair_offset, int n, int32_t* out) const {
  const GatheredRows x{rows, pair_offset};
#ifdef TINYOPT_X86
  if (isa_ != Isa::Portable)
    return gemm_s16_avx2(x, n, packed_s16_.empty() ? nullptr : packed_s16_.data(), packed_s8_.data(), cols_, kp_,
                         out);
#endif
  gemm_s16_portable(x, n, packed_s16_.data(), cols_, kp_, out);
}

}  // namespace tinyopt
