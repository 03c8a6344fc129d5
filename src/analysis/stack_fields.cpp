// SPDX-License-Identifier: Apache-2.0
// A single-pass JSON reader for one line that keeps a few top-level scalars. nlohmann's lexer
// (even through SAX) spent 85% of a stack run reading characters one at a time and copying every
// nested key and value; here nested values are only checked, never copied, and a whole run got
// about five times faster. Grammar as RFC 8259 (strict: no comments, no trailing commas, one
// value per line); UTF-8 is not validated, the output escapes what is not valid.
#include "stack_fields.hpp"

#include <cstring>
#include <limits>

#include "irsnap/text.hpp"
#include "irsnap/untrusted_json.hpp"

namespace irsnap::stack {
namespace {

/// Deeper nesting than any irsnap record, and a bound on recursion for crafted lines.
constexpr int k_max_depth = static_cast<int>(k_max_json_depth);

bool is_space(char c) {
    return c == ' ' || c == '\t' || c == '\n' || c == '\r';
}

int hex_value(char c) {
    if (c >= '0' && c <= '9') return c - '0';
    if (c >= 'a' && c <= 'f') return c - 'a' + 10;
    if (c >= 'A' && c <= 'F') return c - 'A' + 10;
    return -1;
}

}  // namespace

class LineFields::Scanner {
  public:
    Scanner(LineFields& owner, std::string_view text)
        : m_owner(owner), m_at(text.data()), m_end(text.data() + text.size()) {}

    bool line() {
        skip_space();
        if (!object(1, true)) return false;
        skip_space();
        return m_at == m_end;
    }

  private:
    char peek() const { return m_at < m_end ? *m_at : '\0'; }
    void skip_space() {
        while (m_at < m_end && is_space(*m_at)) ++m_at;
    }
    bool expect(char c) {
        if (peek() != c || m_at == m_end) return false;
        ++m_at;
        return true;
    }

    /// `top`: this is the line's object, whose scalars may be kept.
    bool object(int depth, bool top) {
        if (!expect('{') || depth > k_max_depth) return false;
        skip_space();
        if (expect('}')) return true;
        for (;;) {
            std::string* key = top ? &m_key : nullptr;
            if (key) key->clear();
            if (!string(key)) return false;
            skip_space();
            if (!expect(':')) return false;
            skip_space();
            Value* keep = nullptr;
            if (top) {
                auto it = m_owner.m_slot_of.find(m_key);
                if (it != m_owner.m_slot_of.end()) keep = &m_owner.m_values[it->second];
            }
            if (!value(depth, keep)) return false;
            skip_space();
            if (expect('}')) return true;
            if (!expect(',')) return false;
            skip_space();
        }
    }

    bool array(int depth) {
        if (!expect('[') || depth > k_max_depth) return false;
        skip_space();
        if (expect(']')) return true;
        for (;;) {
            if (!value(depth, nullptr)) return false;
            skip_space();
            if (expect(']')) return true;
            if (!expect(',')) return false;
            skip_space();
        }
    }

    /// One value; `keep` (a slot) receives it when it is a string, integer or boolean.
    bool value(int depth, Value* keep) {
        if (keep) keep->type = Type::absent;  // a repeated key: the last one counts
        switch (peek()) {
            case '{':
                return object(depth + 1, false);
            case '[':
                return array(depth + 1);
            case '"': {
                std::string* out = nullptr;
                if (keep) {
                    keep->text.clear();
                    out = &keep->text;
                }
                if (!string(out)) return false;
                if (keep) keep->type = Type::text;
                return true;
            }
            case 't':
                return literal("true", keep, true);
            case 'f':
                return literal("false", keep, false);
            case 'n':
                return literal("null", nullptr, false);
            default:
                return number(keep);
        }
    }

    bool literal(std::string_view word, Value* keep, bool flag) {
        if (static_cast<size_t>(m_end - m_at) < word.size() ||
            std::memcmp(m_at, word.data(), word.size()) != 0) {
            return false;
        }
        m_at += word.size();
        if (keep) {
            keep->type = Type::flag;
            keep->flag = flag;
        }
        return true;
    }

    bool digits() {
        const char* start = m_at;
        while (m_at < m_end && *m_at >= '0' && *m_at <= '9') ++m_at;
        return m_at > start;
    }

