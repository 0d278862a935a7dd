// asnn core library: one lane of the readout pipeline (docs/numerics.md section 5,
// steps 1, 2 and 4; the readout never spikes, its S is the class score).
// Fully pipelined: one unit per clock, 2 stages.
`default_nettype none

module asnn_readout_neuron #(
    parameter integer B      = 24,
    parameter integer A_W    = 40,
    parameter integer R      = 0,
    parameter integer FIRST  = 0,
    parameter [31:0]  D_BETA = 32'd0,
    parameter [31:0]  C_PHI  = 32'd0,
    parameter [31:0]  D_PHI  = 32'd0,
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
    localparam integer P_W = (B + 21 > 33) ? B + 21 : 33;
    localparam signed [P_W-1:0] HALF     = {{(P_W-17){1'b0}}, 17'h08000};
    localparam signed [P_W-1:0] SMAX     = {{(P_W-B+1){1'b0}}, {(B-1){1'b1}}};
    localparam signed [P_W-1:0] SMIN     = ~SMAX;
    // Constant multiplies as in asnn_neuron: x * (D - 2^15) + x * 2^15, and
    // I * C_PHI + Sd * D_PHI = I * 2^16 + (Sd - I) * D_PHI.
    localparam signed [P_W-1:0] OFF      = {{(P_W-16){1'b0}}, 16'h8000};
    localparam signed [P_W-1:0] D_BETA_W = {{(P_W-32){1'b0}}, D_BETA} - OFF;
    localparam signed [P_W-1:0] D_PHI_W  = {{(P_W-32){1'b0}}, D_PHI} - OFF;
    wire unused_c_phi = ^C_PHI;

    function automatic signed [P_W-1:0] cmul(input signed [P_W-1:0] x, input signed [P_W-1:0] d_off);
        begin
            cmul = x * d_off + (x <<< 15);
        end
    endfunction

    function automatic signed [P_W-1:0] ext(input signed [B-1:0] x);
        begin
            ext = {{(P_W-B){x[B-1]}}, x};
        end
    endfunction

    function automatic signed [B-1:0] sat(input signed [P_W-1:0] x);
        begin
            if (x > SMAX)      sat = SMAX[B-1:0];
            else if (x < SMIN) sat = SMIN[B-1:0];
            else               sat = x[B-1:0];
        end
    endfunction

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

    // Stage 1: I (step 1).
    wire signed [P_W-1:0] i_dec = (cmul(ext(i_i), D_BETA_W) + HALF) >>> 16;
    reg                 v1_q;
    reg [TAG_W-1:0]     tag1_q;
    reg signed [B-1:0]  i1_q, sd1_q, bias1_q;
    always @(posedge clk_i) begin
        v1_q    <= valid_i;
        tag1_q  <= tag_i;
        i1_q    <= (FIRST != 0) ? cur : sat(i_dec + ext(cur));
        sd1_q   <= sd_i;
        bias1_q <= bias_i;
    end

    // Stage 2: Sd (step 2), S (step 4).
    wire signed [P_W-1:0] sd_wide = ((ext(i1_q) <<< 16) + cmul(ext(sd1_q) - ext(i1_q), D_PHI_W) + HALF) >>> 16;
    wire signed [B-1:0]   sd2_d = sd_wide[B-1:0];
    always @(posedge clk_i) begin
        valid_o <= v1_q;
        tag_o   <= tag1_q;
        i_o     <= i1_q;
        sd_o    <= sd2_d;
        s_o     <= sat(ext(bias1_q) + ext(sd2_d));
    end

    wire unused_high = ^{sd_wide[P_W-1:B], a_scaled[0]};
endmodule

