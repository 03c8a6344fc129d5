// SPDX-License-Identifier: Apache-2.0
#include "stack_fields.hpp"

#include <limits>

#include <nlohmann/json.hpp>

namespace irsnap::stack {

/// nlohmann's SAX interface: only scalars directly inside the top-level object are kept, so
/// nested arrays (a module's address ranges, a socket's owners) cost a scan and no tree.
class LineFields::Handler {
  public:
    using json = nlohmann::json;
    explicit Handler(LineFields& owner) : m_owner(owner) {}

    bool null() { return skip(); }
    bool boolean(bool value) {
        if (Value* v = scalar()) {
            v->type = Type::flag;
            v->flag = value;
        }
        return true;
    }
    bool number_integer(json::number_integer_t value) {
        if (Value* v = scalar()) {
            v->type = Type::number;
            v->number = value;
        }
        return true;
    }
    bool number_unsigned(json::number_unsigned_t value) {
        if (value > static_cast<uint64_t>(std::numeric_limits<int64_t>::max())) return skip();
        return number_integer(static_cast<int64_t>(value));
    }
    bool number_float(json::number_float_t, const json::string_t&) { return skip(); }
    bool string(json::string_t& value) {
        if (Value* v = scalar()) {
            v->type = Type::text;
            v->text.assign(value);
        }
        return true;
    }
    bool binary(json::binary_t&) { return skip(); }
    bool start_object(std::size_t) {
        if (m_depth == 0) m_is_object = true;
        ++m_depth;
        m_slot = k_none;
        return true;
    }
    bool end_object() {
        --m_depth;
        return true;
    }
    bool start_array(std::size_t) {
        if (m_depth == 0) return false;  // the line must be an object
        ++m_depth;
        m_slot = k_none;
        return true;
    }
    bool end_array() {
        --m_depth;
        return true;
    }
    bool key(json::string_t& name) {
        if (m_depth != 1) return true;
        auto it = m_owner.m_slot_of.find(name);
        m_slot = it == m_owner.m_slot_of.end() ? k_none : it->second;
        return true;
    }
    bool parse_error(std::size_t, const std::string&, const nlohmann::detail::exception&) {
        return false;
    }
    bool is_object() const { return m_is_object; }

  private:
    static constexpr size_t k_none = static_cast<size_t>(-1);
    /// The slot a scalar at this place fills, or null when it is not kept.
    Value* scalar() {
        if (m_depth != 1 || m_slot == k_none) return nullptr;
        Value* v = &m_owner.m_values[m_slot];
        v->type = Type::absent;
        m_slot = k_none;
        return v;
    }
    /// A scalar no category reads (null, float, binary): the slot stays empty.
    bool skip() {
        scalar();
        return true;
    }

    LineFields& m_owner;
    int m_depth = 0;
    size_t m_slot = k_none;
    bool m_is_object = false;
};

LineFields::LineFields(std::span<const std::string_view> keys) : m_values(keys.size()) {
    for (size_t i = 0; i < keys.size(); ++i) m_slot_of.emplace(keys[i], i);
}

bool LineFields::parse(std::string_view json_text) {
    for (Value& v : m_values) v.type = Type::absent;
    Handler handler(*this);
    const bool ok = nlohmann::json::sax_parse(json_text, &handler) && handler.is_object();
    if (!ok) {
        for (Value& v : m_values) v.type = Type::absent;
    }
    return ok;
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
