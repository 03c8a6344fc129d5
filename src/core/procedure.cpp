// SPDX-License-Identifier: Apache-2.0
// The printed procedure: one list of steps, rendered as text and as HTML. The wording is for
// staff who are not responders: plain words, no choices, and "call the responder" whenever the
// screen differs from the page.
#include "irsnap/procedure.hpp"

#include <string_view>
#include <vector>

#include <fmt/format.h>

namespace irsnap {
namespace {

struct Step {
    std::string text;
    std::string block;     ///< a command to type or a sample of the screen, shown as is
    std::string after;     ///< text after the block
    bool command = false;  ///< the block is to be typed (shown large), not a screen sample
};

constexpr size_t k_text_width = 94;
constexpr size_t k_max_value_bytes = 48;

/// Case id and examiner come from the command line: keep them printable and short enough
/// for one form line, cut on a UTF-8 character boundary.
std::string clean_value(std::string_view in) {
    std::string out;
    for (char c : in) out.push_back(static_cast<unsigned char>(c) < 0x20 || c == 0x7f ? '?' : c);
    if (out.size() > k_max_value_bytes) {
        size_t cut = k_max_value_bytes;
        while (cut > 0 && (static_cast<unsigned char>(out[cut]) & 0xC0) == 0x80) --cut;
        out = out.substr(0, cut) + "...";
    }
    return out;
}

bool windows(const ProcedureInput& in) {
    return in.platform == "windows";
}

std::string sample_final_block(const ProcedureInput& in) {
    // The real final block printed by `irsnap collect` (collect_command.cpp), with example values.
    const char* bundle =
        windows(in) ? "E:\\WS042_20261122T011502Z" : "/media/usb/web01_20261122T011502Z";
    if (!in.sealed_to.empty()) {
        return fmt::format(
            "DONE  sealed bundle: {}.tar.age (48213 bytes)\n"
            "      sealed file SHA-256: "
            "9b1c0e6a2f2d4e8f0c7b5a3d1e9f8a7b6c5d4e3f2a1b0c9d8e7f6a5b4c3d2e1f\n"
            "      manifest SHA-256:    "
            "3f197b2411de566f94b633c506b632900bb08d1629db570a92592895cd7fcb41\n"
            "      sealed to: {}\n"
            "      write both digests on the custody form.",
            bundle, in.sealed_to.front());
    }
    return fmt::format(
        "DONE  bundle: {}\n"
        "      manifest SHA-256: 3f197b2411de566f94b633c506b632900bb08d1629db570a92592895cd7fcb41\n"
        "      write this digest on the custody form.\n"
        "      coverage: 11 ok",
        bundle);
}

std::vector<Step> steps(const ProcedureInput& in) {
    std::vector<Step> out;
    out.push_back(
        {"Do NOT unplug the network cable. Do NOT shut down, restart or log off the "
         "machine. Evidence that lives only in memory (network connections, running "
         "programs) would be lost.",
         "", ""});
    out.push_back(
        {"Do not open files, run a virus scan or tidy anything up on the machine.", "", ""});
    out.push_back({"Plug the irsnap USB stick into the machine.", "", ""});
    if (windows(in)) {
        out.push_back(
            {"Open the stick in Explorer and double-click irsnap.exe; answer Yes when "
             "Windows asks to allow it. Or, in a Command Prompt started with \"Run as "
             "administrator\", go to the stick's drive and type exactly:",
             "irsnap.exe", "Add nothing to the command.", true});
    } else {
        std::string command;
        for (const auto& line : linux_procedure_command()) {
            command += (command.empty() ? "" : "\n") + line;
        }
        out.push_back(
            {"Open a terminal in the stick's folder and type exactly these two lines, "
             "pressing Enter after each:",
             command,
             "Type your own password if asked (if you have none, call the responder). "
             "Add nothing to the command.",
             true});
    }
    out.push_back(
        {"Wait until the screen shows DONE, usually within a minute. Do not type "
         "anything or close the window meanwhile. The end looks like this (your bundle "
         "name and digest differ):",
         sample_final_block(in),
         "If it shows STOPPED, or a line that starts with \"irsnap:\", copy that line "
         "onto the form and call the responder."});
    if (in.sealed_to.empty()) {
        out.push_back(
            {"On the form below, write the bundle name (the last part of the \"bundle:\" "
             "line; it ends with the date and time in UTC) and all 64 characters of the "
             "manifest SHA-256. Check both twice.",
             "", ""});
    } else {
        out.push_back(
            {"Check that \"sealed to:\" shows the key printed at the top of this page. On the "
             "form, write the bundle name (it ends with the date and time in UTC) and all 64 "
             "characters of both digests. Check them twice.",
             "", ""});
    }
    out.push_back({windows(in) ? "Eject the stick (right-click its drive in Explorer, choose "
                                 "Eject) and unplug it."
                               : "Eject the stick (the eject icon next to it in the file "
                                 "manager; on a text screen, just wait for the prompt) and "
                                 "unplug it.",
                   "", ""});
    out.push_back(
        {"Hand the stick and this signed page, in person, to the one named under "
         "\"Handed to\". Keep both with you until then.",
         "", ""});
    out.push_back(
        {"Do not run anything else on the machine. Leave it on and connected until the "
         "responder says otherwise.",
         "", ""});
    return out;
}

struct FormField {
    std::string label;
    std::string value;  ///< printed instead of a blank line when known
    std::string hint;
};

std::vector<FormField> form_fields(const ProcedureInput& in) {
    // "line_sha256" is the name `irsnap custody` prints it under (and its --json field).
    return {{"Case id", clean_value(in.case_id), ""},
            {"Evidence id", "", ""},
            {"Host name", "", ""},
            {"Collected by", clean_value(in.examiner), ""},
            {"Date/time (UTC)", "", "the end of the bundle name"},
            {"Bundle name", "", ""},
            {"Manifest SHA-256", "", ""},
            {"Sealed file SHA-256", "", ""},
            {"Handed to", "", "name, date/time"},
            {"Custody line_sha256", "", "printed by irsnap custody"},
            {"Signature", "", "collected by / received by"}};
}

std::string platform_name(const ProcedureInput& in) {
    return windows(in) ? "Windows" : "Linux";
}

/// The command that prints the tool's digest on the stick's executable.
std::string version_command(const ProcedureInput& in) {
    return windows(in) ? "irsnap.exe --version" : "irsnap --version";
}

std::string tool_sha(const ProcedureInput& in) {
    if (!in.tool_sha256.empty()) return in.tool_sha256;
    if (in.tool_sha256_other_platform) return std::string(64, '_');
    return "(unknown: the program could not read itself)";
}

/// The line under the tool digest: how the responder checks it, or fills it in.
std::string tool_sha_hint(const ProcedureInput& in) {
    if (in.tool_sha256.empty() && in.tool_sha256_other_platform) {
        return fmt::format("for the responder: write here the sha256 that `{}` on the stick prints",
                           version_command(in));
    }
    return fmt::format("for the responder: `{}` on the stick must print this same sha256",
                       version_command(in));
}

/// Greedy word wrap; `indent` starts every line but the first, which the caller prefixed.
std::string wrap(std::string_view text, size_t first_width, size_t width, std::string_view indent) {
    std::string out, line;
    size_t limit = first_width;
    size_t start = 0;
    while (start < text.size()) {
        size_t space = text.find(' ', start);
        std::string_view word = text.substr(
            start, space == std::string_view::npos ? std::string_view::npos : space - start);
        if (!line.empty() && line.size() + 1 + word.size() > limit) {
            out += line + "\n" + std::string(indent);
            line.clear();
            limit = width - indent.size();
        }
        if (!line.empty()) line += ' ';
        line += word;
        if (space == std::string_view::npos) break;
        start = space + 1;
    }
    return out + line + "\n";
}

std::string indent_block(std::string_view block, std::string_view indent) {
    std::string out;
    size_t start = 0;
    while (start <= block.size()) {
        size_t nl = block.find('\n', start);
        out += std::string(indent) + std::string(block.substr(start, nl - start)) + "\n";
        if (nl == std::string_view::npos) break;
        start = nl + 1;
    }
    return out;
}

std::string html_escape(std::string_view in) {
    std::string out;
    for (char c : in) {
        switch (c) {
            case '&':
                out += "&amp;";
                break;
            case '<':
                out += "&lt;";
                break;
            case '>':
                out += "&gt;";
                break;
            case '"':
                out += "&quot;";
                break;
            case '\'':
                out += "&#39;";
                break;
            default:
                out.push_back(c);
        }
    }
    return out;
}

const char* const k_css = R"(
@page { margin: 12mm; }
* { box-sizing: border-box; }
html { -webkit-print-color-adjust: exact; print-color-adjust: exact; }
body { font: 10pt/1.25 "DejaVu Sans", Arial, Helvetica, sans-serif; color: #000; margin: 0 auto;
       max-width: 186mm; padding: 0; }
h1 { font-size: 13pt; margin: 0 0 1mm; }
.meta { margin: 0 0 1.5mm; }
.meta td { padding: 0 3mm 0 0; vertical-align: top; }
.mono, pre, code { font-family: "DejaVu Sans Mono", "Courier New", monospace; }
.sha { font-size: 8.5pt; }
.warn { border: 1.5pt solid #000; padding: 1.5mm 2.5mm; margin: 1.5mm 0; font-weight: bold; }
ol { margin: 1mm 0 2mm; padding-left: 6mm; }
li { margin: 0 0 1.2mm; }
pre { margin: 1mm 0; padding: 1.5mm 2mm; border: 0.75pt solid #000; font-size: 8pt;
      white-space: pre-wrap; word-break: break-all; }
pre.cmd { font-size: 11pt; font-weight: bold; display: inline-block; padding: 1mm 4mm; }
h2 { font-size: 11pt; margin: 2mm 0 1mm; border-top: 1.5pt solid #000; padding-top: 1.5mm; }
table.form { width: 100%; border-collapse: collapse; }
table.form th { text-align: left; font-weight: normal; width: 36mm; padding: 2.2mm 2mm 0 0;
                vertical-align: bottom; white-space: nowrap; }
table.form td { border-bottom: 0.75pt solid #000; height: 7.5mm; vertical-align: bottom;
                padding: 0 0 0.5mm 0; }
table.form td.filled { font-weight: bold; }
.hint { font-size: 7.5pt; color: #333; }
table.boxes { border-collapse: collapse; margin-top: 1.5mm; }
table.boxes td { border: 0.75pt solid #000; width: 4.6mm; height: 5.6mm; padding: 0; }
table.boxes td.gap { border: none; width: 1.6mm; }
table.form td.nobox { border-bottom: none; }
@media print { body { max-width: none; } .noprint { display: none; } }
@media screen { body { padding: 12mm; } }
)";

std::string html_sha_boxes() {
    // 64 boxes (2 rows of 32, groups of 8): one character per box is easier to copy and check.
    std::string out = "<table class=\"boxes\">";
    for (int row = 0; row < 2; ++row) {
        out += "<tr>";
        for (int i = 0; i < 32; ++i) {
            if (i > 0 && i % 8 == 0) out += "<td class=\"gap\"></td>";
            out += "<td></td>";
        }
        out += "</tr>";
    }
    return out + "</table>";
}

}  // namespace

const std::vector<std::string>& linux_procedure_command() {
    // mktemp -d: a fresh 0700 directory, so nothing another user planted on /dev/shm (a file
    // or link named irsnap) is written through or run as root. "$PWD" is the stick's folder,
    // where the bundle must go (irsnap's default would be beside itself: in RAM). r=$? keeps
    // irsnap's exit code past the clean-up. The break after "&&" is one sh allows, so the two
    // lines also work typed as one.
    static const std::vector<std::string> k_lines = {
        "sudo sh -c 'd=$(mktemp -dp /dev/shm) && install -m700 irsnap $d &&",
        "$d/irsnap -o \"$PWD\"; r=$?; rm -r $d; exit $r'"};
    return k_lines;
}

std::string executable_platform(std::string_view first_bytes) {
    if (first_bytes.starts_with("\x7f"
                                "ELF"))
        return "linux";
    if (first_bytes.starts_with("MZ")) return "windows";
    return "";
}

std::string render_procedure_text(const ProcedureInput& in) {
    std::string out;
    const std::string case_id = clean_value(in.case_id);
    out += "IRSNAP EVIDENCE COLLECTION: PROCEDURE FOR ON-SITE STAFF (one page)\n";
    out += fmt::format("Case: {}\n", case_id.empty() ? "________________" : case_id);
    out += fmt::format("Platform: {}    Tool: irsnap {} (revision {})\n", platform_name(in),
                       in.version, in.revision);
    out += fmt::format("Tool SHA-256: {}\n", tool_sha(in));
    out += "  (" + tool_sha_hint(in) + ")\n";
    for (const std::string& key : in.sealed_to) out += fmt::format("Seals to: {}\n", key);
    out += std::string(k_text_width, '=') + "\n";
    out += wrap(
        "Read every step first, then do them in order. You make no choices: if anything "
        "differs from this page, stop and call the responder.",
        k_text_width, k_text_width, "");
    out += "\n";
    int n = 0;
    for (const Step& s : steps(in)) {
        const std::string number = fmt::format("{:>2}. ", ++n);
        out += number + wrap(s.text, k_text_width - number.size(), k_text_width, "    ");
        if (!s.block.empty()) out += indent_block(s.block, "        ");
        if (!s.after.empty()) out += "    " + wrap(s.after, k_text_width - 4, k_text_width, "    ");
    }
    out += "\nCUSTODY FORM " + std::string(k_text_width - 13, '-') + "\n";
    for (const FormField& f : form_fields(in)) {
        if (f.label == "Sealed file SHA-256" && in.sealed_to.empty()) continue;
        std::string line = fmt::format("  {:<21}", f.label + ":");
        if (f.label == "Manifest SHA-256" || f.label == "Sealed file SHA-256") {
            out += line + "________ ________ ________ ________\n";
            out += std::string(23, ' ') + "________ ________ ________ ________\n\n";
            continue;
        }
        line += f.value.empty() ? std::string(44, '_') : f.value;
        if (!f.hint.empty()) line += "  (" + f.hint + ")";
        out += line + "\n\n";
    }
    return out;
}

std::string render_procedure_html(const ProcedureInput& in) {
    const std::string case_id = clean_value(in.case_id);
    std::string out;
    out += "<!DOCTYPE html>\n<html lang=\"en\">\n<head>\n<meta charset=\"utf-8\">\n";
    out += fmt::format("<title>irsnap procedure{}</title>\n",
                       case_id.empty() ? "" : " - " + html_escape(case_id));
    out += "<style>" + std::string(k_css) + "</style>\n</head>\n<body>\n";
    out += "<h1>Evidence collection with irsnap: procedure for on-site staff</h1>\n";
    out += "<table class=\"meta\">";
    out += fmt::format(
        "<tr><td>Case: <b>{}</b></td><td>Platform: <b>{}</b></td>"
        "<td>Tool: irsnap {} (revision {})</td></tr>",
        case_id.empty() ? "________________" : html_escape(case_id), platform_name(in),
        html_escape(in.version), html_escape(in.revision));
    out += fmt::format(
        "<tr><td colspan=\"3\">Tool SHA-256: <span class=\"mono sha\">{}</span> "
        "<span class=\"hint\">({})</span></td></tr>",
        html_escape(tool_sha(in)), html_escape(tool_sha_hint(in)));
    for (const std::string& key : in.sealed_to) {
        out +=
            fmt::format("<tr><td colspan=\"3\">Seals to: <span class=\"mono\">{}</span></td></tr>",
                        html_escape(key));
    }
    out += "</table>\n";
    out +=
        "<div class=\"warn\">Read every step first, then do them in order. You make no "
        "choices: if anything differs from this page, stop and call the responder.</div>\n";
    out += "<ol>\n";
    for (const Step& s : steps(in)) {
        out += "<li>" + html_escape(s.text);
        if (!s.block.empty()) {
            out += fmt::format("<br><pre class=\"{}\">{}</pre>", s.command ? "cmd" : "sample",
                               html_escape(s.block));
            // The command box is inline-block: the text after it needs its own line.
            if (s.command && !s.after.empty()) out += "<br>";
        }
        if (!s.after.empty()) out += (s.block.empty() ? " " : "") + html_escape(s.after);
        out += "</li>\n";
    }
    out += "</ol>\n<h2>Custody form</h2>\n<table class=\"form\">\n";
    for (const FormField& f : form_fields(in)) {
        if (f.label == "Sealed file SHA-256" && in.sealed_to.empty()) continue;
        out += "<tr><th>" + html_escape(f.label) + "</th>";
        if (f.label == "Manifest SHA-256" || f.label == "Sealed file SHA-256") {
            out += "<td class=\"nobox\">" + html_sha_boxes() + "</td></tr>\n";
            continue;
        }
        out += fmt::format("<td class=\"{}\">{}{}</td></tr>\n", f.value.empty() ? "" : "filled",
                           html_escape(f.value),
                           f.hint.empty() ? ""
                                          : "<span class=\"hint\" style=\"float:right\">" +
                                                html_escape(f.hint) + "</span>");
    }
    out += "</table>\n</body>\n</html>\n";
    return out;
}

}  // namespace irsnap
