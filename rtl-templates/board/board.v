// [[ header ]]
// Board top of '[[ core ]]' for [[ board_desc ]]: clock ([[ clock_doc ]]), reset,
// UART host link ([[ baud ]] baud 8N1, [[ cpb ]] clocks per bit; framing in
// docs/host-link.md), [[ loader_doc ]], LEDs showing the predicted class.
// `ASNN_SIM bypasses the PLL (simulation drives the core clock on the clock pin).
`default_nettype none

module [[ module ]] (
    input  wire                  clk_pin_i,
{%- if has_reset %}
    input  wire                  rst_n_pin_i,
{%- endif %}
    input  wire                  uart_rx_i,
    output wire                  uart_tx_o,
{%- if loader %}
    output wire                  flash_sck_o,
    output wire                  flash_cs_n_o,
    output wire                  flash_mosi_o,
    input  wire                  flash_miso_i,
{%- endif %}
{%- if led_ok %}
    output wire                  led_ok_o,
{%- endif %}
{%- if led_err %}
    output wire                  led_err_o,
{%- endif %}
    output wire [[ leds_decl ]] leds_o
);
    localparam integer CPB      = [[ cpb ]];              // clocks per UART bit
    localparam integer IN_AW    = [[ in_aw ]];
    localparam integer X_W      = [[ x_w ]];
    localparam integer N_CLS    = [[ n_cls ]];
    localparam integer CLS_W    = [[ cls_w ]];
    localparam integer B_RO     = [[ ro_bits ]];
    localparam integer D_LEN    = [[ d_len ]];            // done record bytes
    localparam integer I_LEN    = [[ w.info_len ]];                     // info record bytes
    localparam [15:0]  IN_LAST  = 16'd[[ in_last ]];      // highest input address
    localparam [31:0]  DESIGN_ID = 32'h[[ design_id ]];

    // ---------------------------------------------------------------- clock, reset
    wire clk;
    wire pll_locked;
`ifdef ASNN_SIM
    assign clk = clk_pin_i;
    assign pll_locked = 1'b1;
