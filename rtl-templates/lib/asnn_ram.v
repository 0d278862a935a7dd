// asnn core library: simple dual-port RAM, one write and one synchronous read port, in
// the pattern yosys maps to block RAM (SB_RAM40_4K / DP16KD). LOGIC = 1 asks for
// logic instead (small, shallow memories the plan keeps out of block RAM).
// Optional $readmemh init. A read of the address written in the same clock returns
// the old word; users forward it.
`default_nettype none

module asnn_ram #(
    parameter integer WIDTH = 16,
    parameter integer DEPTH = 256,
    parameter integer ADDR_W = 8,
    parameter integer LOGIC = 0,
    parameter INIT_FILE = ""
) (
    input  wire              clk_i,
    input  wire              we_i,
    input  wire [ADDR_W-1:0] waddr_i,
    input  wire [WIDTH-1:0]  wdata_i,
    input  wire [ADDR_W-1:0] raddr_i,
    output reg  [WIDTH-1:0]  rdata_o
);
    generate
        if (LOGIC != 0) begin : g_logic
            (* ram_style = "logic" *) reg [WIDTH-1:0] mem [0:DEPTH-1];
            if (INIT_FILE != "") begin : g_init
                initial $readmemh(INIT_FILE, mem);
            end
            always @(posedge clk_i) begin
                if (we_i) mem[waddr_i] <= wdata_i;
                rdata_o <= mem[raddr_i];
            end
        end else begin : g_block
            (* ram_style = "block" *) reg [WIDTH-1:0] mem [0:DEPTH-1];
            if (INIT_FILE != "") begin : g_init
                initial $readmemh(INIT_FILE, mem);
            end
            always @(posedge clk_i) begin
                if (we_i) mem[waddr_i] <= wdata_i;
                rdata_o <= mem[raddr_i];
            end
        end
    endgenerate
endmodule

