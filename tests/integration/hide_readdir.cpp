// SPDX-License-Identifier: Apache-2.0
// An LD_PRELOAD library for the footprint test, built like the user-space rootkits that hide a
// process (libprocesshider and kin): readdir and readdir64 skip the directory entry named by
// IRSNAP_HIDE, so a dynamically linked `ls /proc` or `ps` no longer sees that pid.
#include <dirent.h>
#include <dlfcn.h>

#include <cstdlib>
#include <cstring>

namespace {

template <typename Entry>
Entry* next_visible(const char* symbol, DIR* dir) {
    using Real = Entry* (*)(DIR*);
    auto real = reinterpret_cast<Real>(::dlsym(RTLD_NEXT, symbol));
    if (!real) return nullptr;
    const char* hide = std::getenv("IRSNAP_HIDE");
    Entry* entry = real(dir);
    while (entry && hide && *hide && std::strcmp(entry->d_name, hide) == 0) entry = real(dir);
    return entry;
}

}  // namespace

extern "C" {

dirent* readdir(DIR* dir) {
    return next_visible<dirent>("readdir", dir);
}

dirent64* readdir64(DIR* dir) {
    return next_visible<dirent64>("readdir64", dir);
}

}  // extern "C"
