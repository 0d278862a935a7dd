// asnn core library: reads a SPI NOR flash from OFFSET onwards as a byte stream, for
// loading memories the bitstream cannot initialise (iCE40 SPRAM). After reset it sends
// Release-from-Deep-Power-Down (0xAB: the FPGA's configuration may have left the flash
// asleep), waits WAKE_CLKS, then sends Read Data (0x03) with the 24-bit address and
// clocks in one byte per valid/ready handshake, holding SCK while the consumer waits.
// SPI mode 0, SCK = clock / 2. stop_i ends the read (CS high) for good.
`default_nettype none

module asnn_spi_flash_reader #(
    parameter [23:0] OFFSET = 24'h100000,
    parameter integer WAKE_CLKS = 1024       // > tRES1 (3 us for common parts) at the core clock
) (
    input  wire       clk_i,
    input  wire       rst_i,
    input  wire       stop_i,
    output reg        valid_o,
    input  wire       ready_i,
    output reg  [7:0] data_o,
    output reg        sck_o,
    output reg        cs_n_o,
    output reg        mosi_o,
    input  wire       miso_i
);
    localparam [2:0] S_WAKE = 3'd0, S_WAIT = 3'd1, S_CMD = 3'd2, S_READ = 3'd3, S_HOLD = 3'd4, S_STOP = 3'd5;
    reg [2:0]  st_q;
    reg [31:0] sh_q;                          // bits still to send, MSB first
    reg [5:0]  n_q;                           // bits left in this shift
    reg        ph_q;                          // 0: SCK low half, 1: SCK high half
    reg [15:0] wait_q;
    reg [7:0]  in_q;
    always @(posedge clk_i) begin
        if (rst_i) begin
            st_q <= S_WAKE;
            sh_q <= {8'hAB, 24'd0};
            n_q <= 6'd8;
            ph_q <= 1'b0;
            wait_q <= 16'd0;
            in_q <= 8'd0;
            valid_o <= 1'b0;
            data_o <= 8'd0;
            sck_o <= 1'b0;
            cs_n_o <= 1'b1;
            mosi_o <= 1'b0;
        end else if (stop_i) begin
            st_q <= S_STOP;
            valid_o <= 1'b0;
            sck_o <= 1'b0;
            cs_n_o <= 1'b1;
        end else begin
            case (st_q)
                S_WAKE, S_CMD: begin
                    cs_n_o <= 1'b0;
                    if (!ph_q) begin
                        sck_o <= 1'b0;
                        mosi_o <= sh_q[31];
                        ph_q <= 1'b1;
                    end else begin
                        sck_o <= 1'b1;           // the flash samples MOSI on this edge
                        sh_q <= {sh_q[30:0], 1'b0};
                        ph_q <= 1'b0;
                        n_q <= n_q - 1'b1;
                        if (n_q == 6'd1) begin
                            if (st_q == S_WAKE) begin
                                st_q <= S_WAIT;
                                wait_q <= WAKE_CLKS[15:0];
                            end else begin
                                st_q <= S_READ;
                                n_q <= 6'd8;
                            end
                        end
                    end
                end
                S_WAIT: begin
                    sck_o <= 1'b0;
                    cs_n_o <= 1'b1;
                    if (wait_q != 16'd0) begin
                        wait_q <= wait_q - 1'b1;
                    end else begin
                        st_q <= S_CMD;
                        sh_q <= {8'h03, OFFSET};
                        n_q <= 6'd32;
                    end
                end
                S_READ: begin
                    if (!ph_q) begin
                        sck_o <= 1'b0;           // the flash shifts its next bit out
                        ph_q <= 1'b1;
                    end else begin
                        sck_o <= 1'b1;
                        in_q <= {in_q[6:0], miso_i};
                        ph_q <= 1'b0;
                        n_q <= n_q - 1'b1;
                        if (n_q == 6'd1) begin
                            st_q <= S_HOLD;
                            valid_o <= 1'b1;
                            data_o <= {in_q[6:0], miso_i};
                        end
                    end
                end
                S_HOLD: if (ready_i) begin
                    valid_o <= 1'b0;
                    st_q <= S_READ;
                    n_q <= 6'd8;
                end
                default: begin
                    sck_o <= 1'b0;
                    cs_n_o <= 1'b1;
                end
            endcase
        end
    end
endmodule
