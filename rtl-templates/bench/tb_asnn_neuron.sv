// Bench of asnn_neuron: reads input vectors "a i sd sh td bias" (two's complement hex,
// 64-bit) from +vec=FILE, feeds one per clock, and writes each result
// "i sd sh td spike payload" (hex) to +out=FILE. The Rust test (tests/rtl.rs) draws
// the vectors and checks every result against the golden model's single-neuron step
// (asnn_numerics::golden::neuron_update). Parameters are set with -P / -G.
`timescale 1ns/1ps
`default_nettype none
module tb_asnn_neuron;
    parameter integer B = 24, A_W = 40, R = 0, FIRST = 0, SHIFT = 0, PRE = 0;   // PRE: a is A + 2^(R-1)
    parameter [31:0] D_BETA = 32'd64000, C_PHI = 32'd21000, D_PHI = 32'd44536;
    parameter [31:0] D_ETA = 32'd64000, D_GAMMA = 32'd61000, M = 32'd6554, THETA0 = 32'd1000;
    reg clk = 1'b0;
    always #5 clk = ~clk;
    reg valid = 1'b0;
    reg signed [A_W-1:0] a = '0;
    reg signed [B-1:0] i = '0, sd = '0, sh = '0, td = '0, bias = '0;
    wire v_o, spike;
    wire [0:0] tag_o;
    wire signed [B-1:0] i_o, sd_o, sh_o, td_o, payload;
    asnn_neuron #(.B(B), .A_W(A_W), .R(R), .FIRST(FIRST), .D_BETA(D_BETA), .C_PHI(C_PHI),
        .D_PHI(D_PHI), .D_ETA(D_ETA), .D_GAMMA(D_GAMMA), .M(M), .THETA0(THETA0), .SHIFT(SHIFT), .PRE(PRE), .TAG_W(1)) dut (
        .clk_i(clk), .valid_i(valid), .tag_i(1'b0), .a_i(a), .i_i(i), .sd_i(sd), .sh_i(sh), .td_i(td),
        .bias_i(bias), .valid_o(v_o), .tag_o(tag_o), .i_o(i_o), .sd_o(sd_o), .sh_o(sh_o), .td_o(td_o),
        .spike_o(spike), .payload_o(payload));
    integer fd, fout, r;
    reg [63:0] va, vi, vsd, vsh, vtd, vb;
    reg [1023:0] vec_name, out_name;
    always @(posedge clk) begin
        if (v_o) $fwrite(fout, "%h %h %h %h %0d %h\n", i_o, sd_o, sh_o, td_o, spike, payload);
    end
    initial begin
        if (!$value$plusargs("vec=%s", vec_name)) vec_name = "vec.txt";
        if (!$value$plusargs("out=%s", out_name)) out_name = "out.txt";
        fd = $fopen(vec_name, "r");
        fout = $fopen(out_name, "w");
        while (!$feof(fd)) begin
            r = $fscanf(fd, "%h %h %h %h %h %h\n", va, vi, vsd, vsh, vtd, vb);
            if (r == 6) begin
                @(negedge clk);
                valid = 1'b1;
                a = va[A_W-1:0];
                i = vi[B-1:0];
                sd = vsd[B-1:0];
                sh = vsh[B-1:0];
                td = vtd[B-1:0];
                bias = vb[B-1:0];
            end
        end
        @(negedge clk);
        valid = 1'b0;
        repeat (12) @(negedge clk);
        $fclose(fout);
        $finish;
    end
    wire unused_tag = tag_o[0];
endmodule