    bool number(Value* keep) {
        const char* start = m_at;
        const bool negative = expect('-');
        if (peek() == '0') {
            ++m_at;
        } else if (!digits()) {
            return false;
        }
        bool integer = true;
        if (peek() == '.') {
            ++m_at;
            if (!digits()) return false;
            integer = false;
        }
        if (peek() == 'e' || peek() == 'E') {
            ++m_at;
            if (peek() == '+' || peek() == '-') ++m_at;
            if (!digits()) return false;
            integer = false;
        }
        if (!keep || !integer) return true;
        // Accumulated as a negative number: its range reaches INT64_MIN.
        int64_t n = 0;
        for (const char* p = start + (negative ? 1 : 0); p < m_at; ++p) {
            const int d = *p - '0';
            if (n < (std::numeric_limits<int64_t>::min() + d) / 10) return true;  // too large
            n = n * 10 - d;
        }
        if (!negative && n == std::numeric_limits<int64_t>::min()) return true;
        keep->type = Type::number;
        keep->number = negative ? n : -n;
        return true;
    }

    /// A string literal; decoded into `out` when given, otherwise only checked.
    bool string(std::string* out) {
        if (!expect('"')) return false;
        for (;;) {
            const char* run = m_at;
            while (m_at < m_end && *m_at != '"' && *m_at != '\\' &&
                   static_cast<unsigned char>(*m_at) >= 0x20) {
                ++m_at;
            }
            if (out) out->append(run, static_cast<size_t>(m_at - run));
            if (m_at == m_end || static_cast<unsigned char>(*m_at) < 0x20) return false;
            if (*m_at++ == '"') return true;
            if (!escape(out)) return false;
        }
    }

    bool escape(std::string* out) {
        if (m_at == m_end) return false;
        const char c = *m_at++;
        char plain = 0;
        switch (c) {
            case '"':
                plain = '"';
                break;
            case '\\':
                plain = '\\';
                break;
            case '/':
                plain = '/';
                break;
            case 'b':
                plain = '\b';
                break;
            case 'f':
                plain = '\f';
                break;
            case 'n':
                plain = '\n';
                break;
            case 'r':
                plain = '\r';
                break;
            case 't':
                plain = '\t';
                break;
            case 'u': {
                uint32_t cp = 0;
                if (!hex4(cp)) return false;
                if (cp >= 0xD800 && cp <= 0xDBFF) {  // a high surrogate needs its low half
                    uint32_t low = 0;
                    if (!expect('\\') || !expect('u') || !hex4(low) || low < 0xDC00 ||
                        low > 0xDFFF) {
                        return false;
                    }
                    cp = 0x10000 + ((cp - 0xD800) << 10) + (low - 0xDC00);
                } else if (cp >= 0xDC00 && cp <= 0xDFFF) {
                    return false;  // a low surrogate alone
                }
                if (out) append_utf8(*out, cp);
                return true;
            }
            default:
                return false;
        }
        if (out) *out += plain;
        return true;
    }

    bool hex4(uint32_t& cp) {
        if (m_end - m_at < 4) return false;
        for (int i = 0; i < 4; ++i) {
            const int h = hex_value(*m_at++);
            if (h < 0) return false;
            cp = cp * 16 + static_cast<uint32_t>(h);
        }
        return true;
    }

    LineFields& m_owner;
    const char* m_at;
    const char* m_end;
    std::string m_key;
};

LineFields::LineFields(std::span<const std::string_view> keys) : m_values(keys.size()) {
    for (size_t i = 0; i < keys.size(); ++i) m_slot_of.emplace(keys[i], i);
}

bool LineFields::parse(std::string_view json_text) {
    for (Value& v : m_values) v.type = Type::absent;
    Scanner scanner(*this, json_text);
    if (scanner.line()) return true;
    for (Value& v : m_values) v.type = Type::absent;
    return false;
}

std::optional<std::string_view> LineFields::text(size_t i) const {
    const Value& v = m_values[i];
    if (v.type != Type::text) return std::nullopt;
    return std::string_view(v.text);
}

std::optional<int64_t> LineFields::number(size_t i) const {
    const Value& v = m_values[i];
    if (v.type != Type::number) return std::nullopt;
    return v.number;
}

bool LineFields::flag(size_t i) const {
    const Value& v = m_values[i];
    return v.type == Type::flag && v.flag;
}

}  // namespace irsnap::stack
