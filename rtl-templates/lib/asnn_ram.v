// asnn core library: simple dual-port RAM, one write and one synchronous read port, in
// the pattern yosys maps to block RAM (SB_RAM40_4K / DP16KD). Optional $readmemh init.
// A read of the address written in the same cycle returns the old word; users forward.
`default_nettype none

module asnn_ram #(
    parameter integer WIDTH = 16,
    parameter integer DEPTH = 256,
    parameter integer ADDR_W = 8,
    parameter INIT_FILE = ""
) (
    input  wire              clk_i,
    input  wire              we_i,
    input  wire [ADDR_W-1:0] waddr_i,
    input  wire [WIDTH-1:0]  wdata_i,
    input  wire [ADDR_W-1:0] raddr_i,
    output reg  [WIDTH-1:0]  rdata_o
);
    reg [WIDTH-1:0] mem [0:DEPTH-1];
    generate
        if (INIT_FILE != "") begin : g_init
            initial $readmemh(INIT_FILE, mem);
        end
    endgenerate
    always @(posedge clk_i) begin
        if (we_i) mem[waddr_i] <= wdata_i;
        rdata_o <= mem[raddr_i];
    end
endmodule

