// Bench of asnn_rescale: cur = sat_B(rescale(A, R)) against the behavioural definition
// (round half up after the shift, then clamp; numerics.md section 4) for shifts to the
// right (R = 1, 2, 7, one below the width and the whole width), none and to the left,
// on random accumulator values and the edges (largest, smallest, the clamp
// boundaries, the rounding ties). Prints PASS or FAIL.
`timescale 1ns/1ps
`default_nettype none
module tb_asnn_rescale;
    localparam integer A_W = 21, B = 9;
    reg signed [A_W-1:0] a = '0;
    wire signed [B-1:0] c_r1, c_r2, c_r7, c_r20, c_r22, c_r0, c_l3;
    asnn_rescale #(.A_W(A_W), .B(B), .R(1))  u_r1  (.a_i(a), .cur_o(c_r1));
    asnn_rescale #(.A_W(A_W), .B(B), .R(2))  u_r2  (.a_i(a), .cur_o(c_r2));
    asnn_rescale #(.A_W(A_W), .B(B), .R(7))  u_r7  (.a_i(a), .cur_o(c_r7));
    asnn_rescale #(.A_W(A_W), .B(B), .R(20)) u_r20 (.a_i(a), .cur_o(c_r20));
    asnn_rescale #(.A_W(A_W), .B(B), .R(22)) u_r22 (.a_i(a), .cur_o(c_r22));
    asnn_rescale #(.A_W(A_W), .B(B), .R(0))  u_r0  (.a_i(a), .cur_o(c_r0));
    asnn_rescale #(.A_W(A_W), .B(B), .R(-3)) u_l3  (.a_i(a), .cur_o(c_l3));
    function automatic longint want(input longint x, input integer r);
        longint v;
        begin
            if (r > 0) v = (x + (64'sd1 <<< (r - 1))) >>> r;
            else v = x <<< (-r);
            if (v > 255) v = 255;
            if (v < -256) v = -256;
            want = v;
        end
    endfunction
    integer n, errors = 0, clamps = 0;
    longint x;
    task automatic check(input longint v);
        begin
            a = v[A_W-1:0];
            #1;
            x = a;
            if (c_r1 != want(x, 1) || c_r2 != want(x, 2) || c_r7 != want(x, 7) || c_r20 != want(x, 20)
                || c_r22 != want(x, 22) || c_r0 != want(x, 0) || c_l3 != want(x, -3)) begin
                errors = errors + 1;
                if (errors < 5) $display("a = %0d: %0d %0d %0d %0d %0d %0d %0d", x, c_r1, c_r2, c_r7, c_r20, c_r22, c_r0, c_l3);
            end
            if (want(x, 7) == 255 || want(x, 7) == -256) clamps = clamps + 1;
        end
    endtask
    initial begin
        check(0); check(1); check(-1); check((1 <<< (A_W - 1)) - 1); check(-(1 <<< (A_W - 1)));
        for (n = -3; n <= 3; n = n + 1) begin
            check(255 * 128 + 64 + n); check(-256 * 128 - 64 + n); check(64 + n); check(-64 + n);
            check(255 * 2 + 1 + n); check(-512 + n); check(1 <<< 19 + n); check(-(1 <<< 19) + n);
        end
        for (n = 0; n < 20000; n = n + 1) begin
            case (n % 3)
                0: check($random);
                1: check($random % 70000);
                default: check($random % 600);
            endcase
        end
        if (errors == 0 && clamps > 100) $display("PASS tb_asnn_rescale: %0d values, %0d clamped at R = 7", n, clamps);
        else $display("FAIL tb_asnn_rescale: %0d errors, %0d clamps", errors, clamps);
        $finish;
    end
endmodule
