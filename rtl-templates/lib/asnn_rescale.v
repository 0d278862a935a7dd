// asnn core library: cur = sat_B(rescale(A, R)) (docs/numerics.md section 4), the one
// fixed-point step both neuron pipelines (asnn_neuron.v, asnn_readout_neuron.v) take
// straight from the accumulator RAM, so it is built for a short path:
// rshr(a, R) = (floor(a / 2^(R-1)) + 1) >> 1, an adder only as wide as the shifted
// value, and the clamp decided from the top bits (a value fits B bits when its bits
// from B-1 up are all equal) instead of two wide compares. Combinational; exact.
// PRE = 1 (R > 0): the accumulator already holds A + 2^(R-1) (the layer clears and zeroes
// A to that value, asnn_rescale_init), so rshr(A, R) = (A + 2^(R-1)) >>> R is a shift and
// the adder leaves the path from the accumulator RAM into the neuron. The sum still fits
// A_W bits: |A| < 2^(A_W-2) by the width rule of numerics.md section 4, and R < A_W.
`default_nettype none

module asnn_rescale #(
    parameter integer A_W = 40,      // accumulator width
    parameter integer B   = 24,      // state width
    parameter integer R   = 0,       // rescale shift (negative: a left shift)
    parameter integer PRE = 0        // 1: a_i is A + 2^(R-1) (R > 0 only)
) (
    input  wire signed [A_W-1:0] a_i,
    output wire signed [B-1:0]   cur_o
);
    // Wide enough for the shifted sum and for a B-bit state.
    localparam integer X_N = (R < 0) ? A_W - R : A_W + 1;
    localparam integer X_W = (X_N > B + 1) ? X_N : B + 1;
    localparam signed [B-1:0] BMAX = {1'b0, {(B-1){1'b1}}};
    localparam signed [B-1:0] BMIN = {1'b1, {(B-1){1'b0}}};
    wire signed [X_W-1:0] a_ext = {{(X_W-A_W){a_i[A_W-1]}}, a_i};
    wire signed [X_W-1:0] a_scaled;
    generate
        if (R > 0 && R < A_W && PRE != 0) begin : g_pre
            // a_i = A + 2^(R-1): the rounding is already in it.
            assign a_scaled = a_ext >>> R;
            wire unused_a = ^a_ext[R-1:0];
        end else if (R > 0 && R < A_W) begin : g_rshr
            // q = floor(a / 2^(R-1)) needs X_W - R + 1 bits; q + 1 cannot overflow them
            // (a_ext has a spare top bit).
            localparam integer QW = X_W - R + 1;
            wire signed [QW-1:0] q = a_ext[X_W-1:R-1];
            wire signed [QW-1:0] q1 = q + {{(QW-1){1'b0}}, 1'b1};
            assign a_scaled = {{R{q1[QW-1]}}, q1[QW-1:1]};
            wire unused_q = ^{q1[0], a_ext[R-1:0]};
        end else if (R > 0) begin : g_rshr_all
            // |A| < 2^(A_W-1) <= 2^(R-1): A + 2^(R-1) lies in [0, 2^R), so the result is 0.
            assign a_scaled = {X_W{1'b0}};
            wire unused_a = ^a_ext;
        end else if (R == 0) begin : g_same
            assign a_scaled = a_ext;
        end else begin : g_lshl
            assign a_scaled = a_ext <<< (-R);
        end
    endgenerate
    wire [X_W-B:0] top = a_scaled[X_W-1:B-1];
    wire           fits = (top == {(X_W-B+1){1'b0}}) || (top == {(X_W-B+1){1'b1}});
    assign cur_o = fits ? a_scaled[B-1:0] : (a_scaled[X_W-1] ? BMIN : BMAX);
endmodule
