// The fused SPLADE head: the vocabulary projection, activation, mask and pooling in one kernel, so
// the [rows, tokens, vocab] logits never exist.
//
// `head`: one workgroup per (tile of TILE_VOCAB vocabulary entries, segment). It walks the real
// tokens of its segment's rows TILE_TOKENS at a time; for each token tile it computes the
// TILE_TOKENS x TILE_VOCAB dot products h_t . W_v by looping over `hidden` in chunks of TILE_K,
// staging a chunk of h (TILE_TOKENS rows) and of W (TILE_VOCAB rows) in workgroup memory, and folds
// them into a running max (with its position) or sum of activations. Each invocation holds a 4 x 4
// block (4 tokens, 4 entries, one vec4 each way), so one k step is 2 workgroup loads and 4 vec4 fmas.
// At the end the WG_TOKENS invocations of each entry combine their partial results; the result,
// activated, zeroed for special tokens and thresholded, goes to `pooledValues` [segments, vocab]
// (and its position to `pooledPositions`). One dispatch covers one chunk of W (a storage binding
// holds at most maxStorageBufferBindingSize bytes; a large vocabulary is split over several
// buffers, `vocabBase` says where the chunk starts) and up to maxComputeWorkgroupsPerDimension
// segments (`segmentBase`).
//
// `compact`: one invocation per (entry, segment): appends the non-zeros to the segment's slice of
// `sparseOut` through an atomic counter, in the layout of pool.wgsl (src/pooling/entries.ts decodes
// both). A segment that overflows its capacity is compacted again from `pooledValues`, without
// running `head` again.
//
// Not declared here, prepended by the host (src/pooling/fused-head-plan.ts): POSITION_TOKEN_BITS
// (src/pooling/packing.ts), the uniform structs HeadParams and CompactParams (declared once, packed
// by name), and the tile constants WG_VOCAB, WG_TOKENS, TILE_VOCAB (= 4 WG_VOCAB), TILE_TOKENS
// (= 4 WG_TOKENS), TILE_K, THREADS (= WG_VOCAB WG_TOKENS) and WEIGHT_HALF.

// [rows, tokens, hidden]: the last hidden state after the MLM transform (onnxruntime's buffer).
@group(0) @binding(0) var<storage, read> hiddenStates: array<f32>;
// One chunk of the decoder weight: [vocabCount, rowWords] words; a word is an f32 (WEIGHT_HALF
// false) or two f16 (true, unpacked with unpack2x16float: core WGSL, no shader-f16 needed; the
// products and sums stay f32).
@group(0) @binding(1) var<storage, read> weight: array<u32>;
// [vocab]: the decoder bias.
@group(0) @binding(2) var<storage, read> bias: array<f32>;
// [segments * 2]: first row, end row of each segment; then [rows]: real length of each row.
@group(0) @binding(3) var<storage, read> segInfo: array<u32>;
// Bitset over the vocabulary: ids forced to zero (special tokens).
@group(0) @binding(4) var<storage, read> zeroed: array<u32>;
// [segments, vocab]: each entry's pooled value, 0 when dropped (written by `head`, read by `compact`).
@group(0) @binding(5) var<storage, read_write> pooledValues: array<f32>;
// [segments, vocab]: the packed (window, token) that reached the max (only when params.positions).
@group(0) @binding(6) var<storage, read_write> pooledPositions: array<u32>;
@group(0) @binding(7) var<uniform> params: HeadParams;
// [segments]: entry counts; then [segments * capacity * 3]: (id, value bits, position).
@group(0) @binding(8) var<storage, read_write> sparseOut: array<atomic<u32>>;
@group(0) @binding(9) var<uniform> compactParams: CompactParams;

// h chunk as [TILE_K][TILE_TOKENS / 4] and W chunk as [TILE_K][TILE_VOCAB / 4]: one vec4 load gives
// an invocation its 4 tokens (or its 4 entries) at one k.
var<workgroup> hTile: array<vec4<f32>, TILE_K * WG_TOKENS>;
var<workgroup> wTile: array<vec4<f32>, TILE_K * WG_VOCAB>;
// [WG_TOKENS][TILE_VOCAB]: each token row of invocations' partial max (or sum) and its position.
var<workgroup> partValue: array<f32, WG_TOKENS * TILE_VOCAB>;
var<workgroup> partAt: array<u32, WG_TOKENS * TILE_VOCAB>;

