// asnn core library: the synapse unit's accumulator bank A (docs/numerics.md section
// 4), LANES lanes in one lane-packed word per address. An accumulate beat presents its
// address on raddr_i with acc_i at clock c; the lane weights arrive from the weight RAM
// at c+1 (w_i), where each lane adds w * payload (graded) or w (binary) to the word read
// and writes it back. A read can miss only the write made in its own clock, and that
// write is forwarded, so beats may hit the same address back to back (conv windows,
// fused pools, small layers) with no stall. The direct write port (clear, zeroing after
// the sweep) shares the RAM's write port and must not be used during accumulate beats.
`default_nettype none

module asnn_accum #(
    parameter integer LANES = 1,
    parameter integer A_W = 40,      // accumulator width: the exact sum fits (section 4)
    parameter integer W_W = 8,       // weight width
    parameter integer PIN_W = 25,    // payload width (signed)
    parameter integer GRADED = 1,    // 1: add w * payload; 0: add w (binary coding)
    parameter integer DEPTH = 16,
    parameter integer ADDR_W = 4,
    parameter integer LOGIC = 0      // 1: keep the bank in logic, not block RAM
) (
    input  wire                    clk_i,
    input  wire                    rst_i,
    input  wire [ADDR_W-1:0]       raddr_i,
    output wire [LANES*A_W-1:0]    rdata_o,    // the word at last clock's raddr_i
    input  wire                    acc_i,      // accumulate into raddr_i
    input  wire                    acc_ok_i,   // 0: the beat adds nothing (a tap off the map)
    input  wire signed [PIN_W-1:0] pay_i,
    input  wire [LANES*W_W-1:0]    w_i,        // the beat's weights, one clock after acc_i
    input  wire                    wr_i,       // direct write
    input  wire [ADDR_W-1:0]       wr_addr_i,
    input  wire [LANES*A_W-1:0]    wr_data_i,
    output wire                    busy_o      // an accumulate write is still to come
);
    reg                   acc_v_q, acc_ok_q;
    reg  [ADDR_W-1:0]     acc_addr_q;
    reg  signed [PIN_W-1:0] acc_pay_q;
    reg                   fwd_v_q;             // the write made last clock
    reg  [ADDR_W-1:0]     fwd_addr_q;
    reg  [LANES*A_W-1:0]  fwd_data_q;
    wire [LANES*A_W-1:0]  sum;
    wire                  we = wr_i || acc_v_q;
    wire [ADDR_W-1:0]     waddr = wr_i ? wr_addr_i : acc_addr_q;
    wire [LANES*A_W-1:0]  wdata = wr_i ? wr_data_i : sum;
    asnn_ram #(.WIDTH(LANES*A_W), .DEPTH(DEPTH), .ADDR_W(ADDR_W), .LOGIC(LOGIC), .INIT_FILE("")) u_ram (
        .clk_i(clk_i), .we_i(we), .waddr_i(waddr), .wdata_i(wdata),
        .raddr_i(raddr_i), .rdata_o(rdata_o)
    );
    always @(posedge clk_i) begin
        acc_v_q    <= acc_i && !rst_i;
        acc_ok_q   <= acc_ok_i;
        acc_addr_q <= raddr_i;
        acc_pay_q  <= pay_i;
        fwd_v_q    <= we && !rst_i;
        fwd_addr_q <= waddr;
        fwd_data_q <= wdata;
    end
    assign busy_o = acc_v_q;
    wire [LANES*A_W-1:0] base_w = (fwd_v_q && fwd_addr_q == acc_addr_q) ? fwd_data_q : rdata_o;
    genvar gl;
    generate
        for (gl = 0; gl < LANES; gl = gl + 1) begin : g_lane
            wire signed [W_W-1:0] w = w_i[gl*W_W +: W_W];
            wire signed [A_W-1:0] w_ext = {{(A_W-W_W){w[W_W-1]}}, w};
            wire signed [A_W-1:0] add;
            if (GRADED != 0) begin : g_graded
                wire signed [A_W-1:0] p_ext = {{(A_W-PIN_W){acc_pay_q[PIN_W-1]}}, acc_pay_q};
                assign add = w_ext * p_ext;           // exact: A_W covers the product
            end else begin : g_binary
                assign add = w_ext;                   // binary coding: payload 1
                wire unused_pay = ^acc_pay_q;
            end
            wire signed [A_W-1:0] base = base_w[gl*A_W +: A_W];
            assign sum[gl*A_W +: A_W] = acc_ok_q ? base + add : base;
        end
    endgenerate
endmodule

