// [[ header ]]
// Layer [[ index ]] '[[ name ]]': [[ description ]].
// Synapse unit (event-driven fan-out walk into the accumulator bank A), neuron sweep
// ([[ lanes ]] lane(s), lane-packed memory words), AER output FIFOs and arbiter.
// Contract: docs/numerics.md; structure and event format: docs/hardware-plan.md.
`default_nettype none

module [[ module ]] (
    input  wire                  clk_i,
    input  wire                  rst_i,
    input  wire                  go_i,         // start the command in cmd_i
    input  wire [1:0]            cmd_i,        // 0 clear state, 1 synaptic phase, 2 neuron sweep
    output wire                  busy_o,
    // AER input: [[ in_addr_doc ]]
    input  wire                  in_valid_i,
    output wire                  in_ready_o,
    input  wire [[ in_aw_decl ]] in_addr_i,
{%- if has_in_payload %}
    input  wire [[ pin_port_decl ]] in_payload_i, // [[ pin_doc ]]
{%- endif %}
{%- if first %}
    input  wire                  in_eos_i,     // end of this step's input (carries no event)
{%- endif %}
{%- if syn_overlap %}
    input  wire                  up_busy_i,    // the layer before may still send this step's spikes
{%- endif %}
{%- if readout %}
    // S of every class, class 0 in the low bits
    output wire [[ scores_decl ]] scores_o
{%- else %}
    // AER output: [[ out_addr_doc ]]; payload = theta at the spike
    output wire                  out_valid_o,
    input  wire                  out_ready_i,
    output wire [[ out_aw_decl ]] out_addr_o,
    output wire [[ b_decl ]] out_payload_o,
    // Debug: every spike as it leaves the sweep, per lane (flat neuron index, payload)
    output wire [[ lanes_decl ]] dbg_valid_o,
    output wire [[ dbg_addr_decl ]] dbg_addr_o,
    output wire [[ dbg_pay_decl ]] dbg_payload_o
{%- endif %}
{%- if load_port %},
    // Weight load port: SPRAM cannot be initialised by the bitstream
    input  wire                  load_we_i,
    input  wire [[ w_aw_decl ]] load_addr_i,
    input  wire [[ w_word_decl ]] load_data_i
{%- endif %}
);
    // Constants of the integer network (docs/numerics.md section 2) and the plan.
    localparam integer LANES   = [[ lanes ]];
    localparam integer B       = [[ state_bits ]];  // state width
    localparam integer A_W     = [[ acc_bits ]];  // accumulator: weight + payload + log2(fan-in) + 1 bits
    // A's value when cleared and when consumed: 2^(R-1) where the neuron's rescale takes
    // the rounding from it (A_PRE, asnn_rescale.v), else 0.
    localparam integer A_PRE   = [[ acc.pre ]];
    localparam [A_W-1:0] A_INIT = [[ acc.init ]];
    localparam integer W_W     = [[ weight_bits ]];  // weight width
    localparam integer DEPTH   = [[ depth ]];  // target groups per lane: channel groups x positions
    localparam integer D_AW    = [[ depth_aw ]];
    localparam integer W_DEPTH = [[ w_depth ]];  // weight words: [[ w_layout_doc ]]
    localparam integer W_AW    = [[ w_aw ]];
    localparam integer CG      = [[ cg ]];  // channel groups: ceil(channels / LANES)
    localparam integer CG_AW   = [[ cg_aw ]];
    localparam integer ST_W    = [[ st_w ]];  // one lane's state word: [[ st_doc ]]
    localparam integer WA      = [[ wa ]];  // address arithmetic width
    localparam integer IN_AW   = [[ in_aw ]];
{%- if has_in_payload && !os %}
    localparam integer PIN_W   = [[ pin_bits ]];  // payload as multiplied: [[ pin_doc ]]
{%- endif %}
    localparam [D_AW-1:0]  D_LAST  = [[ depth_last ]];
{%- if !os %}
    localparam [CG_AW-1:0] CG_LAST = [[ cg_last ]];
{%- endif %}
    localparam [CG_AW-1:0] CG_ZERO = [[ cg_zero ]];
{%- if !readout %}
    localparam integer F_DEPTH = [[ fifo_depth ]];  // lane FIFO: each lane neuron spikes at most once per step
    localparam integer F_AW    = [[ fifo_aw ]];
    localparam integer OUT_AW  = [[ out_aw ]];
{%- endif %}

    // ---------------------------------------------------------------- control
    localparam [1:0] PH_IDLE = 2'd0, PH_CLEAR = 2'd1, PH_SYN = 2'd2, PH_SWEEP = 2'd3;
    reg [1:0]      phase_q;
    reg [D_AW-1:0] clr_q;
    wire           phase_done;
    always @(posedge clk_i) begin
        if (rst_i) begin
            phase_q <= PH_IDLE;
        end else if (phase_q == PH_IDLE) begin
            if (go_i) begin
                case (cmd_i)
                    2'd0:    phase_q <= PH_CLEAR;
                    2'd1:    phase_q <= PH_SYN;
                    2'd2:    phase_q <= PH_SWEEP;
                    default: phase_q <= PH_IDLE;
                endcase
            end
        end else if (phase_done) begin
            phase_q <= PH_IDLE;
        end
    end
    assign busy_o = (phase_q != PH_IDLE);
    wire clearing = (phase_q == PH_CLEAR);
    wire syn      = (phase_q == PH_SYN);
    wire sweep    = (phase_q == PH_SWEEP);
    always @(posedge clk_i) begin
        if (!clearing) clr_q <= {D_AW{1'b0}};
        else if (clr_q != D_LAST) clr_q <= clr_q + 1'b1;
    end
{%- if sw.spram %}
    wire s_busy;                                  // the SPRAM state's clear or write-backs
    wire clear_done = clearing && (clr_q == D_LAST) && !s_busy;
{%- else %}
    wire clear_done = clearing && (clr_q == D_LAST);
{%- endif %}

    // ---------------------------------------------------------------- memories
    // A: exact synaptic sums (numerics.md section 4) in the synapse unit's bank below.
    reg  [D_AW-1:0]       a_raddr;
    wire [LANES*A_W-1:0]  a_rdata;
    reg                   a_wr;
    reg  [D_AW-1:0]       a_waddr;
{%- if sw.spram %}
    // Neuron state in SPRAM (asnn_spram_state.v, instanced with the memory ports below).
    wire [LANES*ST_W-1:0] s_rdata;
{%- else %}
    // Neuron state, read with A.
    reg                   s_we;
    reg  [D_AW-1:0]       s_waddr;
    reg  [LANES*ST_W-1:0] s_wdata;
    wire [LANES*ST_W-1:0] s_rdata;
    reg  [D_AW-1:0]       s_raddr;
    asnn_ram #(.WIDTH(LANES*ST_W), .DEPTH(DEPTH), .ADDR_W(D_AW), .LOGIC([[ s_logic ]]), .INIT_FILE("")) u_state (
        .clk_i(clk_i), .we_i(s_we), .waddr_i(s_waddr), .wdata_i(s_wdata),
        .raddr_i(s_raddr), .rdata_o(s_rdata)
    );
{%- endif %}
    // Weights ([[ w_kind ]]), SL weights a word.
    localparam integer SL = [[ syn_lanes ]];  // synapse lanes
    wire [W_AW-1:0]       w_raddr;
    wire [SL*W_W-1:0]     w_rdata;
{%- if w_spram %}
    asnn_spram #(.WIDTH(SL*W_W), .DEPTH(W_DEPTH), .ADDR_W(W_AW), .INIT_FILE("")) u_weights (
{%- else %}
    asnn_ram #(.WIDTH(SL*W_W), .DEPTH(W_DEPTH), .ADDR_W(W_AW), .LOGIC([[ w_logic ]]), .INIT_FILE([[ w_init ]])) u_weights (
{%- endif %}
        .clk_i(clk_i),
{%- if load_port %}
        .we_i(load_we_i), .waddr_i(load_addr_i), .wdata_i(load_data_i),
{%- else %}
        .we_i(1'b0), .waddr_i({W_AW{1'b0}}), .wdata_i({(SL*W_W){1'b0}}),
{%- endif %}
        .raddr_i(w_raddr), .rdata_o(w_rdata)
    );
    // Biases, lane-packed per channel group.
    wire [CG_AW-1:0]      b_raddr;
    wire [LANES*B-1:0]    b_rdata;
    asnn_ram #(.WIDTH(LANES*B), .DEPTH(CG), .ADDR_W(CG_AW), .LOGIC([[ b_logic ]]), .INIT_FILE([[ b_init ]])) u_bias (
        .clk_i(clk_i), .we_i(1'b0), .waddr_i({CG_AW{1'b0}}), .wdata_i({(LANES*B){1'b0}}),
        .raddr_i(b_raddr), .rdata_o(b_rdata)
    );
{%- if os %}

    // ---------------------------------------------------------------- synapse unit
    // Output-stationary ([[ syn_lanes ]] synapse lanes, [[ syn_groups ]] groups, asnn_os_synapse.v): the
    // frame's events are buffered (and summed into group 0) as they arrive; the
    // end-of-step beat starts the replay of every buffered event once per further group,
    // and the group sums are written into A.
    // The step-0 events are taken from the clear on (the clear touches neither the
    // buffer nor group 0's sums, and A is written only after the end-of-step beat, which
    // waits for the synaptic phase): the buffer is emptied when the clear starts.
    reg                   eos_q;
    wire                  os_busy;
    wire                  os_a_we;
    wire [D_AW-1:0]       os_a_waddr;
    wire [LANES*A_W-1:0]  os_a_wdata;
    wire                  os_clr = (phase_q == PH_IDLE) && go_i && (cmd_i == 2'd0);
    // Group 0 sums the events as they arrive.
    assign in_ready_o = syn ? !eos_q : (clearing && !in_eos_i);
    wire take = in_valid_i && in_ready_o && !in_eos_i;
    wire os_run = in_valid_i && in_ready_o && in_eos_i;
    always @(posedge clk_i) begin
        if (rst_i || !syn) eos_q <= 1'b0;
        else if (os_run) eos_q <= 1'b1;
    end
    asnn_os_synapse #(.S(SL), .LANES(LANES), .A_W(A_W), .W_W(W_W), .X_W([[ raw_bits ]]),
        .N_IN([[ in_units ]]), .IN_AW(IN_AW), .NB([[ os_nb ]]), .G([[ syn_groups ]]), .G_AW([[ syn_groups_aw ]]),
        .DEPTH(DEPTH), .D_AW(D_AW), .W_AW(W_AW), .DSP_LANES([[ os_dsp_lanes ]]), .BUF_LOGIC([[ os_buf_logic ]]),
        .SUM_INIT({{(64-A_W){1'b0}}, A_INIT})) u_syn (
        .clk_i(clk_i), .rst_i(rst_i), .clr_i(os_clr), .ev_i(take), .ev_addr_i(in_addr_i),
        .ev_val_i(in_payload_i), .run_i(os_run), .busy_o(os_busy),
        .w_raddr_o(w_raddr), .w_rdata_i(w_rdata),
        .a_we_o(os_a_we), .a_waddr_o(os_a_waddr), .a_wdata_o(os_a_wdata)
    );
    // A: the exact sums, written by the unit, cleared with the state.
    wire [LANES*A_W-1:0]  a_wdata = clearing ? {LANES{A_INIT}} : os_a_wdata;
    asnn_ram #(.WIDTH(LANES*A_W), .DEPTH(DEPTH), .ADDR_W(D_AW), .LOGIC([[ a_logic ]]), .INIT_FILE("")) u_a (
        .clk_i(clk_i), .we_i(a_wr), .waddr_i(a_waddr), .wdata_i(a_wdata),
        .raddr_i(a_raddr), .rdata_o(a_rdata)
    );
{%- else %}

    // ---------------------------------------------------------------- synapse unit
    // Walks one event's fan-out, LANES accumulations per clock: [[ walk_doc ]].
    // A and the weight word are read at clock c and the sum written at c+1; the only
    // write a read can miss is the one made in its own clock, and that one is forwarded.
    reg                   w_active_q;
    reg  [CG_AW-1:0]      wcg_q;
{%- if !conv %}
    reg  [IN_AW-1:0]      src_q;
{%- endif %}
{%- if has_in_payload %}
    reg  signed [PIN_W-1:0] pay_q;
{%- endif %}
{%- if first_events %}
    // Held input values (events mode): an event carries the new value; A takes the change.
    localparam integer X_W = [[ raw_bits ]];
    localparam integer N_IN = [[ in_units ]];
    localparam [IN_AW-1:0] IN_LAST = [[ in_last ]];
    reg                   h_pend_q;
    reg  [IN_AW-1:0]      h_addr_q;
    reg  [X_W-1:0]        h_val_q;
    wire [X_W-1:0]        h_rdata;
    reg                   h_we;
    reg  [IN_AW-1:0]      h_waddr;
    reg  [X_W-1:0]        h_wdata;
    asnn_ram #(.WIDTH(X_W), .DEPTH(N_IN), .ADDR_W(IN_AW), .LOGIC([[ h_logic ]]), .INIT_FILE("")) u_held (
        .clk_i(clk_i), .we_i(h_we), .waddr_i(h_waddr), .wdata_i(h_wdata),
        .raddr_i(in_addr_i), .rdata_o(h_rdata)
    );
    reg                   clr_h_run_q;
    reg  [IN_AW-1:0]      clr_h_q;
{%- endif %}
{%- if first %}
    reg                   eos_q;
{%- endif %}
{%- if conv %}
    // Conv walk: the source (ci, y, x) is decoded from the flat address by the sender's
    // coordinates; taps (ky, kx) outer, channel groups inner.
    localparam [WA-1:0] K_L = [[ k_lit ]], PAD_L = [[ pad_lit ]], STRIDE_L = [[ stride_lit ]];
    localparam [WA-1:0] PK_L = [[ pk_lit ]], PH_L = [[ ph_lit ]], PW_L = [[ pw_lit ]];
    localparam [WA-1:0] HW_L = [[ hw_lit ]], CIN_L = [[ cin_lit ]];
    localparam [WA-1:0] ONE_L = [[ one_lit ]];
    reg  [WA-1:0]         ky_q, kx_q;
    wire [WA-1:0]         wcg_w = {{(WA-CG_AW){1'b0}}, wcg_q};
    // The source decoded in its own width before the walk's first beat (plan.rs
    // conv_decode_cycles): restoring division by the constants, one quotient bit a
    // clock, with only as many bits as the quotient can have (channel ci < C_in, then
    // row y < H; the column is the remainder), so the decode is one compare-subtract
    // deep and the walk's address arithmetic starts from registers.
    localparam integer DEC_W = IN_AW + 1;
    localparam [DEC_W-1:0] INHW_D = [[ inhw_dec ]], INW_D = [[ inw_dec ]];
    localparam integer CI_QB = [[ dec.ci_qbits ]], YI_QB = [[ dec.yi_qbits ]];
    localparam integer DEC_CLK = CI_QB + YI_QB;      // decode clocks an event
    localparam integer DK_W = [[ dec.cnt_bits ]];
    localparam [DK_W-1:0] DK_ALL = [[ dec.all ]], DK_YI = [[ dec.yi ]], DK_ONE = [[ dec.one ]];
    localparam [DEC_W-1:0] DD_C = INHW_D << ((CI_QB > 0) ? CI_QB - 1 : 0);
    localparam [DEC_W-1:0] DD_Y = INW_D << ((YI_QB > 0) ? YI_QB - 1 : 0);
    reg  [DK_W-1:0]       dk_q;                   // decode clocks left
    reg  [DEC_W-1:0]      dr_q, dd_q, dq_q;       // remainder, divisor << bit, quotient
    reg  [DEC_W-1:0]      ci_q;
    wire                  dec_q = (dk_q != {DK_W{1'b0}});
    wire [WA-1:0]         ci = {{(WA-DEC_W){1'b0}}, ci_q};
    wire [WA-1:0]         yi = {{(WA-DEC_W){1'b0}}, dq_q};   // the row: the quotient
    wire [WA-1:0]         xi = {{(WA-DEC_W){1'b0}}, dr_q};   // the column: the remainder
    wire                  walk_last = (ky_q == K_L - ONE_L) && (kx_q == K_L - ONE_L) && (wcg_q == CG_LAST);
    // Tap (ky, kx) reaches conv output (oy, ox) with oy * STRIDE = y + PAD - ky.
    wire [WA-1:0]         oyn = yi + PAD_L - ky_q;
    wire [WA-1:0]         oxn = xi + PAD_L - kx_q;
    wire [WA-1:0]         oy = oyn / STRIDE_L;
    wire [WA-1:0]         ox = oxn / STRIDE_L;
    wire [WA-1:0]         py = oy / PK_L;
    wire [WA-1:0]         px = ox / PK_L;
    wire                  walk_ok = (yi + PAD_L >= ky_q) && (xi + PAD_L >= kx_q)
                                 && (oyn % STRIDE_L == {WA{1'b0}}) && (oxn % STRIDE_L == {WA{1'b0}})
                                 && (py < PH_L) && (px < PW_L);
    wire [WA-1:0]         walk_a_addr = wcg_w * HW_L + py * PW_L + px;
    wire [WA-1:0]         walk_w_addr = ((wcg_w * CIN_L + ci) * K_L + ky_q) * K_L + kx_q;
{%- else %}
    // Dense walk: weight row src, channel groups 0..CG-1.
    localparam [WA-1:0] CG_L = [[ cg_lit ]];
    wire [WA-1:0]         src_w = {{(WA-IN_AW){1'b0}}, src_q};
    wire [WA-1:0]         wcg_w = {{(WA-CG_AW){1'b0}}, wcg_q};
    wire                  walk_last = (wcg_q == CG_LAST);
    wire [WA-1:0]         walk_a_addr = wcg_w;
    wire [WA-1:0]         walk_w_addr = src_w * CG_L + wcg_w;
    wire                  walk_ok = 1'b1;
{%- endif %}
    wire unused_walk = ^{walk_a_addr[WA-1:D_AW], walk_w_addr[WA-1:W_AW]};
{%- if acc.walk_pipe %}
    // The beat's addresses, tap test and payload are registered (one stage) before the
    // weight RAM and the accumulator: the tap counters' arithmetic (pooled position,
    // cg * HW + py * PW + px) and the accumulator's hazard compare were one clock's
    // path. Takes are unchanged; a synaptic phase ends one clock later (plan.rs
    // CONV_WALK_STAGE).
    reg                   wst_v_q, wst_ok_q;
    reg  [D_AW-1:0]       wst_a_q;
    reg  [W_AW-1:0]       wst_w_q;
{%- if has_in_payload %}
    reg  signed [PIN_W-1:0] wst_pay_q;
{%- endif %}
    always @(posedge clk_i) begin
        wst_v_q  <= syn && w_active_q && !rst_i;
        wst_ok_q <= walk_ok;
        wst_a_q  <= walk_a_addr[D_AW-1:0];
        wst_w_q  <= walk_w_addr[W_AW-1:0];
{%- if has_in_payload %}
        wst_pay_q <= pay_q;
{%- endif %}
    end
    assign w_raddr = wst_w_q;
    wire [D_AW-1:0]       walk_a = wst_a_q;
    wire                  walk_acc = wst_v_q, walk_acc_ok = wst_ok_q;
{%- else %}
    assign w_raddr = walk_w_addr[W_AW-1:0];
    wire [D_AW-1:0]       walk_a = walk_a_addr[D_AW-1:0];
    wire                  walk_acc = syn && w_active_q, walk_acc_ok = walk_ok;
{%- endif %}
{%- if conv %}
    wire walk_busy = w_active_q || dec_q;
    wire walk_free = !walk_busy || (w_active_q && walk_last);   // back-to-back events
{%- else %}
    wire walk_busy = w_active_q;
    wire walk_free = !w_active_q || walk_last;      // back-to-back events
{%- endif %}
{%- if first_events %}
    assign in_ready_o = syn && !eos_q && walk_free && !h_pend_q;
    wire take = in_valid_i && in_ready_o && !in_eos_i;
    // The held value arrives one clock after the event; a zero change walks nothing.
    wire signed [PIN_W-1:0] delta = $signed({1'b0, h_val_q}) - $signed({1'b0, h_rdata});
    wire start_walk = h_pend_q && (delta != {PIN_W{1'b0}});
{%- else if first %}
    assign in_ready_o = syn && !eos_q && walk_free;
    wire take = in_valid_i && in_ready_o && !in_eos_i;
    wire start_walk = take;
{%- else %}
    assign in_ready_o = syn && walk_free;
    wire take = in_valid_i && in_ready_o;
    wire start_walk = take;
{%- endif %}
{%- if first_events %}
    wire [IN_AW-1:0]      src_in = h_addr_q;      // the event's source address
{%- else %}
    wire [IN_AW-1:0]      src_in = in_addr_i;     // the event's source address
{%- endif %}
{%- if conv %}
    wire                  dge = (dr_q >= dd_q);
    always @(posedge clk_i) begin
        if (rst_i || !syn) begin
            dk_q <= {DK_W{1'b0}};
        end else if (start_walk) begin
            dk_q <= DK_ALL;
        end else if (dec_q) begin
            dk_q <= dk_q - 1'b1;
        end
        if (start_walk) begin
            dr_q <= {1'b0, src_in};
            dd_q <= (CI_QB > 0) ? DD_C : DD_Y;
            dq_q <= {DEC_W{1'b0}};
            ci_q <= {DEC_W{1'b0}};
        end else if (dec_q) begin
            if (dge) dr_q <= dr_q - dd_q;
            if (CI_QB > 0 && dk_q == DK_YI) begin
                ci_q <= {dq_q[DEC_W-2:0], dge};     // the channel's last bit
                dq_q <= {DEC_W{1'b0}};
                dd_q <= DD_Y;
            end else begin
                dq_q <= {dq_q[DEC_W-2:0], dge};
                dd_q <= dd_q >> 1;
            end
        end
    end
    // The first beat follows the decode's last clock.
    wire                  walk_go = (dk_q == DK_ONE) || (DEC_CLK == 0 && start_walk);
{%- else %}
    wire                  walk_go = start_walk;
{%- endif %}
    always @(posedge clk_i) begin
        if (rst_i || !syn) begin
            w_active_q <= 1'b0;
        end else if (walk_go) begin
            w_active_q <= 1'b1;
        end else if (walk_last) begin
            w_active_q <= 1'b0;
        end
    end
    always @(posedge clk_i) begin
        if (start_walk) begin
{%- if !conv %}
            src_q <= src_in;
{%- endif %}
{%- if first_events %}
            pay_q <= delta;
{%- else %}
{%- if first %}
            pay_q <= $signed({1'b0, in_payload_i});
{%- else if has_in_payload %}
            pay_q <= in_payload_i;
{%- endif %}
{%- endif %}
            wcg_q <= CG_ZERO;
{%- if conv %}
            ky_q <= {WA{1'b0}};
            kx_q <= {WA{1'b0}};
{%- endif %}
        end else if (w_active_q) begin
{%- if conv %}
            if (wcg_q == CG_LAST) begin
                wcg_q <= CG_ZERO;
                if (kx_q == K_L - ONE_L) begin
                    kx_q <= {WA{1'b0}};
                    ky_q <= ky_q + ONE_L;
                end else begin
                    kx_q <= kx_q + ONE_L;
                end
            end else begin
                wcg_q <= wcg_q + 1'b1;
            end
{%- else %}
            wcg_q <= wcg_q + 1'b1;
{%- endif %}
        end
    end
{%- if first_events %}
    always @(posedge clk_i) begin
        h_pend_q <= take && !rst_i;
        if (take) begin
            h_addr_q <= in_addr_i;
            h_val_q <= in_payload_i;
        end
    end
    always @(*) begin
        h_we = h_pend_q;
        h_waddr = h_addr_q;
        h_wdata = h_val_q;
        if (clr_h_run_q) begin
            h_we = 1'b1;
            h_waddr = clr_h_q;
            h_wdata = {X_W{1'b0}};
        end
    end
    // The held values are cleared with the state; the longer of the two sets the time.
    always @(posedge clk_i) begin
        if (rst_i || !clearing) begin
            clr_h_run_q <= 1'b0;
            clr_h_q <= {IN_AW{1'b0}};
            if (!rst_i && phase_q == PH_IDLE && go_i && cmd_i == 2'd0) clr_h_run_q <= 1'b1;
        end else if (clr_h_run_q) begin
            clr_h_q <= clr_h_q + 1'b1;
            if (clr_h_q == IN_LAST) clr_h_run_q <= 1'b0;
        end
    end
{%- endif %}
{%- if first %}
    always @(posedge clk_i) begin
        if (rst_i || !syn) eos_q <= 1'b0;
        else if (in_valid_i && in_ready_o && in_eos_i) eos_q <= 1'b1;
    end
{%- endif %}
    // The accumulator bank: beats read at clock c, add and write back at c+1.
    wire acc_busy_a;
{%- if acc.walk_pipe %}
    wire acc_busy = acc_busy_a || wst_v_q;     // a beat in the walk stage or the bank
{%- else %}
    wire acc_busy = acc_busy_a;
{%- endif %}
    asnn_accum #(.LANES(LANES), .A_W(A_W), .W_W(W_W), .PIN_W([[ acc.pin ]]), .GRADED([[ acc.graded ]]),
        .DEPTH(DEPTH), .ADDR_W(D_AW), .LOGIC([[ a_logic ]]), .RD_REG([[ acc.rd_reg() ]])) u_acc (
        .clk_i(clk_i), .rst_i(rst_i), .raddr_i(a_raddr), .rdata_o(a_rdata),
        .acc_i(walk_acc), .acc_ok_i(walk_acc_ok), .pay_i([[ acc.pay ]]), .w_i(w_rdata),
        .wr_i(a_wr), .wr_addr_i(a_waddr), .wr_data_i({LANES{A_INIT}}), .busy_o(acc_busy_a)
    );
{%- endif %}

    // ---------------------------------------------------------------- neuron sweep
    genvar gl;
    reg  [D_AW-1:0]       k_q;
    reg                   k_run_q;
    reg  [CG_AW-1:0]      scg_q;
{%- if conv %}
    localparam integer SP_W = [[ sp_bits ]];
    localparam [SP_W-1:0] SP_LAST = [[ sp_last ]];
    reg  [SP_W-1:0]       sp_q;                   // position within the channel
{%- endif %}
{%- if sw.gated %}
    // The sweep reads memory word k_q when iss: [[ sw.gate_doc ]].
    wire                  iss;
{%- endif %}
    always @(posedge clk_i) begin
        if (rst_i || !sweep) begin
            k_q <= {D_AW{1'b0}};
            scg_q <= CG_ZERO;
{%- if conv %}
            sp_q <= {SP_W{1'b0}};
{%- endif %}
            k_run_q <= !rst_i && phase_q == PH_IDLE && go_i && cmd_i == 2'd2;
{%- if sw.gated %}
        end else if (iss) begin
{%- else %}
        end else if (k_run_q) begin
{%- endif %}
            k_q <= k_q + 1'b1;
{%- if conv %}
            if (sp_q == SP_LAST) begin
                sp_q <= {SP_W{1'b0}};
                scg_q <= scg_q + 1'b1;
            end else begin
                sp_q <= sp_q + 1'b1;
            end
{%- else %}
            scg_q <= scg_q + 1'b1;
{%- endif %}
            if (k_q == D_LAST) k_run_q <= 1'b0;
        end
    end

{%- if conv %}
    localparam integer TAG_W = D_AW + CG_AW + SP_W;   // {k, channel group, position}
{%- else %}
    localparam integer TAG_W = D_AW + CG_AW;          // {k, channel group}
{%- endif %}
{%- if sw.gated %}
    localparam integer RT_W = D_AW + CG_AW;           // what the read side delays
    wire [RT_W-1:0] tag_k = {k_q, scg_q};
    reg  [[ sw.gap_decl ]] gap_q;                    // clocks until the next read may issue
    always @(posedge clk_i) begin
        if (rst_i || !sweep) gap_q <= [[ sw.gap_zero ]];
        else if (iss) gap_q <= [[ sw.gap_reload ]];
        else if (gap_q != [[ sw.gap_zero ]]) gap_q <= gap_q - 1'b1;
    end
{%- if sw.credit %}
    wire                  credit_ok;              // the AER FIFO has room (AER output below)
    assign iss = k_run_q && (gap_q == [[ sw.gap_zero ]]) && credit_ok;
{%- else %}
    assign iss = k_run_q && (gap_q == [[ sw.gap_zero ]]);
{%- endif %}
{%- if sw.delay > 0 %}
    // The state word arrives [[ sw.words ]] clocks after its read: A and the bias are read
    // [[ sw.delay ]] clock(s) later, so that all three meet at the neuron.
    localparam integer S_DLY = [[ sw.delay ]];
    reg  [S_DLY-1:0]       dv_q;
    reg  [S_DLY*RT_W-1:0]  dt_q;
    always @(posedge clk_i) begin
        if (rst_i || !sweep) dv_q <= {S_DLY{1'b0}};
{%- if sw.delay > 1 %}
        else dv_q <= {dv_q[S_DLY-2:0], iss};
        dt_q <= {dt_q[(S_DLY-1)*RT_W-1:0], tag_k};
{%- else %}
        else dv_q <= iss;
        dt_q <= tag_k;
{%- endif %}
    end
    wire             iss_b = dv_q[S_DLY-1];       // the block-RAM side of the read
    wire [RT_W-1:0]  tag_b = dt_q[S_DLY*RT_W-1 -: RT_W];
    wire             reads_pending = (dv_q != {S_DLY{1'b0}});
{%- else %}
    wire             iss_b = iss;
    wire [RT_W-1:0]  tag_b = tag_k;
    wire             reads_pending = 1'b0;
{%- endif %}
    wire [D_AW-1:0]  k_b = tag_b[RT_W-1 -: D_AW];
    wire [CG_AW-1:0] scg_b = tag_b[CG_AW-1:0];
    reg              n_v_q;                       // memory words of k_b arrive now
    always @(posedge clk_i) begin
        n_v_q <= sweep && iss_b && !rst_i;
    end
{%- else %}
    reg              n_v_q;                       // memory words of k_q arrive now
    always @(posedge clk_i) begin
        n_v_q <= sweep && k_run_q && !rst_i;
    end
{%- endif %}
    wire [LANES-1:0]       o_valid;
    wire [LANES*ST_W-1:0]  o_state;
    wire                   o_v = o_valid[0];
    // The write-back side replays the sweep's counters: the neuron pipeline neither
    // stalls nor reorders, so its n-th output of the sweep is the n-th word read, and
    // counting outputs gives the same {k, channel group{% if conv %}, position{% endif %}} that the read
    // side had, without carrying them down the neuron's stages.
    reg  [D_AW-1:0]        ok_q;
    reg  [CG_AW-1:0]       ocg_q;
{%- if conv %}
    reg  [SP_W-1:0]        osp_q;
{%- endif %}
    always @(posedge clk_i) begin
        if (rst_i || !sweep) begin
            ok_q <= {D_AW{1'b0}};
            ocg_q <= CG_ZERO;
{%- if conv %}
            osp_q <= {SP_W{1'b0}};
{%- endif %}
        end else if (o_v) begin
            ok_q <= ok_q + 1'b1;
{%- if conv %}
            if (osp_q == SP_LAST) begin
                osp_q <= {SP_W{1'b0}};
                ocg_q <= ocg_q + 1'b1;
            end else begin
                osp_q <= osp_q + 1'b1;
            end
{%- else %}
            ocg_q <= ocg_q + 1'b1;
{%- endif %}
        end
    end
{%- if conv %}
    wire [LANES*TAG_W-1:0] o_tag = {LANES{ok_q, ocg_q, osp_q}};
{%- else %}
    wire [LANES*TAG_W-1:0] o_tag = {LANES{ok_q, ocg_q}};
{%- endif %}
    wire [LANES-1:0]       n_tag_unused;          // the neuron carries no tag here
    wire unused_n_tag = ^n_tag_unused;
    wire [D_AW-1:0]        o_k = ok_q;
{%- if readout_like %}
    wire [LANES*B-1:0]     o_s;
{%- else %}
    wire [LANES-1:0]       o_spike;
    wire [LANES*B-1:0]     o_payload;
{%- endif %}
    generate
        for (gl = 0; gl < LANES; gl = gl + 1) begin : g_lane
            wire [ST_W-1:0] st = s_rdata[gl*ST_W +: ST_W];
{%- if readout_like %}
            asnn_readout_neuron #(
                .B(B), .A_W(A_W), .R([[ shift ]]), .FIRST([[ first_int ]]),
                .D_BETA([[ d_beta ]]), .C_PHI([[ c_phi ]]), .D_PHI([[ d_phi ]]), .SHIFT([[ logic_mul ]]),
                .PRE(A_PRE), .TAG_W(1)
            ) u_neuron (
                .clk_i(clk_i), .valid_i(n_v_q), .tag_i(1'b0),
                .a_i(a_rdata[gl*A_W +: A_W]),
                .i_i(st[B-1:0]), .sd_i(st[2*B-1:B]),
                .bias_i({%- if maxpool %}{B{1'b0}}{%- else %}b_rdata[gl*B +: B]{%- endif %}),
                .valid_o(o_valid[gl]), .tag_o(n_tag_unused[gl]),
                .i_o(o_state[gl*ST_W +: B]), .sd_o(o_state[gl*ST_W+B +: B]),
                .s_o(o_s[gl*B +: B])
            );
{%- else %}
            asnn_neuron #(
                .B(B), .A_W(A_W), .R([[ shift ]]), .FIRST([[ first_int ]]),
                .D_BETA([[ d_beta ]]), .C_PHI([[ c_phi ]]), .D_PHI([[ d_phi ]]),
                .D_ETA([[ d_eta ]]), .D_GAMMA([[ d_gamma ]]), .M([[ m ]]),
                .THETA0([[ theta0 ]]), .SHIFT([[ logic_mul ]]), .PRE(A_PRE), .TAG_W(1)
            ) u_neuron (
                .clk_i(clk_i), .valid_i(n_v_q), .tag_i(1'b0),
                .a_i(a_rdata[gl*A_W +: A_W]),
                .i_i(st[B-1:0]), .sd_i(st[2*B-1:B]), .sh_i(st[3*B-1:2*B]), .td_i(st[4*B-1:3*B]),
                .bias_i(b_rdata[gl*B +: B]),
                .valid_o(o_valid[gl]), .tag_o(n_tag_unused[gl]),
                .i_o(o_state[gl*ST_W +: B]), .sd_o(o_state[gl*ST_W+B +: B]),
                .sh_o(o_state[gl*ST_W+2*B +: B]), .td_o(o_state[gl*ST_W+3*B +: B]),
                .spike_o(o_spike[gl]), .payload_o(o_payload[gl*B +: B])
            );
{%- endif %}
        end
    endgenerate
    // Reads in flight: the last write-back comes LAT clocks after the last read.
    localparam integer LAT = [[ sweep_lat ]];
    reg [LAT-1:0] drain_q;
    always @(posedge clk_i) begin
        if (rst_i || !sweep) drain_q <= {LAT{1'b0}};
{%- if sw.gated %}
        else drain_q <= {drain_q[LAT-2:0], iss_b};
{%- else %}
        else drain_q <= {drain_q[LAT-2:0], k_run_q};
{%- endif %}
    end
{%- if maxpool %}
    wire pass1_done = sweep && !k_run_q && (drain_q == {LAT{1'b0}}) && !p2_started_q;
    wire unused_pass1_s = ^{o_s, o_valid, o_tag};   // pass 1 emits no spikes

    // ---------------------------------------------------------------- max pool (pass 2)
    // For each pooled unit: read the Sd of its PK x PK window of conv outputs (one word a
    // clock, all lanes), keep the running max (numerics.md section 5, step 3), then run
    // steps 4-9 on the pooled neuron's {Td, Sh}.
    localparam integer DN = [[ dn ]], DN_AW = [[ dn_aw ]], PSP_W = [[ psp_bits ]], KW_W = [[ kw_bits ]];
    localparam [WA-1:0] MP_K_L = [[ mp_k_lit ]], MP_S_L = [[ mp_s_lit ]], MP_CW_L = [[ mp_cw_lit ]], MP_CHW_L = [[ mp_chw_lit ]];
    localparam [KW_W-1:0] MP_KLAST = [[ mp_klast ]];
    localparam [PSP_W-1:0] MP_PW_LAST = [[ mp_pw_last ]], MP_PH_LAST = [[ mp_ph_last ]];
    localparam [DN_AW-1:0] DN_LAST = [[ dn_last ]];
    localparam integer ST2_W = 2 * B;                 // {Td, Sh} of a pooled neuron
    reg                   p2_run_q, p2_started_q;
    reg  [CG_AW-1:0]      pcg_q;
    reg  [PSP_W-1:0]      ppy_q, ppx_q, psp_q;
    reg  [KW_W-1:0]       dy_q, dx_q;
    reg  [DN_AW-1:0]      pn_q;
    wire                  win_last = (dy_q == MP_KLAST) && (dx_q == MP_KLAST);
    wire [WA-1:0]         row = {{(WA-PSP_W){1'b0}}, ppy_q} * MP_S_L + {{(WA-KW_W){1'b0}}, dy_q};
    wire [WA-1:0]         col = {{(WA-PSP_W){1'b0}}, ppx_q} * MP_S_L + {{(WA-KW_W){1'b0}}, dx_q};
    wire [WA-1:0]         win_addr = {{(WA-CG_AW){1'b0}}, pcg_q} * MP_CHW_L + row * MP_CW_L + col;
    wire unused_win = ^{win_addr[WA-1:D_AW], MP_K_L};
    always @(posedge clk_i) begin
        if (rst_i || !sweep) begin
            p2_run_q <= 1'b0;
            p2_started_q <= 1'b0;
            pcg_q <= CG_ZERO;
            ppy_q <= {PSP_W{1'b0}};
            ppx_q <= {PSP_W{1'b0}};
            psp_q <= {PSP_W{1'b0}};
            dy_q <= {KW_W{1'b0}};
            dx_q <= {KW_W{1'b0}};
            pn_q <= {DN_AW{1'b0}};
        end else if (pass1_done) begin
            p2_run_q <= 1'b1;
            p2_started_q <= 1'b1;
        end else if (p2_run_q) begin
            if (dx_q == MP_KLAST) begin
                dx_q <= {KW_W{1'b0}};
                dy_q <= (dy_q == MP_KLAST) ? {KW_W{1'b0}} : dy_q + 1'b1;
            end else begin
                dx_q <= dx_q + 1'b1;
            end
            if (win_last) begin
                pn_q <= pn_q + 1'b1;
                if (ppx_q == MP_PW_LAST) begin
                    ppx_q <= {PSP_W{1'b0}};
                    if (ppy_q == MP_PH_LAST) begin
                        ppy_q <= {PSP_W{1'b0}};
                        psp_q <= {PSP_W{1'b0}};
                        pcg_q <= pcg_q + 1'b1;
                    end else begin
                        ppy_q <= ppy_q + 1'b1;
                        psp_q <= psp_q + 1'b1;
                    end
                end else begin
                    ppx_q <= ppx_q + 1'b1;
                    psp_q <= psp_q + 1'b1;
                end
                if (pn_q == DN_LAST) p2_run_q <= 1'b0;
            end
        end
    end
    // Pooled neuron state: read with the window's last word.
    reg                   n2_we;
    reg  [DN_AW-1:0]      n2_waddr;
    reg  [LANES*ST2_W-1:0] n2_wdata;
    wire [LANES*ST2_W-1:0] n2_rdata;
    asnn_ram #(.WIDTH(LANES*ST2_W), .DEPTH(DN), .ADDR_W(DN_AW), .LOGIC([[ n_logic ]]), .INIT_FILE("")) u_nstate (
        .clk_i(clk_i), .we_i(n2_we), .waddr_i(n2_waddr), .wdata_i(n2_wdata),
        .raddr_i(pn_q), .rdata_o(n2_rdata)
    );
    // The window's words arrive one clock after their read.
    localparam integer TAG2_W = DN_AW + CG_AW + PSP_W;
    reg                   r_v_q, r_first_q, r_last_q;
    reg  [TAG2_W-1:0]     r_tag_q;
    always @(posedge clk_i) begin
        r_v_q <= p2_run_q && !rst_i && sweep;
        r_first_q <= (dy_q == {KW_W{1'b0}}) && (dx_q == {KW_W{1'b0}});
        r_last_q <= win_last;
        r_tag_q <= {pn_q, pcg_q, psp_q};
    end
    wire [LANES-1:0]        o2_valid;
    wire [LANES*TAG2_W-1:0] o2_tag;
    wire [LANES*ST2_W-1:0]  o2_state;
    wire [LANES-1:0]        o_spike;
    wire [LANES*B-1:0]      o_payload;
    wire [LANES*B-1:0]      unused_i2, unused_sd2;
    generate
        for (gl = 0; gl < LANES; gl = gl + 1) begin : g_pool
            wire signed [B-1:0] sdw = s_rdata[gl*ST_W+B +: B];
            reg  signed [B-1:0] mx_q;
            wire signed [B-1:0] mx = (r_first_q || sdw > mx_q) ? sdw : mx_q;
            always @(posedge clk_i) if (r_v_q) mx_q <= mx;
            wire [ST2_W-1:0] st2 = n2_rdata[gl*ST2_W +: ST2_W];
            asnn_neuron #(
                .B(B), .A_W(A_W), .R([[ shift ]]), .FIRST([[ first_int ]]),
                .D_BETA([[ d_beta ]]), .C_PHI([[ c_phi ]]), .D_PHI([[ d_phi ]]),
                .D_ETA([[ d_eta ]]), .D_GAMMA([[ d_gamma ]]), .M([[ m ]]),
                .THETA0([[ theta0 ]]), .POOLED(1), .SHIFT([[ logic_mul ]]), .TAG_W(TAG2_W)
            ) u_pooled (
                .clk_i(clk_i), .valid_i(r_v_q && r_last_q), .tag_i(r_tag_q),
                .a_i({A_W{1'b0}}),
                .i_i({B{1'b0}}), .sd_i(mx), .sh_i(st2[B-1:0]), .td_i(st2[2*B-1:B]),
                .bias_i(b_rdata[gl*B +: B]),
                .valid_o(o2_valid[gl]), .tag_o(o2_tag[gl*TAG2_W +: TAG2_W]),
                .i_o(unused_i2[gl*B +: B]), .sd_o(unused_sd2[gl*B +: B]),
                .sh_o(o2_state[gl*ST2_W +: B]), .td_o(o2_state[gl*ST2_W+B +: B]),
                .spike_o(o_spike[gl]), .payload_o(o_payload[gl*B +: B])
            );
        end
    endgenerate
    wire unused_pool = ^{unused_i2, unused_sd2, o2_tag, o2_valid};
    wire o2_v = o2_valid[0];
    wire [DN_AW-1:0] o2_k = o2_tag[TAG2_W-1 -: DN_AW];
    // Window reads in flight: one clock to the data, three neuron stages.
    localparam integer LAT2 = [[ neuron_lat ]] + 1;    // window data clock + the neuron's stages
    reg [LAT2-1:0] drain2_q;
    always @(posedge clk_i) begin
        if (rst_i || !sweep) drain2_q <= {LAT2{1'b0}};
        else drain2_q <= {drain2_q[LAT2-2:0], p2_run_q};
    end
    wire sweep_done = sweep && p2_started_q && !p2_run_q && (drain2_q == {LAT2{1'b0}});
    always @(*) begin
        n2_we = 1'b0;
        n2_waddr = o2_k;
        n2_wdata = o2_state;
        if (clearing) begin
            n2_we = (clr_q <= {{(D_AW-DN_AW){1'b0}}, DN_LAST});
            n2_waddr = clr_q[DN_AW-1:0];
            n2_wdata = {(LANES*ST2_W){1'b0}};
        end else if (sweep) begin
            n2_we = o2_v;
        end
    end
{%- else if sw.spram %}
    wire sweep_done = sweep && !k_run_q && !reads_pending && (drain_q == {LAT{1'b0}}) && !s_busy;
{%- else if sw.gated %}
    wire sweep_done = sweep && !k_run_q && !reads_pending && (drain_q == {LAT{1'b0}});
{%- else %}
    wire sweep_done = sweep && !k_run_q && (drain_q == {LAT{1'b0}});
{%- endif %}

    // ---------------------------------------------------------------- memory ports
{%- if maxpool %}
    assign b_raddr = p2_run_q ? pcg_q : scg_q;
{%- else if sw.gated %}
    assign b_raddr = scg_b;
{%- else %}
    assign b_raddr = scg_q;
{%- endif %}
{%- if sw.spram %}
    // The state: read at the issue, written back as the neuron gives it, cleared with A.
    wire s_clr = (phase_q == PH_IDLE) && go_i && (cmd_i == 2'd0);
    wire s_overrun;
    asnn_spram_state #(.WIDTH(LANES*ST_W), .DEPTH(DEPTH), .ADDR_W(D_AW), .COLS([[ sw.cols ]])) u_state (
        .clk_i(clk_i), .rst_i(rst_i), .clr_i(s_clr), .busy_o(s_busy),
        .rd_i(sweep && iss), .rd_addr_i(k_q), .rd_data_o(s_rdata),
        .wr_i(sweep && o_v), .wr_addr_i(o_k), .wr_data_i(o_state), .overrun_o(s_overrun)
    );
    wire unused_overrun = s_overrun;              // never set: reads are 2 x words clocks apart
{%- endif %}
    always @(*) begin
{%- if os && sw.gated %}
        a_raddr = k_b;
{%- else if os %}
        a_raddr = k_q;
{%- else if sw.gated %}
        a_raddr = sweep ? k_b : walk_a;
{%- else %}
        a_raddr = sweep ? k_q : walk_a;
{%- endif %}
{%- if maxpool %}
        s_raddr = p2_run_q ? win_addr[D_AW-1:0] : a_raddr;
{%- else if !sw.spram %}
        s_raddr = a_raddr;
{%- endif %}
{%- if os %}
        a_wr = os_a_we;
        a_waddr = os_a_waddr;
{%- else %}
        a_wr = 1'b0;
        a_waddr = o_k;
{%- endif %}
{%- if !sw.spram %}
        s_we = 1'b0;
        s_waddr = o_k;
        s_wdata = o_state;
{%- endif %}
        if (clearing) begin
            a_wr = 1'b1;
            a_waddr = clr_q;
{%- if !sw.spram %}
            s_we = 1'b1;
            s_waddr = clr_q;
            s_wdata = {(LANES*ST_W){1'b0}};
{%- endif %}
        end else if (sweep) begin
{%- if !sw.spram %}
            s_we = o_v;
{%- endif %}
{%- if !first %}
            a_wr = o_v;                           // A is consumed: zero it for the next step
{%- endif %}
        end
    end
{%- if first_events %}
    wire syn_done = syn && !walk_busy && !acc_busy && !h_pend_q && eos_q;
    assign phase_done = (clear_done && !clr_h_run_q) || syn_done || sweep_done;
{%- else if os %}
    wire syn_done = syn && eos_q && !os_busy;
    assign phase_done = clear_done || syn_done || sweep_done;
{%- else if first %}
    wire syn_done = syn && !walk_busy && !acc_busy && eos_q;
    assign phase_done = clear_done || syn_done || sweep_done;
{%- else if syn_overlap %}
    // The synaptic phase runs with the previous layer's sweep: it ends once that layer
    // can send no more (up_busy_i) and every spike it sent is walked.
    wire syn_done = syn && !walk_busy && !acc_busy && !in_valid_i && !up_busy_i;
    assign phase_done = clear_done || syn_done || sweep_done;
{%- else %}
    wire syn_done = syn && !walk_busy && !acc_busy && !in_valid_i;
    assign phase_done = clear_done || syn_done || sweep_done;
{%- endif %}
{%- if readout %}

    // ---------------------------------------------------------------- scores
    reg [[ scores_decl ]] scores_q;
    assign scores_o = scores_q;
    genvar gc;
    generate
        for (gc = 0; gc < [[ neurons ]]; gc = gc + 1) begin : g_score
            localparam integer GKI = gc / LANES;
            localparam [D_AW-1:0] GK = GKI[D_AW-1:0];
            always @(posedge clk_i) begin
                if (clearing) scores_q[gc*B +: B] <= {B{1'b0}};
                else if (o_v && o_k == GK) scores_q[gc*B +: B] <= o_s[(gc % LANES)*B +: B];
            end
        end
    endgenerate
    wire unused_tag = ^{o_tag, o_valid, o_s};   // lanes past the last class are idle
{%- else %}

    // ---------------------------------------------------------------- AER output
    // One FIFO per lane (each of a lane's neurons spikes at most once per step), merged
    // by a round-robin arbiter. Address: [[ out_addr_doc ]].
    localparam integer EV_W = OUT_AW + B;
    localparam [WA-1:0] LANES_L = [[ lanes_lit ]], NCH_L = [[ channels_lit ]];   // this core's channels
    localparam [WA-1:0] CHOFF_L = [[ choff_lit ]];   // this core's first channel
{%- if conv %}
    localparam [WA-1:0] OHW_L = [[ ohw_lit ]];
{%- endif %}
{%- if maxpool %}
    // Spikes come from the pooled neurons (pass 2).
    localparam integer E_TAG_W = TAG2_W, E_K_W = DN_AW, E_SP_W = PSP_W;
    wire [LANES-1:0]        e_valid = o2_valid;
    wire [LANES*E_TAG_W-1:0] e_tag = o2_tag;
{%- else %}
    localparam integer E_TAG_W = TAG_W, E_K_W = D_AW;
{%- if conv %}
    localparam integer E_SP_W = SP_W;
{%- endif %}
    wire [LANES-1:0]        e_valid = o_valid;
    wire [LANES*E_TAG_W-1:0] e_tag = o_tag;
{%- endif %}
    wire [LANES-1:0]      f_valid, f_ready;
    wire [LANES*EV_W-1:0] f_data;
{%- if sw.credit %}
    wire [LANES-1:0]      f_push;
{%- endif %}
    generate
        for (gl = 0; gl < LANES; gl = gl + 1) begin : g_out
            localparam [WA-1:0] GL = gl[WA-1:0];
            wire [E_TAG_W-1:0] tg = e_tag[gl*E_TAG_W +: E_TAG_W];
            wire [WA-1:0]    o_cg = {{(WA-CG_AW){1'b0}}, tg[E_TAG_W-E_K_W-1 -: CG_AW]};
            wire [WA-1:0]    chan_here = o_cg * LANES_L + GL;      // channel within this core
            wire [WA-1:0]    chan = chan_here + CHOFF_L;            // channel within the layer
{%- if conv %}
            wire [WA-1:0]    o_sp = {{(WA-E_SP_W){1'b0}}, tg[E_SP_W-1:0]};
            wire [WA-1:0]    flat = chan * OHW_L + o_sp;
{%- else %}
            wire [WA-1:0]    flat = chan;
{%- endif %}
            wire             lane_ok = (chan_here < NCH_L);
            wire             push = e_valid[gl] && o_spike[gl] && lane_ok;
{%- if sw.credit %}
            assign f_push[gl] = push;
{%- endif %}
            wire [EV_W-1:0]  ev = {flat[OUT_AW-1:0], o_payload[gl*B +: B]};
            assign dbg_valid_o[gl] = push;
            assign dbg_addr_o[gl*24 +: 24] = {{(24-OUT_AW){1'b0}}, flat[OUT_AW-1:0]};
            assign dbg_payload_o[gl*32 +: 32] = {{(33-B){o_payload[gl*B+B-1]}}, o_payload[gl*B +: B-1]};
            wire unused_lane = ^{flat[WA-1:OUT_AW], tg[E_TAG_W-1 -: E_K_W]};
            wire unused_full;
            asnn_fifo #(.WIDTH(EV_W), .DEPTH(F_DEPTH), .ADDR_W(F_AW), .BRAM([[ f_bram ]])) u_fifo (
                .clk_i(clk_i), .rst_i(rst_i || clearing),
                .in_valid_i(push), .in_ready_o(unused_full), .in_data_i(ev),
                .out_valid_o(f_valid[gl]), .out_ready_i(f_ready[gl]), .out_data_o(f_data[gl*EV_W +: EV_W])
            );
        end
    endgenerate
{%- if lanes > 1 %}
    wire [EV_W-1:0] m_data;
    wire [[ sel_decl ]] unused_sel;
    asnn_rr_arbiter #(.N(LANES), .WIDTH(EV_W), .SEL_W([[ sel_bits ]])) u_arb (
        .clk_i(clk_i), .rst_i(rst_i || clearing),
        .in_valid_i(f_valid), .in_ready_o(f_ready), .in_data_i(f_data),
        .out_valid_o(out_valid_o), .out_ready_i(out_ready_i), .out_data_o(m_data), .out_sel_o(unused_sel)
    );
{%- else %}
    wire [EV_W-1:0] m_data = f_data;
    assign out_valid_o = f_valid[0];
    assign f_ready[0] = out_ready_i;
{%- endif %}
{%- if sw.credit %}
    // Credits (one lane): events pushed and not yet taken by the next layer, which
    // walks them during this sweep. The sweep issues a word while fewer than
    // CREDIT_LIMIT are queued, so the words in flight (at most F_DEPTH - CREDIT_LIMIT)
    // always find room.
    localparam [F_AW:0] CREDIT_LIMIT = [[ sw.credit_limit_lit ]];
    localparam [F_AW:0] CNT_ONE = 1;
    reg  [F_AW:0] cnt_q;
    wire          f_pop = out_valid_o && out_ready_i;
    always @(posedge clk_i) begin
        if (rst_i || clearing) cnt_q <= {(F_AW+1){1'b0}};
        else if (f_push[0] && !f_pop) cnt_q <= cnt_q + CNT_ONE;
        else if (!f_push[0] && f_pop) cnt_q <= cnt_q - CNT_ONE;
    end
    assign credit_ok = (cnt_q < CREDIT_LIMIT);
{%- endif %}
    assign out_addr_o = m_data[EV_W-1 -: OUT_AW];
    assign out_payload_o = m_data[B-1:0];
{%- endif %}
endmodule

