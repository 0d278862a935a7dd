// Bench of asnn_const_mul: every signed 10-bit x times each constant below against x * K:
// zero, one, powers of two, the shift-arithmetic decays (at most three signed digits),
// constants with long runs of ones (65535, 2^32 - 1: the top digit above K's width) and
// alternating bits (the most digits a non-adjacent form can have). Prints PASS or FAIL.
`timescale 1ns/1ps
`default_nettype none
module tb_asnn_const_mul;
    localparam integer N = 12;
    localparam integer P_W = 44;
    localparam [32*N-1:0] KS = {
        32'd0, 32'd1, 32'd65536, 32'd262144, 32'd64512, 32'd64256, 32'd44032,
        32'd61440, 32'd65535, 32'hffffffff, 32'h55555555, 32'd43037
    };
    reg signed [9:0] x = '0;
    wire signed [P_W-1:0] p [0:N-1];
    genvar g;
    generate
        for (g = 0; g < N; g = g + 1) begin : g_dut
            asnn_const_mul #(.X_W(10), .P_W(P_W), .K(KS[32*g +: 32])) dut (.x_i(x), .p_o(p[g]));
        end
    endgenerate
    integer i, k, errors = 0, checks = 0;
    reg signed [63:0] want;
    initial begin
        for (i = -512; i < 512; i = i + 1) begin
            x = i;
            #1;
            for (k = 0; k < N; k = k + 1) begin
                want = $signed(64'(i)) * $signed({32'd0, KS[32*k +: 32]});
                checks = checks + 1;
                if (p[k] != want[P_W-1:0]) begin
                    errors = errors + 1;
                    if (errors < 5) $display("%0d * %0d: got %0d", i, KS[32*k +: 32], p[k]);
                end
            end
        end
        if (errors == 0) $display("PASS tb_asnn_const_mul: %0d products", checks);
        else $display("FAIL tb_asnn_const_mul: %0d errors", errors);
        $finish;
    end
endmodule
