// asnn core library: a multiply in logic, for the output-stationary synapse unit's lanes
// without a DSP (asnn_os_synapse.v): the product of signed w and the unsigned bits
// x[LO +: N], shifted by LO, as a balanced tree of shift-adds (a leaf is one bit of x:
// bit b ? w << b : 0), built by halving N. Combinational; exact in P_W bits.
`default_nettype none

module asnn_shift_add_mul #(
    parameter integer W_W = 8,
    parameter integer X_W = 8,
    parameter integer P_W = 17,
    parameter integer LO = 0,
    parameter integer N = 8
) (
    input  wire signed [W_W-1:0] w_i,
    input  wire [X_W-1:0]        x_i,
    output wire signed [P_W-1:0] p_o
);
    generate
        if (N == 1) begin : g_leaf
            wire signed [P_W-1:0] w_ext = {{(P_W-W_W){w_i[W_W-1]}}, w_i};
            assign p_o = x_i[LO] ? (w_ext <<< LO) : {P_W{1'b0}};
        end else begin : g_node
            wire signed [P_W-1:0] lo_p, hi_p;
            asnn_shift_add_mul #(.W_W(W_W), .X_W(X_W), .P_W(P_W), .LO(LO), .N(N / 2)) u_lo (
                .w_i(w_i), .x_i(x_i), .p_o(lo_p)
            );
            asnn_shift_add_mul #(.W_W(W_W), .X_W(X_W), .P_W(P_W), .LO(LO + N / 2), .N(N - N / 2)) u_hi (
                .w_i(w_i), .x_i(x_i), .p_o(hi_p)
            );
            assign p_o = lo_p + hi_p;
        end
    endgenerate
endmodule
