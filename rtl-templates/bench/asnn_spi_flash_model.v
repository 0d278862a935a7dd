// asnn simulation model (not synthesised): a SPI NOR flash answering Release from Deep
// Power-Down (0xAB) and Read Data (0x03), mode 0. It starts asleep, as the FPGA's
// configuration may leave it, and ignores reads until woken. Contents: a $readmemh
// byte image (+flash=FILE) placed at BASE; other addresses read 0xFF.
`timescale 1ns/1ps
`default_nettype none

module asnn_spi_flash_model #(
    parameter integer BASE = 32'h100000,
    parameter integer SIZE = 65536          // bytes of image held
) (
    input  wire sck_i,
    input  wire cs_n_i,
    input  wire mosi_i,
    output reg  miso_o
);
    reg [7:0]  mem [0:SIZE-1];
    reg [1023:0] file;
    integer i;
    initial begin
        for (i = 0; i < SIZE; i = i + 1) mem[i] = 8'hFF;
        if ($value$plusargs("flash=%s", file)) $readmemh(file, mem);
        miso_o = 1'b1;
    end
    reg        awake = 1'b0;
    reg [31:0] cmd_q = 32'd0;
    integer    nbits = 0;
    reg [31:0] addr = 32'd0;
    reg [7:0]  out_q = 8'hFF;
    integer    obit = 0;
    always @(posedge cs_n_i) begin
        if (nbits == 8 && cmd_q[7:0] == 8'hAB) awake = 1'b1;
        nbits = 0;
        miso_o = 1'b1;
    end
    always @(posedge sck_i) begin
        if (!cs_n_i && nbits < 32) begin
            cmd_q = {cmd_q[30:0], mosi_i};
            nbits = nbits + 1;
            if (nbits == 32 && awake && cmd_q[31:24] == 8'h03) begin
                addr = {8'd0, cmd_q[23:0]};
                obit = 0;
            end
        end
    end
    always @(negedge sck_i) begin
        if (!cs_n_i && nbits == 32 && awake && cmd_q[31:24] == 8'h03) begin
            if (obit == 0) begin
                if (addr >= BASE && addr < BASE + SIZE) out_q = mem[addr - BASE];
                else out_q = 8'hFF;
            end
            miso_o = out_q[7 - obit];
            obit = obit + 1;
            if (obit == 8) begin
                obit = 0;
                addr = addr + 1;
            end
        end
    end
endmodule
