// [[ header ]]
// Verilator harness of the board testbench: drives the clock pin, plays the host's
// side of the UART ([[ cpb ]] clocks per bit, 8N1) through a pseudo-terminal whose
// name it writes to +ptyname=FILE (and prints), and runs until SIGTERM/SIGINT, then
// closes the log. Any host program that speaks the framing of docs/host-link.md (e.g.
// `asnn run --port PTY`) talks to the simulated board as to a real one.
#include "Vtb_board.h"
#include "verilated.h"

#include <fcntl.h>
#include <sys/prctl.h>
#include <termios.h>
#include <unistd.h>

#include <csignal>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <deque>
#include <string>

static volatile std::sig_atomic_t g_stop = 0;
static void on_signal(int) { g_stop = 1; }

int main(int argc, char** argv) {
    Verilated::commandArgs(argc, argv);
    // Stop with the process that started us, however it ends.
    prctl(PR_SET_PDEATHSIG, SIGTERM);
    const int cpb = [[ cpb ]];
    int m = posix_openpt(O_RDWR | O_NOCTTY);
    if (m < 0 || grantpt(m) != 0 || unlockpt(m) != 0) {
        std::perror("tb_board: pseudo-terminal");
        return 2;
    }
    const std::string slave = ptsname(m);
    // Keep a slave descriptor open so the master never sees a hang-up between hosts.
    int s = open(slave.c_str(), O_RDWR | O_NOCTTY);
    struct termios t;
    if (s < 0 || tcgetattr(s, &t) != 0) {
        std::perror("tb_board: open pty slave");
        return 2;
    }
    cfmakeraw(&t);
    tcsetattr(s, TCSANOW, &t);
    fcntl(m, F_SETFL, fcntl(m, F_GETFL) | O_NONBLOCK);
    const char* arg = Verilated::commandArgsPlusMatch("ptyname=");
    if (arg && arg[0]) {
        std::string file = std::string(arg).substr(std::string("+ptyname=").size());
        std::string tmp = file + ".tmp";
        FILE* f = std::fopen(tmp.c_str(), "w");
        if (!f) {
            std::perror("tb_board: ptyname file");
            return 2;
        }
        std::fprintf(f, "%s\n", slave.c_str());
        std::fclose(f);
        std::rename(tmp.c_str(), file.c_str());
    }
    std::printf("pty %s\n", slave.c_str());
    std::fflush(stdout);
    std::signal(SIGTERM, on_signal);
    std::signal(SIGINT, on_signal);

    Vtb_board* top = new Vtb_board;
    top->clk = 0;
    top->uart_rx = 1;
    top->eval();
    std::deque<uint8_t> to_board, to_host;
    uint64_t cyc = 0, idle = 0;
    int rx_bit = -1, rx_cnt = 0;   // host -> board serialiser
    uint16_t rx_frame = 0;
    int tx_state = 0, tx_cnt = 0, tx_bit = 0, prev_tx = 1;   // board -> host
    uint8_t tx_byte = 0;
    while (!g_stop && !Verilated::gotFinish()) {
        if ((cyc & 255) == 0) {
            uint8_t buf[512];
            ssize_t n = read(m, buf, sizeof buf);
            if (n > 0) to_board.insert(to_board.end(), buf, buf + n);
            while (!to_host.empty()) {
                uint8_t b = to_host.front();
                if (write(m, &b, 1) != 1) break;
                to_host.pop_front();
            }
        }
        if (rx_bit < 0 && !to_board.empty()) {
            rx_frame = static_cast<uint16_t>((1u << 9) | (static_cast<unsigned>(to_board.front()) << 1));
            to_board.pop_front();
            rx_bit = 0;
            rx_cnt = 0;
        }
        if (rx_bit >= 0) {
            top->uart_rx = (rx_frame >> rx_bit) & 1;
            if (++rx_cnt == cpb) {
                rx_cnt = 0;
                if (++rx_bit == 10) rx_bit = -1;
            }
        } else {
            top->uart_rx = 1;
        }
        top->clk = 1;
        top->eval();
        top->clk = 0;
        top->eval();
        ++cyc;
        const int tx = top->uart_tx;
        switch (tx_state) {
            case 0:
                if (prev_tx == 1 && tx == 0) {
                    tx_state = 1;
                    tx_cnt = cpb / 2;
                }
                break;
            case 1:
                if (--tx_cnt <= 0) {
                    if (tx == 0) {
                        tx_state = 2;
                        tx_cnt = cpb;
                        tx_bit = 0;
                        tx_byte = 0;
                    } else {
                        tx_state = 0;
                    }
                }
                break;
            case 2:
                if (--tx_cnt == 0) {
                    tx_byte = static_cast<uint8_t>(tx_byte | (tx << tx_bit));
                    tx_cnt = cpb;
                    if (++tx_bit == 8) tx_state = 3;
                }
                break;
            default:
                if (--tx_cnt == 0) {
                    if (tx == 1) to_host.push_back(tx_byte);
                    else std::fprintf(stderr, "tb_board: framing error on the board's TX line\n");
                    tx_state = 0;
                }
                break;
        }
        prev_tx = tx;
        if (rx_bit < 0 && to_board.empty() && tx_state == 0 && to_host.empty() && !top->busy_o) {
            if (++idle > 400000 && (cyc & 1023) == 0) usleep(500);
        } else {
            idle = 0;
        }
    }
    top->final();
    delete top;
    close(s);
    close(m);
    return 0;
}
