// SPDX-License-Identifier: Apache-2.0
// Services and drivers from HKLM\SYSTEM\CurrentControlSet\Services: all of them (a responder
// wants the full list; `enabled` and details.start say which ones run). Read from the registry,
// not the Service Control Manager, so a service hidden from the SCM's list is still seen.
#include "autoruns_win_walk.hpp"
#include "irsnap/windows/win_reg_value.hpp"
#include "irsnap/windows/win_text.hpp"

namespace irsnap::collectors::autoruns_win_impl {
namespace {

using win::to_utf8;

std::string start_name(uint64_t start) {
    switch (start) {
        case 0:
            return "boot";
        case 1:
            return "system";
        case 2:
            return "auto";
        case 3:
            return "demand";
        case 4:
            return "disabled";
        default:
            return std::to_string(start);
    }
}

std::vector<std::string> type_names(uint64_t type) {
    static constexpr std::pair<uint64_t, const char*> k_bits[] = {
        {0x1, "kernel_driver"},     {0x2, "file_system_driver"},     {0x4, "adapter"},
        {0x8, "recognizer_driver"}, {0x10, "own_process"},           {0x20, "share_process"},
        {0x40, "user_service"},     {0x80, "user_service_instance"}, {0x100, "interactive"}};
    std::vector<std::string> out;
    for (const auto& [bit, name] : k_bits) {
        if (type & bit) out.emplace_back(name);
    }
    return out;
}

}  // namespace

void walk_services(Emitter& em) {
    const std::wstring root = L"SYSTEM\\CurrentControlSet\\Services";
    const std::string shown_root = "HKLM\\SYSTEM\\CurrentControlSet\\Services";
    RegKey services = em.open(HKEY_LOCAL_MACHINE, root, KEY_WOW64_64KEY, shown_root);
    if (!services) {
        em.sink().coverage("services key could not be opened: no service or driver listed");
        return;
    }
    for (const auto& name : reg_subkeys(services.get())) {
        if (em.ctx().should_stop()) return;
        const std::string shown = shown_root + "\\" + to_utf8(name);
        RegKey key = em.open(services.get(), name, KEY_WOW64_64KEY, shown);
        if (!key) continue;
        const auto type = reg_number(key.get(), L"Type");
        auto image = reg_value(key.get(), L"ImagePath");
        if (!type && !image) continue;  // a parameters-only key, not a service
        WinEntry e;
        e.category = "service";
        e.source_path = shown;
        e.mtime_ns = reg_last_write_ns(key.get());
        e.service_paths = true;
        e.details["service_name"] = to_utf8(name);
        const bool driver = type && (*type & 0x3);
        if (image) {
            const auto decoded = autoruns_win::decode_reg_value(image->type, image->data);
            e.value_name = "ImagePath";
            e.value_type = decoded.type_name;
            e.command = decoded.text;
            if (!decoded.note.empty()) e.details["data_note"] = decoded.note;
        } else if (driver) {
            // No ImagePath: the I/O manager loads System32\drivers\<name>.sys.
            e.resolve_command = "System32\\drivers\\" + to_utf8(name) + ".sys";
            e.details["image_path_default"] = true;
        }
        if (type) {
            e.details["type"] = *type;
            e.details["type_names"] = type_names(*type);
        }
        if (auto start = reg_number(key.get(), L"Start")) {
            e.details["start"] = start_name(*start);
            e.enabled = *start != 4;
        }
        if (auto delayed = reg_number(key.get(), L"DelayedAutostart")) {
            e.details["delayed_autostart"] = *delayed != 0;
        }
        if (auto display = reg_string(key.get(), L"DisplayName"))
            e.details["display_name"] = *display;
        if (auto group = reg_string(key.get(), L"Group")) e.details["group"] = *group;
        if (auto account = reg_string(key.get(), L"ObjectName")) {
            // For a driver ObjectName is its driver object (\Driver\x), not an account.
            if (driver) {
                e.details["driver_object"] = *account;
            } else {
                e.user = *account;
            }
        }
        // svchost services: the DLL is the service's own code (svchost.exe is shared).
        std::optional<std::string> dll;
        if (RegKey params =
                em.open(key.get(), L"Parameters", KEY_WOW64_64KEY, shown + "\\Parameters")) {
            dll = reg_string(params.get(), L"ServiceDll");
        }
        if (!dll) dll = reg_string(key.get(), L"ServiceDll");
        if (dll) {
            e.details["service_dll"] = *dll;
            e.target = WinEntry::Target::program;
            e.program = *dll;
        }
        em.add(std::move(e));
    }
}

}  // namespace irsnap::collectors::autoruns_win_impl
