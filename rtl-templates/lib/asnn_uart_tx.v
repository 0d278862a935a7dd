// asnn core library: UART transmitter, 8N1, LSB first, valid/ready byte input.
`default_nettype none

module asnn_uart_tx #(
    parameter integer CLKS_PER_BIT = 24,
    parameter integer CNT_W = 16
) (
    input  wire       clk_i,
    input  wire       rst_i,
    input  wire       valid_i,
    output wire       ready_o,
    input  wire [7:0] data_i,
    output wire       tx_o
);
    localparam [CNT_W-1:0] FULL = CLKS_PER_BIT - 1;
    reg [9:0]       sh_q;                  // stop, data[7:0], start; shifted out LSB first
    reg [3:0]       left_q;                // line changes still to make
    reg [CNT_W-1:0] cnt_q;
    reg             tx_q;
    assign ready_o = (left_q == 4'd0);
    assign tx_o = tx_q;
    always @(posedge clk_i) begin
        if (rst_i) begin
            sh_q <= 10'h3ff;
            left_q <= 4'd0;
            cnt_q <= {CNT_W{1'b0}};
            tx_q <= 1'b1;
        end else if (left_q == 4'd0) begin
            if (valid_i) begin
                sh_q <= {1'b1, data_i, 1'b0};
                left_q <= 4'd11;               // start, 8 data, stop, and the stop bit's full length
                cnt_q <= {CNT_W{1'b0}};
            end
        end else if (cnt_q != {CNT_W{1'b0}}) begin
            cnt_q <= cnt_q - 1'b1;
        end else begin
            tx_q <= sh_q[0];
            sh_q <= {1'b1, sh_q[9:1]};
            cnt_q <= FULL;
            left_q <= left_q - 1'b1;
        end
    end
endmodule
