// asnn core library: one lane of the readout pipeline (docs/numerics.md section 5,
// steps 1, 2 and 4; the readout never spikes, its S is the class score).
// Fully pipelined: one unit per clock, 5 stages (plan.rs READOUT_LATENCY); products
// are registered into the DSPs as in asnn_neuron.
`default_nettype none

module asnn_readout_neuron #(
    parameter integer B      = 24,
    parameter integer A_W    = 40,
    parameter integer R      = 0,
    parameter integer FIRST  = 0,
    parameter [31:0]  D_BETA = 32'd0,
    parameter [31:0]  C_PHI  = 32'd0,
    parameter [31:0]  D_PHI  = 32'd0,
    parameter integer SHIFT  = 0,      // 1: constant multiplies in logic, as in asnn_neuron
    parameter integer PRE    = 0,      // 1: a_i holds A + 2^(R-1) (asnn_rescale.v)
    parameter integer TAG_W  = 1
) (
    input  wire                  clk_i,
    input  wire                  valid_i,
    input  wire [TAG_W-1:0]      tag_i,
    input  wire signed [A_W-1:0] a_i,
    input  wire signed [B-1:0]   i_i,
    input  wire signed [B-1:0]   sd_i,
    input  wire signed [B-1:0]   bias_i,
    output reg                   valid_o,
    output reg  [TAG_W-1:0]      tag_o,
    output reg  signed [B-1:0]   i_o,
    output reg  signed [B-1:0]   sd_o,
    output reg  signed [B-1:0]   s_o
);
    // P_W, HALF, SMAX, SMIN, OFF and ext, sat, sat_add, rnd16, as in asnn_neuron.
`include "asnn_fixed.vh"
    // Constant multiplies as in asnn_neuron: x * (D - 2^15) + x * 2^15, and
    // I * C_PHI + Sd * D_PHI = I * 2^16 + (Sd - I) * D_PHI.
    localparam signed [P_W-1:0] D_BETA_W = {{(P_W-32){1'b0}}, D_BETA} - OFF;
    localparam signed [P_W-1:0] D_PHI_W  = {{(P_W-32){1'b0}}, D_PHI} - OFF;
    wire unused_c_phi = ^C_PHI;
    // SHIFT = 1: whole products x * D from asnn_const_mul (instanced at the end).
    wire signed [P_W-1:0] pb_s, pphi_s;

    wire signed [B-1:0] cur;
    asnn_rescale #(.A_W(A_W), .B(B), .R(R), .PRE(PRE)) u_rescale (.a_i(a_i), .cur_o(cur));

    // Stage A: cur, the I decay product (registered into the DSP).
    reg                 va_q;
    reg [TAG_W-1:0]     taga_q;
    reg signed [B-1:0]  cura_q, ia_q, sda_q, biasa_q;
    reg signed [P_W-1:0] pba_q;
    always @(posedge clk_i) begin
        va_q    <= valid_i;
        taga_q  <= tag_i;
        cura_q  <= cur;
        ia_q    <= i_i;
        sda_q   <= sd_i;
        biasa_q <= bias_i;
        pba_q   <= (SHIFT != 0) ? $signed({pb_s[P_W-1:15], 15'd0}) : ext(i_i) * D_BETA_W;   // rnd16 reads bits 15 and up
    end

    // Stage B: I (step 1).
    wire signed [P_W-1:0] i_dec = rnd16(pba_q + ((SHIFT != 0) ? {P_W{1'b0}} : (ext(ia_q) <<< 15)));
    reg                 vb_q;
    reg [TAG_W-1:0]     tagb_q;
    reg signed [B-1:0]  ib_q, sdb_q, biasb_q;
    always @(posedge clk_i) begin
        vb_q    <= va_q;
        tagb_q  <= taga_q;
        ib_q    <= (FIRST != 0) ? cura_q : sat_add(i_dec[B-1:0], cura_q);   // |I decayed| <= |I|
        sdb_q   <= sda_q;
        biasb_q <= biasa_q;
    end

    // Stage C: the Sd product (Sd - I) * D_PHI.
    wire signed [B:0]   dsi_b = {sdb_q[B-1], sdb_q} - {ib_q[B-1], ib_q};
    reg                 vc_q;
    reg [TAG_W-1:0]     tagc_q;
    reg signed [B-1:0]  ic_q, biasc_q;
    reg signed [B:0]    dsic_q;
    reg signed [P_W-1:0] pphic_q;
    always @(posedge clk_i) begin
        vc_q    <= vb_q;
        tagc_q  <= tagb_q;
        ic_q    <= ib_q;
        biasc_q <= biasb_q;
        // (Sd - I) has B+1 bits: multiply its upper B bits (one DSP) and add the
        // lowest bit's share in logic, 2 (h D) + l D = (Sd - I) D.
        pphic_q <= (SHIFT != 0) ? $signed({pphi_s[P_W-1:15], 15'd0}) : ext(dsi_b[B:1]) * D_PHI_W;
        dsic_q  <= dsi_b;
    end

    // Stage D: Sd (step 2).
    wire signed [P_W-1:0] phi_p = (SHIFT != 0) ? pphic_q
                                : (pphic_q <<< 1) + (dsic_q[0] ? D_PHI_W : {P_W{1'b0}})
                                  + ({{(P_W-B-1){dsic_q[B]}}, dsic_q} <<< 15);
    wire signed [P_W-1:0] sd_wide = rnd16((ext(ic_q) <<< 16) + phi_p);
    reg                 vd_q;
    reg [TAG_W-1:0]     tagd_q;
    reg signed [B-1:0]  id_q, sdd_q, biasd_q;
    always @(posedge clk_i) begin
        vd_q    <= vc_q;
        tagd_q  <= tagc_q;
        id_q    <= ic_q;
        sdd_q   <= sd_wide[B-1:0];
        biasd_q <= biasc_q;
    end

    // Stage E: S (step 4).
    always @(posedge clk_i) begin
        valid_o <= vd_q;
        tag_o   <= tagd_q;
        i_o     <= id_q;
        sd_o    <= sdd_q;
        s_o     <= sat_add(biasd_q, sdd_q);
    end

    generate
        if (SHIFT != 0) begin : g_shift
            asnn_const_mul #(.X_W(B), .P_W(P_W), .K(D_BETA)) u_beta (.x_i(i_i), .p_o(pb_s));
            asnn_const_mul #(.X_W(B + 1), .P_W(P_W), .K(D_PHI)) u_phi (.x_i(dsi_b), .p_o(pphi_s));
        end else begin : g_dsp
            assign pb_s   = {P_W{1'b0}};
            assign pphi_s = {P_W{1'b0}};
        end
    endgenerate

    wire unused_high = ^{i_dec[P_W-1:B], sd_wide[P_W-1:B]};
    wire unused_low = ^{pb_s[14:0], pphi_s[14:0]};   // below what rnd16 reads
endmodule

