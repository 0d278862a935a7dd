// asnn core library: a multiply by a constant, in logic (docs/numerics.md section 11).
// x * K is built from K's canonical signed-digit (non-adjacent) form, the same digits
// as asnn_numerics::fixed::csd: the top digit's shifted copy of x, then one adder or
// subtractor per further nonzero digit. A shift-arithmetic decay constant has at most
// three digits, so it costs two adders; any other K is exact too, with more adders.
// Combinational; the caller registers the result. P_W must hold x * K.
`default_nettype none

module asnn_const_mul #(
    parameter integer X_W = 16,
    parameter integer P_W = 40,
    parameter [31:0] K = 32'd1
) (
    input  wire signed [X_W-1:0] x_i,
    output wire signed [P_W-1:0] p_o
);
    localparam integer NDIG = 34;

    // Digit masks of the non-adjacent form of k: the +1 digits (neg = 0) or the -1
    // digits (neg = 1). k = POS - NEG.
    function automatic [NDIG-1:0] digits(input [31:0] k, input neg);
        reg [NDIG-1:0] x;
        reg [NDIG-1:0] m;
        integer i;
        begin
            x = {2'b00, k};
            m = {NDIG{1'b0}};
            for (i = 0; i < NDIG; i = i + 1) begin
                if (x[0]) begin
                    if (!x[1]) begin
                        m[i] = !neg;
                        x = x - 1'b1;
                    end else begin
                        m[i] = neg;
                        x = x + 1'b1;
                    end
                end
                x = x >> 1;
            end
            digits = m;
        end
    endfunction

    localparam [NDIG-1:0] POS = digits(K, 1'b0);
    localparam [NDIG-1:0] NEG = digits(K, 1'b1);

    wire signed [P_W-1:0] xe = {{(P_W-X_W){x_i[X_W-1]}}, x_i};

    // The digits from the top down: the first nonzero one starts the sum (a shifted
    // copy, no adder), each later one adds or subtracts its shifted copy. The masks
    // are constants, so only the nonzero digits' terms are built.
    function automatic signed [P_W-1:0] mul(input signed [P_W-1:0] x);
        reg signed [P_W-1:0] acc;
        reg started;
        integer i;
        begin
            acc = {P_W{1'b0}};
            started = 1'b0;
            for (i = NDIG - 1; i >= 0; i = i - 1) begin
                if (POS[i] || NEG[i]) begin
                    if (!started)     acc = POS[i] ? (x <<< i) : -(x <<< i);
                    else if (POS[i])  acc = acc + (x <<< i);
                    else              acc = acc - (x <<< i);
                    started = 1'b1;
                end
            end
            mul = acc;
        end
    endfunction

    assign p_o = mul(xe);
endmodule
