// asnn core library: a weight memory in iCE40 UP single-port RAM (SB_SPRAM256KA,
// 16K x 16 each), with the asnn_ram ports. The write port is for loading only (the
// loader runs before any read): the one address is the write address while we_i, else
// the read address. 8-bit words are packed two to a 16-bit SPRAM word (the write masks
// the other byte's nibbles); wider words take ceil(WIDTH / 16) SPRAMs side by side;
// more than 16K SPRAM words take further banks. One clock of read latency, as asnn_ram.
// SPRAM cannot be initialised by the bitstream: INIT_FILE is for simulation only.
// Yosys defines SYNTHESIS: the primitives are instantiated there, a behavioural model
// is simulated elsewhere (the netlist simulation uses yosys's cell model instead).
`default_nettype none

module asnn_spram #(
    parameter integer WIDTH = 8,
    parameter integer DEPTH = 1024,
    parameter integer ADDR_W = 10,
    parameter INIT_FILE = ""
) (
    input  wire              clk_i,
    input  wire              we_i,
    input  wire [ADDR_W-1:0] waddr_i,
    input  wire [WIDTH-1:0]  wdata_i,
    input  wire [ADDR_W-1:0] raddr_i,
    output wire [WIDTH-1:0]  rdata_o
);
    localparam integer PACK = (WIDTH <= 8) ? 2 : 1;                 // words per SPRAM word
    localparam integer COLS = (WIDTH <= 8) ? 1 : (WIDTH + 15) / 16;
    localparam integer WORDS = (DEPTH + PACK - 1) / PACK;            // SPRAM words
    localparam integer BANKS = (WORDS + 16383) / 16384;
    localparam integer BANK_W = (BANKS > 1) ? $clog2(BANKS) : 1;
    wire [ADDR_W-1:0] addr = we_i ? waddr_i : raddr_i;
    // SPRAM word address and, packed, the byte within it.
    wire [ADDR_W-1:0] word = (PACK == 2) ? (addr >> 1) : addr;
    wire              half = (PACK == 2) ? addr[0] : 1'b0;
    wire [31:0]       word32 = {{(32-ADDR_W){1'b0}}, word};    // no out-of-range selects
    wire [13:0]       a14 = word32[13:0];
    reg               half_q;
    reg  [BANK_W-1:0] bank_q;
    wire [BANK_W-1:0] bank = (BANKS > 1) ? word32[14 +: BANK_W] : {BANK_W{1'b0}};
    always @(posedge clk_i) begin
        half_q <= half;
        bank_q <= bank;
    end
    wire [16*COLS-1:0] wide_in;
    generate
        if (PACK == 2) begin : g_pack
            wire [7:0] byte_in = {{(8-WIDTH){1'b0}}, wdata_i};
            assign wide_in = {2{byte_in}};
        end else begin : g_wide
            assign wide_in = {{(16*COLS-WIDTH){1'b0}}, wdata_i};
        end
    endgenerate
    wire [3:0]         mask = (PACK == 2) ? (half ? 4'b1100 : 4'b0011) : 4'b1111;
    wire [15:0]        mask16 = {{4{mask[3]}}, {4{mask[2]}}, {4{mask[1]}}, {4{mask[0]}}};
    wire [16*COLS*BANKS-1:0] dout;
    genvar b, c;
    generate
        for (b = 0; b < BANKS; b = b + 1) begin : g_bank
            for (c = 0; c < COLS; c = c + 1) begin : g_col
`ifdef SYNTHESIS
                SB_SPRAM256KA u_sp (
                    .ADDRESS(a14), .DATAIN(wide_in[16*c +: 16]), .MASKWREN(mask),
                    .WREN(we_i && bank == b), .CHIPSELECT(1'b1), .CLOCK(clk_i),
                    .STANDBY(1'b0), .SLEEP(1'b0), .POWEROFF(1'b1),
                    .DATAOUT(dout[16*(b*COLS+c) +: 16])
                );
`else
                reg [15:0] mem [0:16383];
                reg [15:0] q;
                always @(posedge clk_i) begin
                    if (we_i && bank == b) begin
                        mem[a14] <= (mem[a14] & ~mask16) | (wide_in[16*c +: 16] & mask16);
                    end else begin
                        q <= mem[a14];
                    end
                end
                assign dout[16*(b*COLS+c) +: 16] = q;
`endif
            end
        end
    endgenerate
    wire [16*COLS-1:0] sel = dout[16*COLS*bank_q +: 16*COLS];
    generate
        if (PACK == 2) begin : g_unpack
            wire [7:0] byte_out = half_q ? sel[15:8] : sel[7:0];
            assign rdata_o = byte_out[WIDTH-1:0];
        end else begin : g_whole
            assign rdata_o = sel[WIDTH-1:0];
        end
    endgenerate
    wire unused = ^{sel, INIT_FILE != "", word32, mask16, half_q};
endmodule
