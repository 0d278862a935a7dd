// asnn core library: the output-stationary synapse unit of a dense first layer with
// frame input (docs/hardware-plan.md section 7; `synapse_lanes` in hw.toml). The step's
// input events (address, value) are buffered as they arrive, and group 0 (targets 0 ..
// S-1) sums them as they are buffered; run_i then replays every buffered event once per
// further group of S consecutive targets: one S-weight word a clock, S products summed
// into S registers. A group's S sums are copied into a hold register when they are
// final and written into A from it as M = S / LANES lane-packed words while the next
// group runs. A_j is the exact sum of docs/numerics.md section 4 whatever the order, so
// A ends as the event walk leaves it (A starts the pass at zero: the first layer runs a
// synaptic phase at step 0 only; SUM_INIT where the layer holds A + 2^(R-1)). Products of lanes below DSP_LANES are written as `*`
// (DSPs where the device has them); the others as a balanced shift-add tree that stays
// in logic.
//
// Timing (plan.rs `os_syn_cycles`): events at most one a clock, registered on entry (so
// the sender's handshake logic never shares a clock with the buffer's counter); each
// buffered event is read back the clock after its write and enters group 0's pipeline;
// run_i (at least a clock after the last event) is registered, and from that clock r a
// marker runs down the pipeline behind the last event and starts group 0's write-out at
// r + 5. Groups 1 .. G-1 issue n events each, back to back, with P = max(0, M - n) idle
// clocks before each (a write-out takes M clocks: the next one may start no sooner); the
// unit is busy (G - 1) (n + P) + M + 6 clocks from r.
`default_nettype none

module asnn_os_synapse #(
    parameter integer S = 8,          // synapse lanes: targets summed per clock
    parameter integer LANES = 1,      // neuron lanes: targets per A word (S % LANES == 0)
    parameter integer A_W = 27,       // accumulator width (numerics.md section 4)
    parameter integer W_W = 8,        // weight width
    parameter integer X_W = 8,        // raw input value width (unsigned)
    parameter integer N_IN = 784,     // inputs: the buffer holds one event per input
    parameter integer IN_AW = 10,
    parameter integer NB = 10,        // event count width: holds 0..N_IN
    parameter integer G = 16,         // groups of S targets
    parameter integer G_AW = 4,
    parameter integer DEPTH = 128,    // A words (targets / LANES, rounded up)
    parameter integer D_AW = 7,
    parameter integer W_AW = 14,      // weight words: N_IN * G, word src * G + group
    parameter integer DSP_LANES = 8,  // lanes whose product is written as `*`
    parameter integer BUF_LOGIC = 0,  // 1: the event buffer in logic, not block RAM
    parameter [63:0]  SUM_INIT = 64'd0 // each sum's start: 2^(R-1) where the neuron's rescale is a shift (asnn_rescale PRE)
) (
    input  wire                  clk_i,
    input  wire                  rst_i,
    input  wire                  clr_i,      // empty the buffer (outside the synaptic phase)
    input  wire                  ev_i,       // buffer this event (dropped once N_IN are held)
    input  wire [IN_AW-1:0]      ev_addr_i,
    input  wire [X_W-1:0]        ev_val_i,
    input  wire                  run_i,      // sum the buffered events into A
    output wire                  busy_o,
    output wire [W_AW-1:0]       w_raddr_o,
    input  wire [S*W_W-1:0]      w_rdata_i,  // the word at last clock's w_raddr_o
    output wire                  a_we_o,
    output wire [D_AW-1:0]       a_waddr_o,
    output wire [LANES*A_W-1:0]  a_wdata_o
);
    localparam integer M = S / LANES;                  // A words per group
    localparam integer M_AW = (M > 1) ? $clog2(M) : 1;
    localparam integer E_W = IN_AW + X_W;
    localparam integer WA = W_AW + 1;                  // weight address arithmetic
    localparam integer WD = G_AW + M_AW + D_AW + 1;    // A address arithmetic
    localparam [NB-1:0]   N_FULL = N_IN[NB-1:0];
    localparam [G_AW-1:0] G_LAST = G[G_AW-1:0] - 1'b1;
    localparam [WA-1:0]   G_L = G[WA-1:0];
    localparam [WD-1:0]   M_L = M[WD-1:0];
    localparam [WD-1:0]   DEPTH_L = DEPTH[WD-1:0];
    localparam [M_AW:0]   GAP_LAST = M[M_AW:0];
    localparam [NB:0]     M_N = M[NB:0];
    localparam [M_AW-1:0] WO_LAST = M[M_AW-1:0] - 1'b1;

    // ---------------------------------------------------------------- event buffer
    reg  [NB-1:0]  n_q;
    reg  [NB-1:0]  last_q;                             // n_q - 1 once an event is held
    reg  [NB-1:0]  last2_q;                            // n_q - 2 (e_q + 1 == last_q)
    reg  [NB-1:0]  e_q;
    wire [E_W-1:0] p_rdata;
    reg            ev_q;
    reg  [IN_AW-1:0] ev_addr_q;
    reg  [X_W-1:0] ev_val_q;
    always @(posedge clk_i) begin
        ev_q      <= ev_i && !rst_i && !clr_i;
        ev_addr_q <= ev_addr_i;
        ev_val_q  <= ev_val_i;
    end
    wire           buf_we = ev_q && (n_q != N_FULL);
    asnn_ram #(.WIDTH(E_W), .DEPTH(N_IN), .ADDR_W(IN_AW), .LOGIC(BUF_LOGIC), .INIT_FILE("")) u_buf (
        .clk_i(clk_i), .we_i(buf_we), .waddr_i(n_q[IN_AW-1:0]), .wdata_i({ev_addr_q, ev_val_q}),
        .raddr_i(e_q[IN_AW-1:0]), .rdata_o(p_rdata)
    );
    always @(posedge clk_i) begin
        if (rst_i || clr_i) n_q <= {NB{1'b0}};
        else if (buf_we) n_q <= n_q + 1'b1;
        if (buf_we) last_q <= n_q;
        if (buf_we) last2_q <= n_q - 1'b1;
    end

    // ---------------------------------------------------------------- issue
    // S_IDLE: each event is read back from the buffer the clock after its write (e_q
    // follows the write address) and streams into group 0. S_ISSUE: group g_q replays
    // the buffer; S_GAP: the idle clocks before a group when n < M.
    localparam [1:0] S_IDLE = 2'd0, S_ISSUE = 2'd1, S_GAP = 2'd2;
    reg  [1:0]      st_q;
    reg  [G_AW-1:0] g_q;
    reg  [M_AW:0]   gap_q;
    reg             sfr_q;                             // an event was buffered last clock
    wire            issuing = (st_q == S_ISSUE);
    // e_q == last_q, registered as e_q moves (its compare is off the state's enable):
    // set where e_q is set to 0 (the group's first event is its last when n = 1) and
    // where it counts up (e_q + 1 == last_q when e_q == last_q - 1).
    reg             e_last_q;
    wire            e_last = e_last_q;
    wire            one_held = (last_q == {NB{1'b0}});
    // run_i is registered before it starts the replay, so the end-of-step handshake and
    // the replay's counters never share a clock.
    reg             run_q;
    wire            held = (n_q != {NB{1'b0}});
    wire            mark = (st_q == S_IDLE) && run_q && held;   // group 0 is complete
    wire            next_group = (mark && G > 1) || (issuing && e_last && g_q != G_LAST);
    wire            short = ({1'b0, n_q} < M_N);                // n < M: groups need idle clocks
    // Before a group when n < M: gap_q runs n + 1 .. M, M - n idle clocks.
    wire [NB+M_AW:0] gap_w = {{(M_AW+1){1'b0}}, n_q} + 1'b1;
    wire [M_AW:0]   gap_first = gap_w[M_AW:0];
    wire unused_gap = ^gap_w[NB+M_AW:M_AW+1];
    always @(posedge clk_i) begin
        run_q <= run_i && !rst_i;
        sfr_q <= buf_we && !rst_i;
    end
    always @(posedge clk_i) begin
        if (rst_i) begin
            st_q <= S_IDLE;
            e_q <= {NB{1'b0}};
            e_last_q <= 1'b0;
            g_q <= {G_AW{1'b0}};
            gap_q <= {(M_AW+1){1'b0}};
        end else begin
            case (st_q)
                S_IDLE: if (mark) begin
                    if (G > 1) g_q <= {{(G_AW-1){1'b0}}, 1'b1};
                end else if (buf_we) begin
                    e_q <= n_q;
                end
                S_ISSUE: if (e_last) begin
                    if (g_q == G_LAST) begin
                        st_q <= S_IDLE;
                        g_q <= {G_AW{1'b0}};
                        e_q <= {NB{1'b0}};
                    end else begin
                        g_q <= g_q + 1'b1;
                    end
                end else begin
                    e_q <= e_q + 1'b1;
                    e_last_q <= (e_q == last2_q);
                end
                default: if (gap_q == GAP_LAST) st_q <= S_ISSUE;
                         else gap_q <= gap_q + 1'b1;
            endcase
            // The next group (after group 0's marker or a group's last issue), after
            // the idle clocks that keep write-outs M clocks apart.
            if (next_group) begin
                e_q <= {NB{1'b0}};
                e_last_q <= one_held;
                if (short) begin
                    st_q <= S_GAP;
                    gap_q <= gap_first;
                end else begin
                    st_q <= S_ISSUE;
                end
            end
        end
    end

    // ---------------------------------------------------------------- pipeline
    // c1: the buffered event; c2: its weight address; c3: the weight word; c4: the
    // products; c5: the sums. l marks a group's last event, or group 0's marker (no event).
    reg             v1_q, f1_q, l1_q, v2_q, f2_q, l2_q, v3_q, f3_q, l3_q, v4_q, f4_q, l4_q;
    reg  [G_AW-1:0] g1_q, g2_q, g3_q, g4_q, g5_q;
    reg  [W_AW-1:0] wa_q;
    reg  [X_W-1:0]  x2_q, x3_q;
    always @(posedge clk_i) begin
        v1_q <= (issuing || (st_q == S_IDLE && sfr_q)) && !rst_i;
        f1_q <= (e_q == {NB{1'b0}});
        l1_q <= ((issuing && e_last) || mark) && !rst_i;
        g1_q <= g_q;
        v2_q <= v1_q && !rst_i;
        f2_q <= f1_q;
        l2_q <= l1_q && !rst_i;
        g2_q <= g1_q;
        v3_q <= v2_q && !rst_i;
        f3_q <= f2_q;
        l3_q <= l2_q && !rst_i;
        g3_q <= g2_q;
        x3_q <= x2_q;
        v4_q <= v3_q && !rst_i;
        f4_q <= f3_q;
        l4_q <= l3_q && !rst_i;
        g4_q <= g3_q;
        g5_q <= g4_q;
    end
    wire [IN_AW-1:0] src = p_rdata[E_W-1 -: IN_AW];
    wire [WA-1:0]    wa = {{(WA-IN_AW){1'b0}}, src} * G_L + {{(WA-G_AW){1'b0}}, g1_q};
    always @(posedge clk_i) begin
        wa_q <= wa[W_AW-1:0];
        x2_q <= p_rdata[X_W-1:0];
    end
    assign w_raddr_o = wa_q;
    wire unused_wa = wa[WA-1];

    // Products (W_W + X_W + 1 bits, exact), then sums: the first event of a group starts
    // its sums afresh, from SUM_INIT.
    localparam integer P_W = W_W + X_W + 1;
    localparam [A_W-1:0] S_INIT = SUM_INIT[A_W-1:0];
    reg  [S*P_W-1:0] prod_q;
    reg  [S*A_W-1:0] acc_q;
    wire signed [X_W:0] x_s = {1'b0, x3_q};
    wire unused_x_s = ^x_s;                           // no DSP lane: x_s is not multiplied
    genvar gk;
    generate
        for (gk = 0; gk < S; gk = gk + 1) begin : g_lane
            wire signed [W_W-1:0] w = w_rdata_i[gk*W_W +: W_W];
            wire signed [P_W-1:0] p;
            if (gk < DSP_LANES) begin : g_dsp
                assign p = w * x_s;                  // signed W_W x (X_W + 1): exact in P_W
            end else begin : g_lut
                asnn_shift_add_mul #(.W_W(W_W), .X_W(X_W), .P_W(P_W), .LO(0), .N(X_W)) u_mul (
                    .w_i(w), .x_i(x3_q), .p_o(p)
                );
            end
            wire signed [P_W-1:0] pq = prod_q[gk*P_W +: P_W];
            wire signed [A_W-1:0] pq_ext;
            if (A_W > P_W) begin : g_ext
                assign pq_ext = {{(A_W-P_W){pq[P_W-1]}}, pq};
            end else begin : g_same
                assign pq_ext = pq;
            end
            always @(posedge clk_i) begin
                prod_q[gk*P_W +: P_W] <= p;
                if (v4_q) begin
                    acc_q[gk*A_W +: A_W] <= (f4_q ? S_INIT : acc_q[gk*A_W +: A_W]) + pq_ext;
                end
            end
        end
    endgenerate

    // ---------------------------------------------------------------- write-out
    // A group's sums are final the clock wo_start_q is set; they move into hold_q (the
    // next group may overwrite acc_q from then on) and leave it one A word a clock.
    localparam integer AW_L = LANES * A_W;
    reg             wo_start_q, wo_run_q;
    reg  [M_AW-1:0] wo_j_q;
    reg  [G_AW-1:0] wo_g_q;
    reg  [S*A_W-1:0] hold_q;
    always @(posedge clk_i) begin
        wo_start_q <= l4_q && !rst_i;
        if (wo_start_q) hold_q <= acc_q;
        else if (wo_run_q) hold_q <= hold_q >> AW_L;
        if (rst_i) begin
            wo_run_q <= 1'b0;
            wo_j_q <= {M_AW{1'b0}};
        end else if (wo_start_q) begin
            wo_run_q <= 1'b1;
            wo_j_q <= {M_AW{1'b0}};
            wo_g_q <= g5_q;
        end else if (wo_run_q) begin
            if (wo_j_q == WO_LAST) wo_run_q <= 1'b0;
            wo_j_q <= wo_j_q + 1'b1;
        end
    end
    wire [WD-1:0] wo_addr = {{(WD-G_AW){1'b0}}, wo_g_q} * M_L + {{(WD-M_AW){1'b0}}, wo_j_q};
    assign a_we_o = wo_run_q && (wo_addr < DEPTH_L);
    assign a_waddr_o = wo_addr[D_AW-1:0];
    assign a_wdata_o = hold_q[AW_L-1:0];
    assign busy_o = (run_q && held) || (st_q != S_IDLE) || sfr_q || v1_q || v2_q || v3_q || v4_q
                 || l1_q || l2_q || l3_q || l4_q || wo_start_q || wo_run_q;
    wire unused = ^wo_addr[WD-1:D_AW];
endmodule
