// SPDX-License-Identifier: Apache-2.0
// Reading a line of shell the way the persistence rules need it: which programs run, which of
// them feed which through pipes, and which run inside another's $( ). A reader of untrusted
// text that never expands, globs or runs anything, bounded in bytes and in commands.
#include <algorithm>
#include <cctype>

#include "rules.hpp"

namespace irsnap::triage {
namespace {

constexpr size_t k_no_command = static_cast<size_t>(-1);
/// sh -c 'sh -c "..."' is read this many strings deep.
constexpr int k_max_shell_depth = 3;
/// Open ( ), $( ) and ` ` at one time: deeper ones are read as plain characters.
constexpr size_t k_max_shell_levels = 64;

bool shell_blank(char c) {
    return c == ' ' || c == '\t' || c == '\r' || c == '\n' || c == '\v' || c == '\f';
}

bool shell_assignment(std::string_view w) {
    size_t eq = w.find('=');
    if (eq == std::string_view::npos || eq == 0) return false;
    if (w[eq - 1] == '+') --eq;  // NAME+=value
    if (eq == 0 || std::isdigit(static_cast<unsigned char>(w[0]))) return false;
    return std::all_of(w.begin(), w.begin() + static_cast<std::ptrdiff_t>(eq), [](char c) {
        return std::isalnum(static_cast<unsigned char>(c)) || c == '_';
    });
}

/// The last path component, with a Windows ".exe" dropped (and then lowercase).
std::string shell_program_name(std::string_view word) {
    const size_t slash = word.find_last_of("/\\");
    std::string name(slash == std::string_view::npos ? word : word.substr(slash + 1));
    if (name.size() > 4) {
        std::string tail = name.substr(name.size() - 4);
        std::transform(tail.begin(), tail.end(), tail.begin(),
                       [](unsigned char c) { return static_cast<char>(std::tolower(c)); });
        if (tail == ".exe") {
            name.resize(name.size() - 4);
            std::transform(name.begin(), name.end(), name.begin(),
                           [](unsigned char c) { return static_cast<char>(std::tolower(c)); });
        }
    }
    return name;
}

bool one_of(std::string_view name, std::initializer_list<std::string_view> names) {
    return std::find(names.begin(), names.end(), name) != names.end();
}

/// Index of the word that runs: past assignments, and past programs that only run the rest of
/// their arguments (with their options, and the option values and operands they take).
size_t shell_program_index(const std::vector<std::string>& words) {
    size_t i = 0;
    while (i < words.size()) {
        const std::string& w = words[i];
        if (shell_assignment(w)) {
            ++i;
            continue;
        }
        const std::string name = shell_program_name(w);
        if (!one_of(
                name,
                {"nohup", "exec",   "setsid",  "command", "builtin",  "time",        "then",
                 "do",    "else",   "elif",    "if",      "while",    "until",       "!",
                 "{",     "}",      "busybox", "stdbuf",  "xargs",    "nice",        "ionice",
                 "sudo",  "doas",   "env",     "timeout", "torsocks", "proxychains", "proxychains4",
                 "flock", "chroot", "runuser", "setpriv", "unbuffer"})) {
            return i;
        }
        ++i;
        while (i < words.size() && words[i].size() > 1 && words[i][0] == '-') {
            const std::string& opt = words[i++];
            if (opt == "--") break;
            // `command -v x` only looks x up.
            if (name == "command" && (opt == "-v" || opt == "-V")) return words.size();
            const bool takes_value =
                ((name == "sudo" || name == "doas") &&
                 one_of(opt, {"-u", "-g", "-U", "-C", "-p", "-h", "-r", "-t", "-D"})) ||
                (name == "nice" && opt == "-n") ||
                (name == "ionice" && one_of(opt, {"-c", "-n", "-p"})) ||
                (name == "timeout" && one_of(opt, {"-s", "-k"})) ||
                (name == "stdbuf" && one_of(opt, {"-i", "-o", "-e"})) ||
                (name == "runuser" && one_of(opt, {"-u", "-g"})) ||
                (name == "xargs" && one_of(opt, {"-I", "-n", "-P", "-d", "-L", "-s", "-a", "-E"}));
            if (takes_value && i < words.size()) ++i;
        }
        // Operands before the command: a duration, a lock file, a new root.
        if (i < words.size() &&
            ((name == "timeout" && std::isdigit(static_cast<unsigned char>(words[i][0]))) ||
             name == "flock" || name == "chroot")) {
            ++i;
        }
    }
    return words.size();
}

class ShellLexer {
  public:
    ShellLexer(std::vector<ShellCommand>& out, int depth) : m_out(out), m_depth(depth) {
        m_levels.emplace_back();
    }

