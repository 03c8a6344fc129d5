// SPDX-License-Identifier: Apache-2.0
#include <algorithm>
#include <array>

#include "irsnap/linux/autoruns_parsers.hpp"
#include "irsnap/linux/autoruns_text.hpp"

namespace irsnap::autoruns {
namespace {

using detail::next_word;
using detail::trim;

// cron(8) accepts numbers, ranges, steps, lists and month/day names in a time field.
bool is_time_field(std::string_view f) {
    if (f.empty()) return false;
    return std::all_of(f.begin(), f.end(), [](char c) {
        return (c >= '0' && c <= '9') || c == '*' || c == ',' || c == '-' || c == '/' ||
               (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z');
    });
}

bool is_cron_keyword(std::string_view w) {
    static constexpr std::array<std::string_view, 8> k_keywords = {
        "@reboot", "@yearly", "@annually", "@monthly", "@weekly", "@daily", "@midnight", "@hourly"};
    return std::find(k_keywords.begin(), k_keywords.end(), w) != k_keywords.end();
}

/// NAME=value (cron also allows blanks around '=' and a quoted value).
bool parse_env_line(std::string_view line, KeyValues& env) {
    size_t eq = line.find('=');
    if (eq == std::string_view::npos) return false;
    std::string_view name = trim(line.substr(0, eq));
    std::string_view value = trim(line.substr(eq + 1));
    if (name.empty() || std::any_of(name.begin(), name.end(), detail::is_blank)) return false;
    if (value.size() >= 2 && (value.front() == '"' || value.front() == '\'') &&
        value.back() == value.front()) {
        value = value.substr(1, value.size() - 2);
    }
    env.emplace_back(name, value);
    return true;
}

}  // namespace

CronTable parse_crontab(std::string_view text, bool system) {
    CronTable table;
    KeyValues env;
    for (const auto& [number, raw] : detail::split_lines(text)) {
        std::string_view line = trim(raw);
        if (line.empty() || line.front() == '#') continue;
        std::string_view rest = line;
        CronEntry e;
        e.line = number;
        bool ok = false;
        std::string_view first = next_word(rest);
        if (first.front() == '@') {
            ok = is_cron_keyword(first);
            e.schedule = first;
        } else if (is_time_field(first)) {
            e.schedule = first;
            ok = true;
            for (int i = 0; i < 4 && ok; ++i) {
                std::string_view f = next_word(rest);
                ok = is_time_field(f);
                e.schedule += ' ';
                e.schedule += f;
            }
        }
        if (ok && system) {
            e.user = next_word(rest);
            ok = !e.user.empty();
        }
        if (ok) {
            e.command = trim(rest);
            ok = !e.command.empty();
        }
        if (ok) {
            e.environment = env;
            table.entries.push_back(std::move(e));
        } else if (!parse_env_line(line, env)) {
            ++table.malformed;
        }
    }
    return table;
}

AnacronTable parse_anacrontab(std::string_view text) {
    AnacronTable table;
    KeyValues ignored_env;
    for (const auto& [number, raw] : detail::split_lines(text)) {
        std::string_view line = trim(raw);
        if (line.empty() || line.front() == '#') continue;
        std::string_view rest = line;
        AnacronEntry e;
        e.line = number;
        e.period = next_word(rest);
        e.delay = next_word(rest);
        e.job_id = next_word(rest);
        e.command = trim(rest);
        const bool period_ok = (!e.period.empty() && e.period.front() == '@') ||
                               std::all_of(e.period.begin(), e.period.end(),
                                           [](char c) { return c >= '0' && c <= '9'; });
        const bool delay_ok =
            !e.delay.empty() && std::all_of(e.delay.begin(), e.delay.end(),
                                            [](char c) { return c >= '0' && c <= '9'; });
        if (period_ok && delay_ok && !e.job_id.empty() && !e.command.empty()) {
            table.entries.push_back(std::move(e));
        } else if (!parse_env_line(line, ignored_env)) {
            ++table.malformed;
        }
    }
    return table;
}

}  // namespace irsnap::autoruns
