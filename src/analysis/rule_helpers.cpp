// SPDX-License-Identifier: Apache-2.0
// Small readers the rules share, so each rule body says only what it looks for.
#include <algorithm>
#include <cctype>
#include <charconv>
#include <cstdint>
#include <ctime>

#include "irsnap/triage.hpp"
#include "irsnap/untrusted_json.hpp"

namespace irsnap::triage {

std::string_view to_string(Urgency u) {
    switch (u) {
        case Urgency::critical:
            return "critical";
        case Urgency::high:
            return "high";
        case Urgency::medium:
            return "medium";
        case Urgency::low:
            return "low";
    }
    return "?";
}

std::string_view to_string(Confidence c) {
    switch (c) {
        case Confidence::high:
            return "high";
        case Confidence::medium:
            return "medium";
        case Confidence::low:
            return "low";
    }
    return "?";
}

bool is_temporary_place(std::string_view path) {
    for (std::string_view dir : {"/tmp/", "/var/tmp/", "/dev/shm/"}) {
        if (path.substr(0, dir.size()) == dir) return true;
    }
    // Windows paths: case-insensitive, either separator.
    std::string lower(path);
    std::transform(lower.begin(), lower.end(), lower.begin(), [](unsigned char ch) {
        return ch == '/' ? '\\' : static_cast<char>(std::tolower(ch));
    });
    if (lower.size() < 3 || lower[1] != ':') return false;
    for (std::string_view part : {"\\temp\\", "\\tmp\\", "\\appdata\\", "\\downloads\\"}) {
        if (lower.find(part) != std::string::npos) return true;
    }
    return false;
}

std::string text_of(const nlohmann::json& record, const char* key) {
    if (!record.is_object()) return {};
    auto it = record.find(key);
    return it != record.end() && it->is_string() ? it->get<std::string>() : std::string();
}

bool flag_of(const nlohmann::json& record, const char* key) {
    if (!record.is_object()) return false;
    auto it = record.find(key);
    return it != record.end() && it->is_boolean() && it->get<bool>();
}

int64_t number_of(const nlohmann::json& record, const char* key, int64_t fallback) {
    if (!record.is_object()) return fallback;
    auto it = record.find(key);
    return it != record.end() && it->is_number_integer() ? it->get<int64_t>() : fallback;
}

std::string number_text(const nlohmann::json& record, const char* key, int64_t fallback) {
    if (record.is_object()) {
        auto it = record.find(key);
        if (it != record.end() && it->is_number_unsigned()) {
            return std::to_string(it->get<uint64_t>());
        }
        if (it != record.end() && it->is_number_integer()) {
            return std::to_string(it->get<int64_t>());
        }
    }
    return std::to_string(fallback);
}

int64_t parse_utc_ns(std::string_view text) {
    // YYYY-MM-DDTHH:MM:SS[.frac]Z
    if (text.size() < 20 || text[4] != '-' || text[7] != '-' || text[10] != 'T' ||
        text[13] != ':' || text[16] != ':' || text.back() != 'Z') {
        return 0;
    }
    auto field = [&](size_t pos, size_t len, int& out) {
        const char* b = text.data() + pos;
        auto [p, ec] = std::from_chars(b, b + len, out);
        return ec == std::errc() && p == b + len;
    };
    int y, mo, d, h, mi, s;
    if (!field(0, 4, y) || !field(5, 2, mo) || !field(8, 2, d) || !field(11, 2, h) ||
        !field(14, 2, mi) || !field(17, 2, s)) {
        return 0;
    }
    std::tm tm{};
    tm.tm_year = y - 1900;
    tm.tm_mon = mo - 1;
    tm.tm_mday = d;
    tm.tm_hour = h;
    tm.tm_min = mi;
    tm.tm_sec = s;
    const time_t seconds = timegm(&tm);
    // Nanoseconds since 1970 in an int64 end in 2262: a bundle claiming a later (or earlier)
    // time is unknown, not an overflow (found by fuzz_triage_rules: year 7546).
    constexpr int64_t k_last_second = INT64_MAX / 1000000000 - 1;
    if (seconds < 0 || static_cast<int64_t>(seconds) > k_last_second) return 0;
    int64_t ns = 0;
    if (text[19] == '.') {
        int64_t scale = 100000000;
        for (size_t i = 20; i + 1 < text.size() && scale > 0; ++i, scale /= 10) {
            if (text[i] < '0' || text[i] > '9') return 0;
            ns += (text[i] - '0') * scale;
        }
    }
    return static_cast<int64_t>(seconds) * 1000000000 + ns;
}

std::string cut_text(std::string text, size_t max_bytes) {
    constexpr std::string_view k_cut = "...";
    if (text.size() <= max_bytes || max_bytes < k_cut.size()) return text;
    size_t end = max_bytes - k_cut.size();
    // Back to the start of a UTF-8 sequence, so the cut never splits a character.
    while (end > 0 && (static_cast<unsigned char>(text[end]) & 0xC0) == 0x80) --end;
    text.resize(end);
    text += k_cut;
    return text;
}

nlohmann::json pick(const nlohmann::json& record, std::initializer_list<const char*> keys) {
    nlohmann::json out = nlohmann::json::object();
    if (!record.is_object()) return out;
    for (const char* key : keys) {
        auto it = record.find(key);
        if (it == record.end() || it->is_null()) continue;
        if (it->is_string()) {
            const auto& text = it->get_ref<const std::string&>();
            out[key] = text.size() <= k_max_evidence_value_bytes
                           ? text
                           : cut_text(text, k_max_evidence_value_bytes);
        } else if (it->is_structured()) {
            // describe_json stops at the bound: a huge argv costs only what is kept. A dump of
            // an array or object ends in ] or }, so a "..." ending means it was cut.
            std::string text = describe_json(*it, k_max_evidence_value_bytes);
            if (text.ends_with("...")) {
                out[key] = std::move(text);
            } else {
                out[key] = *it;
            }
        } else {
            out[key] = *it;
        }
    }
    return out;
}

}  // namespace irsnap::triage
