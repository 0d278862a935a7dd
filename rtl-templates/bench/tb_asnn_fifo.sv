// Bench of asnn_fifo against a behavioural queue: random pushes and pops for 20,000
// clocks, every popped word checked, full/empty flags checked (BRAM = 0; the block-RAM
// FIFO shows a word a clock later and holds two more, so there only order and
// completeness are checked, and that a primed FIFO delivers one word every clock).
// Prints PASS or FAIL.
`timescale 1ns/1ps
`default_nettype none
module tb_asnn_fifo;
    parameter integer BRAM = 0;
    localparam integer W = 12, DEPTH = 8, AW = 3;
    reg clk = 1'b0;
    always #5 clk = ~clk;
    reg rst = 1'b1;
    reg in_valid = 1'b0, out_ready = 1'b0;
    reg [W-1:0] in_data = '0;
    wire in_ready, out_valid;
    wire [W-1:0] out_data;
    asnn_fifo #(.WIDTH(W), .DEPTH(DEPTH), .ADDR_W(AW), .BRAM(BRAM)) dut (
        .clk_i(clk), .rst_i(rst), .in_valid_i(in_valid), .in_ready_o(in_ready), .in_data_i(in_data),
        .out_valid_o(out_valid), .out_ready_i(out_ready), .out_data_o(out_data));
    reg [W-1:0] model [0:1023];
    integer head = 0, tail = 0, errors = 0, pops = 0, k;
    initial begin
        repeat (3) @(negedge clk);
        rst = 1'b0;
        for (k = 0; k < 20000; k = k + 1) begin
            @(negedge clk);
            // Check the flags against the model before this clock's transfers.
            if (BRAM == 0 && out_valid !== (tail != head)) errors = errors + 1;
            if (BRAM == 0 && in_ready !== (tail - head < DEPTH)) errors = errors + 1;
            if (BRAM != 0 && out_valid && tail == head) errors = errors + 1;
            if (out_valid && out_data !== model[head % 1024]) errors = errors + 1;
            in_valid = ($random & 3) != 0;
            in_data = $random;
            out_ready = ($random & 1) != 0;
            @(posedge clk);
            #1;
        end
        // Throughput: fill, then pop every clock; every clock must deliver a word.
        in_valid = 1'b0;
        out_ready = 1'b0;
        while (in_ready) begin
            in_valid = 1'b1;
            in_data = $random;
            @(posedge clk);
            #1;
        end
        in_valid = 1'b0;
        repeat (4) @(posedge clk);
        #1;
        out_ready = 1'b1;
        for (k = 0; k < DEPTH; k = k + 1) begin
            if (!out_valid) errors = errors + 1;
            @(posedge clk);
            #1;
        end
        out_ready = 1'b0;
        if (errors == 0 && pops > 1000) $display("PASS tb_asnn_fifo: %0d words checked", pops);
        else $display("FAIL tb_asnn_fifo: %0d errors, %0d pops", errors, pops);
        $finish;
    end
    // The model follows the transfers the DUT made at each rising edge.
    always @(posedge clk) begin
        if (!rst) begin
            if (out_valid && out_ready) begin
                head <= head + 1;
                pops <= pops + 1;
            end
            if (in_valid && in_ready) begin
                model[tail % 1024] <= in_data;
                tail <= tail + 1;
            end
        end
    end
endmodule