`else
{%- if pll == "ice40-pad" %}
    // [[ pll_doc ]]
    SB_PLL40_PAD #(
        .FEEDBACK_PATH("SIMPLE"),
        .DIVR(4'd[[ divr ]]), .DIVF(7'd[[ divf ]]), .DIVQ(3'd[[ divq ]]), .FILTER_RANGE(3'd[[ filter ]])
    ) u_pll (
        .PACKAGEPIN(clk_pin_i), .PLLOUTGLOBAL(clk), .RESETB(1'b1), .BYPASS(1'b0), .LOCK(pll_locked)
    );
{%- else if pll == "ice40-core" %}
    // [[ pll_doc ]]
    SB_PLL40_CORE #(
        .FEEDBACK_PATH("SIMPLE"),
        .DIVR(4'd[[ divr ]]), .DIVF(7'd[[ divf ]]), .DIVQ(3'd[[ divq ]]), .FILTER_RANGE(3'd[[ filter ]])
    ) u_pll (
        .REFERENCECLK(clk_pin_i), .PLLOUTGLOBAL(clk), .RESETB(1'b1), .BYPASS(1'b0), .LOCK(pll_locked)
    );
{%- else if pll == "ecp5" %}
    // [[ pll_doc ]]
    wire pll_clkop;
    (* FREQUENCY_PIN_CLKI = "[[ fin_mhz ]]" *)
    (* FREQUENCY_PIN_CLKOP = "[[ fout_mhz ]]" *)
    (* ICP_CURRENT = "12" *) (* LPF_RESISTOR = "8" *) (* MFG_ENABLE_FILTEROPAMP = "1" *) (* MFG_GMCREF_SEL = "2" *)
    EHXPLLL #(
        .PLLRST_ENA("DISABLED"), .INTFB_WAKE("DISABLED"), .STDBY_ENABLE("DISABLED"),
        .DPHASE_SOURCE("DISABLED"), .OUTDIVIDER_MUXA("DIVA"), .OUTDIVIDER_MUXB("DIVB"),
        .OUTDIVIDER_MUXC("DIVC"), .OUTDIVIDER_MUXD("DIVD"),
        .CLKI_DIV([[ clki_div ]]), .CLKOP_ENABLE("ENABLED"), .CLKOP_DIV([[ clkop_div ]]),
        .CLKOP_CPHASE([[ clkop_cphase ]]), .CLKOP_FPHASE(0), .FEEDBK_PATH("CLKOP"),
        .CLKFB_DIV([[ clkfb_div ]])
    ) u_pll (
        .RST(1'b0), .STDBY(1'b0), .CLKI(clk_pin_i), .CLKOP(pll_clkop), .CLKFB(pll_clkop),
        .CLKINTFB(), .PHASESEL0(1'b0), .PHASESEL1(1'b0), .PHASEDIR(1'b1), .PHASESTEP(1'b1),
        .PHASELOADREG(1'b1), .PLLWAKESYNC(1'b0), .ENCLKOP(1'b0), .LOCK(pll_locked)
    );
    assign clk = pll_clkop;
{%- else %}
    assign clk = clk_pin_i;                     // the core runs at the oscillator clock
    assign pll_locked = 1'b1;
{%- endif %}
`endif
    // Power-on reset: flip-flops start at 0 on iCE40 and ECP5; held until the PLL locks
    // (and while the reset button is pressed).
    reg [3:0] por_q = 4'd0;
    reg [1:0] btn_q = 2'b00;
{%- if has_reset %}
    wire      btn_n = rst_n_pin_i;
{%- else %}
    wire      btn_n = 1'b1;
{%- endif %}
    always @(posedge clk) begin
        btn_q <= {btn_q[0], btn_n};
        if (!pll_locked || !btn_q[1]) por_q <= 4'd0;
        else if (!por_q[3]) por_q <= por_q + 4'd1;
    end
    wire rst = !por_q[3];

    // ---------------------------------------------------------------- the core
    reg                   start_q;
    wire                  core_busy, core_done;
    wire                  core_in_valid, core_in_ready;
    reg  [15:0]           ev_addr_q, ev_val_q;
    reg                   ev_eos_q;
    wire                  core_out_valid;
    wire [[ out_aw_decl ]] core_out_addr;
    wire [[ out_pay_decl ]] core_out_payload;
    wire                  core_step_valid;
    wire [15:0]           core_step;
    wire [[ scores_decl ]] core_scores;
    wire [[ cls_decl ]] core_pred;
    wire [15:0]           core_exit_step;
    wire                  core_early;
    wire [31:0]           core_cycles;
    wire [[ dbg_valid_decl ]] core_dbg_valid;
    wire [[ dbg_addr_decl ]] core_dbg_addr;
    wire [[ dbg_pay_decl ]] core_dbg_payload;
{%- for s in segs %}
    wire                  load[[ s.layer ]]_we;
    wire [[ s.aw_decl ]] load[[ s.layer ]]_addr;
    wire [[ s.word_decl ]] load[[ s.layer ]]_data;
{%- endfor %}
    [[ core ]] u_core (
        .clk_i(clk), .rst_i(rst), .start_i(start_q), .busy_o(core_busy), .done_o(core_done),
        .in_valid_i(core_in_valid), .in_ready_o(core_in_ready), .in_addr_i(ev_addr_q[IN_AW-1:0]),
        .in_value_i(ev_val_q[X_W-1:0]), .in_eos_i(ev_eos_q),
        .out_valid_o(core_out_valid), .out_addr_o(core_out_addr), .out_payload_o(core_out_payload),
        .step_valid_o(core_step_valid), .step_o(core_step), .scores_o(core_scores), .pred_o(core_pred),
        .exit_step_o(core_exit_step), .early_o(core_early), .cycles_o(core_cycles),
        .dbg_valid_o(core_dbg_valid), .dbg_addr_o(core_dbg_addr), .dbg_payload_o(core_dbg_payload)
{%- for s in segs %},
        .load[[ s.layer ]]_we_i(load[[ s.layer ]]_we), .load[[ s.layer ]]_addr_i(load[[ s.layer ]]_addr), .load[[ s.layer ]]_data_i(load[[ s.layer ]]_data)
{%- endfor %}
    );
    // Observed by the board testbench only (spikes and per-step readout).
    wire unused_core = ^{core_out_valid, core_out_addr, core_out_payload, core_step_valid, core_step,
                         core_dbg_valid, core_dbg_addr, core_dbg_payload, ev_addr_q, ev_val_q};

    // ---------------------------------------------------------------- weight loader
    // 0 loading, 1 ready, 2 bad image header (magic or design id), 3 bad checksum.
    reg  [1:0]            status_q;
{%- if loader %}
    // Flash image (docs/host-link.md): "ASNW", the design id (LE), every SPRAM layer's
    // weight words in layer order (LE, whole bytes), the 16-bit sum of those bytes (LE).
    localparam [63:0] HDR = {DESIGN_ID, 32'h[[ w.flash_magic ]]};
    localparam integer WORD_MAX = [[ word_max ]];
    localparam integer WA_MAX = [[ wa_max ]];
    wire                  fb_valid;
    wire [7:0]            fb_data;
    reg                   fb_ready;
    reg  [1:0]            l_q;
    localparam [1:0] L_HDR = 2'd0, L_DATA = 2'd1, L_SUM = 2'd2, L_DONE = 2'd3;
    reg  [2:0]            hdr_i_q;
    reg  [[ seg_decl ]] seg_q;
    reg  [7:0]            wb_q;                 // byte within the word
    localparam integer WBYTES = (WORD_MAX + 7) / 8;
    localparam [WBYTES-1:0] WSEL0 = 1;
    reg  [WBYTES-1:0]     wsel_q;               // the same, one-hot: byte k's write enable
    reg  [WA_MAX-1:0]     wa_q;                 // word address
    reg  [WORD_MAX-1:0]   word_q;
    reg                   wr_q;
    reg  [15:0]           sum_q, got_q;
    reg                   sum_i_q;
    reg  [7:0]            bytes_last;
    reg  [WA_MAX-1:0]     depth_last;
    always @(*) begin
        case (seg_q)
{%- for s in segs %}
            [[ s.k_lit ]]: begin bytes_last = 8'd[[ s.bytes_last ]]; depth_last = [[ s.depth_last_lit ]]; end
{%- endfor %}
            default: begin bytes_last = 8'd0; depth_last = {WA_MAX{1'b0}}; end
        endcase
    end
    asnn_spi_flash_reader #(.OFFSET(24'h[[ flash_offset ]]), .WAKE_CLKS([[ wake_clks ]])) u_flash (
        .clk_i(clk), .rst_i(rst), .stop_i(l_q == L_DONE), .valid_o(fb_valid), .ready_i(fb_ready),
        .data_o(fb_data), .sck_o(flash_sck_o), .cs_n_o(flash_cs_n_o), .mosi_o(flash_mosi_o), .miso_i(flash_miso_i)
    );
    always @(*) fb_ready = fb_valid && !wr_q && (l_q != L_DONE);
    integer wk;
    always @(posedge clk) begin
        wr_q <= 1'b0;
        if (rst) begin
            l_q <= L_HDR;
            status_q <= 2'd0;
            hdr_i_q <= 3'd0;
            seg_q <= [[ seg_zero ]];
            wb_q <= 8'd0;
            wsel_q <= WSEL0;
            wa_q <= {WA_MAX{1'b0}};
            word_q <= {WORD_MAX{1'b0}};
            sum_q <= 16'd0;
            got_q <= 16'd0;
            sum_i_q <= 1'b0;
        end else if (wr_q) begin
            // The word went to its layer's load port this clock: next address or layer.
            if (wa_q == depth_last) begin
                wa_q <= {WA_MAX{1'b0}};
                if (seg_q == [[ seg_last ]]) l_q <= L_SUM;
                else seg_q <= seg_q + 1'b1;
            end else begin
                wa_q <= wa_q + 1'b1;
            end
        end else if (fb_ready) begin
            case (l_q)
                L_HDR: begin
                    if (fb_data != HDR[hdr_i_q*8 +: 8]) begin
                        status_q <= 2'd2;
                        l_q <= L_DONE;
                    end else if (hdr_i_q == 3'd7) begin
                        l_q <= L_DATA;
                    end
                    hdr_i_q <= hdr_i_q + 3'd1;
                end
                L_DATA: begin
                    for (wk = 0; wk < WBYTES; wk = wk + 1)
                        if (wsel_q[wk]) word_q[wk*8 +: 8] <= fb_data;
                    sum_q <= sum_q + {8'd0, fb_data};
                    if (wb_q == bytes_last) begin
                        wb_q <= 8'd0;
                        wsel_q <= WSEL0;
                        wr_q <= 1'b1;
                    end else begin
                        wb_q <= wb_q + 8'd1;
                        wsel_q <= wsel_q << 1;
                    end
                end
                L_SUM: begin
                    if (!sum_i_q) begin
                        got_q[7:0] <= fb_data;
                        sum_i_q <= 1'b1;
                    end else begin
                        status_q <= ({fb_data, got_q[7:0]} == sum_q) ? 2'd1 : 2'd3;
                        l_q <= L_DONE;
                    end
                end
                default: ;
            endcase
        end
    end
{%- for s in segs %}
    assign load[[ s.layer ]]_we = wr_q && (seg_q == [[ s.k_lit ]]);
    assign load[[ s.layer ]]_addr = wa_q[[ s.aw_slice ]];
    assign load[[ s.layer ]]_data = word_q[[ s.word_slice ]];
{%- endfor %}
{%- else %}
    always @(posedge clk) status_q <= rst ? 2'd0 : 2'd1;   // no memory to load
{%- endif %}
    wire ready = (status_q == 2'd1);

    // ---------------------------------------------------------------- host link: receive
    wire       rx_v, rx_ferr;
    wire [7:0] rx_d;
    asnn_uart_rx #(.CLKS_PER_BIT(CPB)) u_rx (
        .clk_i(clk), .rst_i(rst), .rx_i(uart_rx_i), .valid_o(rx_v), .data_o(rx_d), .frame_err_o(rx_ferr)
    );
    wire       q_v, q_room;
    wire [7:0] q_d;
    reg        q_take;
    asnn_fifo #(.WIDTH(8), .DEPTH(16), .ADDR_W(4)) u_rxq (
        .clk_i(clk), .rst_i(rst), .in_valid_i(rx_v), .in_ready_o(q_room), .in_data_i(rx_d),
        .out_valid_o(q_v), .out_ready_i(q_take), .out_data_o(q_d)
    );
    // Parser: 'S' start, 'E' addr16 value16 event, 'T' end of step, '?' info.
    localparam [2:0] P_CMD = 3'd0, P_A0 = 3'd1, P_A1 = 3'd2, P_V0 = 3'd3, P_V1 = 3'd4, P_SEND = 3'd5;
    reg  [2:0] p_q;
    reg  [3:0] flags_q;                         // [1] overrun, [2] framing, [3] protocol
    reg        info_pulse_q;
    // An event out of range, registered as its last byte arrives (so the range compare
    // never shares a clock with the core's handshake).
    reg        ev_bad_q;
    wire       ev_bad = ev_bad_q;
    assign core_in_valid = (p_q == P_SEND) && core_busy && !ev_bad;
    always @(*) q_take = q_v && (p_q != P_SEND);
    always @(posedge clk) begin
        start_q <= 1'b0;
        info_pulse_q <= 1'b0;
        if (rst) begin
            p_q <= P_CMD;
            flags_q <= 4'd0;
            ev_addr_q <= 16'd0;
            ev_val_q <= 16'd0;
            ev_eos_q <= 1'b0;
            ev_bad_q <= 1'b0;
        end else begin
            if (rx_v && !q_room) flags_q[1] <= 1'b1;
            if (rx_ferr) flags_q[2] <= 1'b1;
            case (p_q)
                P_CMD: if (q_v) begin
                    case (q_d)
                        [[ w.cmd_start ]]: begin                                    // 'S'
                            if (core_busy || start_q || !ready) flags_q[3] <= 1'b1;
                            else begin
                                start_q <= 1'b1;
                                flags_q <= 4'd0;
                            end
                        end
                        [[ w.cmd_event ]]: p_q <= P_A0;                             // 'E'
                        [[ w.cmd_end_step ]]: begin                                    // 'T'
                            ev_eos_q <= 1'b1;
                            ev_bad_q <= 1'b0;
                            p_q <= P_SEND;
                        end
                        [[ w.cmd_info ]]: info_pulse_q <= 1'b1;                    // '?'
                        default: flags_q[3] <= 1'b1;
                    endcase
                end
                P_A0: if (q_v) begin ev_addr_q[7:0] <= q_d; p_q <= P_A1; end
                P_A1: if (q_v) begin ev_addr_q[15:8] <= q_d; p_q <= P_V0; end
                P_V0: if (q_v) begin ev_val_q[7:0] <= q_d; p_q <= P_V1; end
                P_V1: if (q_v) begin
                    ev_val_q[15:8] <= q_d;
                    ev_eos_q <= 1'b0;
                    ev_bad_q <= ev_addr_q > IN_LAST || ({q_d, ev_val_q[7:0]} >> X_W) != 16'd0;
                    p_q <= P_SEND;
                end
                P_SEND: begin
                    if (ev_bad) begin
                        flags_q[3] <= 1'b1;                             // out of range: dropped
                        p_q <= P_CMD;
                    end else if (!core_busy || core_in_ready) begin
                        p_q <= P_CMD;                                   // taken, or no sample running
                    end
                end
                default: p_q <= P_CMD;
            endcase
        end
    end

    // ---------------------------------------------------------------- host link: send
    reg  [15:0]           d_exit_q;
    reg                   d_early_q;
    reg  [[ cls_decl ]]   d_pred_q;
    reg  [31:0]           d_cyc_q;
    reg  [[ scores_decl ]] d_scores_q;
    reg                   done_pend_q, info_pend_q;
    reg                   tx_busy_q, tx_info_q;
    reg  [7:0]            tx_idx_q;
    wire                  tx_ready;
    wire [8*D_LEN-1:0]    d_rec = {[[ scores_bytes ]], d_cyc_q, [[ pred_byte ]], 4'd0, flags_q[3:1], d_early_q, d_exit_q, [[ w.rec_done ]]};
    wire [8*I_LEN-1:0]    i_rec = {[[ w.version ]], 8'd[[ score_bytes ]], 8'd[[ n_cls ]], 16'd[[ n_in ]], 6'd0, status_q, DESIGN_ID, [[ w.rec_info ]]};
    reg  [7:0]            tx_byte;
    always @(*) begin
        tx_byte = 8'd0;
        if (tx_info_q) begin
            if (tx_idx_q < I_LEN) tx_byte = i_rec[tx_idx_q*8 +: 8];
        end else begin
            if (tx_idx_q < D_LEN) tx_byte = d_rec[tx_idx_q*8 +: 8];
        end
    end
    // The byte is registered before the transmitter takes it (the record multiplexer and
    // its index compare get a clock of their own); tx_fresh_q says it is the byte at
    // tx_idx_q, i.e. the index did not move in the clock before.
    reg  [7:0]            tx_byte_q;
    reg                   tx_fresh_q;
    wire                  tx_start = !tx_busy_q && ((done_pend_q && !core_done) || (info_pend_q && !info_pulse_q));
    wire                  tx_take = tx_busy_q && tx_fresh_q && tx_ready;
    always @(posedge clk) begin
        tx_byte_q <= tx_byte;
        tx_fresh_q <= !rst && !tx_start && !tx_take;
    end
    asnn_uart_tx #(.CLKS_PER_BIT(CPB)) u_tx (
        .clk_i(clk), .rst_i(rst), .valid_i(tx_busy_q && tx_fresh_q), .ready_o(tx_ready), .data_i(tx_byte_q), .tx_o(uart_tx_o)
    );
    always @(posedge clk) begin
        if (rst) begin
            d_exit_q <= 16'd0;
            d_early_q <= 1'b0;
            d_pred_q <= [[ cls_zero ]];
            d_cyc_q <= 32'd0;
            d_scores_q <= {(N_CLS*B_RO){1'b0}};
            done_pend_q <= 1'b0;
            info_pend_q <= 1'b0;
            tx_busy_q <= 1'b0;
            tx_info_q <= 1'b0;
            tx_idx_q <= 8'd0;
        end else begin
            if (core_done) begin
                d_exit_q <= core_exit_step;
                d_early_q <= core_early;
                d_pred_q <= core_pred;
                d_cyc_q <= core_cycles;
                d_scores_q <= core_scores;
                done_pend_q <= 1'b1;
            end
            if (info_pulse_q) info_pend_q <= 1'b1;
            if (!tx_busy_q) begin
                if (done_pend_q && !core_done) begin
                    tx_busy_q <= 1'b1;
                    tx_info_q <= 1'b0;
                    tx_idx_q <= 8'd0;
                    done_pend_q <= 1'b0;
                end else if (info_pend_q && !info_pulse_q) begin
                    tx_busy_q <= 1'b1;
                    tx_info_q <= 1'b1;
                    tx_idx_q <= 8'd0;
                    info_pend_q <= 1'b0;
                end
            end else if (tx_take) begin
                if (tx_idx_q == (tx_info_q ? I_LEN - 1 : D_LEN - 1)) tx_busy_q <= 1'b0;
                else tx_idx_q <= tx_idx_q + 8'd1;
            end
        end
    end

    // ---------------------------------------------------------------- LEDs
    wire [[ leds_decl ]] leds = [[ leds_expr ]];
    assign leds_o = [[ leds_out ]];
{%- if led_ok %}
    assign led_ok_o = [[ led_ok_expr ]];
{%- endif %}
{%- if led_err %}
    assign led_err_o = [[ led_err_expr ]];
{%- endif %}
endmodule
