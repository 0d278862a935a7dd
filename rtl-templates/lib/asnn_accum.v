// asnn core library: the synapse unit's accumulator bank A (docs/numerics.md section
// 4), LANES lanes in one lane-packed word per address. An accumulate beat presents its
// address on raddr_i with acc_i at clock c; the lane weights arrive from the weight RAM
// at c+1 (w_i), where each lane adds w * payload (graded) or w (binary) to the word read
// and writes it back. A read can miss only the write made in its own clock, and that
// write is forwarded, so beats may hit the same address back to back (conv windows,
// fused pools, small layers) with no stall. The direct write port (clear, zeroing after
// the sweep) shares the RAM's write port and must not be used during accumulate beats.
// RD_REG = 1 adds a clock: the word read and the product w * payload are registered at
// c+1 and the sum written at c+2, so neither the RAM's read path (its block mux, when A
// spans several block RAMs) nor the multiply shares a clock with the adder. A read then
// misses the writes of the two beats before it: the older is merged into the registered
// word, the newer forwarded at the add; busy_o covers both clocks.
`default_nettype none

module asnn_accum #(
    parameter integer LANES = 1,
    parameter integer A_W = 40,      // accumulator width: the exact sum fits (section 4)
    parameter integer W_W = 8,       // weight width
    parameter integer PIN_W = 25,    // payload width (signed)
    parameter integer GRADED = 1,    // 1: add w * payload; 0: add w (binary coding)
    parameter integer DEPTH = 16,
    parameter integer ADDR_W = 4,
    parameter integer LOGIC = 0,     // 1: keep the bank in logic, not block RAM
    parameter integer RD_REG = 0     // 1: read and product registered, sum at c+2
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
    // The beat that writes this clock: acc_*_q (RD_REG = 0) or its registered copy.
    wire                  s_v, s_ok;
    wire [ADDR_W-1:0]     s_addr;
    wire                  we = wr_i || s_v;
    wire [ADDR_W-1:0]     waddr = wr_i ? wr_addr_i : s_addr;
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
    // The beat's products, w * payload (graded) or w (binary).
    wire [LANES*A_W-1:0] add_w;
    genvar gl;
    generate
        for (gl = 0; gl < LANES; gl = gl + 1) begin : g_prod
            wire signed [W_W-1:0] w = w_i[gl*W_W +: W_W];
            wire signed [A_W-1:0] w_ext = {{(A_W-W_W){w[W_W-1]}}, w};
            if (GRADED != 0) begin : g_graded
                wire signed [A_W-1:0] p_ext = {{(A_W-PIN_W){acc_pay_q[PIN_W-1]}}, acc_pay_q};
                assign add_w[gl*A_W +: A_W] = w_ext * p_ext;   // exact: A_W covers the product
            end else begin : g_binary
                assign add_w[gl*A_W +: A_W] = w_ext;           // binary coding: payload 1
                wire unused_pay = ^acc_pay_q;
            end
        end
    endgenerate
    wire [LANES*A_W-1:0] base_w, add_s;
    generate
        if (RD_REG != 0) begin : g_rd_reg
            reg                  r_v_q, r_ok_q;
            reg [ADDR_W-1:0]     r_addr_q;
            reg [LANES*A_W-1:0]  r_data_q, r_add_q;
            always @(posedge clk_i) begin
                r_v_q       <= acc_v_q && !rst_i;
                r_ok_q      <= acc_ok_q;
                r_addr_q    <= acc_addr_q;
                // The word as read last clock, with the write made then (which it missed).
                r_data_q    <= (fwd_v_q && fwd_addr_q == acc_addr_q) ? fwd_data_q : rdata_o;
                r_add_q     <= add_w;
            end
            // The write made last clock (the previous beat) is newer than r_data_q.
            assign base_w = (fwd_v_q && fwd_addr_q == r_addr_q) ? fwd_data_q : r_data_q;
            assign add_s = r_add_q;
            assign s_v = r_v_q;
            assign s_ok = r_ok_q;
            assign s_addr = r_addr_q;
            assign busy_o = acc_v_q || r_v_q;
        end else begin : g_direct
            assign base_w = (fwd_v_q && fwd_addr_q == acc_addr_q) ? fwd_data_q : rdata_o;
            assign add_s = add_w;
            assign s_v = acc_v_q;
            assign s_ok = acc_ok_q;
            assign s_addr = acc_addr_q;
            assign busy_o = acc_v_q;
        end
    endgenerate
    generate
        for (gl = 0; gl < LANES; gl = gl + 1) begin : g_lane
            wire signed [A_W-1:0] base = base_w[gl*A_W +: A_W];
            wire signed [A_W-1:0] add = add_s[gl*A_W +: A_W];
            assign sum[gl*A_W +: A_W] = s_ok ? base + add : base;
        end
    endgenerate
endmodule

