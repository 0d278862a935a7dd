// [[ header ]]
// Testbench for [[ module ]], accepted by Verilator (--binary) and Icarus (-g2012).
// Reads stimulus lines "kind addr value" from +stim=FILE (0: start a sample, 1: input
// event, 2: end of step, 3: wait for the sample to finish) and writes one line per
// hidden spike ("spike step layer neuron payload"), per step
// ("step t pred cycles_so_far scores...") and per sample ("done last_step early cycles")
// to +out=FILE.
`timescale 1ns/1ps
`default_nettype none

module tb;
    reg clk = 1'b0;
    reg rst = 1'b1;
    always #5 clk = ~clk;

    reg                 start = 1'b0;
    wire                busy, done;
    reg                 in_valid = 1'b0;
    wire                in_ready;
    reg  [[ in_aw_decl ]] in_addr = '0;
    reg  [[ x_decl ]] in_value = '0;
    reg                 in_eos = 1'b0;
    wire                out_valid;
    wire [[ out_aw_decl ]] out_addr;
    wire [[ out_pay_decl ]] out_payload;
    wire                step_valid;
    wire [15:0]         step;
    wire [[ scores_decl ]] scores;
    wire [[ cls_decl ]] pred;
    wire [15:0]         exit_step;
    wire                early;
    wire [31:0]         cycles;
    wire [[ dbg_valid_decl ]] dbg_valid;
    wire [[ dbg_addr_decl ]] dbg_addr;
    wire [[ dbg_pay_decl ]] dbg_payload;
{%- for l in layers %}{% if l.load_port %}
    reg                 load[[ l.index ]]_we = 1'b0;
    reg  [[ l.w_aw_decl ]] load[[ l.index ]]_addr = '0;
    reg  [[ l.w_word_decl ]] load[[ l.index ]]_data = '0;
    reg  [[ l.w_word_decl ]] wimg[[ l.index ]] [0:[[ l.w_depth ]]-1];
{%- endif %}{% endfor %}

    [[ module ]] dut (
        .clk_i(clk), .rst_i(rst), .start_i(start), .busy_o(busy), .done_o(done),
        .in_valid_i(in_valid), .in_ready_o(in_ready), .in_addr_i(in_addr),
        .in_value_i(in_value), .in_eos_i(in_eos),
        .out_valid_o(out_valid), .out_addr_o(out_addr), .out_payload_o(out_payload),
        .step_valid_o(step_valid), .step_o(step), .scores_o(scores), .pred_o(pred),
        .exit_step_o(exit_step), .early_o(early), .cycles_o(cycles),
        .dbg_valid_o(dbg_valid), .dbg_addr_o(dbg_addr), .dbg_payload_o(dbg_payload)
{%- for l in layers %}{% if l.load_port %},
        .load[[ l.index ]]_we_i(load[[ l.index ]]_we), .load[[ l.index ]]_addr_i(load[[ l.index ]]_addr), .load[[ l.index ]]_data_i(load[[ l.index ]]_data)
{%- endif %}{% endfor %}
    );

    integer fout;
    integer cur_step = 0;
    integer c;
    // The input handshake happened at the last rising edge.
    reg fired = 1'b0;
    always @(posedge clk) fired <= in_valid && in_ready;

    always @(posedge clk) begin
{%- for s in dbg_lanes %}
        if (dbg_valid[[ s.bit ]]) $fwrite(fout, "[[ w.log_spike ]] %0d [[ s.layer ]] %0d %0d\n", cur_step, dbg_addr[[ s.addr ]], $signed(dbg_payload[[ s.pay ]]));
{%- endfor %}
        if (step_valid) begin
            $fwrite(fout, "[[ w.log_step ]] %0d %0d %0d", step, pred, cycles);
            for (c = 0; c < [[ n_classes ]]; c = c + 1) $fwrite(fout, " %0d", $signed(scores[c*[[ ro_bits ]] +: [[ ro_bits ]]]));
            $fwrite(fout, "\n");
            cur_step = cur_step + 1;
        end
        if (done) $fwrite(fout, "[[ w.log_done ]] %0d %0d %0d\n", exit_step, early, cycles);
        if (out_valid && (^out_addr === 1'bx || ^out_payload === 1'bx)) $fwrite(fout, "[[ w.log_x_event ]]\n");
    end

`ifdef ASNN_VCD
    initial begin
        $dumpfile("wave.vcd");
        $dumpvars(0, tb);
    end
`endif

    integer fd, r, kind, a, v;
    reg at_neg;
    reg [1023:0] stim_name, out_name;
    initial begin
        if (!$value$plusargs("stim=%s", stim_name)) stim_name = "stim.txt";
        if (!$value$plusargs("out=%s", out_name)) out_name = "out.txt";
        fd = $fopen(stim_name, "r");
        fout = $fopen(out_name, "w");
        if (fd == 0 || fout == 0) begin
            $display("tb: cannot open the stimulus or output file");
            $finish;
        end
        repeat (4) @(negedge clk);
        rst = 1'b0;
{%- for l in layers %}{% if l.load_port %}
        // SPRAM weights of layer [[ l.index ]]: the bitstream cannot hold them, the bench
        // writes them through the load port (on a board the flash loader does).
        $readmemh("[[ l.module ]]_w.memh", wimg[[ l.index ]]);
        for (c = 0; c < [[ l.w_depth ]]; c = c + 1) begin
            load[[ l.index ]]_we = 1'b1;
            load[[ l.index ]]_addr = c[[ l.w_aw_slice ]];
            load[[ l.index ]]_data = wimg[[ l.index ]][c];
            @(negedge clk);
        end
        load[[ l.index ]]_we = 1'b0;
{%- endif %}{% endfor %}
        // at_neg: the bench already stands at a falling edge, so a beat can follow the
        // previous one in the very next clock (one beat per clock when the DUT is ready).
        at_neg = 1'b1;
        while (!$feof(fd)) begin
            r = $fscanf(fd, "%d %d %d\n", kind, a, v);
            if (r == 3) begin
                if (kind == [[ w.stim_start ]]) begin
                    if (!at_neg) @(negedge clk);
                    start = 1'b1;
                    cur_step = 0;
                    @(negedge clk);
                    start = 1'b0;
                    at_neg = 1'b1;
                end else if ((kind == [[ w.stim_event ]] || kind == [[ w.stim_end_step ]]) && busy) begin
                    // Beats after an early exit are dropped: nobody takes them.
                    if (!at_neg) @(negedge clk);
                    in_valid = 1'b1;
                    in_addr = a[[ in_slice ]];
                    in_value = v[[ x_slice ]];
                    in_eos = (kind == [[ w.stim_end_step ]]);
                    @(negedge clk);
                    while (!fired && busy) @(negedge clk);
                    in_valid = 1'b0;
                    in_eos = 1'b0;
                    at_neg = 1'b1;
                end else if (kind == [[ w.stim_wait_done ]]) begin
                    if (!at_neg) @(negedge clk);
                    while (busy) @(negedge clk);
                    repeat (2) @(negedge clk);   // let the logger see done
                    at_neg = 1'b1;
                end
            end
        end
        $fclose(fout);
        $finish;
    end
endmodule

