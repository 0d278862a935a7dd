// asnn core library: one lane of the neuron update pipeline (docs/numerics.md section 5,
// steps 1-2 and 4-9; average pooling is already folded into the synaptic input).
// Fully pipelined: one neuron per clock, 8 stages (plan.rs NEURON_LATENCY), no stall.
// State is read from and
// written back to memory by the layer; this module only computes.
`default_nettype none

module asnn_neuron #(
    parameter integer B       = 24,      // state width (numerics.md section 6)
    parameter integer A_W     = 40,      // synaptic accumulator width (section 4)
    parameter integer R       = 0,       // rescale shift R = Fw + F_in - F (section 4)
    parameter integer FIRST   = 0,       // 1: first layer, I = cur (step 1)
    parameter [31:0] D_BETA  = 32'd0,       // round(exp(-1/tau_beta) * 2^16)
    parameter [31:0] C_PHI   = 32'd0,       // 2^16 - D_PHI (implied by D_PHI, kept for the record)
    parameter [31:0] D_PHI   = 32'd0,       // round(exp(-1/tau_phi) * 2^16)
    parameter [31:0] D_ETA   = 32'd0,       // round(exp(-1/tau_eta) * 2^16)
    parameter [31:0] D_GAMMA = 32'd0,       // round(exp(-1/tau_gamma) * 2^16)
    parameter [31:0] M       = 32'd1,       // round(m_f * 2^16)
    parameter [31:0] THETA0  = 32'd1,       // round(theta0 * 2^F)
    parameter integer POOLED  = 0,       // 1: sd_i is the max-pooled Sd (step 3); skip steps 1-2
    parameter integer SHIFT   = 0,       // 1: constant multiplies in logic (asnn_const_mul; section 11)
    parameter integer PRE     = 0,       // 1: a_i holds A + 2^(R-1) (asnn_rescale.v)
    parameter integer TAG_W   = 1        // side data carried alongside (address, lane valid)
) (
    input  wire                  clk_i,
    input  wire                  valid_i,
    input  wire [TAG_W-1:0]      tag_i,
    input  wire signed [A_W-1:0] a_i,     // this step's exact synaptic sum A
    input  wire signed [B-1:0]   i_i,     // I
    input  wire signed [B-1:0]   sd_i,    // Sd
    input  wire signed [B-1:0]   sh_i,    // Sh
    input  wire signed [B-1:0]   td_i,    // Td (theta = sat(THETA0 + Td), from the previous step)
    input  wire signed [B-1:0]   bias_i,
    output reg                   valid_o,
    output reg  [TAG_W-1:0]      tag_o,
    output reg  signed [B-1:0]   i_o,
    output reg  signed [B-1:0]   sd_o,
    output reg  signed [B-1:0]   sh_o,
    output reg  signed [B-1:0]   td_o,
    output reg                   spike_o,
    output reg  signed [B-1:0]   payload_o // theta before adaptation (graded payload)
);
    // P_W (products: a B-bit state times a constant below 2^19, plus sign and rounding
    // room; at least 33 bits so that the 32-bit integer parameters extend without
    // truncation), HALF, SMAX, SMIN, OFF and ext, sat, sat_add, rnd16.
`include "asnn_fixed.vh"
    localparam signed [P_W-1:0] THETA0_W = {{(P_W-32){1'b0}}, THETA0};
    // Constant multiplies are written x * (D - 2^15) + x * 2^15: for the decays and m_f
    // (D < 2^16) the multiplier constant is then a 16-bit signed value and a 16-bit state
    // maps to one SB_MAC16 / MULT18X18D. Exact for any D (OFF = 2^15).
    localparam signed [P_W-1:0] D_BETA_W = {{(P_W-32){1'b0}}, D_BETA} - OFF;
    localparam signed [P_W-1:0] D_PHI_W  = {{(P_W-32){1'b0}}, D_PHI} - OFF;
    localparam signed [P_W-1:0] D_ETA_W  = {{(P_W-32){1'b0}}, D_ETA} - OFF;
    localparam signed [P_W-1:0] D_GAM_W  = {{(P_W-32){1'b0}}, D_GAMMA} - OFF;
    localparam signed [P_W-1:0] M_W      = {{(P_W-32){1'b0}}, M} - OFF;
    // C_PHI = 2^16 - D_PHI by construction (numerics.md section 2), so
    // I * C_PHI + Sd * D_PHI = I * 2^16 + (Sd - I) * D_PHI: one multiply, not two.
    wire unused_c_phi = ^C_PHI;

    // SHIFT = 1 (arithmetic = "shift", numerics.md section 11): each constant multiply is
    // a shift-add network of the constant's signed digits (asnn_const_mul, instanced at
    // the end) giving the whole product x * D, so no 2^15 share is split off. Exact for
    // any constant; the shift arithmetic's make it two adders each and use no DSP.
    wire signed [P_W-1:0] pb_s, pe_s, pm_s, pphi_s, pg_s;

    // cur = sat_B(rescale(A, R)) (numerics.md section 4; asnn_rescale.v).
    wire signed [B-1:0] cur;
    asnn_rescale #(.A_W(A_W), .B(B), .R(R), .PRE(PRE)) u_rescale (.a_i(a_i), .cur_o(cur));

    // Products x * (D - 2^15) are registered straight after the multiply so that yosys
    // packs the register into the DSP (SB_MAC16 output register): a multiply never
    // shares a clock with the adders around it. Eight stages, one neuron per clock.

    // The x * 2^15 share added back to a DSP product x * (D - 2^15); none in logic.
    function automatic signed [P_W-1:0] back15(input signed [B-1:0] x);
        begin
            back15 = (SHIFT != 0) ? {P_W{1'b0}} : (ext(x) <<< 15);
        end
    endfunction

    // Stage A: cur (step 1's input), the I and Sh decay products, theta (step 9).
    reg                 va_q;
    reg [TAG_W-1:0]     taga_q;
    reg signed [B-1:0]  cura_q, ia_q, sda_q, sha_q, tda_q, tha_q, biasa_q;
    reg signed [P_W-1:0] pba_q, pea_q;
    always @(posedge clk_i) begin
        va_q    <= valid_i;
        taga_q  <= tag_i;
        cura_q  <= cur;
        ia_q    <= i_i;
        sda_q   <= sd_i;
        sha_q   <= sh_i;
        tda_q   <= td_i;
        tha_q   <= sat_add(THETA0_W[B-1:0], td_i);     // theta0 < 2^(B-1) (numerics.md section 2)
        biasa_q <= bias_i;
        pba_q   <= (SHIFT != 0) ? $signed({pb_s[P_W-1:15], 15'd0}) : ext(i_i) * D_BETA_W;
        pea_q   <= (SHIFT != 0) ? $signed({pe_s[P_W-1:15], 15'd0}) : ext(sh_i) * D_ETA_W;
    end

    // Stage B: I (step 1), Sh decay (step 5), the adaptation product theta * M.
    wire signed [P_W-1:0] i_dec  = rnd16(pba_q + back15(ia_q));
    wire signed [P_W-1:0] sh_dec = rnd16(pea_q + back15(sha_q));
    reg signed [B-1:0]  ib_d;
    always @(*) begin
        ib_d = cura_q;
        if (FIRST == 0) ib_d = sat_add(i_dec[B-1:0], cura_q);   // |I decayed| <= |I|
        if (POOLED != 0) ib_d = ia_q;
    end
    reg                 vb_q;
    reg [TAG_W-1:0]     tagb_q;
    reg signed [B-1:0]  ib_q, sdb_q, shb_q, tdb_q, thb_q, biasb_q;
    reg signed [P_W-1:0] pmb_q;
    always @(posedge clk_i) begin
        vb_q    <= va_q;
        tagb_q  <= taga_q;
        ib_q    <= ib_d;
        sdb_q   <= sda_q;
        shb_q   <= sh_dec[B-1:0];
        tdb_q   <= tda_q;
        thb_q   <= tha_q;
        biasb_q <= biasa_q;
        pmb_q   <= (SHIFT != 0) ? $signed({pm_s[P_W-1:15], 15'd0}) : ext(tha_q) * M_W;
    end

    // Stage C: the Sd product (Sd - I) * D_PHI; theta * m_f rounded.
    wire signed [B:0]     dsi_b = {sdb_q[B-1], sdb_q} - {ib_q[B-1], ib_q};
    reg                 vc_q;
    reg [TAG_W-1:0]     tagc_q;
    reg signed [B-1:0]  ic_q, sdc_q, shc_q, tdc_q, thc_q, biasc_q;
    reg signed [B:0]    dsic_q;
    reg signed [P_W-1:0] pphic_q, maddc_q;
    always @(posedge clk_i) begin
        vc_q    <= vb_q;
        tagc_q  <= tagb_q;
        ic_q    <= ib_q;
        sdc_q   <= sdb_q;
        shc_q   <= shb_q;
        tdc_q   <= tdb_q;
        thc_q   <= thb_q;
        biasc_q <= biasb_q;
        // (Sd - I) has B+1 bits: multiply its upper B bits (one DSP) and add the
        // lowest bit's share in logic, 2 (h D) + l D = (Sd - I) D.
        // In logic (SHIFT) the whole (Sd - I) D is one product.
        pphic_q <= (SHIFT != 0) ? $signed({pphi_s[P_W-1:15], 15'd0}) : ext(dsi_b[B:1]) * D_PHI_W;
        dsic_q  <= dsi_b;
        maddc_q <= rnd16(pmb_q + back15(thb_q));
    end

    // Stage D: Sd (step 2).
    wire signed [P_W-1:0] phi_p = (SHIFT != 0) ? pphic_q
                                : (pphic_q <<< 1) + (dsic_q[0] ? D_PHI_W : {P_W{1'b0}})
                                  + ({{(P_W-B-1){dsic_q[B]}}, dsic_q} <<< 15);
    wire signed [P_W-1:0] sd_wide = rnd16((ext(ic_q) <<< 16) + phi_p);
    reg                 vd_q;
    reg [TAG_W-1:0]     tagd_q;
    reg signed [B-1:0]  id_q, sdd_q, shd_q, tdd_q, thd_q, biasd_q;
    reg signed [P_W-1:0] maddd_q;
    always @(posedge clk_i) begin
        vd_q    <= vc_q;
        tagd_q  <= tagc_q;
        id_q    <= ic_q;
        sdd_q   <= (POOLED != 0) ? sdc_q : sd_wide[B-1:0];
        shd_q   <= shc_q;
        tdd_q   <= tdc_q;
        thd_q   <= thc_q;
        biasd_q <= biasc_q;
        maddd_q <= maddc_q;
    end

    // Stage E: S (step 4) and both candidate updates of step 7 (taken or not in E2).
    // theta * m_f is below 2^(B+1) (theta < 2^(B-1), M <= 2^18 / 2^16): B+2 bits.
    wire signed [B+2:0]  madd_n = maddd_q[B+2:0];
    wire signed [B+3:0]  tdp_w = {{4{tdd_q[B-1]}}, tdd_q} + {madd_n[B+2], madd_n};
    // sat_B of a B+4-bit value: in range exactly when its top five bits agree (no wide
    // compare on the adaptation path).
    function automatic signed [B-1:0] sat_n(input signed [B+3:0] x);
        begin
            if (x[B+3:B-1] == {5{x[B+3]}}) sat_n = x[B-1:0];
            else sat_n = x[B+3] ? {1'b1, {(B-1){1'b0}}} : {1'b0, {(B-1){1'b1}}};
        end
    endfunction
    reg                 ve_q;
    reg [TAG_W-1:0]     tage_q;
    reg signed [B-1:0]  ie_q, sde_q, se_q, she_q, shpe_q, tde_q, tdpe_q, the_q;
    always @(posedge clk_i) begin
        ve_q   <= vd_q;
        tage_q <= tagd_q;
        ie_q   <= id_q;
        sde_q  <= sdd_q;
        se_q   <= sat_add(biasd_q, sdd_q);
        she_q  <= shd_q;
        shpe_q <= sat_add(shd_q, thd_q);
        tde_q  <= tdd_q;
        tdpe_q <= sat_n(tdp_w);
        the_q  <= thd_q;
    end

    // Stage E2: compare (step 6), spike and adapt (step 7).
    wire signed [B:0]     diff = {se_q[B-1], se_q} - {she_q[B-1], she_q};
    wire signed [B:0]     half_th = $signed({the_q[B-1], the_q}) >>> 1;
    wire                  spk_e = ve_q && (diff > half_th);
    reg                 vx_q, spkx_q;
    reg [TAG_W-1:0]     tagx_q;
    reg signed [B-1:0]  ix_q, sdx_q, shx_q, tdx_q, thx_q;
    always @(posedge clk_i) begin
        vx_q   <= ve_q;
        tagx_q <= tage_q;
        ix_q   <= ie_q;
        sdx_q  <= sde_q;
        shx_q  <= spk_e ? shpe_q : she_q;
        tdx_q  <= spk_e ? tdpe_q : tde_q;
        thx_q  <= the_q;
        spkx_q <= spk_e;
    end

    // Stage F: the Td decay product (step 8).
    reg                 vf_q, spkf_q;
    reg [TAG_W-1:0]     tagf_q;
    reg signed [B-1:0]  if_q, sdf_q, shf_q, tdf_q, thf_q;
    reg signed [P_W-1:0] pgf_q;
    always @(posedge clk_i) begin
        vf_q   <= vx_q;
        tagf_q <= tagx_q;
        if_q   <= ix_q;
        sdf_q  <= sdx_q;
        shf_q  <= shx_q;
        tdf_q  <= tdx_q;
        thf_q  <= thx_q;
        spkf_q <= spkx_q;
        pgf_q  <= (SHIFT != 0) ? $signed({pg_s[P_W-1:15], 15'd0}) : ext(tdx_q) * D_GAM_W;
    end

    // Stage G: Td decay (step 8); the next theta is derived from Td when next read.
    wire signed [P_W-1:0] td_dec = rnd16(pgf_q + back15(tdf_q));
    always @(posedge clk_i) begin
        valid_o   <= vf_q;
        tag_o     <= tagf_q;
        i_o       <= if_q;
        sd_o      <= sdf_q;
        sh_o      <= shf_q;
        td_o      <= td_dec[B-1:0];
        spike_o   <= spkf_q;
        payload_o <= thf_q;
    end

    generate
        if (SHIFT != 0) begin : g_shift
            asnn_const_mul #(.X_W(B), .P_W(P_W), .K(D_BETA)) u_beta (.x_i(i_i), .p_o(pb_s));
            asnn_const_mul #(.X_W(B), .P_W(P_W), .K(D_ETA)) u_eta (.x_i(sh_i), .p_o(pe_s));
            asnn_const_mul #(.X_W(B), .P_W(P_W), .K(M)) u_m (.x_i(tha_q), .p_o(pm_s));
            asnn_const_mul #(.X_W(B + 1), .P_W(P_W), .K(D_PHI)) u_phi (.x_i(dsi_b), .p_o(pphi_s));
            asnn_const_mul #(.X_W(B), .P_W(P_W), .K(D_GAMMA)) u_gamma (.x_i(tdx_q), .p_o(pg_s));
        end else begin : g_dsp
            assign pb_s   = {P_W{1'b0}};
            assign pe_s   = {P_W{1'b0}};
            assign pm_s   = {P_W{1'b0}};
            assign pphi_s = {P_W{1'b0}};
            assign pg_s   = {P_W{1'b0}};
        end
    endgenerate

    // A product in logic is registered without its low 15 bits: rnd16 (adding 2^15, then
    // >>> 16) reads only bits 15 and up when nothing is added below them.
    wire unused_low = ^{pb_s[14:0], pe_s[14:0], pm_s[14:0], pphi_s[14:0], pg_s[14:0]};

    // High bits of values proved in range by numerics.md section 5 (steps 2, 5, 8).
    wire unused_high = ^{THETA0_W[P_W-1:B], i_dec[P_W-1:B], sh_dec[P_W-1:B], sd_wide[P_W-1:B], td_dec[P_W-1:B], maddd_q[P_W-1:B+3]};
endmodule

