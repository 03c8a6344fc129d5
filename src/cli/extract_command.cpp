// SPDX-License-Identifier: Apache-2.0
// `irsnap extract BUNDLE [--sha256 H ...] DIR`: specimens, copied files and process memory out
// of a bundle's encrypted archives, each re-hashed against its record.
#include <filesystem>
#include <iostream>
#include <set>

#include <fmt/format.h>
#include <nlohmann/json.hpp>

#include "commands.hpp"
#include "irsnap/bundle_fs.hpp"
#include "irsnap/exit_codes.hpp"
#include "irsnap/extract.hpp"
#include "irsnap/text.hpp"
#include "irsnap/usage_error.hpp"
#include "irsnap/verify.hpp"
#include "parse.hpp"
#include "safe_print.hpp"

namespace irsnap::cli {

int run_extract(const Invocation& inv) {
    return guarded([&] {
        std::string bundle, into;
        std::vector<std::string> digests;
        po::options_description desc(
            "irsnap extract BUNDLE DIR: the specimens, copied files, process memory and "
            "physical memory of a bundle, decrypted\n\n"
            "Usage: irsnap extract BUNDLE_DIR|BUNDLE.tar [--sha256 H ...] DIR [--json]\n"
            "The bundle is verified first. Specimens go to DIR/specimens/<sha256>, copied files "
            "to DIR/files/<host path>, memory dumps and regions to DIR/memory/<member> "
            "(pid42.core, pid42_<start>-<end>.bin, physical_memory.lime), read-only, never over an "
            "existing file. "
            "Every member is re-hashed against the record that lists it; one that differs is "
            "refused and not kept. A tar bundle is unpacked (verified) into DIR first. These are "
            "live malware: "
            "extract them only where that is safe (an analysis machine).\n\nOptions");
        desc.add_options()("help,h", "show this help")(
            "sha256", po::value(&digests)->composing(),
            "only the specimen, file or memory member with this SHA-256 (repeatable)")(
            "json", "print the result as JSON");
        std::vector<std::string> identities;
        add_identity_option(desc, &identities);
        po::options_description all;
        all.add(desc).add_options()("bundle", po::value(&bundle))("into", po::value(&into));
        po::positional_options_description pos;
        pos.add("bundle", 1).add("into", 1);
        po::variables_map vm;
        parse_args("extract", inv.args, all, &pos, vm);
        if (vm.count("help")) {
            std::cout << desc << "\n" << exit_codes_help("extract");
            return to_int(ExitCode::ok);
        }
        load_identities(identities);
        if (bundle.empty() || into.empty()) throw UsageError("extract needs a bundle and a DIR");
        std::error_code ec;
        if (!std::filesystem::is_directory(path_from_utf8(into), ec)) {
            throw UsageError(format_safe("'{}' is not a directory", into));
        }
        const std::set<std::string> wanted(digests.begin(), digests.end());
        std::filesystem::path bundle_dir = path_from_utf8(bundle);
        const BundleProbe probe = probe_bundle(bundle_dir);
        if (probe.kind == BundleKind::tar || probe.kind == BundleKind::sealed) {
            UnpackResult unpacked = unpack_tar(bundle_dir, path_from_utf8(into));
            if (unpacked.open_failed) {
                print_error(unpacked.error);
                return to_int(unpacked.integrity ? ExitCode::verify_failed : ExitCode::usage);
            }
            if (!unpacked.report.ok()) {
                print_error(format_safe("{} does not verify: nothing extracted (see irsnap verify)",
                                        bundle));
                return to_int(ExitCode::verify_failed);
            }
            if (!unpacked.error.empty()) {
                print_error(unpacked.error);
                return to_int(ExitCode::output_unusable);
            }
            bundle_dir = path_from_utf8(unpacked.bundle_dir);
        } else if (probe.kind != BundleKind::directory) {
            throw UsageError(format_safe("'{}' is not a bundle", bundle));
        }
        ExtractResult result = extract_bundle(bundle_dir, wanted, path_from_utf8(into));
        if (!result.error.empty()) {
            print_error(result.error);
            return to_int(ExitCode::verify_failed);
        }
        if (vm.count("json")) {
            nlohmann::json members = nlohmann::json::array();
            for (const auto& m : result.members) {
                members.push_back({{"archive", m.archive},
                                   {"member", m.member},
                                   {"written", m.written.empty() ? nlohmann::json(nullptr)
                                                                 : nlohmann::json(m.written)},
                                   {"problem", m.problem.empty() ? nlohmann::json(nullptr)
                                                                 : nlohmann::json(m.problem)},
                                   {"bytes", m.bytes}});
            }
            std::cout << dump_for_terminal({{"bundle", bundle},
                                            {"into", into},
                                            {"members", members},
                                            {"refused", result.refused()}},
                                           2)
                      << "\n";
        } else {
            for (const auto& m : result.members) {
                if (m.problem.empty()) {
                    print_safe("EXTRACTED {} ({} bytes)\n", m.written, m.bytes);
                } else {
                    print_safe("REFUSED {} {}: {}\n", m.archive, m.member, m.problem);
                }
            }
            print_safe("{} member(s) extracted into {}, {} refused\n",
                       result.members.size() - result.refused(), into, result.refused());
        }
        return to_int(result.refused() ? ExitCode::verify_failed : ExitCode::ok);
    });
}

}  // namespace irsnap::cli
