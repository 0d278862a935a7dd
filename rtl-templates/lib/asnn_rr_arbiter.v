// asnn core library: round-robin arbiter merging N valid/ready event streams into one
// (a layer's lanes into its AER output). Each input's data is WIDTH bits, packed.
// Grants rotate: after input k is served, input k+1 has priority, so no stream starves.
`default_nettype none

module asnn_rr_arbiter #(
    parameter integer N = 2,
    parameter integer WIDTH = 8,
    parameter integer SEL_W = 1      // bits to index N inputs (>= 1)
) (
    input  wire               clk_i,
    input  wire               rst_i,
    input  wire [N-1:0]       in_valid_i,
    output reg  [N-1:0]       in_ready_o,
    input  wire [N*WIDTH-1:0] in_data_i,
    output reg                out_valid_o,
    input  wire               out_ready_i,
    output reg  [WIDTH-1:0]   out_data_o,
    output reg  [SEL_W-1:0]   out_sel_o    // which input the current event comes from
);
    reg [SEL_W-1:0] prio_q;    // the input with priority this cycle
    integer k;
    reg [SEL_W:0] idx;
    reg found;
    always @(*) begin
        out_valid_o = 1'b0;
        out_sel_o = {SEL_W{1'b0}};
        found = 1'b0;
        for (k = 0; k < N; k = k + 1) begin
            idx = {1'b0, prio_q} + k[SEL_W:0];
            if (idx >= N[SEL_W:0]) idx = idx - N[SEL_W:0];
            if (!found && in_valid_i[idx[SEL_W-1:0]]) begin
                found = 1'b1;
                out_valid_o = 1'b1;
                out_sel_o = idx[SEL_W-1:0];
            end
        end
        out_data_o = in_data_i[out_sel_o*WIDTH +: WIDTH];
    end
    // Kept apart from the selection above so that no tool sees a path from ready to valid.
    always @(*) begin
        in_ready_o = {N{1'b0}};
        in_ready_o[out_sel_o] = out_valid_o && out_ready_i;
    end
    always @(posedge clk_i) begin
        if (rst_i) begin
            prio_q <= {SEL_W{1'b0}};
        end else if (out_valid_o && out_ready_i) begin
            prio_q <= (out_sel_o == N[SEL_W-1:0] - 1'b1) ? {SEL_W{1'b0}} : out_sel_o + 1'b1;
        end
    end
endmodule

