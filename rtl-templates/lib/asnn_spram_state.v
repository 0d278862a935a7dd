// asnn core library: a layer's neuron state in iCE40 UP single-port RAM (SB_SPRAM256KA,
// 16K x 16 each; COLS of them side by side give one CW = 16 x COLS bit word a clock).
// A state word of WIDTH bits takes WORDS = ceil(WIDTH / CW) consecutive SPRAM words.
// One port serves three users:
// - a read (rd_i) takes the port for WORDS consecutive clocks; rd_data_o holds the
//   whole state word for the one clock WORDS clocks after rd_i (the SPRAM's data is
//   valid for one clock after its read only: a write clock makes it undefined, so the
//   words before the last are captured as they arrive and the last is passed through);
// - a write-back (wr_i) is taken into a one-entry buffer and written a word a clock in
//   the clocks no read takes;
// - a clear (clr_i) zeroes every word, one a clock, from the next clock on
//   (DEPTH x WORDS clocks).
// Reads have priority. The caller keeps reads, and write-backs, at least 2 x WORDS
// clocks apart: any 2 x WORDS consecutive clocks then leave the buffer WORDS free
// clocks, so it is empty before the next write-back comes (overrun_o is sticky if
// not). No read during a clear. busy_o: a clear, or a write-back taken now or still
// being written.
// DEPTH x WORDS <= 16384 (the generator checks). Yosys defines SYNTHESIS: the
// primitives are instantiated there; elsewhere a behavioural model whose output turns
// to garbage on a write clock, as the real one may.
`default_nettype none

module asnn_spram_state #(
    parameter integer WIDTH = 96,
    parameter integer DEPTH = 1152,
    parameter integer ADDR_W = 11,
    parameter integer COLS = 2
) (
    input  wire              clk_i,
    input  wire              rst_i,
    input  wire              clr_i,
    output wire              busy_o,
    input  wire              rd_i,
    input  wire [ADDR_W-1:0] rd_addr_i,
    output wire [WIDTH-1:0]  rd_data_o,
    input  wire              wr_i,
    input  wire [ADDR_W-1:0] wr_addr_i,
    input  wire [WIDTH-1:0]  wr_data_i,
    output wire              overrun_o
);
    localparam integer CW = 16 * COLS;
    localparam integer WORDS = (WIDTH + CW - 1) / CW;
    localparam integer TOTAL = DEPTH * WORDS;
    localparam integer WC_W = $clog2(WORDS + 1);
    localparam [WC_W-1:0] WORDS_L = WORDS[WC_W-1:0];
    localparam [WC_W-1:0] WC_ONE = 1;
    localparam [13:0] A_ONE = 14'd1;
    localparam [14:0] TOTAL_L = TOTAL[14:0];
    // SPRAM word address of a state word's first word.
    wire [31:0] rd_base32 = {{(32-ADDR_W){1'b0}}, rd_addr_i} * WORDS;
    wire [31:0] wr_base32 = {{(32-ADDR_W){1'b0}}, wr_addr_i} * WORDS;
    wire unused_base = ^{rd_base32[31:14], wr_base32[31:14]};

    // Read sequencer: word 0 in the clock of rd_i, then the rest back to back.
    reg  [WC_W-1:0] rleft_q;            // words still to read
    reg  [13:0]     raddr_q;            // address of the next of them
    wire            reading = rd_i || (rleft_q != {WC_W{1'b0}});
    wire [13:0]     r_addr = rd_i ? rd_base32[13:0] : raddr_q;
    wire [WC_W-1:0] r_idx = rd_i ? {WC_W{1'b0}} : WORDS_L - rleft_q;   // word read now
    always @(posedge clk_i) begin
        if (rst_i) begin
            rleft_q <= {WC_W{1'b0}};
            raddr_q <= 14'd0;
        end else if (reading) begin
            rleft_q <= (rd_i ? WORDS_L : rleft_q) - WC_ONE;
            raddr_q <= r_addr + A_ONE;
        end
    end

    // Clear.
    reg  [14:0]     cleft_q;
    reg  [13:0]     caddr_q;
    wire            clearing = (cleft_q != 15'd0);
    always @(posedge clk_i) begin
        if (rst_i) begin
            cleft_q <= 15'd0;
            caddr_q <= 14'd0;
        end else if (clr_i) begin
            cleft_q <= TOTAL_L;
            caddr_q <= 14'd0;
        end else if (clearing && !reading) begin
            cleft_q <= cleft_q - 15'd1;
            caddr_q <= caddr_q + A_ONE;
        end
    end

    // Write-back buffer: the remaining words, the lowest next.
    reg  [WC_W-1:0]     wleft_q;
    reg  [13:0]         waddr_q;
    reg  [WORDS*CW-1:0] wbuf_q;
    reg                 overrun_q;
    wire                w_go = !reading && !clearing && (wleft_q != {WC_W{1'b0}});
    always @(posedge clk_i) begin
        if (rst_i) begin
            wleft_q <= {WC_W{1'b0}};
            waddr_q <= 14'd0;
            overrun_q <= 1'b0;
        end else if (wr_i) begin
            if ((wleft_q != {WC_W{1'b0}}) && !(wleft_q == WC_ONE && w_go)) overrun_q <= 1'b1;
            wleft_q <= WORDS_L;
            waddr_q <= wr_base32[13:0];
            wbuf_q <= {{(WORDS*CW-WIDTH){1'b0}}, wr_data_i};
        end else if (w_go) begin
            wleft_q <= wleft_q - WC_ONE;
            waddr_q <= waddr_q + A_ONE;
            wbuf_q <= wbuf_q >> CW;
        end
    end
    assign overrun_o = overrun_q;
    assign busy_o = clearing || wr_i || (wleft_q != {WC_W{1'b0}});

    // The port.
    wire          we = !reading && (clearing || w_go);
    wire [13:0]   addr = reading ? r_addr : (clearing ? caddr_q : waddr_q);
    wire [CW-1:0] din = clearing ? {CW{1'b0}} : wbuf_q[CW-1:0];
    wire [CW-1:0] dout;
    genvar c;
    generate
        for (c = 0; c < COLS; c = c + 1) begin : g_col
`ifdef SYNTHESIS
            SB_SPRAM256KA u_sp (
                .ADDRESS(addr), .DATAIN(din[16*c +: 16]), .MASKWREN(4'b1111),
                .WREN(we), .CHIPSELECT(1'b1), .CLOCK(clk_i),
                .STANDBY(1'b0), .SLEEP(1'b0), .POWEROFF(1'b1),
                .DATAOUT(dout[16*c +: 16])
            );
`else
            reg [15:0] mem [0:16383];
            reg [15:0] q;
            always @(posedge clk_i) begin
                if (we) begin
                    mem[addr] <= din[16*c +: 16];
                    q <= ~mem[addr];                 // undefined after a write clock
                end else begin
                    q <= mem[addr];
                end
            end
            assign dout[16*c +: 16] = q;
`endif
        end
    endgenerate

    // Words before the last, captured the clock after their read.
    wire [WORDS*CW-1:0] full;
    genvar w;
    generate
        if (WORDS > 1) begin : g_capture
            reg            cap_v_q;
            reg [WC_W-1:0] cap_idx_q;
            always @(posedge clk_i) begin
                cap_v_q <= reading && !rst_i;
                cap_idx_q <= r_idx;
            end
            for (w = 0; w < WORDS - 1; w = w + 1) begin : g_cap
                localparam [WC_W-1:0] WI = w[WC_W-1:0];
                reg [CW-1:0] word_q;
                always @(posedge clk_i) if (cap_v_q && cap_idx_q == WI) word_q <= dout;
                assign full[w*CW +: CW] = word_q;
            end
        end else begin : g_direct
            wire unused_idx = ^r_idx;
        end
    endgenerate
    assign full[(WORDS-1)*CW +: CW] = dout;
    assign rd_data_o = full[WIDTH-1:0];
    generate
        if (WORDS * CW > WIDTH) begin : g_pad
            wire unused_pad = ^full[WORDS*CW-1:WIDTH];
        end
    endgenerate
endmodule
