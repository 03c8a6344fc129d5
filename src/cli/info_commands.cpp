// SPDX-License-Identifier: Apache-2.0
// `irsnap list`, `irsnap describe NAME`, `irsnap verify BUNDLE` and `irsnap unpack TAR [DIR]`.
#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <iostream>

#include <fmt/format.h>
#include <nlohmann/json.hpp>

#include "commands.hpp"
#include "irsnap/bundle_fs.hpp"
#include "irsnap/custody.hpp"
#include "irsnap/exit_codes.hpp"
#include "irsnap/registry.hpp"
#include "irsnap/runner.hpp"
#include "irsnap/sealed_input.hpp"
#include "irsnap/spec_format.hpp"
#include "irsnap/status.hpp"
#include "irsnap/text.hpp"
#include "irsnap/verify.hpp"
#include "parse.hpp"
#include "safe_print.hpp"

namespace irsnap::cli {
namespace {

using nlohmann::json;

/// A tar read through `in` (a sealed one authenticated to its last chunk). A sealed file that
/// will not open: a wrong or missing key is a usage error (2), a damaged header a problem (5).
VerifyReport verify_input(TarInput in) {
    if (!in) {
        if (!in.integrity_failure()) throw UsageError(in.error());
        VerifyReport report;
        report.problems.push_back({"(sealed file)", "decryption failed", in.error()});
        return report;
    }
    VerifyReport report = verify_tar(in.fd());
    in.finish_into(report);
    return report;
}

VerifyReport verify_path(const std::string& bundle) {
    if (bundle == "-") {
        // With -i, stdin is a sealed stream (`irsnap -o - --recipient KEY | irsnap verify -i
        // key.txt -`); without, a plain tar.
        if (!have_unseal_identities()) return verify_tar(STDIN_FILENO);
        return verify_input(TarInput::open_sealed_fd(::dup(STDIN_FILENO), "stdin"));
    }
    const std::filesystem::path path = path_from_utf8(bundle);
    // Not a bundle (/etc, a text file, a FIFO): one line and exit 2, never a walk of the tree.
    const BundleProbe probe = probe_bundle(path);
    if (probe.kind == BundleKind::not_a_bundle) {
        throw UsageError(fmt::format("'{}': {}", bundle, probe.error));
    }
    if (probe.kind == BundleKind::directory) return verify_bundle(path);
    VerifyReport report = verify_input(TarInput::open(path));
    if (probe.kind == BundleKind::sealed) {
        // The custody chain beside a sealed file, as verify checks a directory's custody.jsonl.
        for (auto& p : verify_sealed_custody_log(path)) report.problems.push_back(std::move(p));
    }
    return report;
}

int print_report(const std::string& bundle, const VerifyReport& report, bool as_json) {
    int code = report.ok() ? to_int(ExitCode::ok) : to_int(ExitCode::verify_failed);
    if (as_json) {
        json problems = json::array();
        for (const auto& p : report.problems) {
            problems.push_back({{"path", p.path}, {"problem", p.problem}, {"detail", p.detail}});
        }
        std::cout << dump_for_terminal(json{{"bundle", bundle},
                                            {"verified", report.ok()},
                                            {"run_status", report.run_status},
                                            {"files_checked", report.files_checked},
                                            {"problems", problems}},
                                       2)
                  << "\n";
        return code;
    }
    for (const auto& p : report.problems) {
        print_safe("{}: {}{}\n", p.path, p.problem, p.detail.empty() ? "" : " (" + p.detail + ")");
    }
    if (report.ok()) {
        print_safe("VERIFIED {} ({} files; run status: {})\n", bundle, report.files_checked,
                   report.run_status);
        if (run_status_from_string(report.run_status) != RunStatus::complete) {
            print_safe(
                "note: the run was {}, so the bundle holds less than a full "
                "snapshot; see manifest.json collectors[].status\n",
                report.run_status);
        }
    } else {
        print_safe("FAILED {}: {} problem(s)\n", bundle, report.problems.size());
    }
    return code;
}

}  // namespace

int run_list(const Invocation& inv) {
    return guarded([&] {
        po::options_description desc("irsnap list: collectors in run order\n\nOptions");
        desc.add_options()("help,h", "show this help")("json", "print as JSON");
        po::variables_map vm;
        parse_args("list", inv.args, desc, nullptr, vm);
        if (vm.count("help")) {
            std::cout << desc << "\n" << exit_codes_help("list");
            return to_int(ExitCode::ok);
        }
        auto ordered = in_run_order(registered_collectors());
        if (vm.count("json")) {
            json out = json::array();
            for (const auto& c : ordered) {
                auto s = spec_to_json(c.spec());
                s.erase("fields");
                s["available"] = c.collect != nullptr;
                out.push_back(s);
            }
            std::cout << out.dump(2) << "\n";
            return to_int(ExitCode::ok);
        }
        fmt::print("{:<3} {:<16} {:<5} {}\n", "#", "collector", "rank", "why this place");
        for (size_t i = 0; i < ordered.size(); ++i) {
            const auto& s = ordered[i].spec();
            fmt::print("{:<3} {:<16} {:<5} {}{}\n", i + 1, s.name, s.volatility_rank, s.why,
                       ordered[i].collect ? "" : " [not on this platform]");
        }
        return to_int(ExitCode::ok);
    });
}

int run_describe(const Invocation& inv) {
    return guarded([&] {
        std::string name, format = "text";
        po::options_description desc(
            "irsnap describe NAME: a collector's spec\n\nUsage: irsnap describe NAME [--json | "
            "--format text|json|markdown]\n\nOptions");
        desc.add_options()("help,h", "show this help")("json", "same as --format json")(
            "format", po::value(&format), "text (default), json or markdown");
        po::options_description all;
        all.add(desc).add_options()("name", po::value(&name));
        po::positional_options_description pos;
        pos.add("name", 1);
        po::variables_map vm;
        parse_args("describe", inv.args, all, &pos, vm);
        if (vm.count("help")) {
            std::cout << desc << "\n" << exit_codes_help("describe");
            return to_int(ExitCode::ok);
        }
        if (vm.count("json")) format = "json";
        if (name.empty()) throw UsageError("describe needs a collector name (see 'irsnap list')");
        for (const auto& c : registered_collectors()) {
            if (c.spec().name != name) continue;
            if (format == "json") {
                std::cout << spec_to_json(c.spec()).dump(2) << "\n";
            } else if (format == "markdown") {
                std::cout << spec_to_markdown(c.spec());
            } else if (format == "text") {
                std::cout << spec_to_text(c.spec());
            } else {
                throw UsageError("--format must be text, json or markdown");
            }
            return to_int(ExitCode::ok);
        }
        throw UsageError(fmt::format("unknown collector '{}' (see 'irsnap list')", name));
    });
}

int run_verify(const Invocation& inv) {
    return guarded([&] {
        std::string bundle;
        po::options_description desc(
            "irsnap verify BUNDLE: recompute every digest and check the manifest\n\n"
            "Usage: irsnap verify BUNDLE_DIR|BUNDLE.tar|BUNDLE.tar.age|- [-i KEYFILE] [--json]\n"
            "A tar (from `irsnap -o - > host.tar`) is checked in one pass; '-' reads it from "
            "stdin. A sealed bundle (.tar.age) needs the identity it was sealed to (-i); with "
            "-i, '-' reads a sealed stream.\n\nOptions");
        std::vector<std::string> identities;
        desc.add_options()("help,h", "show this help")("json", "print the report as JSON");
        add_identity_option(desc, &identities);
        po::options_description all;
        all.add(desc).add_options()("bundle", po::value(&bundle));
        po::positional_options_description pos;
        pos.add("bundle", 1);
        po::variables_map vm;
        parse_args("verify", inv.args, all, &pos, vm);
        if (vm.count("help")) {
            std::cout << desc << "\n" << exit_codes_help("verify");
            return to_int(ExitCode::ok);
        }
        if (bundle.empty()) throw UsageError("verify needs a bundle directory or tar file");
        load_identities(identities);
        VerifyReport report = verify_path(bundle);
        return print_report(bundle, report, vm.count("json") > 0);
    });
}

int run_unpack(const Invocation& inv) {
    return guarded([&] {
        std::string tar, into;
        po::options_description desc(
            "irsnap unpack TAR [DIR]: verify a streamed bundle, then extract it into DIR\n\n"
            "Usage: irsnap unpack BUNDLE.tar|BUNDLE.tar.age [DIR] [-i KEYFILE] [--json]\n"
            "DIR (default: the current directory) receives <host>_<time>/. Nothing is "
            "extracted unless the whole stream verifies; existing files are never "
            "overwritten.\n\nOptions");
        std::vector<std::string> identities;
        desc.add_options()("help,h", "show this help")("json", "print the report as JSON");
        add_identity_option(desc, &identities);
        po::options_description all;
        all.add(desc).add_options()("tar", po::value(&tar))("into", po::value(&into));
        po::positional_options_description pos;
        pos.add("tar", 1).add("into", 1);
        po::variables_map vm;
        parse_args("unpack", inv.args, all, &pos, vm);
        if (vm.count("help")) {
            std::cout << desc << "\n" << exit_codes_help("unpack");
            return to_int(ExitCode::ok);
        }
        if (tar.empty()) throw UsageError("unpack needs a tar file");
        if (tar == "-") {
            throw UsageError(
                "unpack reads the tar twice (verify, then extract), so it needs a file, not "
                "stdin: save it first, or use `irsnap verify -`");
        }
        std::error_code ec;
        const BundleKind kind = probe_bundle(path_from_utf8(tar)).kind;
        if (kind != BundleKind::tar && kind != BundleKind::sealed) {
            throw UsageError(fmt::format("'{}' is not a tar bundle", tar));
        }
        load_identities(identities);
        if (into.empty()) into = ".";
        if (!std::filesystem::is_directory(path_from_utf8(into), ec)) {
            throw UsageError(fmt::format("'{}' is not a directory", into));
        }
        UnpackResult result = unpack_tar(path_from_utf8(tar), path_from_utf8(into));
        if (result.open_failed) {
            print_error(result.error);
            return to_int(result.integrity ? ExitCode::verify_failed : ExitCode::usage);
        }
        if (!result.report.ok()) return print_report(tar, result.report, vm.count("json") > 0);
        if (!result.error.empty()) {
            print_error(result.error);
            return to_int(ExitCode::output_unusable);
        }
        if (vm.count("json")) {
            std::cout << dump_for_terminal(json{{"bundle", tar},
                                                {"verified", true},
                                                {"run_status", result.report.run_status},
                                                {"files_checked", result.report.files_checked},
                                                {"unpacked_into", result.bundle_dir}},
                                           2)
                      << "\n";
        } else {
            print_safe("VERIFIED {} ({} files; run status: {})\nUNPACKED into {}\n", tar,
                       result.report.files_checked, result.report.run_status, result.bundle_dir);
        }
        return to_int(ExitCode::ok);
    });
}

}  // namespace irsnap::cli