// log1p in f32 without the cancellation of log(1 + x) for small x (u - 1 is exact, and the ratio
// corrects the rounding of u): relative error near f32's epsilon where log(1 + x) has ~eps/x.
fn log1pPositive(x: f32) -> f32 {
  let u = 1.0 + x;
  if (u == 1.0) { return x; }
  return log(u) * (x / (u - 1.0));
}

// sentence-transformers' activations (src/pooling/config.ts): 0 = relu: log1p(relu(x));
// 1 = log1p_relu: log1p(log1p(relu(x))).
fn activate(x: f32) -> f32 {
  if (!(x > 0.0)) { return 0.0; }
  let once = log1pPositive(x);
  if (params.activation == 1u) { return log1pPositive(once); }
  return once;
}

fn activate4(x: vec4<f32>) -> vec4<f32> {
  return vec4<f32>(activate(x.x), activate(x.y), activate(x.z), activate(x.w));
}

@compute @workgroup_size(WG_VOCAB, WG_TOKENS)
fn head(
  @builtin(workgroup_id) group: vec3<u32>,
  @builtin(local_invocation_id) local: vec3<u32>,
  @builtin(local_invocation_index) lane: u32,
) {
  let s = params.segmentBase + group.y;
  let tileVocab = group.x * TILE_VOCAB; // first entry of this tile, counted within the chunk
  let mine = tileVocab + local.x * 4u; // first of this invocation's 4 entries, within the chunk

  var b = vec4<f32>(0.0);
  for (var j = 0u; j < 4u; j = j + 1u) {
    if (mine + j < params.vocabCount) { b[j] = bias[params.vocabBase + mine + j]; }
  }
  // Every value of segInfo, params and `s` is the same across the workgroup, so the loops below
  // are uniform and their barriers valid.
  var best = vec4<f32>(-3.4e38);
  var bestAt = vec4<u32>(0u);
  var total = vec4<f32>(0.0);
  let first = segInfo[2u * s];
  let end = segInfo[2u * s + 1u];
  let lengthsAt = 2u * params.segments;
  for (var r = first; r < end; r = r + 1u) {
    let len = segInfo[lengthsAt + r];
    let rowStart = r * params.tokens;
    for (var t0 = 0u; t0 < len; t0 = t0 + TILE_TOKENS) {
      // acc[i][j]: token t0 + 4 local.y + i, entry mine + j. Zeroed explicitly: SwiftShader kept the
      // previous tile's sums in a `var` declared without an initializer inside this loop.
      var acc = array<vec4<f32>, 4>(vec4<f32>(0.0), vec4<f32>(0.0), vec4<f32>(0.0), vec4<f32>(0.0));
      for (var k0 = 0u; k0 < params.hidden; k0 = k0 + TILE_K) {
        // Stage h[t0 .. t0 + TILE_TOKENS, k0 .. k0 + TILE_K]: each step takes 4 tokens at one k (one
        // vec4 of the tile); neighbouring invocations read neighbouring k. Padding tokens and k beyond
        // hidden read as 0 (the fold skips padding).
        for (var i = 0u; i < TILE_TOKENS * TILE_K / (4u * THREADS); i = i + 1u) {
          let e = lane + i * THREADS;
          let quad = e / TILE_K; // tokens 4 quad .. 4 quad + 3 of the tile
          let kk = e % TILE_K;
          var x = vec4<f32>(0.0);
          if (k0 + kk < params.hidden) {
            for (var q = 0u; q < 4u; q = q + 1u) {
              let t = t0 + 4u * quad + q;
              if (t < len) { x[q] = hiddenStates[(rowStart + t) * params.hidden + k0 + kk]; }
            }
          }
          hTile[kk * WG_TOKENS + quad] = x;
        }
        // Stage W[tileVocab .. + TILE_VOCAB, k0 .. k0 + TILE_K] the same way, 4 entries at one k (a
        // word: one k of f32, two of f16); entries past the chunk read as 0.
        if (WEIGHT_HALF) {
          for (var i = 0u; i < TILE_VOCAB * TILE_K / (8u * THREADS); i = i + 1u) {
            let e = lane + i * THREADS;
            let quad = e / (TILE_K / 2u);
            let kk = (e % (TILE_K / 2u)) * 2u;
            let word = (k0 + kk) / 2u; // TILE_K is even: a word never straddles chunks
            var lo = vec4<f32>(0.0);
            var hi = vec4<f32>(0.0);
            if (word < params.rowWords) {
              for (var q = 0u; q < 4u; q = q + 1u) {
                let v = tileVocab + 4u * quad + q;
                if (v < params.vocabCount) {
                  let pair = unpack2x16float(weight[v * params.rowWords + word]);
                  lo[q] = pair.x;
                  hi[q] = pair.y;
                }
              }
            }
            wTile[kk * WG_VOCAB + quad] = lo;
            wTile[(kk + 1u) * WG_VOCAB + quad] = hi;
          }
        } else {
          for (var i = 0u; i < TILE_VOCAB * TILE_K / (4u * THREADS); i = i + 1u) {
            let e = lane + i * THREADS;
            let quad = e / TILE_K;
            let kk = e % TILE_K;
            var x = vec4<f32>(0.0);
            if (k0 + kk < params.hidden) {
              for (var q = 0u; q < 4u; q = q + 1u) {
                let v = tileVocab + 4u * quad + q;
                if (v < params.vocabCount) { x[q] = bitcast<f32>(weight[v * params.rowWords + k0 + kk]); }
              }
            }
            wTile[kk * WG_VOCAB + quad] = x;
          }
        }
        workgroupBarrier();
        for (var kk = 0u; kk < TILE_K; kk = kk + 1u) {
          let a = hTile[kk * WG_TOKENS + local.y];
          let w = wTile[kk * WG_VOCAB + local.x];
          acc[0] = fma(vec4<f32>(a.x), w, acc[0]);
          acc[1] = fma(vec4<f32>(a.y), w, acc[1]);
          acc[2] = fma(vec4<f32>(a.z), w, acc[2]);
          acc[3] = fma(vec4<f32>(a.w), w, acc[3]);
        }
        workgroupBarrier(); // the next chunk overwrites the tiles
      }
      // Fold the 4 tokens into the running results, in token order: strictly greater, so the first
      // token wins ties, as in the CPU twin.
      for (var i = 0u; i < 4u; i = i + 1u) {
        let t = t0 + local.y * 4u + i;
        if (t < len) {
          let x = acc[i] + b;
          if (params.strategy == 0u) {
            let better = x > best;
            best = select(best, x, better);
            bestAt = select(bestAt, vec4<u32>(((r - first) << POSITION_TOKEN_BITS) | t), better);
          } else {
            total = total + activate4(x);
          }
        }
      }
    }
  }

  // Combine the WG_TOKENS partial results of each entry.
  for (var j = 0u; j < 4u; j = j + 1u) {
    let at = local.y * TILE_VOCAB + local.x * 4u + j;
    if (params.strategy == 0u) { partValue[at] = best[j]; } else { partValue[at] = total[j]; }
    partAt[at] = bestAt[j];
  }
  workgroupBarrier();
  if (lane >= TILE_VOCAB) { return; }
  let v = tileVocab + lane;
  if (v >= params.vocabCount) { return; } // bounds guard: the last tile of a chunk may be partial
  var value = partValue[lane];
  var at = partAt[lane];
  for (var y = 1u; y < WG_TOKENS; y = y + 1u) {
    let x = partValue[y * TILE_VOCAB + lane];
    if (params.strategy == 0u) {
      // Each row of invocations holds its own tokens' first max; between equal maxima the smaller
      // packed position is the earlier (window, token).
      let p = partAt[y * TILE_VOCAB + lane];
      if (x > value || (x == value && p < at)) {
        value = x;
        at = p;
      }
    } else {
      value = value + x;
    }
  }
  // max(activation(x)) == activation(max(x)): both activations are monotone.
  if (params.strategy == 0u) { value = activate(value); }
  let id = params.vocabBase + v;
  if ((zeroed[id >> 5u] & (1u << (id & 31u))) != 0u || !(value > params.threshold)) { value = 0.0; }
  pooledValues[s * params.vocab + id] = value;
  if (params.positions == 1u) { pooledPositions[s * params.vocab + id] = at; }
}

@compute @workgroup_size(64)
fn compact(@builtin(global_invocation_id) gid: vec3<u32>) {
  let v = gid.x;
  let s = compactParams.segmentBase + gid.y;
  if (v >= compactParams.vocab || s >= compactParams.segments) { return; } // the grid is rounded up
  let value = pooledValues[s * compactParams.vocab + v];
  if (!(value > 0.0)) { return; }
  let slot = atomicAdd(&sparseOut[s], 1u);
  if (slot >= compactParams.capacity) { return; } // counted but not stored: the host retries with more room
  var origin = 0u;
  if (compactParams.positions == 1u) { origin = pooledPositions[s * compactParams.vocab + v]; }
  let base = compactParams.segments + (s * compactParams.capacity + slot) * 3u;
  atomicStore(&sparseOut[base], v);
  atomicStore(&sparseOut[base + 1u], bitcast<u32>(value));
  atomicStore(&sparseOut[base + 2u], origin);
}
