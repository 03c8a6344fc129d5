// SPDX-License-Identifier: Apache-2.0
#include "irsnap/linux/autoruns_parsers.hpp"
#include "irsnap/linux/autoruns_text.hpp"

namespace irsnap::autoruns {
namespace {

bool is_identifier(std::string_view w) {
    if (w.empty() || (w[0] >= '0' && w[0] <= '9')) return false;
    for (char c : w) {
        if (!((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') ||
              c == '_')) {
            return false;
        }
    }
    return true;
}

}  // namespace

std::vector<ListItem> parse_ld_so_preload(std::string_view text) {
    std::vector<ListItem> out;
    for (const auto& [number, raw] : detail::split_lines(text)) {
        std::string_view line = detail::trim(raw);
        if (line.empty() || line.front() == '#') continue;
        // ld.so splits the file on blanks and ':' alike.
        size_t i = 0;
        while (i < line.size()) {
            while (i < line.size() && (detail::is_blank(line[i]) || line[i] == ':')) ++i;
            size_t begin = i;
            while (i < line.size() && !detail::is_blank(line[i]) && line[i] != ':') ++i;
            if (i > begin) out.push_back({number, std::string(line.substr(begin, i - begin)), {}});
        }
    }
    return out;
}

std::vector<ListItem> parse_modules_list(std::string_view text) {
    std::vector<ListItem> out;
    for (const auto& [number, raw] : detail::split_lines(text)) {
        std::string_view line = detail::trim(raw);
        if (line.empty() || line.front() == '#' || line.front() == ';') continue;
        std::string_view rest = line;
        std::string_view name = detail::next_word(rest);
        out.push_back({number, std::string(name), std::string(detail::trim(rest))});
    }
    return out;
}

ModprobeConf parse_modprobe_conf(std::string_view text) {
    ModprobeConf out;
    std::string logical;
    size_t logical_line = 0;
    bool continuing = false;
    auto finish = [&]() {
        std::string_view rest = logical;
        std::string_view verb = detail::next_word(rest);
        if (verb != "install" && verb != "remove") return;
        ModprobeHook hook;
        hook.line = logical_line;
        hook.hook = verb;
        hook.module = detail::next_word(rest);
        hook.command = detail::trim(rest);
        if (hook.module.empty() || hook.command.empty()) {
            ++out.malformed;
            return;
        }
        out.hooks.push_back(std::move(hook));
    };
    for (const auto& [number, raw] : detail::split_lines(text)) {
        std::string_view line = detail::trim(raw);
        if (!continuing && (line.empty() || line.front() == '#')) continue;
        if (!continuing) {
            logical.clear();
            logical_line = number;
        } else {
            logical += ' ';
        }
        continuing = !line.empty() && line.back() == '\\';
        if (continuing) line.remove_suffix(1);
        logical += line;
        if (!continuing) finish();
    }
    if (continuing) finish();
    return out;
}

std::optional<AtJob> parse_at_job(std::string_view text) {
    const auto lines = detail::split_lines(text);
    std::string delimiter;
    AtJob job;
    for (const auto& [number, raw] : lines) {
        std::string_view line = detail::trim(raw);
        if (delimiter.empty()) {
            size_t marker = line.find("<< '");
            if (marker != std::string_view::npos && line.back() == '\'') {
                delimiter = line.substr(marker + 4, line.size() - marker - 5);
                if (delimiter.empty()) delimiter = "\n";  // never matches a trimmed line
            }
            continue;
        }
        if (line == delimiter) break;
        if (line.empty()) continue;
        if (job.command.empty()) job.line = number;
        if (!job.command.empty()) job.command += '\n';
        job.command += line;
    }
    if (!job.command.empty()) return job;
    for (auto it = lines.rbegin(); it != lines.rend(); ++it) {
        std::string_view line = detail::trim(it->text);
        if (line.empty() || line.front() == '#' || line == "}") continue;
        return AtJob{it->number, std::string(line)};
    }
    return std::nullopt;
}

std::string command_program(std::string_view command) {
    size_t i = 0;
    while (true) {
        while (i < command.size() && detail::is_blank(command[i])) ++i;
        if (i >= command.size()) return {};
        // One shell word: quotes removed, a backslash keeps the next character.
        std::string word;
        bool assignment = false;
        char quote = 0;
        for (; i < command.size(); ++i) {
            char c = command[i];
            if (quote) {
                if (c == quote) {
                    quote = 0;
                } else {
                    word += c;
                }
            } else if (c == '\'' || c == '"') {
                quote = c;
            } else if (c == '\\' && i + 1 < command.size()) {
                word += command[++i];
            } else if (detail::is_blank(c) || c == ';' || c == '|' || c == '&') {
                break;
            } else {
                if (c == '=' && !assignment && is_identifier(word)) assignment = true;
                word += c;
            }
        }
        if (!assignment) return word;
    }
}

}  // namespace irsnap::autoruns
