// asnn core library: one lane of the neuron update pipeline (docs/numerics.md section 5,
// steps 1-2 and 4-9; average pooling is already folded into the synaptic input).
// Fully pipelined: one neuron per clock, 3 stages, no stall. State is read from and
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
    // Products: a B-bit state times a constant below 2^19, plus sign and rounding room;
    // at least 33 bits so that the 32-bit integer parameters extend without truncation.
    localparam integer P_W = (B + 21 > 33) ? B + 21 : 33;
    localparam signed [P_W-1:0] HALF     = {{(P_W-17){1'b0}}, 17'h08000};
    localparam signed [P_W-1:0] SMAX     = {{(P_W-B+1){1'b0}}, {(B-1){1'b1}}};
    localparam signed [P_W-1:0] SMIN     = ~SMAX;
    localparam signed [P_W-1:0] THETA0_W = {{(P_W-32){1'b0}}, THETA0};
    // Constant multiplies are written x * (D - 2^15) + x * 2^15: for the decays and m_f
    // (D < 2^16) the multiplier constant is then a 16-bit signed value and a 16-bit state
    // maps to one SB_MAC16 / MULT18X18D. Exact for any D.
    localparam signed [P_W-1:0] OFF      = {{(P_W-16){1'b0}}, 16'h8000};
    localparam signed [P_W-1:0] D_BETA_W = {{(P_W-32){1'b0}}, D_BETA} - OFF;
    localparam signed [P_W-1:0] D_PHI_W  = {{(P_W-32){1'b0}}, D_PHI} - OFF;
    localparam signed [P_W-1:0] D_ETA_W  = {{(P_W-32){1'b0}}, D_ETA} - OFF;
    localparam signed [P_W-1:0] D_GAM_W  = {{(P_W-32){1'b0}}, D_GAMMA} - OFF;
    localparam signed [P_W-1:0] M_W      = {{(P_W-32){1'b0}}, M} - OFF;
    // C_PHI = 2^16 - D_PHI by construction (numerics.md section 2), so
    // I * C_PHI + Sd * D_PHI = I * 2^16 + (Sd - I) * D_PHI: one multiply, not two.
    wire unused_c_phi = ^C_PHI;

    // Sign-extend a B-bit value to P_W bits.
    function automatic signed [P_W-1:0] ext(input signed [B-1:0] x);
        begin
            ext = {{(P_W-B){x[B-1]}}, x};
        end
    endfunction

    // x * (d_off + 2^15) for a wide x.
    function automatic signed [P_W-1:0] cmul(input signed [P_W-1:0] x, input signed [P_W-1:0] d_off);
        begin
            cmul = x * d_off + (x <<< 15);
        end
    endfunction

    // rshr(x * D, 16) (numerics.md section 1), d_off = D - 2^15.
    function automatic signed [P_W-1:0] decay(input signed [B-1:0] x, input signed [P_W-1:0] d_off);
        begin
            decay = (cmul(ext(x), d_off) + HALF) >>> 16;
        end
    endfunction

    // sat_B of a wide value.
    function automatic signed [B-1:0] sat(input signed [P_W-1:0] x);
        begin
            if (x > SMAX)      sat = SMAX[B-1:0];
            else if (x < SMIN) sat = SMIN[B-1:0];
            else               sat = x[B-1:0];
        end
    endfunction

    // cur = sat_B(rescale(A, R)) (numerics.md section 4).
    // Wide enough for the shifted sum and for a B-bit state (then no clamp can fire).
    localparam integer X_N = (R < 0) ? A_W - R : A_W + 1;
    localparam integer X_W = (X_N > B + 1) ? X_N : B + 1;
    localparam signed [X_W-1:0] XMAX = {{(X_W-B+1){1'b0}}, {(B-1){1'b1}}};
    localparam signed [X_W-1:0] XMIN = ~XMAX;
    wire signed [X_W-1:0] a_ext = {{(X_W-A_W){a_i[A_W-1]}}, a_i};
    wire signed [X_W-1:0] a_scaled;
    generate
        if (R > 0) begin : g_rshr
            localparam signed [X_W-1:0] RHALF = {{(X_W-1){1'b0}}, 1'b1} <<< (R - 1);
            assign a_scaled = (a_ext + RHALF) >>> R;
        end else if (R == 0) begin : g_same
            assign a_scaled = a_ext;
        end else begin : g_lshl
            assign a_scaled = a_ext <<< (-R);
        end
    endgenerate
    wire signed [B-1:0] cur = (a_scaled > XMAX) ? XMAX[B-1:0]
                            : (a_scaled < XMIN) ? XMIN[B-1:0] : a_scaled[B-1:0];

    // Stage 1: I (step 1), Sh decay (step 5), theta of the previous step (step 9).
    wire signed [P_W-1:0] sh_dec = decay(sh_i, D_ETA_W);
    reg                 v1_q;
    reg [TAG_W-1:0]     tag1_q;
    reg signed [B-1:0]  i1_q, sd1_q, sh1_q, td1_q, th1_q, bias1_q;
    reg signed [B-1:0]  i1_d;
    always @(*) begin
        i1_d = cur;
        if (FIRST == 0) i1_d = sat(decay(i_i, D_BETA_W) + ext(cur));
        if (POOLED != 0) i1_d = i_i;
    end
    always @(posedge clk_i) begin
        v1_q    <= valid_i;
        tag1_q  <= tag_i;
        i1_q    <= i1_d;
        sd1_q   <= sd_i;
        sh1_q   <= sh_dec[B-1:0];
        td1_q   <= td_i;
        th1_q   <= sat(THETA0_W + ext(td_i));
        bias1_q <= bias_i;
    end

    // Stage 2: Sd (step 2), S (step 4), compare (step 6), spike and adapt (step 7).
    wire signed [P_W-1:0] sd_wide = ((ext(i1_q) <<< 16) + cmul(ext(sd1_q) - ext(i1_q), D_PHI_W) + HALF) >>> 16;
    wire signed [B-1:0]   sd2_d = (POOLED != 0) ? sd1_q : sd_wide[B-1:0];
    wire signed [B-1:0]   s2_d = sat(ext(bias1_q) + ext(sd2_d));
    wire signed [B:0]     diff = {s2_d[B-1], s2_d} - {sh1_q[B-1], sh1_q};
    wire signed [B:0]     half_th = $signed({th1_q[B-1], th1_q}) >>> 1;
    wire                  spk2_d = v1_q && (diff > half_th);
    reg                 v2_q;
    reg [TAG_W-1:0]     tag2_q;
    reg signed [B-1:0]  i2_q, sd2_q, sh2_q, td2_q, th2_q;
    reg                 spk2_q;
    reg signed [B-1:0]  sh2_d, td2_d;
    always @(*) begin
        sh2_d = sh1_q;
        td2_d = td1_q;
        if (spk2_d) begin
            sh2_d = sat(ext(sh1_q) + ext(th1_q));
            td2_d = sat(ext(td1_q) + decay(th1_q, M_W));
        end
    end
    always @(posedge clk_i) begin
        v2_q   <= v1_q;
        tag2_q <= tag1_q;
        i2_q   <= i1_q;
        sd2_q  <= sd2_d;
        sh2_q  <= sh2_d;
        td2_q  <= td2_d;
        th2_q  <= th1_q;
        spk2_q <= spk2_d;
    end

    // Stage 3: Td decay (step 8); the next theta is derived from Td when next read.
    wire signed [P_W-1:0] td_dec = decay(td2_q, D_GAM_W);
    always @(posedge clk_i) begin
        valid_o   <= v2_q;
        tag_o     <= tag2_q;
        i_o       <= i2_q;
        sd_o      <= sd2_q;
        sh_o      <= sh2_q;
        td_o      <= td_dec[B-1:0];
        spike_o   <= spk2_q;
        payload_o <= th2_q;
    end

    // High bits of values proved in range by numerics.md section 5 (steps 2, 5, 8).
    wire unused_high = ^{sh_dec[P_W-1:B], sd_wide[P_W-1:B], td_dec[P_W-1:B], a_scaled[0]};
endmodule

