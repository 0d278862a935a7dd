// Bench of asnn_os_synapse (the output-stationary synapse unit of a frame-input dense
// first layer): rounds of random events (none, a few, every input, and more than the
// buffer holds: the excess is dropped) with random values and weights, back to back or
// with idle clocks between them and before run_i (group 0 sums them as they arrive);
// each round's A writes are checked word by word against the exact sums, every target
// is written exactly once (no write past the last A word), and the busy time after
// run_i must be the plan's formula, (G - 1) (n + P) + M + 6 clocks with P = max(0,
// M - n). Three of the six lanes use `*`, three the shift-add tree; M = 3 words per
// group (so n = 1, 2 need the idle clocks) and a last group cut short by DEPTH. Prints
// PASS or FAIL.
`timescale 1ns/1ps
`default_nettype none
module tb_asnn_os_synapse;
    parameter integer SUM_INIT = 0;    // each sum's start (the layer's A + 2^(R-1))
    localparam integer S = 6, LANES = 2, M = 3, A_W = 20, W_W = 5, X_W = 4;
    localparam integer N_IN = 11, IN_AW = 4, NB = 4, G = 4, G_AW = 2;
    localparam integer TARGETS = 21, DEPTH = 11, D_AW = 4, W_DEPTH = N_IN * G, W_AW = 6;
    reg clk = 1'b0;
    always #5 clk = ~clk;
    reg rst = 1'b1, clr = 1'b1, ev = 1'b0, run = 1'b0;
    reg [IN_AW-1:0] ev_addr = '0;
    reg [X_W-1:0] ev_val = '0;
    wire busy, a_we;
    wire [W_AW-1:0] w_raddr;
    reg  [S*W_W-1:0] w_rdata;
    wire [D_AW-1:0] a_waddr;
    wire [LANES*A_W-1:0] a_wdata;
    reg  [S*W_W-1:0] wmem [0:W_DEPTH-1];
    always @(posedge clk) w_rdata <= wmem[w_raddr];
    asnn_os_synapse #(.S(S), .LANES(LANES), .A_W(A_W), .W_W(W_W), .X_W(X_W), .N_IN(N_IN),
        .IN_AW(IN_AW), .NB(NB), .G(G), .G_AW(G_AW), .DEPTH(DEPTH), .D_AW(D_AW), .W_AW(W_AW),
        .DSP_LANES(3), .BUF_LOGIC(0), .SUM_INIT(SUM_INIT)) dut (
        .clk_i(clk), .rst_i(rst), .clr_i(clr), .ev_i(ev), .ev_addr_i(ev_addr), .ev_val_i(ev_val),
        .run_i(run), .busy_o(busy), .w_raddr_o(w_raddr), .w_rdata_i(w_rdata),
        .a_we_o(a_we), .a_waddr_o(a_waddr), .a_wdata_o(a_wdata));
    // What each round should write, and what it did.
    reg signed [A_W-1:0] want [0:TARGETS-1];
    reg signed [A_W-1:0] got [0:DEPTH*LANES-1];
    integer writes [0:DEPTH-1];
    integer held_src [0:N_IN-1];
    integer held_val [0:N_IN-1];
    integer round, n, held, e, j, k, a, busy_clocks, want_busy, idle, errors = 0, checks = 0, full_rounds = 0, gappy_rounds = 0;
    always @(posedge clk) begin
        if (a_we) begin
            if (a_waddr >= DEPTH) errors = errors + 1;
            else begin
                writes[a_waddr] = writes[a_waddr] + 1;
                for (k = 0; k < LANES; k = k + 1) got[a_waddr*LANES+k] = $signed(a_wdata[k*A_W +: A_W]);
            end
        end
    end
    initial begin
        @(negedge clk);
        rst = 1'b0;
        for (round = 0; round < 300; round = round + 1) begin
            for (a = 0; a < W_DEPTH; a = a + 1) wmem[a] = {$random, $random};
            for (a = 0; a < DEPTH; a = a + 1) writes[a] = 0;
            n = (round % 7 == 0) ? 0 : (round % 7 == 1) ? N_IN + 2 : (round % 7 == 2) ? N_IN : 1 + ($urandom % N_IN);
            clr = 1'b1;
            @(negedge clk);
            clr = 1'b0;
            held = 0;
            for (e = 0; e < n; e = e + 1) begin
                ev = 1'b1;
                ev_addr = $urandom % N_IN;
                ev_val = (e % 5 == 0) ? {X_W{1'b1}} : $random;
                if (held < N_IN) begin
                    held_src[held] = ev_addr;
                    held_val[held] = ev_val;
                    held = held + 1;
                end
                @(negedge clk);
                // Every third round: idle clocks between events.
                if (round % 3 == 1 && $urandom % 2 == 0) begin
                    ev = 1'b0;
                    idle = 1 + $urandom % 3;
                    repeat (idle) @(negedge clk);
                end
            end
            ev = 1'b0;
            if (round % 3 == 1) gappy_rounds = gappy_rounds + 1;
            // Sometimes run_i comes a few clocks after the last event, not the next one.
            if (round % 4 == 2) repeat (1 + $urandom % 4) @(negedge clk);
            if (held == N_IN) full_rounds = full_rounds + 1;
            for (j = 0; j < TARGETS; j = j + 1) begin
                want[j] = SUM_INIT;
                for (e = 0; e < held; e = e + 1)
                    want[j] = want[j] + $signed(wmem[held_src[e] * G + j / S][(j % S)*W_W +: W_W]) * held_val[e];
            end
            run = 1'b1;
            @(negedge clk);
            run = 1'b0;
            busy_clocks = 0;
            while (busy) begin
                busy_clocks = busy_clocks + 1;
                @(negedge clk);
            end
            checks = checks + 1;
            if (held == 0) begin
                if (busy_clocks != 0) errors = errors + 1;
                for (a = 0; a < DEPTH; a = a + 1) if (writes[a] != 0) errors = errors + 1;
            end else begin
                want_busy = (G - 1) * (held + ((held < M) ? M - held : 0)) + M + 6;
                if (busy_clocks != want_busy) begin
                    errors = errors + 1;
                    $display("round %0d: %0d events busy %0d clocks, formula %0d", round, held, busy_clocks, want_busy);
                end
                for (a = 0; a < DEPTH; a = a + 1) if (writes[a] != 1) errors = errors + 1;
                for (j = 0; j < TARGETS; j = j + 1) begin
                    if (got[j] != want[j]) begin
                        errors = errors + 1;
                        $display("round %0d target %0d: got %0d want %0d", round, j, got[j], want[j]);
                    end
                end
            end
        end
        if (errors == 0 && full_rounds > 40 && gappy_rounds > 90)
            $display("PASS tb_asnn_os_synapse: %0d rounds, %0d with the buffer full, %0d with idle clocks", checks, full_rounds, gappy_rounds);
        else $display("FAIL tb_asnn_os_synapse: %0d errors", errors);
        $finish;
    end
endmodule
