// Bench of asnn_accum (the synapse unit's accumulator bank): bursts of back-to-back
// accumulate beats at random, often repeated, addresses (the read-modify-write hazard),
// with random weights and payloads and masked beats, then a read-back of every address
// against a behavioural model; direct zero writes in between. Graded (w * payload) with
// GRADED = 1, binary (w) with GRADED = 0; RD_REG = 1 the registered read. Prints PASS or
// FAIL.
`timescale 1ns/1ps
`default_nettype none
module tb_asnn_accum;
    parameter integer GRADED = 1;
    parameter integer RD_REG = 0;      // 1: the sum a clock later (two writes in flight)
    localparam integer LANES = 3, A_W = 30, W_W = 6, PIN_W = 9, DEPTH = 8, AW = 3;
    reg clk = 1'b0;
    always #5 clk = ~clk;
    reg rst = 1'b1;
    reg [AW-1:0] raddr = '0;
    wire [LANES*A_W-1:0] rdata;
    reg acc = 1'b0, ok = 1'b0;
    reg signed [PIN_W-1:0] pay = '0;
    reg [LANES*W_W-1:0] w = '0;
    reg wr = 1'b0;
    reg [AW-1:0] wr_addr = '0;
    wire busy;
    asnn_accum #(.LANES(LANES), .A_W(A_W), .W_W(W_W), .PIN_W(PIN_W), .GRADED(GRADED), .DEPTH(DEPTH),
        .ADDR_W(AW), .LOGIC(0), .RD_REG(RD_REG)) dut (
        .clk_i(clk), .rst_i(rst), .raddr_i(raddr), .rdata_o(rdata), .acc_i(acc), .acc_ok_i(ok),
        .pay_i(pay), .w_i(w), .wr_i(wr), .wr_addr_i(wr_addr), .wr_data_i({(LANES*A_W){1'b0}}), .busy_o(busy));
    reg signed [A_W-1:0] model [0:DEPTH-1][0:LANES-1];
    reg [LANES*W_W-1:0] next_w;
    integer burst, beat, n, a, l, errors = 0, checks = 0, hazards = 0;
    reg [AW-1:0] last_a;
    initial begin
        for (a = 0; a < DEPTH; a = a + 1) for (l = 0; l < LANES; l = l + 1) model[a][l] = 0;
        // Clear the RAM through the direct port.
        @(negedge clk);
        rst = 1'b0;
        for (a = 0; a < DEPTH; a = a + 1) begin
            wr = 1'b1;
            wr_addr = a[AW-1:0];
            @(negedge clk);
        end
        wr = 1'b0;
        for (burst = 0; burst < 400; burst = burst + 1) begin
            n = 1 + ($random & 15);
            last_a = DEPTH;
            for (beat = 0; beat < n; beat = beat + 1) begin
                // A beat: address now, weights one clock later (as from the weight RAM).
                acc = 1'b1;
                raddr = (($random & 3) == 0) ? ($random & (DEPTH - 1)) : ($random & 1);
                if (raddr == last_a) hazards = hazards + 1;
                last_a = raddr;
                ok = ($random & 7) != 0;
                pay = $random;
                next_w = {$random, $random};
                for (l = 0; l < LANES; l = l + 1) begin
                    if (ok) model[raddr][l] = model[raddr][l]
                        + (GRADED != 0 ? $signed(next_w[l*W_W +: W_W]) * pay : $signed(next_w[l*W_W +: W_W]));
                end
                @(negedge clk);
                w = next_w;
            end
            acc = 1'b0;
            @(negedge clk);
            @(negedge clk);
            // Read back every address.
            for (a = 0; a < DEPTH; a = a + 1) begin
                raddr = a[AW-1:0];
                @(negedge clk);
                for (l = 0; l < LANES; l = l + 1) begin
                    checks = checks + 1;
                    if ($signed(rdata[l*A_W +: A_W]) != model[a][l]) errors = errors + 1;
                end
            end
            if (($random & 3) == 0) begin
                a = $random & (DEPTH - 1);
                wr = 1'b1;
                wr_addr = a[AW-1:0];
                for (l = 0; l < LANES; l = l + 1) model[a][l] = 0;
                @(negedge clk);
                wr = 1'b0;
            end
        end
        if (errors == 0 && hazards > 500) $display("PASS tb_asnn_accum: %0d words checked, %0d back-to-back same-address beats", checks, hazards);
        else $display("FAIL tb_asnn_accum: %0d errors, %0d hazards", errors, hazards);
        $finish;
    end
    wire unused_busy = busy;
endmodule
