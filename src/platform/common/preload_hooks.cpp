// SPDX-License-Identifier: Apache-2.0
#include "irsnap/preload_hooks.hpp"

#include <algorithm>
#include <array>

namespace irsnap::preload {
namespace {

using namespace std::string_view_literals;

constexpr std::array k_process_hiding = {
    "readdir"sv, "readdir64"sv, "readdir_r"sv, "readdir64_r"sv, "opendir"sv,   "fdopendir"sv,
    "scandir"sv, "scandir64"sv, "scandirat"sv, "getdents"sv,    "getdents64"sv};
constexpr std::array k_file_hiding = {
    "fopen"sv,      "fopen64"sv,    "freopen"sv,      "freopen64"sv, "open"sv,
    "open64"sv,     "openat"sv,     "openat64"sv,     "__open_2"sv,  "__open64_2"sv,
    "stat"sv,       "stat64"sv,     "lstat"sv,        "lstat64"sv,   "fstatat"sv,
    "fstatat64"sv,  "statx"sv,      "__xstat"sv,      "__xstat64"sv, "__lxstat"sv,
    "__lxstat64"sv, "__fxstatat"sv, "__fxstatat64"sv, "access"sv,    "faccessat"sv};
constexpr std::array k_backdoor = {"accept"sv, "accept4"sv, "pam_authenticate"sv, "pam_acct_mgmt"sv,
                                   "pam_open_session"sv};
constexpr std::array k_credential_theft = {"crypt"sv,        "crypt_r"sv,        "getpwnam"sv,
                                           "getpwnam_r"sv,   "getspnam"sv,       "getspnam_r"sv,
                                           "pam_get_item"sv, "pam_get_authtok"sv};
constexpr std::array k_exec_hook = {"execve"sv,  "execv"sv,       "execvp"sv,      "execvpe"sv,
                                    "fexecve"sv, "posix_spawn"sv, "posix_spawnp"sv};
constexpr std::array k_anti_forensics = {"unlink"sv, "unlinkat"sv, "remove"sv,    "rmdir"sv,
                                         "rename"sv, "renameat"sv, "renameat2"sv, "ptrace"sv};
constexpr std::array k_login_hiding = {"getutent"sv,  "getutxent"sv,  "getutid"sv,   "getutxid"sv,
                                       "getutline"sv, "getutxline"sv, "pututline"sv, "pututxline"sv,
                                       "updwtmp"sv,   "updwtmpx"sv,   "logwtmp"sv};

const std::array<Technique, 7> k_techniques = {{
    {"process_hiding", "process hiding", k_process_hiding},
    {"file_hiding", "file and socket hiding", k_file_hiding},
    {"backdoor", "backdoor", k_backdoor},
    {"credential_theft", "credential theft", k_credential_theft},
    {"exec_hook", "program execution hook", k_exec_hook},
    {"anti_forensics", "anti-forensics", k_anti_forensics},
    {"login_hiding", "login record hiding", k_login_hiding},
}};

}  // namespace

std::span<const Technique> techniques() {
    return k_techniques;
}

const Technique* technique_of(std::string_view function) {
    for (const Technique& t : k_techniques) {
        if (std::find(t.functions.begin(), t.functions.end(), function) != t.functions.end()) {
            return &t;
        }
    }
    return nullptr;
}

const Technique* technique_named(std::string_view name) {
    for (const Technique& t : k_techniques) {
        if (t.name == name) return &t;
    }
    return nullptr;
}

Hooks classify_hooks(std::span<const std::string> exported) {
    Hooks out;
    std::vector<bool> used(k_techniques.size(), false);
    for (const std::string& name : exported) {
        const Technique* t = technique_of(name);
        if (!t) continue;
        out.functions.push_back(name);
        used[static_cast<size_t>(t - k_techniques.data())] = true;
    }
    std::sort(out.functions.begin(), out.functions.end());
    out.functions.erase(std::unique(out.functions.begin(), out.functions.end()),
                        out.functions.end());
    for (size_t i = 0; i < k_techniques.size(); ++i) {
        if (used[i]) out.techniques.emplace_back(k_techniques[i].name);
    }
    return out;
}

}  // namespace irsnap::preload
