// [[ header ]]
// Board-level testbench of [[ module ]] for Verilator (driven by tb_board.cpp): the
// C++ harness drives only the pins (clock, UART receive line) and plays the host's side
// of the UART through a pseudo-terminal; a SPI-flash model answers the loader. This
// module also observes the core through hierarchical references (never drives it) and
// logs, in the format of the core testbench, every hidden spike, every step's readout
// and every finished sample to +out=FILE.
`timescale 1ns/1ps
`default_nettype none

module tb_board (
    input  wire clk,
    input  wire uart_rx,
    output wire uart_tx,
    output wire busy_o       // observation: the core is running a sample (the harness idles otherwise)
);
    assign busy_o = dut.core_busy;
    wire [[ leds_decl ]] leds;
{%- if loader %}
    wire flash_sck, flash_cs_n, flash_mosi, flash_miso;
    asnn_spi_flash_model #(.BASE(32'h[[ flash_offset ]]), .SIZE([[ image_size ]])) u_flash (
        .sck_i(flash_sck), .cs_n_i(flash_cs_n), .mosi_i(flash_mosi), .miso_o(flash_miso)
    );
{%- endif %}
{%- if led_ok %}
    wire led_ok;
{%- endif %}
{%- if led_err %}
    wire led_err;
{%- endif %}
    [[ module ]] dut (
        .clk_pin_i(clk),
{%- if has_reset %}
        .rst_n_pin_i(1'b1),
{%- endif %}
        .uart_rx_i(uart_rx), .uart_tx_o(uart_tx),
{%- if loader %}
        .flash_sck_o(flash_sck), .flash_cs_n_o(flash_cs_n), .flash_mosi_o(flash_mosi), .flash_miso_i(flash_miso),
{%- endif %}
{%- if led_ok %}
        .led_ok_o(led_ok),
{%- endif %}
{%- if led_err %}
        .led_err_o(led_err),
{%- endif %}
        .leds_o(leds)
    );

    integer fout;
    integer cur_step = 0;
    integer c;
    reg [1023:0] out_name;
    initial begin
        if (!$value$plusargs("out=%s", out_name)) out_name = "out.txt";
        fout = $fopen(out_name, "w");
    end
    always @(posedge clk) begin
        if (dut.start_q) cur_step = 0;
{%- for s in dbg_lanes %}
        if (dut.core_dbg_valid[[ s.bit ]]) $fwrite(fout, "[[ w.log_spike ]] %0d [[ s.layer ]] %0d %0d\n", cur_step, dut.core_dbg_addr[[ s.addr ]], $signed(dut.core_dbg_payload[[ s.pay ]]));
{%- endfor %}
        if (dut.core_step_valid) begin
            $fwrite(fout, "[[ w.log_step ]] %0d %0d %0d", dut.core_step, dut.core_pred, dut.core_cycles);
            for (c = 0; c < [[ n_cls ]]; c = c + 1) $fwrite(fout, " %0d", $signed(dut.core_scores[c*[[ ro_bits ]] +: [[ ro_bits ]]]));
            $fwrite(fout, "\n");
            cur_step = cur_step + 1;
        end
        if (dut.core_done) $fwrite(fout, "[[ w.log_done ]] %0d %0d %0d\n", dut.core_exit_step, dut.core_early, dut.core_cycles);
    end
    final $fclose(fout);
endmodule
