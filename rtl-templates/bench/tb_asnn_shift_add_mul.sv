// Bench of asnn_shift_add_mul: every signed 6-bit w times every unsigned 7-bit x (an odd
// width, so the halves differ) against w * x, and every 5-bit w times every 1-bit x (a
// single leaf). Prints PASS or FAIL.
`timescale 1ns/1ps
`default_nettype none
module tb_asnn_shift_add_mul;
    reg  signed [5:0] w = '0;
    reg  [6:0] x = '0;
    wire signed [13:0] p;
    asnn_shift_add_mul #(.W_W(6), .X_W(7), .P_W(14), .LO(0), .N(7)) dut (.w_i(w), .x_i(x), .p_o(p));
    reg  signed [4:0] w1 = '0;
    reg  x1 = 1'b0;
    wire signed [6:0] p1;
    asnn_shift_add_mul #(.W_W(5), .X_W(1), .P_W(7), .LO(0), .N(1)) dut1 (.w_i(w1), .x_i(x1), .p_o(p1));
    integer i, j, errors = 0, checks = 0;
    initial begin
        for (i = -32; i < 32; i = i + 1) begin
            for (j = 0; j < 128; j = j + 1) begin
                w = i;
                x = j;
                #1;
                checks = checks + 1;
                if (p != i * j) begin
                    errors = errors + 1;
                    if (errors < 5) $display("%0d * %0d: got %0d", i, j, p);
                end
            end
        end
        for (i = -16; i < 16; i = i + 1) begin
            for (j = 0; j < 2; j = j + 1) begin
                w1 = i;
                x1 = j;
                #1;
                checks = checks + 1;
                if (p1 != i * j) errors = errors + 1;
            end
        end
        if (errors == 0) $display("PASS tb_asnn_shift_add_mul: %0d products", checks);
        else $display("FAIL tb_asnn_shift_add_mul: %0d errors", errors);
        $finish;
    end
endmodule
