// SPDX-License-Identifier: Apache-2.0
// `irsnap procedure` (the printed page for remote staff) and `irsnap custody BUNDLE` (events
// after collection, appended to custody.jsonl).
#include <sys/utsname.h>
#include <unistd.h>

#include <iostream>

#include <fmt/format.h>
#include <nlohmann/json.hpp>

#include "build_info.hpp"
#include "commands.hpp"
#include "irsnap/artifact_writer.hpp"
#include "irsnap/bundle_fs.hpp"
#include "irsnap/custody.hpp"
#include "irsnap/exit_codes.hpp"
#include "irsnap/file_hash.hpp"
#include "irsnap/hash.hpp"
#include "irsnap/host.hpp"
#include "irsnap/procedure.hpp"
#include "irsnap/runner.hpp"
#include "irsnap/sealed_output.hpp"
#include "irsnap/text.hpp"
#include "parse.hpp"
#include "safe_print.hpp"

namespace irsnap::cli {
namespace {

using nlohmann::json;

/// "alice", or "root (sudo by alice)": who recorded the event on this machine.
std::string recording_user() {
    Context ctx;                     // the live host: /proc and /etc/passwd, never NSS
    std::vector<std::string> notes;  // a custody event has no place for them
    json op = describe_operator(ctx, notes);
    std::string user = op.value("user", "");
    if (user.empty()) user = fmt::format("uid {}", getuid());
    if (op.contains("sudo_user") && op["sudo_user"].is_string()) {
        user += fmt::format(" (sudo by {})", op["sudo_user"].get<std::string>());
    }
    return is_valid_utf8(user) ? user : escape_bytes_always(user);
}

/// The SHA-256 of `--binary FILE`, after checking that it is an executable for `platform`.
std::string binary_sha256(const std::string& file, const std::string& platform) {
    // Regular files only, never waited on (a FIFO named by mistake must not hang the command).
    const BundleFile file_in = open_input_file(path_from_utf8(file));
    if (!file_in.fd) throw UsageError(fmt::format("--binary {}: {}", file, file_in.error));
    const int fd = file_in.fd.get();
    char head[4] = {};
    const ssize_t got = ::pread(fd, head, sizeof head, 0);
    const std::string format =
        got > 0 ? executable_platform(std::string_view(head, static_cast<size_t>(got))) : "";
    if (format != platform) {
        throw UsageError(
            fmt::format("--binary {} is {}, but the page is for --platform {} ({})", file,
                        format == "linux"     ? "a Linux (ELF) executable"
                        : format == "windows" ? "a Windows (PE) executable"
                                              : "not an executable (neither ELF nor PE)",
                        platform, platform == "windows" ? "irsnap.exe" : "irsnap"));
    }
    FileHash hash = hash_fd(fd, file_in.size, 0, nullptr);
    if (!hash.sha256) {
        throw UsageError(fmt::format("--binary {}: cannot read it ({})", file, hash.note));
    }
    return *hash.sha256;
}

std::string recording_host() {
    utsname uts{};
    if (uname(&uts) != 0) return "";
    std::string host = uts.nodename;
    return is_valid_utf8(host) ? host : escape_bytes_always(host);
}

}  // namespace

int run_procedure(const Invocation& inv) {
    try {
        ProcedureInput in;
        std::string format = "txt";
        std::string binary;
        std::vector<std::string> recipients;
        std::string recipients_file;
        po::options_description desc(
            "irsnap procedure: print the one-page procedure and custody form for on-site staff\n\n"
            "Usage: irsnap procedure [--case-id ID] [--examiner NAME] [--platform linux|windows]"
            " [--format txt|html] > page\n\nOptions");
        desc.add_options()("help,h", "show this help")(
            "case-id", po::value(&in.case_id), "case identifier printed on the page and form")(
            "examiner", po::value(&in.examiner), "fills 'Collected by' on the form")(
            "platform", po::value(&in.platform)->default_value("linux"),
            "which command the steps name: linux (irsnap copied to /dev/shm and run with sudo) "
            "or windows (irsnap.exe)")(
            "binary", po::value(&binary),
            "the executable on the stick (irsnap or irsnap.exe): its SHA-256 goes on the page. "
            "Default: this irsnap's own, when it is a build for --platform; otherwise the box "
            "is left blank for the responder to fill in")(
            "format", po::value(&format)->default_value("txt"),
            "txt (plain text, 60 lines) or html (self-contained, prints on one A4/Letter page)")(
            "recipient", po::value(&recipients)->composing(),
            "an age key the stick seals to (repeatable). Default: the keys in irsnap.recipients "
            "beside --binary (or beside this irsnap); the page shows them and the form gets a "
            "box for the sealed file's SHA-256")("recipients-file", po::value(&recipients_file),
                                                 "the stick's irsnap.recipients");
        po::variables_map vm;
        parse_args("procedure", inv.args, desc, nullptr, vm);
        if (vm.count("help")) {
            std::cout << desc << "\n" << exit_codes_help("procedure");
            return to_int(ExitCode::ok);
        }
        if (in.platform != "linux" && in.platform != "windows") {
            throw UsageError("--platform must be linux or windows");
        }
        if (format != "txt" && format != "html") throw UsageError("--format must be txt or html");
        init_crypto();
        in.version = build::k_version;
        in.revision = build::k_git_revision;
        if (!binary.empty()) {
            in.tool_sha256 = binary_sha256(binary, in.platform);
        } else if (in.platform == build::k_platform) {
            in.tool_sha256 = running_executable_sha256().value_or("");
        } else {
            in.tool_sha256_other_platform = true;
            console(fmt::format(
                "note: this irsnap is not the {} build, so the page leaves the tool SHA-256 "
                "blank: give --binary {} to print it\n",
                in.platform == "windows" ? "Windows" : "Linux",
                in.platform == "windows" ? "irsnap.exe" : "irsnap"));
        }
        // The same rule as a run from the stick: the keys beside the executable it names.
        const auto beside = binary.empty()
                                ? running_executable().parent_path()
                                : std::filesystem::absolute(path_from_utf8(binary)).parent_path();
        for (const auto& r : resolve_seal_plan(recipients, recipients_file, beside).recipients) {
            in.sealed_to.push_back(r.text());
        }
        std::cout << (format == "html" ? render_procedure_html(in) : render_procedure_text(in));
        std::cout.flush();
        return std::cout ? to_int(ExitCode::ok) : to_int(ExitCode::output_unusable);
    } catch (const UsageError& e) {
        print_error(e.what());
        return to_int(ExitCode::usage);
    }
}

int run_custody(const Invocation& inv) {
    try {
        std::string bundle;
        CustodyEventInput in;
        po::options_description desc(
            "irsnap custody BUNDLE: record a custody event (transfer, examination ...) in the\n"
            "bundle's custody.jsonl, chained by SHA-256 to the collection event. Earlier lines\n"
            "are never rewritten; 'irsnap verify' checks the chain. A sealed bundle (.tar.age)\n"
            "keeps its chain beside it (BUNDLE.tar.age.custody.jsonl), anchored on the sealed\n"
            "file's SHA-256, so a courier without the key records events too. Unpack a plain tar\n"
            "bundle first (tar -xf BUNDLE.tar) and record events in the directory."
            "\n\nUsage: irsnap custody BUNDLE_DIR|BUNDLE.tar.age --event EVENT --by NAME [--to "
            "NAME] "
            "[--note TEXT]\n\nOptions");
        desc.add_options()("help,h", "show this help")(
            "event", po::value(&in.event),
            "what happened: transferred, received, examined, copied, stored ... ([a-z_])")(
            "by", po::value(&in.by), "who hands over or acts (name, badge)")(
            "to", po::value(&in.to), "who receives (required for 'transferred')")(
            "note", po::value(&in.note), "free note (never secrets)")(
            "json", "print the recorded event's sequence and digest as JSON on stdout");
        po::options_description all;
        all.add(desc).add_options()("bundle", po::value(&bundle));
        po::positional_options_description pos;
        pos.add("bundle", 1);
        po::variables_map vm;
        parse_args("custody", inv.args, all, &pos, vm);
        if (vm.count("help")) {
            std::cout << desc << "\n" << exit_codes_help("custody");
            return to_int(ExitCode::ok);
        }
        if (bundle.empty()) throw UsageError("custody needs a bundle directory");
        std::error_code ec;
        const BundleProbe probe = probe_bundle(path_from_utf8(bundle));
        // A sealed bundle travels as one file, often with people who have no key: its chain
        // lives beside it (<file>.custody.jsonl), anchored on the sealed file's digest.
        const bool sealed = probe.kind == BundleKind::sealed;
        if (!sealed && std::filesystem::is_regular_file(bundle, ec)) {
            throw UsageError(fmt::format(
                "'{}' is a file: custody events are recorded in a bundle directory or beside a "
                "sealed bundle (.tar.age); unpack a tar bundle first",
                bundle));
        }
        if (!sealed && probe.kind != BundleKind::directory) {
            throw UsageError(fmt::format("'{}' is not a bundle directory{}", bundle,
                                         probe.error.empty() ? "" : ": " + probe.error));
        }
        if (!valid_custody_event(in.event)) {
            throw UsageError("--event must be one lower-case word of a-z and _ (e.g. transferred)");
        }
        if (in.by.empty()) throw UsageError("--by is required: who hands over or acts");
        if (in.event == "transferred" && in.to.empty()) {
            throw UsageError("--to is required for 'transferred': who receives the evidence");
        }
        for (const std::string* text : {&in.by, &in.to, &in.note}) {
            if (!is_valid_utf8(*text)) throw UsageError("--by, --to and --note must be UTF-8 text");
        }
        init_crypto();
        in.host = recording_host();
        in.user = recording_user();
        CustodyAppended done = sealed ? append_sealed_custody_event(path_from_utf8(bundle), in)
                                      : append_custody_event(path_from_utf8(bundle), in);
        if (vm.count("json")) {
            std::cout << dump_for_terminal(json{{"bundle", bundle},
                                                {"sequence", done.sequence},
                                                {"time", done.time},
                                                {"line_sha256", done.line_sha256}})
                      << std::endl;
        }
        // The line's digest, not its event_sha256: it is what the next event links to, and
        // `sed -n Np custody.jsonl | sha256sum` recomputes it. Printed under its JSON name so
        // the paper, the --json output and the docs say the same word.
        console(
            format_safe("RECORDED event {} ({}) in {}\n      line_sha256: {}\n"
                        "      write this digest on the custody form (Custody line_sha256).\n",
                        done.sequence, in.event,
                        sealed ? bundle + k_sealed_custody_suffix : bundle + "/" + k_custody_log,
                        done.line_sha256));
        return to_int(ExitCode::ok);
    } catch (const UsageError& e) {
        print_error(e.what());
        return to_int(ExitCode::usage);
    } catch (const CustodyRefused& e) {
        print_error(e.what());
        return to_int(ExitCode::verify_failed);
    } catch (const OutputError& e) {
        print_error(e.what());
        return to_int(ExitCode::output_unusable);
    }
}

}  // namespace irsnap::cli
