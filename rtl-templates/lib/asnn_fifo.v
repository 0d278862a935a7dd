// asnn core library: synchronous FIFO with a valid/ready handshake on both sides
// (AER event queues). First-word fall-through: out_data_o is valid while out_valid_o.
// DEPTH must be a power of two.
// BRAM = 0: register storage, a word written at clock t is visible at t+1.
// BRAM = 1: storage in block RAM (synchronous read) behind a two-word output queue that
// is refilled one read ahead, so a primed FIFO still delivers one word per clock; a word
// written at clock t is visible at t+2. Capacity DEPTH (+ 2 in the output queue).
`default_nettype none

module asnn_fifo #(
    parameter integer WIDTH = 8,
    parameter integer DEPTH = 16,
    parameter integer ADDR_W = 4,    // log2(DEPTH)
    parameter integer BRAM = 0
) (
    input  wire             clk_i,
    input  wire             rst_i,
    input  wire             in_valid_i,
    output wire             in_ready_o,
    input  wire [WIDTH-1:0] in_data_i,
    output wire             out_valid_o,
    input  wire             out_ready_i,
    output wire [WIDTH-1:0] out_data_o
);
    reg [ADDR_W:0]  wptr_q, rptr_q;
    wire [ADDR_W:0] count = wptr_q - rptr_q;
    wire            full = count[ADDR_W];
    wire            push = in_valid_i && !full;
    assign in_ready_o = !full;
    generate
        if (BRAM == 0) begin : g_regs
            reg [WIDTH-1:0] mem [0:DEPTH-1];
            wire pop = out_valid_o && out_ready_i;
            assign out_valid_o = (wptr_q != rptr_q);
            assign out_data_o = mem[rptr_q[ADDR_W-1:0]];
            always @(posedge clk_i) begin
                if (push) mem[wptr_q[ADDR_W-1:0]] <= in_data_i;
            end
            always @(posedge clk_i) begin
                if (rst_i) begin
                    wptr_q <= {(ADDR_W+1){1'b0}};
                    rptr_q <= {(ADDR_W+1){1'b0}};
                end else begin
                    if (push) wptr_q <= wptr_q + {{ADDR_W{1'b0}}, 1'b1};
                    if (pop) rptr_q <= rptr_q + {{ADDR_W{1'b0}}, 1'b1};
                end
            end
        end else begin : g_bram
            (* ram_style = "block" *) reg [WIDTH-1:0] mem [0:DEPTH-1];
            reg  [WIDTH-1:0] rd_q;               // block RAM read data
            reg              rd_v_q;             // a read was issued last clock
            reg  [WIDTH-1:0] q0_q, q1_q;         // output queue, q0 the head
            reg  [1:0]       occ_q;              // words in the queue
            wire pop = out_valid_o && out_ready_i;
            wire [1:0] after_pop = occ_q - {1'b0, pop};
            // Refill one read ahead: words queued + the read in flight stay within 2.
            wire issue = (count != {(ADDR_W+1){1'b0}}) && ({1'b0, after_pop} + {2'b00, rd_v_q} < 3'd2);
            assign out_valid_o = (occ_q != 2'd0);
            assign out_data_o = q0_q;
            always @(posedge clk_i) begin
                if (push) mem[wptr_q[ADDR_W-1:0]] <= in_data_i;
                rd_q <= mem[rptr_q[ADDR_W-1:0]];
            end
            always @(posedge clk_i) begin
                if (rst_i) begin
                    wptr_q <= {(ADDR_W+1){1'b0}};
                    rptr_q <= {(ADDR_W+1){1'b0}};
                    rd_v_q <= 1'b0;
                    occ_q <= 2'd0;
                    q0_q <= {WIDTH{1'b0}};
                    q1_q <= {WIDTH{1'b0}};
                end else begin
                    if (push) wptr_q <= wptr_q + {{ADDR_W{1'b0}}, 1'b1};
                    if (issue) rptr_q <= rptr_q + {{ADDR_W{1'b0}}, 1'b1};
                    rd_v_q <= issue;
                    // Pop the head, then append the word arriving from the RAM.
                    case ({rd_v_q, pop})
                        2'b01: begin q0_q <= q1_q; occ_q <= occ_q - 2'd1; end
                        2'b10: begin
                            if (occ_q == 2'd0) q0_q <= rd_q; else q1_q <= rd_q;
                            occ_q <= occ_q + 2'd1;
                        end
                        2'b11: begin
                            if (occ_q == 2'd1) q0_q <= rd_q;
                            else begin q0_q <= q1_q; q1_q <= rd_q; end
                        end
                        default: ;
                    endcase
                end
            end
        end
    endgenerate
endmodule
