// [[ header ]]
// Layer [[ index ]] '[[ name ]]': [[ n ]] neuron cores of [[ lanes ]] lane(s) each, core k holding output
// channels [k*[[ core_channels ]], (k+1)*[[ core_channels ]]). Every input event is multicast to all cores (taken
// when all are ready; they walk in lockstep); their spike streams are merged by a
// round-robin arbiter. Same ports as a single-core layer.
`default_nettype none

module [[ module ]] (
    input  wire                  clk_i,
    input  wire                  rst_i,
    input  wire                  go_i,
    input  wire [1:0]            cmd_i,
    output wire                  busy_o,
    input  wire                  in_valid_i,
    output wire                  in_ready_o,
    input  wire [[ in_aw_decl ]] in_addr_i,
{%- if has_in_payload %}
    input  wire [[ pin_port_decl ]] in_payload_i,
{%- endif %}
{%- if first %}
    input  wire                  in_eos_i,
{%- endif %}
{%- if readout %}
    output wire [[ scores_decl ]] scores_o
{%- else %}
    output wire                  out_valid_o,
    input  wire                  out_ready_i,
    output wire [[ out_aw_decl ]] out_addr_o,
    output wire [[ b_decl ]] out_payload_o,
    output wire [[ lanes_decl ]] dbg_valid_o,
    output wire [[ dbg_addr_decl ]] dbg_addr_o,
    output wire [[ dbg_pay_decl ]] dbg_payload_o
{%- endif %}
);
    localparam integer N = [[ n ]];
{%- if !readout %}
    localparam integer EV_W = [[ ev_w ]];            // address + payload
{%- endif %}
    wire [N-1:0] busy, ready;
    assign busy_o = |busy;
    wire all_ready = &ready;
    assign in_ready_o = all_ready;
    wire in_valid = in_valid_i && all_ready;
{%- if !readout %}
    wire [N-1:0]      c_valid, c_ready;
    wire [N*EV_W-1:0] c_data;
{%- endif %}
{%- for c in cores %}
    [[ c.module ]] u_c[[ c.k ]] (
        .clk_i(clk_i), .rst_i(rst_i), .go_i(go_i), .cmd_i(cmd_i), .busy_o(busy[[ c.sel ]]),
        .in_valid_i(in_valid), .in_ready_o(ready[[ c.sel ]]), .in_addr_i(in_addr_i),
{%- if has_in_payload %}
        .in_payload_i(in_payload_i),
{%- endif %}
{%- if first %}
        .in_eos_i(in_eos_i),
{%- endif %}
{%- if readout %}
        .scores_o(scores_o[[ c.scores_sel ]])
{%- else %}
        .out_valid_o(c_valid[[ c.sel ]]), .out_ready_i(c_ready[[ c.sel ]]),
        .out_addr_o(c_data[[ c.addr_sel ]]), .out_payload_o(c_data[[ c.pay_sel ]]),
        .dbg_valid_o(dbg_valid_o[[ c.dbg_valid_sel ]]), .dbg_addr_o(dbg_addr_o[[ c.dbg_addr_sel ]]),
        .dbg_payload_o(dbg_payload_o[[ c.dbg_pay_sel ]])
{%- endif %}
    );
{%- endfor %}
{%- if !readout %}
    wire [EV_W-1:0] m_data;
    wire [[ sel_decl ]] unused_sel;
    asnn_rr_arbiter #(.N(N), .WIDTH(EV_W), .SEL_W([[ sel_bits ]])) u_merge (
        .clk_i(clk_i), .rst_i(rst_i),
        .in_valid_i(c_valid), .in_ready_o(c_ready), .in_data_i(c_data),
        .out_valid_o(out_valid_o), .out_ready_i(out_ready_i), .out_data_o(m_data), .out_sel_o(unused_sel)
    );
    assign out_addr_o = m_data[[ m_addr_sel ]];
    assign out_payload_o = m_data[[ m_pay_sel ]];
{%- endif %}
endmodule

