// Bench of asnn_rr_arbiter: N = 3 random sources with sequence-numbered words into one
// sink that stalls at random. Checks that every word arrives exactly once, in order per
// source, that out_sel names the source, and that no valid source waits more than N
// grants (round-robin fairness). Prints PASS or FAIL.
`timescale 1ns/1ps
`default_nettype none
module tb_asnn_rr_arbiter;
    localparam integer N = 3, W = 16, SEL_W = 2;
    reg clk = 1'b0;
    always #5 clk = ~clk;
    reg rst = 1'b1;
    reg [N-1:0] in_valid = '0;
    wire [N-1:0] in_ready;
    reg [N*W-1:0] in_data = '0;
    wire out_valid;
    reg out_ready = 1'b0;
    wire [W-1:0] out_data;
    wire [SEL_W-1:0] out_sel;
    asnn_rr_arbiter #(.N(N), .WIDTH(W), .SEL_W(SEL_W)) dut (
        .clk_i(clk), .rst_i(rst), .in_valid_i(in_valid), .in_ready_o(in_ready), .in_data_i(in_data),
        .out_valid_o(out_valid), .out_ready_i(out_ready), .out_data_o(out_data), .out_sel_o(out_sel));
    integer sent [0:N-1];
    integer got [0:N-1];
    integer wait_grants [0:N-1];
    integer errors = 0, total = 0, k, s;
    initial begin
        for (s = 0; s < N; s = s + 1) begin
            sent[s] = 0;
            got[s] = 0;
            wait_grants[s] = 0;
        end
        repeat (3) @(negedge clk);
        rst = 1'b0;
        for (k = 0; k < 20000; k = k + 1) begin
            @(negedge clk);
            for (s = 0; s < N; s = s + 1) begin
                // A source keeps its word until taken (valid/ready rule), else may start one.
                if (!in_valid[s]) begin
                    if (($random & 3) == 0) begin
                        in_valid[s] = 1'b1;
                        in_data[s*W +: W] = {s[3:0], sent[s][11:0]};
                    end
                end
            end
            out_ready = ($random & 3) != 0;
        end
        for (s = 0; s < N; s = s + 1) if (got[s] < 100) errors = errors + 1;
        if (errors == 0) $display("PASS tb_asnn_rr_arbiter: %0d words checked", total);
        else $display("FAIL tb_asnn_rr_arbiter: %0d errors", errors);
        $finish;
    end
    always @(posedge clk) begin
        if (!rst && out_valid && out_ready) begin
            total <= total + 1;
            if (out_data[W-1 -: 4] != {2'b00, out_sel}) errors = errors + 1;
            if (out_data[11:0] != got[out_sel][11:0]) errors = errors + 1;
            if (in_ready != (3'b001 << out_sel)) errors = errors + 1;
            got[out_sel] <= got[out_sel] + 1;
            sent[out_sel] <= sent[out_sel] + 1;
            in_valid[out_sel] <= 1'b0;
            for (s = 0; s < N; s = s + 1) begin
                if (s == out_sel) wait_grants[s] <= 0;
                else if (in_valid[s]) begin
                    wait_grants[s] <= wait_grants[s] + 1;
                    if (wait_grants[s] >= N) errors = errors + 1;
                end
            end
        end
    end
endmodule
