// [[ header ]]
// Top of '[[ name ]]': step controller, [[ n_layers ]] layer(s), readout argmax, early exit.
// Per step the controller runs each layer's synaptic phase then its neuron sweep, in
// [[ order_doc ]] (delay = [[ delay ]], docs/numerics.md section 5); a layer whose
// synaptic phase overlaps (SYN_OVL) runs it during the previous layer's sweep, taking
// the spikes as the sweep emits them.
`default_nettype none

module [[ module ]] (
    input  wire                  clk_i,
    input  wire                  rst_i,
    input  wire                  start_i,      // start a sample (clears all state first)
    output wire                  busy_o,
    output reg                   done_o,       // one clock: the sample is finished
    // AER input ([[ input_doc ]]): addr = input index, value = new raw value;
    // a beat with in_eos_i ends the step's input and carries no event.
    input  wire                  in_valid_i,
    output wire                  in_ready_o,
    input  wire [[ in_aw_decl ]] in_addr_i,
    input  wire [[ x_decl ]] in_value_i,
    input  wire                  in_eos_i,
    // AER output: the last spiking layer's events as the readout consumes them.
    output wire                  out_valid_o,
    output wire [[ out_aw_decl ]] out_addr_o,
    output wire [[ out_pay_decl ]] out_payload_o,
    // After every step: its index, the readout scores and their argmax (ties: lowest).
    output reg                   step_valid_o,
    output reg  [15:0]           step_o,
    output wire [[ scores_decl ]] scores_o,
    output wire [[ cls_decl ]] pred_o,
    // At done: the last step run, whether early exit stopped it, clocks since start.
    output reg  [15:0]           exit_step_o,
    output reg                   early_o,
    output reg  [31:0]           cycles_o,
    // Debug: every hidden spike as its layer's sweep emits it, per lane.
    output wire [[ dbg_valid_decl ]] dbg_valid_o,
    output wire [[ dbg_addr_decl ]] dbg_addr_o,
    output wire [[ dbg_pay_decl ]] dbg_payload_o
{%- for l in layers %}{% if l.load_port %},
    // Weight load port of layer [[ l.index ]] ([[ l.name ]], SPRAM)
    input  wire                  load[[ l.index ]]_we_i,
    input  wire [[ l.w_aw_decl ]] load[[ l.index ]]_addr_i,
    input  wire [[ l.w_word_decl ]] load[[ l.index ]]_data_i
{%- endif %}{% endfor %}
);
    localparam integer L = [[ n_layers ]];
    localparam integer B_RO = [[ ro_bits ]];             // readout state width
    localparam [15:0] T_LAST = 16'd[[ steps_last ]];        // steps - 1
    localparam [15:0] EXIT_W = 16'd[[ early_exit ]];        // early exit after this many stable steps (0: off)
    localparam integer MARGIN_ON = [[ margin_on ]];         // 1: the margin exit rule (numerics.md section 10)
    localparam signed [B_RO:0] EXIT_M = [[ exit_margin ]];  // least margin, readout S units
    localparam [15:0] EXIT_H = 16'd[[ exit_hold ]];         // steps the margin must hold
    localparam integer FRAME_INPUT = [[ frame_int ]];     // 1: input only at step 0

    // ---------------------------------------------------------------- layers
    localparam [L-1:0] SYN_OVL = [[ syn_ovl ]];   // plan.rs syn_overlap, layer 0 in bit 0
    reg  [L-1:0] go_q;
    reg  [2*L-1:0] cmd_q;                              // layer l's command in bits 2l+1:2l
    wire [L-1:0] busy;
{%- for l in layers %}
    // Layer [[ l.index ]]: [[ l.name ]]
{%- if !l.first %}
    wire                  ev[[ l.index ]]_valid;
    wire                  ev[[ l.index ]]_ready;
    wire [[ l.in_aw_decl ]] ev[[ l.index ]]_addr;
    wire [[ l.prev_b_decl ]] ev[[ l.index ]]_payload;
{%- endif %}
{%- endfor %}
{%- for l in layers %}
{%- if l.syn_overlap %}
{%- if l.up_tail > 0 %}
    reg  [[ l.up_decl ]] up[[ l.index ]]_q;                 // the previous layer's busy, the clocks before
    always @(posedge clk_i) up[[ l.index ]]_q <= [[ l.up_next ]];
{%- endif %}
    wire up[[ l.index ]]_busy = [[ l.up_expr ]];
{%- endif %}
    [[ l.module ]] u_l[[ l.index ]] (
        .clk_i(clk_i), .rst_i(rst_i), .go_i(go_q[[ l.go_sel ]]), .cmd_i(cmd_q[[ l.cmd_sel ]]), .busy_o(busy[[ l.go_sel ]]),
{%- if l.syn_overlap %}
        .up_busy_i(up[[ l.index ]]_busy),
{%- endif %}
{%- if l.first %}
        .in_valid_i(in_valid_i), .in_ready_o(in_ready_o), .in_addr_i(in_addr_i),
        .in_payload_i(in_value_i), .in_eos_i(in_eos_i),
{%- else %}
        .in_valid_i(ev[[ l.index ]]_valid), .in_ready_o(ev[[ l.index ]]_ready), .in_addr_i(ev[[ l.index ]]_addr),
{%- if l.has_in_payload %}
        .in_payload_i(ev[[ l.index ]]_payload),
{%- endif %}
{%- endif %}
{%- if l.readout %}
        .scores_o(scores_o)
{%- else %}
        .out_valid_o(ev[[ l.next ]]_valid), .out_ready_i(ev[[ l.next ]]_ready), .out_addr_o(ev[[ l.next ]]_addr),
        .out_payload_o(ev[[ l.next ]]_payload),
        .dbg_valid_o(dbg_valid_o[[ l.dbg_valid_sel ]]), .dbg_addr_o(dbg_addr_o[[ l.dbg_addr_sel ]]),
        .dbg_payload_o(dbg_payload_o[[ l.dbg_pay_sel ]])
{%- endif %}
{%- if l.load_port %},
        .load_we_i(load[[ l.index ]]_we_i), .load_addr_i(load[[ l.index ]]_addr_i), .load_data_i(load[[ l.index ]]_data_i)
{%- endif %}
    );
{%- endfor %}
{%- if binary %}
    wire unused_binary_payloads = ^{[[ binary_payloads ]]};
{%- endif %}
    assign out_valid_o = ev[[ last_ev ]]_valid && ev[[ last_ev ]]_ready;
    assign out_addr_o = ev[[ last_ev ]]_addr;
    assign out_payload_o = ev[[ last_ev ]]_payload;

    // ---------------------------------------------------------------- argmax
    // Sequential, one class per clock after the step's last sweep (C_ARGMAX, N_CLS
    // + 1 clocks): a comparator and a multiplexer instead of N_CLS - 1 chained ones.
    // Ties go to the lowest class (only a strictly greater score replaces the best).
    // The runner-up's score (the best of the others) rides along for the margin rule.
    reg [[ cls_decl ]] best;
    reg signed [B_RO-1:0] best_v;
    reg signed [B_RO-1:0] sec_v;
    reg                   sec_ok_q;                    // sec_v holds a score of this step
    reg [[ cls_decl ]] am_q;                            // class being fetched
    wire signed [B_RO-1:0] am_v = scores_o[am_q*B_RO +: B_RO];
    reg signed [B_RO-1:0] am_v_q;                      // fetched score (a register between
    reg [[ cls_decl ]] am_i_q;                          // the multiplexer and the compare)
    reg                   am_go_q;
    wire                  am_better = (am_i_q == [[ cls_zero ]]) || (am_v_q > best_v);
    // The compare's effect on the runner-up: a new best passes the old one down (class
    // 0 has none); otherwise the score competes for second place (equal to the best
    // included: a tie has margin 0).
    wire                  am_first = (am_i_q == [[ cls_zero ]]);
    wire signed [B_RO-1:0] sec_n = am_better ? best_v : ((!sec_ok_q || am_v_q > sec_v) ? am_v_q : sec_v);
    wire                  sec_ok_n = !am_first;
    // With the margin rule the runner-up's update would follow two compares in one clock
    // (the UP5K's critical path), so each class takes two: a fetch clock, which also
    // applies the previous class's registered compares, and a compare clock (plan.rs
    // argmax_cycles: 2 x classes + 1).
    reg                   am_ph_q;                     // 1: this clock compares
    reg                   am_cmp_q;                    // gtb_q / gts_q hold a class's compares
    reg                   gtb_q, gts_q;
    wire signed [B_RO-1:0] sec_f = gtb_q ? best_v : (gts_q ? am_v_q : sec_v);
    assign pred_o = best;

    // ---------------------------------------------------------------- step controller
    localparam [3:0] C_IDLE = 4'd0, C_WAIT = 4'd1, C_LAYER = 4'd2, C_STEP_END = 4'd3, C_DONE = 4'd4,
                     C_ARGMAX = 4'd5, C_ARGMAX_LAST = 4'd6, C_MARGIN = 4'd7, C_DECIDE = 4'd8;
    localparam [1:0] CMD_CLEAR = 2'd0, CMD_SYN = 2'd1, CMD_SWEEP = 2'd2;
    reg [3:0]  st_q;
    reg [3:0]  after_q;                                // state after C_WAIT
    reg [[ pos_decl ]] pos_q;                            // position in this step's layer order
    wire [[ pos_decl ]] pos_n = pos_q + 1'b1;
    reg        sweep_next_q;                           // the synaptic phase is done: sweep next
    reg [[ cls_decl ]] prev_q;
    reg [15:0] run_q;
    reg [15:0] mrun_q;                                 // steps the margin has held
    reg [15:0] t_q;                                    // the step being run
    wire [[ pos_decl ]] li = [[ li_expr ]];                // layer index at this position
    wire       layer0_syn = (FRAME_INPUT == 0) || (t_q == 16'd0);
    wire        same = (t_q != 16'd0 && best == prev_q);   // the prediction held this step
    wire [15:0] run_d = same ? run_q + 16'd1 : 16'd1;
    // Margin of the finished step: best and runner-up are final in C_MARGIN, which
    // registers the subtract (one clock a step, only with the rule: MARGIN_CYCLES in
    // generator/src/plan.rs); C_DECIDE compares it with the constant.
    wire signed [B_RO:0] margin = $signed({best_v[B_RO-1], best_v}) - $signed({sec_v[B_RO-1], sec_v});
    reg signed [B_RO:0] margin_q;                      // registered in C_MARGIN
    wire        m_ok = (MARGIN_ON != 0) && (margin_q >= EXIT_M);   // a compare with a constant
    wire [15:0] mrun_d = !m_ok ? 16'd0 : (same && mrun_q != 16'd0) ? mrun_q + 16'd1 : 16'd1;
    // exit_now = (run_d >= EXIT_W) or (mrun_d >= EXIT_H), written as compares of the
    // registered counters with constants (x + 1 >= N is x >= N - 1): no adder in the path.
    // A window or hold of 1 is met by any count (a compare with 0 would be constant).
{%- if early_exit == 1 %}
    wire        stable_exit = 1'b1;
    wire        unused_run = ^{run_q, EXIT_W};
{%- else %}
    wire        stable_exit = (EXIT_W != 16'd0) && (same ? (run_q >= EXIT_W - 16'd1) : (EXIT_W <= 16'd1));
{%- endif %}
{%- if exit_hold == 1 %}
    wire        margin_exit = m_ok;
    wire        unused_hold = ^EXIT_H;
{%- else %}
    wire        margin_exit = m_ok && ((same && mrun_q != 16'd0) ? (mrun_q >= EXIT_H - 16'd1) : (EXIT_H <= 16'd1));
{%- endif %}
    wire        exit_now = stable_exit || ((MARGIN_ON != 0) && margin_exit);
    // The exit decision is registered in C_DECIDE and acted on in C_STEP_END, so that the
    // compares and counters above never share a clock with the state change (STEP_OVERHEAD
    // in generator/src/plan.rs counts both clocks).
    reg [15:0]  run_n_q, mrun_n_q;
    reg         exit_n_q, last_n_q;
    assign busy_o = (st_q != C_IDLE);
    always @(posedge clk_i) begin
        go_q <= {L{1'b0}};
        done_o <= 1'b0;
        step_valid_o <= 1'b0;
        if (rst_i) begin
            st_q <= C_IDLE;
            step_o <= 16'd0;
            t_q <= 16'd0;
            cycles_o <= 32'd0;
            exit_step_o <= 16'd0;
            early_o <= 1'b0;
            pos_q <= [[ pos_zero ]];
            sweep_next_q <= 1'b0;
            after_q <= C_IDLE;
            run_q <= 16'd0;
            mrun_q <= 16'd0;
            run_n_q <= 16'd0;
            mrun_n_q <= 16'd0;
            exit_n_q <= 1'b0;
            last_n_q <= 1'b0;
            margin_q <= {(B_RO+1){1'b0}};
            prev_q <= [[ cls_zero ]];
            cmd_q <= {L{CMD_CLEAR}};
            best <= [[ cls_zero ]];
            best_v <= {B_RO{1'b0}};
            sec_v <= {B_RO{1'b0}};
            sec_ok_q <= 1'b0;
            am_q <= [[ cls_zero ]];
            am_v_q <= {B_RO{1'b0}};
            am_i_q <= [[ cls_zero ]];
            am_go_q <= 1'b0;
            am_ph_q <= 1'b0;
            am_cmp_q <= 1'b0;
            gtb_q <= 1'b0;
            gts_q <= 1'b0;
        end else begin
            if (st_q != C_IDLE) cycles_o <= cycles_o + 32'd1;
            case (st_q)
                C_IDLE: if (start_i) begin
                    go_q <= {L{1'b1}};
                    cmd_q <= {L{CMD_CLEAR}};
                    cycles_o <= 32'd0;
                    t_q <= 16'd0;
                    early_o <= 1'b0;
                    pos_q <= [[ pos_zero ]];
                    sweep_next_q <= 1'b0;
                    after_q <= C_LAYER;
                    st_q <= C_WAIT;
                end
                C_WAIT: if (busy == {L{1'b0}} && go_q == {L{1'b0}}) st_q <= after_q;
                C_LAYER: begin
                    if (!sweep_next_q && li == [[ pos_zero ]] && !layer0_syn) begin
                        sweep_next_q <= 1'b1;          // frame input: no input after step 0
                    end else begin
                        go_q[li] <= 1'b1;
                        cmd_q[2*li +: 2] <= sweep_next_q ? CMD_SWEEP : CMD_SYN;
                        st_q <= C_WAIT;
                        if (!sweep_next_q) begin
                            sweep_next_q <= 1'b1;
                            after_q <= C_LAYER;
                        end else begin
                            sweep_next_q <= 1'b0;
                            if (pos_q == [[ pos_last ]]) begin
                                pos_q <= [[ pos_zero ]];
                                after_q <= C_ARGMAX;
                            end else begin
                                pos_q <= pos_n;
                                after_q <= C_LAYER;
                                if (SYN_OVL[pos_n]) begin   // the next layer's synaptic phase with this sweep
                                    go_q[pos_n] <= 1'b1;
                                    cmd_q[2*pos_n +: 2] <= CMD_SYN;
                                    sweep_next_q <= 1'b1;
                                end
                            end
                        end
                    end
                end
                C_ARGMAX: if (MARGIN_ON != 0) begin
                    if (!am_ph_q) begin                  // fetch class am_q, apply the last compares
                        am_v_q <= am_v;
                        am_i_q <= am_q;
                        if (am_cmp_q) begin
                            sec_v <= sec_f;
                            sec_ok_q <= !am_first;
                            if (gtb_q) begin
                                best <= am_i_q;
                                best_v <= am_v_q;
                            end
                        end
                        am_ph_q <= 1'b1;
                    end else begin                       // compare the fetched class
                        gtb_q <= am_better;
                        gts_q <= !sec_ok_q || am_v_q > sec_v;
                        am_cmp_q <= 1'b1;
                        am_ph_q <= 1'b0;
                        if (am_q == [[ cls_last ]]) st_q <= C_ARGMAX_LAST;
                        else am_q <= am_q + 1'b1;
                    end
                end else begin                           // fetch class am_q, compare the last
                    am_v_q <= am_v;
                    am_i_q <= am_q;
                    am_go_q <= 1'b1;
                    if (am_go_q) begin
                        sec_v <= sec_n;
                        sec_ok_q <= sec_ok_n;
                    end
                    if (am_go_q && am_better) begin
                        best <= am_i_q;
                        best_v <= am_v_q;
                    end
                    if (am_q == [[ cls_last ]]) st_q <= C_ARGMAX_LAST;
                    else am_q <= am_q + 1'b1;
                end
                C_ARGMAX_LAST: begin                     // compare (apply) the last class fetched
                    if (MARGIN_ON != 0) begin
                        sec_v <= sec_f;
                        sec_ok_q <= !am_first;
                        if (gtb_q) begin
                            best <= am_i_q;
                            best_v <= am_v_q;
                        end
                        am_cmp_q <= 1'b0;
                    end else begin
                        sec_v <= sec_n;
                        sec_ok_q <= sec_ok_n;
                        if (am_better) begin
                            best <= am_i_q;
                            best_v <= am_v_q;
                        end
                    end
                    am_q <= [[ cls_zero ]];
                    am_go_q <= 1'b0;
                    st_q <= (MARGIN_ON != 0) ? C_MARGIN : C_DECIDE;
                end
                C_MARGIN: begin                          // the margin rule's subtract
                    margin_q <= margin;
                    st_q <= C_DECIDE;
                end
                C_DECIDE: begin                          // register the exit decision
                    run_n_q <= run_d;
                    mrun_n_q <= mrun_d;
                    exit_n_q <= exit_now;
                    last_n_q <= exit_now || t_q == T_LAST;
                    st_q <= C_STEP_END;
                end
                C_STEP_END: begin
                    step_valid_o <= 1'b1;
                    step_o <= t_q;
                    t_q <= t_q + 16'd1;
                    prev_q <= best;
                    run_q <= run_n_q;
                    mrun_q <= mrun_n_q;
                    if (last_n_q) begin
                        early_o <= exit_n_q;
                        exit_step_o <= t_q;
                        st_q <= C_DONE;
                    end else begin
                        st_q <= C_LAYER;
                    end
                end
                C_DONE: begin
                    done_o <= 1'b1;
                    st_q <= C_IDLE;
                end
                default: st_q <= C_IDLE;
            endcase
        end
    end
endmodule

