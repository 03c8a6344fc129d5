// SPDX-License-Identifier: Apache-2.0
// What autoruns run, read as shell (scripts' code lines, entries' commands): lines that
// download into a shell, run from a temporary place, decode hidden code or hand out a shell.
#include <algorithm>
#include <cctype>
#include <optional>

#include <fmt/format.h>

#include "rules.hpp"

namespace irsnap::triage {
namespace {

/// What a shell rule saw in one line.
struct ShellSign {
    std::string what;       ///< e.g. "pipes curl's download into sh"
    bool stronger = false;  ///< the finding is raised to high urgency and confidence
};

using ShellDetector = std::optional<ShellSign> (*)(const std::vector<ShellCommand>&);

bool is_one_of(std::string_view name, std::initializer_list<std::string_view> names) {
    return std::find(names.begin(), names.end(), name) != names.end();
}

/// A short option word ("-d", "-di") holding one of `letters`; never a long option.
bool short_option_with(std::string_view word, std::string_view letters) {
    return word.size() > 1 && word[0] == '-' && word[1] != '-' &&
           word.find_first_of(letters, 1) != std::string_view::npos;
}

/// The command runs as code what arrives on its standard input: a shell or interpreter with
/// no script operand, no -c/-e/-m code (or with -s, or "-"), or `. /dev/stdin`.
bool reads_code_from_stdin(const ShellCommand& c) {
    const auto& w = c.words;
    if (c.name == "." || c.name == "source") {
        return c.program + 1 < w.size() &&
               is_one_of(w[c.program + 1], {"/dev/stdin", "/proc/self/fd/0", "/dev/fd/0", "-"});
    }
    if (!is_interpreter_program(c.name)) return false;
    const bool shell = is_shell_program(c.name);
    bool s_option = false;
    for (size_t i = c.program + 1; i < w.size(); ++i) {
        const std::string& a = w[i];
        if (a == "-") return true;
        if (a == "--") return s_option || i + 1 == w.size();
        if (a.size() > 1 && (a[0] == '-' || (shell && a[0] == '+'))) {
            if (a[1] == '-') continue;  // --norc, --login
            if (short_option_with(a, shell ? "c" : "cmeEr")) {
                return false;  // the code is an argument, not the input
            }
            if (shell && a.find('s') != std::string::npos) s_option = true;
            if ((shell && (a == "-o" || a == "+o")) || (!shell && (a == "-W" || a == "-X"))) ++i;
            continue;
        }
        return s_option;  // a script file runs; the input is its data
    }
    return true;
}

/// $( ) or <( ) held by this program becomes code: `eval "$(...)"`, `bash <(...)`.
bool runs_code(std::string_view host) {
    return is_interpreter_program(host) || is_one_of(host, {"eval", ".", "source"});
}

/// `d` writes into the input of `s` through pipes.
bool feeds(const std::vector<ShellCommand>& cmds, size_t d, size_t s) {
    return cmds[s].piped && d >= cmds[s].pipeline && d < s;
}

bool is_downloader(std::string_view name) {
    return is_one_of(name, {"curl", "wget", "fetch", "tftp", "lwp-request", "lwp-download"});
}

std::optional<ShellSign> download_into_shell(const std::vector<ShellCommand>& cmds) {
    for (size_t s = 0; s < cmds.size(); ++s) {
        if (!cmds[s].piped || !reads_code_from_stdin(cmds[s])) continue;
        for (size_t d = cmds[s].pipeline; d < s; ++d) {
            if (is_downloader(cmds[d].name)) {
                return ShellSign{
                    fmt::format("pipes {}'s download into {}", cmds[d].name, cmds[s].name)};
            }
        }
    }
    for (const auto& c : cmds) {
        if (is_downloader(c.name) && runs_code(c.host)) {
            return ShellSign{fmt::format("runs {}'s download with {}", c.name, c.host)};
        }
    }
    return std::nullopt;
}

std::string lowercase(std::string text) {
    std::transform(text.begin(), text.end(), text.begin(),
                   [](unsigned char c) { return static_cast<char>(std::tolower(c)); });
    return text;
}

/// The code an interpreter is given on its command line (-c, -e ...), lowercase; "" for shells
/// (whose -c strings shell_commands reads as commands of their own).
std::string inline_code(const ShellCommand& c) {
    if (!is_interpreter_program(c.name) || is_shell_program(c.name)) return {};
    std::string code;
    for (size_t i = c.program + 1; i < c.words.size(); ++i) code += c.words[i] + " ";
    return lowercase(std::move(code));
}

bool contains_any(std::string_view text, std::initializer_list<std::string_view> parts) {
    return std::any_of(parts.begin(), parts.end(),
                       [&](std::string_view p) { return text.find(p) != std::string_view::npos; });
}

bool decodes(const ShellCommand& c) {
    const auto& w = c.words;
    auto any_arg = [&](auto pred) {
        for (size_t i = c.program + 1; i < w.size(); ++i) {
            if (pred(w[i])) return true;
        }
        return false;
    };
    if (is_one_of(c.name, {"base64", "base32", "basenc"})) {
        return any_arg(
            [](const std::string& a) { return a == "--decode" || short_option_with(a, "dD"); });
    }
    if (c.name == "xxd") {  // -r, -rp, -pr; xxd's long options also take one dash (-revert)
        return any_arg([](const std::string& a) {
            return a == "-revert" || a == "--revert" ||
                   (a.size() <= 3 && short_option_with(a, "r"));
        });
    }
    if (c.name == "openssl") {
        return any_arg([](const std::string& a) { return a == "base64" || a == "enc"; }) &&
               any_arg([](const std::string& a) { return a == "-d"; });
    }
    if (c.name == "uudecode") return true;
    return contains_any(inline_code(c), {"b64decode", "decode_base64", "base64_decode",
                                         "a2b_base64", "unhexlify", "frombase64string"});
}

std::optional<ShellSign> decoding(const std::vector<ShellCommand>& cmds) {
    std::optional<ShellSign> found;
    for (size_t d = 0; d < cmds.size(); ++d) {
        if (!decodes(cmds[d])) continue;
        const std::string& name = cmds[d].name;
        for (size_t s = d + 1; s < cmds.size(); ++s) {
            if (feeds(cmds, d, s) && reads_code_from_stdin(cmds[s])) {
                return ShellSign{
                    fmt::format("decodes with {} and pipes the result into {}", name, cmds[s].name),
                    true};
            }
        }
        if (runs_code(cmds[d].host)) {
            return ShellSign{
                fmt::format("decodes with {} and runs the result with {}", name, cmds[d].host),
                true};
        }
        if (contains_any(inline_code(cmds[d]), {"exec(", "eval(", "eval "})) {
            return ShellSign{fmt::format("decodes with {} and runs the result", name), true};
        }
        if (!found) found = ShellSign{fmt::format("decodes hidden data with {}", name)};
    }
    return found;
}

/// One of the command's own options (after its program) is a short option with one of
/// `letters`.
bool has_short_option(const ShellCommand& c, std::string_view letters) {
    for (size_t i = c.program + 1; i < c.words.size(); ++i) {
        if (short_option_with(c.words[i], letters)) return true;
    }
    return false;
}

bool is_network_tool(const ShellCommand& c) {
    if (is_one_of(c.name, {"nc", "ncat", "netcat", "nc.traditional", "nc.openbsd", "telnet",
                           "socat", "pwncat"})) {
        return true;
    }
    return c.name == "openssl" &&
           std::find(c.words.begin(), c.words.end(), "s_client") != c.words.end();
}

std::optional<ShellSign> reverse_shell(const std::vector<ShellCommand>& cmds) {
    const bool named_pipe = std::any_of(cmds.begin(), cmds.end(), [](const ShellCommand& c) {
        return c.name == "mkfifo" || (c.name == "mknod" && std::find(c.words.begin(), c.words.end(),
                                                                     "p") != c.words.end());
    });
    for (size_t i = 0; i < cmds.size(); ++i) {
        const ShellCommand& c = cmds[i];
        const auto& w = c.words;
        // bash's /dev/tcp: a shell or an `exec` given the socket, or descriptors duplicated
        // onto it; a bare `echo > /dev/tcp/h/p` (a port probe) is not enough.
        const bool dup = std::any_of(c.redirects.begin(), c.redirects.end(),
                                     [](const std::string& r) { return r.find('&') != r.npos; });
        const bool exec_fd = !w.empty() && w[0] == "exec";
        for (const auto& r : c.redirects) {
            for (std::string_view dev : {"/dev/tcp/", "/dev/udp/"}) {
                if (r.find(dev) != std::string::npos &&
                    (is_interpreter_program(c.name) || exec_fd || dup)) {
                    return ShellSign{fmt::format("connects {} to a socket through {}",
                                                 c.name.empty() ? "the shell" : c.name,
                                                 dev.substr(0, dev.size() - 1))};
                }
            }
        }
        if ((c.name == "awk" || c.name == "gawk") &&
            std::any_of(w.begin(), w.end(), [](const std::string& a) {
                return a.find("/inet/tcp/") != a.npos || a.find("/inet/udp/") != a.npos;
            })) {
            return ShellSign{fmt::format("opens a network shell with {} /inet", c.name)};
        }
        if (is_one_of(c.name, {"nc", "ncat", "netcat", "nc.traditional", "nc.openbsd", "pwncat"})) {
            for (size_t k = c.program + 1; k < w.size(); ++k) {
                const std::string& a = w[k];
                if (a == "-c" || a.starts_with("--exec") || a.starts_with("--sh-exec") ||
                    a.starts_with("--lua-exec") || short_option_with(a, "e")) {
                    return ShellSign{
                        fmt::format("runs a program for the network with {} {}", c.name, a)};
                }
            }
        }
        if (c.name == "socat") {
            bool exec = false, socket = false;
            for (size_t k = c.program + 1; k < w.size(); ++k) {
                const std::string a = lowercase(w[k]);
                exec = exec || a.starts_with("exec:") || a.starts_with("system:");
                socket = socket || contains_any(a, {"tcp", "udp", "ssl"});
            }
            if (exec && socket) {
                return ShellSign{"connects a program to the network with socat exec"};
            }
        }
        const std::string code = inline_code(c);
        if (code.find("sock") != std::string::npos &&
            contains_any(code, {"pty", "subprocess", "/bin/sh", "/bin/bash", "dup2", "exec",
                                "spawn", "popen", "system", "child_process"})) {
            return ShellSign{fmt::format("opens a socket and a shell with {}", c.name)};
        }
        if (!is_network_tool(c)) continue;
        if (named_pipe) {
            return ShellSign{fmt::format("joins a shell and {} through a named pipe", c.name)};
        }
        for (size_t k = 0; k < cmds.size(); ++k) {
            // What the network sends, run: `nc h p | sh`; a shell's terminal, sent: `sh -i | nc`.
            if (feeds(cmds, i, k) && reads_code_from_stdin(cmds[k])) {
                return ShellSign{
                    fmt::format("runs what {} receives with {}", c.name, cmds[k].name)};
            }
            if (feeds(cmds, k, i) && is_shell_program(cmds[k].name) &&
                has_short_option(cmds[k], "i")) {
                return ShellSign{
                    fmt::format("pipes an interactive {} into {}", cmds[k].name, c.name)};
            }
        }
    }
    return std::nullopt;
}

/// A list of paths (LD_PRELOAD's, separated by blanks or colons) names a temporary place.
bool lists_temporary_place(std::string_view list) {
    while (!list.empty()) {
        const size_t end = list.find_first_of(": ");
        if (is_temporary_place(list.substr(0, end))) return true;
        list.remove_prefix(end == std::string_view::npos ? list.size() : end + 1);
    }
    return false;
}

/// chmod's mode sets an execute bit on what is not a shared directory: a sticky or set-id bit
/// (1777 /tmp/.X11-unix) or X names a directory.
bool chmod_makes_executable(std::string_view mode) {
    const bool octal = !mode.empty() && std::all_of(mode.begin(), mode.end(),
                                                    [](char d) { return d >= '0' && d <= '7'; });
    if (!octal) return mode.find('x') != mode.npos && mode.find_first_of("tsX") == mode.npos;
    const std::string_view bits = mode.size() > 3 ? mode.substr(mode.size() - 3) : mode;
    const std::string_view special = mode.substr(0, mode.size() - bits.size());
    if (special.find_first_not_of('0') != special.npos) return false;
    return std::any_of(bits.begin(), bits.end(), [](char d) { return (d - '0') % 2 == 1; });
}

/// The script runs, sources or makes executable a file in /tmp, /var/tmp or /dev/shm.
std::optional<ShellSign> temporary_program(const std::vector<ShellCommand>& cmds) {
    std::string temp_dir;  ///< after `cd /tmp`, "./x" runs from there
    for (const auto& c : cmds) {
        const auto& w = c.words;
        for (const auto& a : w) {
            if ((a.starts_with("LD_PRELOAD=") || a.starts_with("LD_AUDIT=")) &&
                lists_temporary_place(std::string_view(a).substr(a.find('=') + 1))) {
                return ShellSign{fmt::format("preloads a library from a temporary place ({})", a)};
            }
        }
        if (c.program >= w.size()) continue;
        const std::string& program = w[c.program];
        if (is_temporary_place(program)) return ShellSign{fmt::format("runs {}", program)};
        if (!temp_dir.empty() && program.starts_with("./")) {
            return ShellSign{fmt::format("runs {} in {}", program, temp_dir)};
        }
        // The first operand: the script an interpreter runs, the file `.` reads, the directory
        // `cd` enters, chmod's mode.
        const bool interpreter = is_interpreter_program(c.name);
        size_t first = c.program + 1;
        while (first < w.size() && w[first].size() > 1 &&
               (w[first][0] == '-' || (w[first][0] == '+' && c.name != "chmod"))) {
            if (interpreter &&
                short_option_with(w[first], is_shell_program(c.name) ? "c" : "cmeEr")) {
                first = w.size();  // code on the command line: no script file
                break;
            }
            ++first;
        }
        if (first >= w.size()) continue;
        const std::string& operand = w[first];
        if ((interpreter || c.name == "." || c.name == "source") && is_temporary_place(operand)) {
            return ShellSign{fmt::format(
                "{} {}", c.name == "." || c.name == "source" ? "sources" : "runs with " + c.name,
                operand)};
        }
        if (c.name == "cd") {
            temp_dir = is_temporary_place(operand) || is_temporary_place(operand + "/")
                           ? operand
                           : std::string();
        }
        if (c.name == "chmod") {
            const bool executable = chmod_makes_executable(operand) && !has_short_option(c, "R");
            for (size_t k = first + 1; executable && k < w.size(); ++k) {
                if (is_temporary_place(w[k])) {
                    return ShellSign{fmt::format("makes {} executable", w[k])};
                }
            }
        }
    }
    return std::nullopt;
}

/// Calls fn(text, line number, from script_lines) for each code line of a script record and,
/// when `commands`, each line of the entry's own command (an at job holds several; a
/// whole-file entry's command is only its path).
template <typename Fn>
void for_each_shell_line(const nlohmann::json& a, bool commands, Fn&& fn) {
    auto lines = a.find("script_lines");
    if (lines != a.end() && lines->is_array()) {
        auto numbers = a.find("script_line_numbers");
        const bool numbered = numbers != a.end() && numbers->is_array();
        for (size_t i = 0; i < lines->size(); ++i) {
            const auto& line = (*lines)[i];
            if (!line.is_string()) continue;
            int64_t number = 0;
            if (numbered && i < numbers->size() && (*numbers)[i].is_number_integer()) {
                number = (*numbers)[i].get<int64_t>();
            }
            fn(std::string_view(line.get_ref<const std::string&>()), number, true);
        }
    }
    if (!commands) return;
    const std::string command = text_of(a, "command");
    if (command.empty() || command == text_of(a, "source_path")) return;
    std::string_view rest = command;
    while (!rest.empty()) {
        const size_t nl = rest.find('\n');
        if (nl > 0) fn(rest.substr(0, nl), number_of(a, "source_line", 0), false);
        rest.remove_prefix(nl == std::string_view::npos ? rest.size() : nl + 1);
    }
}

/// One finding per record and rule: the first line `detect` recognises, named by file and
/// line, with the count of the others.
void report_shell(const Rule& self, const Record& r, FindingSink& out, ShellDetector detect,
                  bool commands, bool category_technique) {
    const auto& a = r.value;
    if (!a.is_object()) return;
    std::optional<ShellSign> sign;
    std::string line;
    int64_t number = 0;
    bool script = false;
    size_t more = 0;
    for_each_shell_line(a, commands, [&](std::string_view text, int64_t n, bool from_script) {
        auto seen = detect(shell_commands(text));
        if (!seen) return;
        if (sign) {
            ++more;
            return;
        }
        sign = std::move(seen);
        line = cut_text(std::string(text.substr(0, k_max_evidence_value_bytes + 1)),
                        k_max_evidence_value_bytes);
        number = n;
        script = from_script;
    });
    if (!sign) return;
    const std::string category = text_of(a, "category");
    const std::string place = !script      ? autorun_where(a)
                              : number > 0 ? fmt::format("{}:{}", text_of(a, "source_path"), number)
                                           : text_of(a, "source_path");
    std::string why =
        fmt::format("{} {} {}: '{}'", category, place, sign->what, cut_text(line, 400));
    if (more > 0) why += fmt::format(" (and {} more line{} like it)", more, more == 1 ? "" : "s");
    nlohmann::json fields = autorun_fields(a);
    if (script) {
        fields["script_line"] = line;
        if (number > 0) fields["script_line_number"] = number;
    }
    Finding f = self.finding(std::move(why), {r.evidence(std::move(fields))});
    if (category_technique) f.attack = autorun_technique(category);
    if (sign->stronger) {
        f.urgency = Urgency::high;
        f.confidence = Confidence::high;
    }
    out.add(std::move(f));
}

void download_piped_to_shell(const Rule& self, std::string_view, const Record& r,
                             FindingSink& out) {
    report_shell(self, r, out, download_into_shell, true, false);
}

void script_runs_from_temporary_place(const Rule& self, std::string_view, const Record& r,
                                      FindingSink& out) {
    // Entries' own commands are IRS-PER-003's.
    report_shell(self, r, out, temporary_program, false, true);
}

void decodes_hidden_code(const Rule& self, std::string_view, const Record& r, FindingSink& out) {
    report_shell(self, r, out, decoding, true, false);
}

void reverse_shell_idiom(const Rule& self, std::string_view, const Record& r, FindingSink& out) {
    report_shell(self, r, out, reverse_shell, true, false);
}
constexpr Rule k_script_rules[] = {
    {"IRS-PER-005", "Autorun pipes a download into a shell", Urgency::high, Confidence::high,
     "T1105", "autoruns",
     "A script line or command that fetches code and runs it at once (curl or wget piped into "
     "sh, bash, python ..., or run by eval or bash <( )): what runs is whatever the server sends "
     "that day, the way cryptominer droppers persist. Installers do this by hand, never from a "
     "start-up file, cron or a unit.",
     per_record<download_piped_to_shell>},
    {"IRS-PER-006", "Autorun script runs a program from a temporary place", Urgency::high,
     Confidence::medium, "T1547", "autoruns",
     "A line of a start-up script (rc.local, init script, shell start-up file, cron or motd "
     "script) that runs, sources or makes executable a file in /tmp, /var/tmp or /dev/shm, "
     "where anyone may write and nothing is installed; a mere mention (a clean-up, mktemp) is "
     "not enough. IRS-PER-003 covers the entries' own commands.",
     per_record<script_runs_from_temporary_place>},
    {"IRS-PER-007", "Autorun decodes base64 or hex", Urgency::medium, Confidence::medium, "T1140",
     "autoruns",
     "base64 -d, xxd -r, openssl enc -d or an interpreter's b64decode in a script line or "
     "command: persistence hides its payload from a reader this way. High when the decoded data "
     "is piped into a shell or run by eval, $( ) or exec.",
     per_record<decodes_hidden_code>},
    {"IRS-PER-008", "Autorun opens a reverse shell", Urgency::critical, Confidence::high,
     "T1059.004", "autoruns",
     "A script line or command with a reverse-shell idiom: a shell on bash's /dev/tcp, nc or "
     "ncat -e, socat exec:, a named pipe between a shell and nc, a shell piped to or from nc, "
     "telnet or openssl s_client, an interpreter's -c code with a socket and a pty or "
     "subprocess, awk's /inet/tcp. Each start of the entry hands a shell to someone else.",
     per_record<reverse_shell_idiom>},
};

}  // namespace

std::span<const Rule> script_rules() {
    return k_script_rules;
}

}  // namespace irsnap::triage