    void run(std::string_view s);

  private:
    struct Level {
        char close = 0;      ///< 0 at the top; ')' or '`'
        bool group = false;  ///< ( ... ): an element of the pipeline around it
        char quote = 0;      ///< the quote a $( ) inside "..." returns to
        size_t pipe_start = k_no_command;
        bool after_pipe = false;  ///< the last operator was | or |&
        size_t current = k_no_command;
        std::string host;
    };

    Level& top() { return m_levels.back(); }
    size_t command();
    void flush_word();
    /// Gives the waiting redirection operator its target: the word so far and `target`.
    void take_redirect(std::string_view target);
    void end_command();
    void end_pipeline() {
        end_command();
        top().pipe_start = k_no_command;
        top().after_pipe = false;
    }
    void open(char close, bool group);
    void close();
    void finish(size_t index);

    std::vector<ShellCommand>& m_out;
    int m_depth;
    std::vector<Level> m_levels;
    std::string m_word;
    bool m_in_word = false;
    std::string m_redirect;
    bool m_redirect_pending = false;
    char m_quote = 0;
    bool m_full = false;
    ShellCommand m_scratch;  ///< takes what comes after k_max_shell_commands
};

size_t ShellLexer::command() {
    Level& level = top();
    if (level.current != k_no_command) return level.current;
    if (m_out.size() >= k_max_shell_commands) {
        m_full = true;
        return k_no_command;
    }
    const size_t index = m_out.size();
    m_out.emplace_back();
    if (level.pipe_start == k_no_command) level.pipe_start = index;
    m_out[index].pipeline = level.pipe_start;
    m_out[index].piped = level.after_pipe;
    m_out[index].host = level.host;
    level.after_pipe = false;
    level.current = index;
    return index;
}

void ShellLexer::flush_word() {
    // Nothing to flush between a redirection operator and its target (`> /dev/null`).
    if (!m_in_word && m_word.empty()) return;
    const size_t index = command();
    ShellCommand& c = index == k_no_command ? m_scratch : m_out[index];
    if (m_redirect_pending) {
        c.redirects.push_back(m_redirect + m_word);
        m_redirect_pending = false;
    } else {
        c.words.push_back(m_word);
    }
    m_word.clear();
    m_in_word = false;
}

void ShellLexer::take_redirect(std::string_view target) {
    const size_t index = command();
    ShellCommand& c = index == k_no_command ? m_scratch : m_out[index];
    c.redirects.push_back(m_redirect + m_word + std::string(target));
    m_redirect_pending = false;
    m_word.clear();
    m_in_word = false;
}

void ShellLexer::end_command() {
    flush_word();
    if (m_redirect_pending) take_redirect("");  // an operator without a target
    const size_t index = top().current;
    top().current = k_no_command;
    if (index != k_no_command) finish(index);
}

void ShellLexer::finish(size_t index) {
    {
        ShellCommand& c = m_out[index];
        c.program = shell_program_index(c.words);
        c.name = c.program < c.words.size() ? shell_program_name(c.words[c.program]) : "";
    }
    if (m_depth >= k_max_shell_depth) return;
    // What a string argument will run: sh -c STRING, su [user] -c STRING, alias NAME=STRING.
    std::vector<std::string> strings;
    const ShellCommand& c = m_out[index];
    if (is_shell_program(c.name) || c.name == "su") {
        for (size_t i = c.program + 1; i + 1 < c.words.size(); ++i) {
            const std::string& w = c.words[i];
            const bool c_option = w == "-c" || w == "--command" ||
                                  (w.size() > 1 && w[0] == '-' && w[1] != '-' &&
                                   w.find('c') != std::string::npos && c.name != "su");
            if (c_option) {
                strings.push_back(c.words[i + 1]);
                break;
            }
        }
    } else if (c.name == "alias") {
        for (size_t i = c.program + 1; i < c.words.size(); ++i) {
            const size_t eq = c.words[i].find('=');
            if (eq != std::string::npos) strings.push_back(c.words[i].substr(eq + 1));
        }
    }
    for (const auto& s : strings) {
        ShellLexer inner(m_out, m_depth + 1);
        inner.run(s);
    }
}

void ShellLexer::open(char close, bool group) {
    if (m_levels.size() >= k_max_shell_levels) return;
    Level inner;
    inner.close = close;
    inner.group = group;
    if (group) {
        Level& outer = top();
        if (outer.pipe_start == k_no_command) outer.pipe_start = m_out.size();
        inner.pipe_start = outer.pipe_start;
        inner.after_pipe = outer.after_pipe;
        inner.host = outer.host;
        outer.after_pipe = false;
    } else {
        // A substitution as a redirection's target, or inside a word: what it runs is read,
        // what it would expand to is not.
        if (m_redirect_pending) {
            take_redirect("$(");
        } else if (!m_word.empty()) {
            flush_word();
        }
        m_word.clear();
        m_in_word = false;
        const size_t outer = top().current;
        if (outer != k_no_command) {
            const auto& words = m_out[outer].words;
            const size_t p = shell_program_index(words);
            if (p < words.size()) inner.host = shell_program_name(words[p]);
        }
        inner.quote = m_quote;
        m_quote = 0;
    }
    m_levels.push_back(std::move(inner));
}

void ShellLexer::close() {
    end_command();
    const Level inner = std::move(m_levels.back());
    m_levels.pop_back();
    if (inner.group) {
        top().after_pipe = false;
    } else {
        m_quote = inner.quote;
        m_in_word = m_quote != 0;
    }
}

void ShellLexer::run(std::string_view s) {
    s = s.substr(0, k_max_shell_line_bytes);
    for (size_t i = 0; i < s.size() && !m_full; ++i) {
        const char c = s[i];
        const char next = i + 1 < s.size() ? s[i + 1] : '\0';
        if (m_quote == '\'') {
            if (c == '\'') {
                m_quote = 0;
            } else {
                m_word += c;
            }
            continue;
        }
        if (m_quote == '"') {
            if (c == '"') {
                m_quote = 0;
            } else if (c == '\\' && next != '\0' &&
                       std::string_view("$`\"\\\n").find(next) != std::string_view::npos) {
                m_word += next;
                ++i;
            } else if (c == '$' && next == '(' && m_levels.size() < k_max_shell_levels) {
                open(')', false);
                ++i;
            } else if (c == '`' && top().close == '`') {
                close();
            } else if (c == '`' && m_levels.size() < k_max_shell_levels) {
                open('`', false);
            } else {
                m_word += c;
            }
            continue;
        }
        if (shell_blank(c)) {
            if (c == '\n') {
                end_pipeline();
            } else {
                flush_word();
            }
            continue;
        }
        switch (c) {
            case '#':
                if (!m_in_word && m_word.empty()) {
                    const size_t nl = s.find('\n', i);
                    i = nl == std::string_view::npos ? s.size() : nl - 1;
                } else {
                    m_word += c;
                }
                break;
            case '\'':
            case '"':
                m_quote = c;
                m_in_word = true;
                break;
            case '\\':
                // sh lets a backslash quote any character, but scripts quote only what is
                // special (`a\ b`, `\|`, `\curl`); before a letter, digit or path character it
                // is kept, so a Windows path (C:\Tools\nc.exe) stays a path.
                if (next == '\n') {
                    ++i;
                } else if (next != '\0' &&
                           (std::isalnum(static_cast<unsigned char>(next)) ||
                            std::string_view("./-_:%+,@").find(next) != std::string_view::npos)) {
                    m_word += c;
                    m_in_word = true;
                } else if (next != '\0') {
                    m_word += next;
                    m_in_word = true;
                    ++i;
                }
                break;
            case '$':
                if (next == '(' && m_levels.size() < k_max_shell_levels) {
                    open(')', false);
                    ++i;
                } else {
                    m_word += c;
                    m_in_word = true;
                }
                break;
            case '`':
                if (top().close == '`') {
                    close();
                } else if (m_levels.size() < k_max_shell_levels) {
                    open('`', false);
                }
                break;
            case '(':
                end_command();
                open(')', true);
                break;
            case ')':
                if (top().close == ')') {
                    close();
                } else {
                    end_pipeline();
                }
                break;
            case ';':
                end_pipeline();
                break;
            case '&':
                if (next == '&') {
                    ++i;
                    end_pipeline();
                } else if (next == '>') {
                    flush_word();
                    m_redirect = "&>";
                    ++i;
                    if (i + 1 < s.size() && s[i + 1] == '>') {
                        m_redirect += '>';
                        ++i;
                    }
                    m_redirect_pending = true;
                } else {
                    end_pipeline();
                }
                break;
            case '|':
                if (next == '|') {
                    ++i;
                    end_pipeline();
                } else {
                    if (next == '&') ++i;
                    end_command();
                    top().after_pipe = true;
                }
                break;
            case '<':
            case '>': {
                if (next == '(' && !m_in_word && m_word.empty() &&
                    m_levels.size() < k_max_shell_levels) {  // <( ) and >( )
                    open(')', false);
                    ++i;
                    break;
                }
                // A number right before the operator is the descriptor it redirects (2>&1).
                std::string op;
                if (!m_word.empty() && !m_redirect_pending &&
                    std::all_of(m_word.begin(), m_word.end(),
                                [](char d) { return d >= '0' && d <= '9'; })) {
                    op = std::move(m_word);
                    m_word.clear();
                    m_in_word = false;
                } else {
                    flush_word();
                }
                op += c;
                for (int k = 0; k < 2 && i + 1 < s.size() && (s[i + 1] == '<' || s[i + 1] == '>');
                     ++k) {
                    op += s[++i];
                }
                if (i + 1 < s.size() && (s[i + 1] == '&' || s[i + 1] == '|' || s[i + 1] == '-')) {
                    op += s[++i];
                }
                m_redirect = std::move(op);
                m_redirect_pending = true;
                break;
            }
            default:
                m_word += c;
                m_in_word = true;
        }
    }
    // An unterminated quote, group or substitution ends with the line.
    while (m_levels.size() > 1) close();
    end_command();
}

}  // namespace

bool is_shell_program(std::string_view name) {
    return one_of(
        name, {"sh", "bash", "dash", "zsh", "ksh", "ash", "mksh", "yash", "csh", "tcsh", "fish"});
}

bool is_interpreter_program(std::string_view name) {
    return is_shell_program(name) || name.starts_with("python") || name.starts_with("perl") ||
           one_of(name, {"ruby", "php", "node", "nodejs", "lua"});
}

std::vector<ShellCommand> shell_commands(std::string_view line) {
    std::vector<ShellCommand> out;
    ShellLexer lexer(out, 0);
    lexer.run(line);
    return out;
}

}  // namespace irsnap::triage
