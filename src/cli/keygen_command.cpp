// SPDX-License-Identifier: Apache-2.0
// `irsnap keygen -o FILE`: a new age identity (X25519), so an analyst on any OS prepares sticks
// without another tool. The file is age-keygen's format; the public key goes into
// irsnap.recipients on the stick, the identity file never does.
#include <fcntl.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <filesystem>
#include <iostream>

#include <fmt/format.h>
#include <nlohmann/json.hpp>

#include "commands.hpp"
#include "irsnap/age.hpp"
#include "irsnap/clock.hpp"
#include "irsnap/clock_sampling.hpp"
#include "irsnap/exit_codes.hpp"
#include "irsnap/tar_bundle.hpp"
#include "irsnap/text.hpp"
#include "irsnap/unique_fd.hpp"
#include "parse.hpp"
#include "safe_print.hpp"

namespace irsnap::cli {

int run_keygen(const Invocation& inv) {
    return guarded([&] {
        std::string output;
        po::options_description desc(
            "irsnap keygen -o FILE: a new age identity for sealed bundles\n\n"
            "Usage: irsnap keygen -o FILE [--json]\n"
            "Writes the identity (AGE-SECRET-KEY-1..., mode 0600, never over an existing file) "
            "and prints its public key (age1...). Put the public key in irsnap.recipients beside "
            "irsnap on the stick; keep FILE on the analysis side and open sealed bundles with "
            "-i FILE. age and age-keygen read and write the same files.\n\nOptions");
        desc.add_options()("help,h", "show this help")("output,o", po::value(&output),
                                                       "identity file to create (required)")(
            "json", "print the public key and file as JSON");
        po::variables_map vm;
        parse_args("keygen", inv.args, desc, nullptr, vm);
        if (vm.count("help")) {
            std::cout << desc << "\n" << exit_codes_help("keygen");
            return to_int(ExitCode::ok);
        }
        // A secret key on a terminal ends up in scrollback and screen recordings: a file only.
        if (output.empty() || output == "-") throw UsageError("keygen needs -o FILE");
        const age::Identity identity = age::generate_identity();
        const std::string text =
            age::identity_file_text(identity, format_rfc3339_utc(sample_clocks().realtime_ns));
        const UniqueFd fd(::open(path_from_utf8(output).c_str(),
                                 O_WRONLY | O_CREAT | O_EXCL | O_NOFOLLOW | O_CLOEXEC, 0600));
        if (!fd) {
            print_error(format_safe("cannot create {}: {}", output, std::strerror(errno)));
            return to_int(ExitCode::output_unusable);
        }
        // The tar stream's descriptor sink: every byte written (EINTR retried), then fsync.
        const auto sink = make_fd_sink(fd.get(), output, true);
        int error = sink->write(text);
        if (error == 0) error = sink->close();
        if (error != 0) {
            std::error_code ec;
            std::filesystem::remove(path_from_utf8(output), ec);  // never a half-written key
            print_error(format_safe("cannot write {}: {}", output, std::strerror(error)));
            return to_int(ExitCode::output_unusable);
        }
        const std::string recipient = identity.recipient().text();
        if (vm.count("json")) {
            std::cout << nlohmann::json{{"identity_file", output}, {"recipient", recipient}}.dump()
                      << std::endl;
        } else {
            print_safe("Public key: {}\n", recipient);
        }
        return to_int(ExitCode::ok);
    });
}

}  // namespace irsnap::cli
