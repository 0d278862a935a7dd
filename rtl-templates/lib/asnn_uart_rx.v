// asnn core library: UART receiver, 8N1, LSB first (docs/host-link.md). The line is
// synchronised with two flip-flops, a start bit is confirmed at its middle and every
// bit is sampled at its middle. A byte whose stop bit reads 0 is dropped and counted
// as a framing error.
`default_nettype none

module asnn_uart_rx #(
    parameter integer CLKS_PER_BIT = 24,   // clock / baud, at least 4
    parameter integer CNT_W = 16
) (
    input  wire       clk_i,
    input  wire       rst_i,
    input  wire       rx_i,
    output reg        valid_o,             // one clock per received byte
    output reg  [7:0] data_o,
    output reg        frame_err_o          // one clock per byte with a bad stop bit
);
    localparam [CNT_W-1:0] FULL = CLKS_PER_BIT - 1;
    localparam [CNT_W-1:0] HALF = CLKS_PER_BIT / 2 - 1;
    reg [1:0]       sync_q;
    reg [1:0]       st_q;                  // 0 idle, 1 start, 2 data, 3 stop
    reg [CNT_W-1:0] cnt_q;
    reg [2:0]       bit_q;
    reg [7:0]       sh_q;
    localparam [1:0] S_IDLE = 2'd0, S_START = 2'd1, S_DATA = 2'd2, S_STOP = 2'd3;
    wire rx = sync_q[1];
    always @(posedge clk_i) begin
        valid_o <= 1'b0;
        frame_err_o <= 1'b0;
        if (rst_i) begin
            sync_q <= 2'b11;
            st_q <= S_IDLE;
            cnt_q <= {CNT_W{1'b0}};
            bit_q <= 3'd0;
            sh_q <= 8'd0;
            data_o <= 8'd0;
        end else begin
            sync_q <= {sync_q[0], rx_i};
            case (st_q)
                S_IDLE: if (!rx) begin
                    st_q <= S_START;
                    cnt_q <= HALF;
                end
                S_START: if (cnt_q != {CNT_W{1'b0}}) begin
                    cnt_q <= cnt_q - 1'b1;
                end else if (rx) begin
                    st_q <= S_IDLE;                // a glitch, not a start bit
                end else begin
                    st_q <= S_DATA;
                    cnt_q <= FULL;
                    bit_q <= 3'd0;
                end
                S_DATA: if (cnt_q != {CNT_W{1'b0}}) begin
                    cnt_q <= cnt_q - 1'b1;
                end else begin
                    sh_q <= {rx, sh_q[7:1]};
                    cnt_q <= FULL;
                    if (bit_q == 3'd7) st_q <= S_STOP;
                    bit_q <= bit_q + 1'b1;
                end
                S_STOP: if (cnt_q != {CNT_W{1'b0}}) begin
                    cnt_q <= cnt_q - 1'b1;
                end else begin
                    st_q <= S_IDLE;
                    if (rx) begin
                        valid_o <= 1'b1;
                        data_o <= sh_q;
                    end else begin
                        frame_err_o <= 1'b1;
                    end
                end
                default: st_q <= S_IDLE;
            endcase
        end
    end
endmodule
