// SPLADE pooling over logits that stay on the GPU.
//
// One invocation per (vocabulary entry v, segment s). A segment is a run of consecutive rows
// (windows of one document, each the output of its own forward pass). The invocation walks every
// real token of those rows, keeping the max (or the sum of activations) of logit[row, token, v];
// neighbouring invocations read neighbouring addresses, so the whole [rows, tokens, vocab] tensor is
// read once, coalesced.
// Non-zero results are appended to the segment's slice of `sparseOut` through an atomic counter, so
// the readback carries only the sparse vector: (id, value, (window << POSITION_TOKEN_BITS) | token)
// per entry. POSITION_TOKEN_BITS is not declared here: the host prepends it (src/pooling/packing.ts,
// shared with the CPU pooler) and refuses batches whose windows or tokens would not fit.
// Nor is `struct Params`: the host prepends it too, generated from the one list that also packs the
// uniform buffer (src/pooling/pool-params.ts), so its fields cannot drift between host and kernel.

@group(0) @binding(0) var<storage, read> logits: array<f32>;
// [segments * 2]: first row, end row of each segment; then [rows]: real length of each row.
@group(0) @binding(1) var<storage, read> segInfo: array<u32>;
// Bitset over the vocabulary: ids forced to zero (special tokens).
@group(0) @binding(2) var<storage, read> zeroed: array<u32>;
// [segments]: entry counts; then [segments * capacity * 3]: entries.
@group(0) @binding(3) var<storage, read_write> sparseOut: array<atomic<u32>>;
@group(0) @binding(4) var<uniform> params: Params;

fn activate(x: f32) -> f32 {
  if (x <= 0.0) { return 0.0; }
  let once = log(1.0 + x);
  if (params.activation == 1u) { return log(1.0 + once); }
  return once;
}

@compute @workgroup_size(64)
fn main(@builtin(global_invocation_id) gid: vec3<u32>) {
  let v = gid.x;
  let s = gid.y;
  if (v >= params.vocab || s >= params.segments) { return; } // bounds guard: the grid is rounded up
  if ((zeroed[v >> 5u] & (1u << (v & 31u))) != 0u) { return; }

  let first = segInfo[2u * s];
  let end = segInfo[2u * s + 1u];
  let lengthsAt = 2u * params.segments;
  var best = -3.4e38;
  var origin = 0u;
  var total = 0.0;
  for (var r = first; r < end; r = r + 1u) {
    let len = segInfo[lengthsAt + r];
    var at = r * params.tokens * params.vocab + v;
    for (var t = 0u; t < len; t = t + 1u) {
      let x = logits[at];
      if (params.strategy == 0u) {
        // Strictly greater: the first token wins ties, as in the CPU twin.
        if (x > best) { best = x; origin = ((r - first) << POSITION_TOKEN_BITS) | t; }
      } else {
        total = total + activate(x);
      }
      at = at + params.vocab;
    }
  }
  // max(activation(x)) == activation(max(x)): both activations are monotone.
  var value = total;
  if (params.strategy == 0u) { value = activate(best); }
  if (!(value > params.threshold)) { return; }

  let slot = atomicAdd(&sparseOut[s], 1u);
  if (slot >= params.capacity) { return; } // counted but not stored: the host retries with more room
  let base = params.segments + (s * params.capacity + slot) * 3u;
  atomicStore(&sparseOut[base], v);
  atomicStore(&sparseOut[base + 1u], bitcast<u32>(value));
  atomicStore(&sparseOut[base + 2u], origin);
}
