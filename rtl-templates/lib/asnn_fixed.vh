// asnn core library: the fixed-point helpers of the neuron datapath (docs/numerics.md
// sections 2-5), shared by asnn_neuron.v and asnn_readout_neuron.v. Included inside a
// module body that declares the state width B; declares P_W, the width of a product
// x * D (a B-bit value times a 16-bit decay constant, with room for the sums around it),
// and the constants and functions below. Not a module: it is written beside the design
// and found by the tools from the design's folder (files.f does not list it).

    localparam integer P_W = (B + 21 > 33) ? B + 21 : 33;
    localparam signed [P_W-1:0] HALF     = {{(P_W-17){1'b0}}, 17'h08000};
    localparam signed [P_W-1:0] SMAX     = {{(P_W-B+1){1'b0}}, {(B-1){1'b1}}};
    localparam signed [P_W-1:0] SMIN     = ~SMAX;
    // 2^15: a DSP multiplies by D - 2^15 (a signed 16-bit constant), the rest is a shift.
    localparam signed [P_W-1:0] OFF      = {{(P_W-16){1'b0}}, 16'h8000};

    // Sign-extend a B-bit value to P_W bits.
    function automatic signed [P_W-1:0] ext(input signed [B-1:0] x);
        begin
            ext = {{(P_W-B){x[B-1]}}, x};
        end
    endfunction

    // sat_B of a wide value.
    function automatic signed [B-1:0] sat(input signed [P_W-1:0] x);
        begin
            if (x > SMAX)      sat = SMAX[B-1:0];
            else if (x < SMIN) sat = SMIN[B-1:0];
            else               sat = x[B-1:0];
        end
    endfunction

    // sat_B(a + b) of two B-bit values: overflow shows in the two top bits of the sum,
    // so no wide comparison is needed.
    function automatic signed [B-1:0] sat_add(input signed [B-1:0] a, input signed [B-1:0] b);
        reg signed [B:0] t;
        begin
            t = {a[B-1], a} + {b[B-1], b};
            if (t[B] != t[B-1]) sat_add = t[B] ? {1'b1, {(B-1){1'b0}}} : {1'b0, {(B-1){1'b1}}};
            else                sat_add = t[B-1:0];
        end
    endfunction

    // rnd16(p) = floor((p + 2^15) / 2^16), the spec's rounding of a Q16 product.
    function automatic signed [P_W-1:0] rnd16(input signed [P_W-1:0] p);
        begin
            rnd16 = (p + HALF) >>> 16;
        end
    endfunction
