// Bench of asnn_spram_state as a layer's sweep uses it: a clear, then sweeps that read
// every state word in order (issues 2 x WORDS clocks apart or more, random extra gaps,
// as the credit gate stalls them) and write each one back LAT clocks after its data
// with new contents. Every read is checked against a behavioural copy, the clear
// against zeros, busy_o after each sweep, and that the write buffer never overruns;
// then reads closer than that are shown to overrun it. Prints PASS or FAIL.
`timescale 1ns/1ps
`default_nettype none
module tb_asnn_spram_state;
    parameter integer WIDTH = 40;
    parameter integer COLS = 1;
    parameter integer LAT = 9;
    localparam integer DEPTH = 37, AW = 6;
    localparam integer WORDS = (WIDTH + 16 * COLS - 1) / (16 * COLS);
    reg clk = 1'b0;
    always #5 clk = ~clk;
    reg rst = 1'b1, clr = 1'b0, rd = 1'b0, wr = 1'b0;
    reg [AW-1:0] rd_addr = '0, wr_addr = '0;
    reg [WIDTH-1:0] wr_data = '0;
    wire busy, overrun;
    wire [WIDTH-1:0] rd_data;
    asnn_spram_state #(.WIDTH(WIDTH), .DEPTH(DEPTH), .ADDR_W(AW), .COLS(COLS)) dut (
        .clk_i(clk), .rst_i(rst), .clr_i(clr), .busy_o(busy),
        .rd_i(rd), .rd_addr_i(rd_addr), .rd_data_o(rd_data),
        .wr_i(wr), .wr_addr_i(wr_addr), .wr_data_i(wr_data), .overrun_o(overrun));
    reg [WIDTH-1:0] model [0:DEPTH-1];
    // Reads in flight and write-backs due, by clock.
    integer rd_at [0:DEPTH-1];
    integer wb_at [0:DEPTH-1];
    reg [WIDTH-1:0] wb_val [0:DEPTH-1];
    integer errors = 0, checks = 0, cyc = 0, k, s, next_rd, issued, checked_n, written, clears;
    function automatic [WIDTH-1:0] rnd();
        integer i;
        for (i = 0; i < WIDTH; i = i + 32) rnd[i +: 32] = $random;
    endfunction
    initial begin
        repeat (3) @(negedge clk);
        rst = 1'b0;
        for (k = 0; k < DEPTH; k = k + 1) model[k] = '0;
        // Dirty the memory first, so that the clear has something to clear.
        for (k = 0; k < DEPTH; k = k + 1) begin
            wr = 1'b1; wr_addr = k; wr_data = rnd();
            @(negedge clk);
            wr = 1'b0;
            repeat (2 * WORDS) @(negedge clk);
        end
        clr = 1'b1;
        @(negedge clk);
        clr = 1'b0;
        clears = 0;
        while (busy) begin clears = clears + 1; @(negedge clk); end
        if (clears != DEPTH * WORDS) begin
            $display("clear took %0d clocks, expected %0d", clears, DEPTH * WORDS);
            errors = errors + 1;
        end
        for (s = 0; s < 6; s = s + 1) begin
            issued = 0; checked_n = 0; written = 0;
            next_rd = cyc + 1;
            while (written < DEPTH) begin
                // Outputs of this clock.
                if (checked_n < issued && rd_at[checked_n] + WORDS == cyc) begin
                    checks = checks + 1;
                    if (rd_data !== model[checked_n]) begin
                        errors = errors + 1;
                        if (errors < 5) $display("sweep %0d word %0d: read %h, expected %h", s, checked_n, rd_data, model[checked_n]);
                    end
                    wb_at[checked_n] = cyc + LAT;
                    wb_val[checked_n] = rnd();
                    checked_n = checked_n + 1;
                end
                // Inputs of this clock.
                rd = 1'b0; wr = 1'b0;
                if (issued < DEPTH && cyc == next_rd) begin
                    rd = 1'b1; rd_addr = issued;
                    rd_at[issued] = cyc;
                    issued = issued + 1;
                    next_rd = cyc + 2 * WORDS + ((($random & 3) == 0) ? ($random & 7) : 0);
                end
                if (written < checked_n && wb_at[written] == cyc) begin
                    wr = 1'b1; wr_addr = written; wr_data = wb_val[written];
                    model[written] = wb_val[written];
                    written = written + 1;
                end
                @(negedge clk);
                cyc = cyc + 1;
            end
            rd = 1'b0; wr = 1'b0;
            k = 0;
            while (busy) begin k = k + 1; @(negedge clk); cyc = cyc + 1; end
            if (k != WORDS) begin
                $display("sweep %0d: busy %0d clocks after the last write-back", s, k);
                errors = errors + 1;
            end
        end
        if (overrun) begin $display("overrun in legal use"); errors = errors + 1; end
        // Reads W + 1 clocks apart leave the buffer one clock in W + 1: a second write-back
        // 2 x WORDS clocks after the first finds it still full (only with WORDS > 1).
        if (WORDS > 1) begin
            for (k = 0; k < 4 * (WORDS + 1); k = k + 1) begin
                rd = (k % (WORDS + 1)) == 0; rd_addr = 1;
                wr = (k == 0) || (k == 2 * WORDS); wr_addr = 0; wr_data = rnd();
                @(negedge clk);
            end
            rd = 1'b0; wr = 1'b0;
            if (!overrun) begin $display("no overrun when reads come too close"); errors = errors + 1; end
        end
        if (errors == 0 && checks == 6 * DEPTH) $display("PASS tb_asnn_spram_state: %0d reads checked (WORDS %0d)", checks, WORDS);
        else $display("FAIL tb_asnn_spram_state: %0d errors, %0d reads checked", errors, checks);
        $finish;
    end
endmodule
