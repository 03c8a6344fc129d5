// SPDX-License-Identifier: Apache-2.0
// The one-page printed procedure for remote staff (`irsnap procedure`), see docs/procedure.md.
#pragma once

#include <string>
#include <string_view>
#include <vector>

namespace irsnap {

struct ProcedureInput {
    std::string case_id;             ///< printed on the page and the form; may be empty
    std::string examiner;            ///< fills "Collected by"; may be empty
    std::string platform = "linux";  ///< linux | windows: which command the steps name
    std::string version;             ///< the tool's version
    std::string revision;            ///< git revision
    /// SHA-256 of the executable the page is for (`--binary`, else the running one when it is
    /// a build for `platform`); empty if unknown.
    std::string tool_sha256;
    /// Why tool_sha256 is empty: "other platform" (this irsnap cannot be the one on the stick:
    /// the page leaves a box and says how to fill it), else the program could not read itself.
    bool tool_sha256_other_platform = false;
    /// The age keys the stick seals to (irsnap.recipients beside the binary, or --recipient):
    /// the page shows them and the form gets a box for the sealed file's digest.
    std::vector<std::string> sealed_to;
};

/// The command staff type on Linux, one line per element (the page shows them as separate
/// lines: each break is where sh takes a newline as a space). It copies irsnap from the stick
/// into a fresh directory on /dev/shm (RAM), runs it from there with the bundle going to the
/// stick (the current directory), and removes the copy: a FAT stick mounted `showexec` (udisks'
/// default) or `noexec` cannot start a program.
const std::vector<std::string>& linux_procedure_command();

/// "linux" for an ELF file, "windows" for a PE ("MZ") file, "" otherwise, from its first bytes.
std::string executable_platform(std::string_view first_bytes);

/// Plain text, at most 60 lines of at most 100 columns.
std::string render_procedure_text(const ProcedureInput& input);

/// One self-contained HTML page (inline CSS, no external resources) that prints on one A4 or
/// Letter sheet.
std::string render_procedure_html(const ProcedureInput& input);

}  // namespace irsnap
