// SPDX-License-Identifier: Apache-2.0
#include "irsnap/progress_text.hpp"

#include <fmt/format.h>

#include "irsnap/text.hpp"

namespace irsnap {

std::string progress_counter(size_t index, size_t total) {
    const size_t width = fmt::formatted_size("{}", total);
    return fmt::format("[{:>{}}/{}]", index + 1, width, total);
}

std::string progress_finished_line(size_t index, size_t total, const std::string& name,
                                   const std::string& status, uint64_t records, double seconds,
                                   const std::string& message) {
    return fmt::format("{} {:<16} {:<8} {:>7} records {:>7.2f} s{}\n",
                       progress_counter(index, total), name, status, records, seconds,
                       // A collector's message can quote host text (a path, an error).
                       message.empty() ? "" : "  (" + terminal_safe(message) + ")");
}

}  // namespace irsnap
