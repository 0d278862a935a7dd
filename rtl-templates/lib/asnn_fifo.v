// asnn core library: synchronous FIFO with a valid/ready handshake on both sides
// (AER event queues). First-word fall-through: out_data_o is valid while out_valid_o.
// DEPTH must be a power of two. Storage is registers: the layer FIFOs are small.
`default_nettype none

module asnn_fifo #(
    parameter integer WIDTH = 8,
    parameter integer DEPTH = 16,
    parameter integer ADDR_W = 4     // log2(DEPTH)
) (
    input  wire             clk_i,
    input  wire             rst_i,
    input  wire             in_valid_i,
    output wire             in_ready_o,
    input  wire [WIDTH-1:0] in_data_i,
    output wire             out_valid_o,
    input  wire             out_ready_i,
    output wire [WIDTH-1:0] out_data_o
);
    reg [WIDTH-1:0] mem [0:DEPTH-1];
    reg [ADDR_W:0]  wptr_q, rptr_q;
    wire [ADDR_W:0] count = wptr_q - rptr_q;
    wire            full = count[ADDR_W];
    wire            push = in_valid_i && !full;
    wire            pop = out_valid_o && out_ready_i;
    assign in_ready_o = !full;
    assign out_valid_o = (wptr_q != rptr_q);
    assign out_data_o = mem[rptr_q[ADDR_W-1:0]];
    always @(posedge clk_i) begin
        if (push) mem[wptr_q[ADDR_W-1:0]] <= in_data_i;
    end
    always @(posedge clk_i) begin
        if (rst_i) begin
            wptr_q <= {(ADDR_W+1){1'b0}};
            rptr_q <= {(ADDR_W+1){1'b0}};
        end else begin
            if (push) wptr_q <= wptr_q + {{ADDR_W{1'b0}}, 1'b1};
            if (pop) rptr_q <= rptr_q + {{ADDR_W{1'b0}}, 1'b1};
        end
    end
endmodule

