// SPDX-License-Identifier: Apache-2.0
#include "irsnap/windows/win_task_xml.hpp"

#include "irsnap/windows/win_xml.hpp"

namespace irsnap::autoruns_win {
namespace {

/// Longest text kept from one field (an event subscription query can be long).
constexpr size_t k_max_field = 2048;

std::string capped(std::string s) {
    if (s.size() <= k_max_field) return s;
    // Cut before a UTF-8 continuation byte, never inside a character (records must stay valid).
    size_t cut = k_max_field;
    while (cut > 0 && (static_cast<unsigned char>(s[cut]) & 0xC0) == 0x80) --cut;
    s.resize(cut);
    return s;
}

std::optional<bool> boolean(const XmlElement& e, std::string_view name) {
    if (!e.child(name)) return std::nullopt;
    const std::string v = e.child_text(name);
    if (v == "true" || v == "1") return true;
    if (v == "false" || v == "0") return false;
    return std::nullopt;
}

std::string action_kind(const std::string& element) {
    if (element == "Exec") return "exec";
    if (element == "ComHandler") return "com_handler";
    if (element == "SendEmail") return "send_email";
    if (element == "ShowMessage") return "show_message";
    return element;
}

TaskTrigger read_trigger(const XmlElement& e) {
    TaskTrigger t;
    t.type = e.name;
    t.enabled = boolean(e, "Enabled");
    t.start_boundary = capped(e.child_text("StartBoundary"));
    t.user_id = capped(e.child_text("UserId"));
    t.delay = capped(e.child_text("Delay"));
    for (const auto& c : e.children) {
        if (c.name.rfind("ScheduleBy", 0) == 0) t.schedule = c.name;
    }
    if (const XmlElement* r = e.child("Repetition")) t.interval = capped(r->child_text("Interval"));
    return t;
}

}  // namespace

TaskDefinition parse_task_xml(std::string_view bytes) {
    TaskDefinition d;
    XmlDocument doc = parse_xml(decode_xml_bytes(bytes, d.encoding));
    d.error = doc.error;
    if (!doc.root || doc.root->name != "Task") {
        if (d.error.empty()) d.error = "no Task element";
        return d;
    }
    const XmlElement& task = *doc.root;
    if (const XmlElement* info = task.child("RegistrationInfo")) {
        d.uri = capped(info->child_text("URI"));
        d.author = capped(info->child_text("Author"));
        d.description = capped(info->child_text("Description"));
        d.date = capped(info->child_text("Date"));
    }
    if (const XmlElement* settings = task.child("Settings")) {
        d.enabled = boolean(*settings, "Enabled").value_or(true);
        d.hidden = boolean(*settings, "Hidden").value_or(false);
    }
    if (const XmlElement* triggers = task.child("Triggers")) {
        for (const auto& t : triggers->children) d.triggers.push_back(read_trigger(t));
    }
    std::string context;
    if (const XmlElement* actions = task.child("Actions")) {
        context = actions->attribute("Context").value_or("");
        for (const auto& a : actions->children) {
            TaskAction action;
            action.kind = action_kind(a.name);
            action.command = capped(a.child_text("Command"));
            action.arguments = capped(a.child_text("Arguments"));
            action.working_directory = capped(a.child_text("WorkingDirectory"));
            action.class_id = capped(a.child_text("ClassId"));
            action.data = capped(a.child_text("Data"));
            d.actions.push_back(std::move(action));
        }
    }
    if (const XmlElement* principals = task.child("Principals")) {
        const XmlElement* chosen = nullptr;
        for (const auto& p : principals->children) {
            if (p.name != "Principal") continue;
            if (!chosen || (!context.empty() && p.attribute("id") == context)) chosen = &p;
        }
        if (chosen) {
            d.user_id = capped(chosen->child_text("UserId"));
            d.group_id = capped(chosen->child_text("GroupId"));
            d.logon_type = capped(chosen->child_text("LogonType"));
            d.run_level = capped(chosen->child_text("RunLevel"));
        }
    }
    return d;
}

}  // namespace irsnap::autoruns_win
