// SPDX-License-Identifier: Apache-2.0
#include "samples.hpp"

#include <array>

namespace irsnap::collectors {

const CollectorSpec& samples_spec() {
    static const CollectorSpec spec = [] {
        CollectorSpec s{
            .name = "samples",
            .description =
                "Specimens: copies of suspicious executables and libraries, one record per "
                "distinct content (SHA-256) listing every process, mapping and descriptor that "
                "holds it and why it was chosen. Linux: executables, mapped files and open "
                "files that are deleted, memfds, in temporary places or hidden directories, "
                "and libraries named by /etc/ld.so.preload, LD_PRELOAD or LD_AUDIT; Windows: "
                "process images and modules that are unsigned or in temporary places. Copies "
                "go into `<NN>_samples.zip`, encrypted with the password 'infected', never "
                "written in the clear (docs/specimens.md).",
            .volatility_rank = 52,
            .why =
                "A deleted or memfd binary can only be read while a process holds it: copied "
                "right after the process, handle and module views it draws on, before "
                "anything that lives on disk.",
            .platforms = {"linux", "windows"},
            .privileges =
                "root: CAP_SYS_PTRACE for other users' /proc/PID/exe and fd, CAP_SYS_ADMIN for "
                "/proc/PID/map_files (deleted and memfd mappings). Windows: an administrator "
                "(SeDebugPrivilege) to open other users' processes",
            .without_privileges =
                "degrades: only what the caller may open is copied; the rest is recorded with "
                "status denied",
            .fields = specimen_fields(),
            .reads_open_handles = true};
        return s;
    }();
    return spec;
}

std::set<SpecimenReason> linux_path_reasons(std::string_view path) {
    std::set<SpecimenReason> reasons;
    if (path.empty() || path.front() != '/') return reasons;
    static constexpr std::array<std::string_view, 5> k_temporary = {
        "/tmp/", "/var/tmp/", "/dev/shm/", "/run/user/", "/run/shm/"};
    for (auto prefix : k_temporary) {
        if (path.substr(0, prefix.size()) == prefix)
            reasons.insert(SpecimenReason::temporary_place);
    }
    // A directory component that starts with a dot ("/home/u/.x/bin", "/usr/lib/.x/")
    // hides from `ls`; the file name itself may (dotfiles are common).
    size_t start = 1;
    while (true) {
        const size_t slash = path.find('/', start);
        if (slash == std::string_view::npos) break;
        const auto component = path.substr(start, slash - start);
        if (component.size() > 1 && component.front() == '.' && component != "..") {
            reasons.insert(SpecimenReason::hidden_directory);
        }
        start = slash + 1;
    }
    return reasons;
}

std::set<SpecimenReason> windows_path_reasons(std::string_view path) {
    std::set<SpecimenReason> reasons;
    // Lower case, backslashes only, and a leading separator so that a path starting with a
    // marker's directory ("ProgramData\\x") matches as one inside a path does.
    std::string p = "\\";
    p.reserve(path.size() + 1);
    for (char c : path) {
        if (c == '/') c = '\\';
        if (c >= 'A' && c <= 'Z') c = static_cast<char>(c - 'A' + 'a');
        p.push_back(c);
    }
    static constexpr std::array<std::string_view, 6> k_user_writable = {
        "\\temp\\",      "\\appdata\\",      "\\programdata\\",
        "\\downloads\\", "\\$recycle.bin\\", "\\start menu\\programs\\startup\\"};
    for (auto marker : k_user_writable) {
        if (p.find(marker) != std::string::npos) reasons.insert(SpecimenReason::temporary_place);
    }
    return reasons;
}

}  // namespace irsnap::collectors
