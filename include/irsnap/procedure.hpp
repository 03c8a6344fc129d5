// SPDX-License-Identifier: Apache-2.0
// The one-page printed procedure for remote staff (`irsnap procedure`), see docs/procedure.md.
#pragma once

#include <string>

namespace irsnap {

struct ProcedureInput {
    std::string case_id;             ///< printed on the page and the form; may be empty
    std::string examiner;            ///< fills "Collected by"; may be empty
    std::string platform = "linux";  ///< linux | windows: which command the steps name
    std::string version;             ///< the tool's version
    std::string revision;            ///< git revision
    std::string tool_sha256;         ///< SHA-256 of the running executable; empty if unknown
};

/// Plain text, at most 60 lines of at most 100 columns.
std::string render_procedure_text(const ProcedureInput& input);

/// One self-contained HTML page (inline CSS, no external resources) that prints on one A4 or
/// Letter sheet.
std::string render_procedure_html(const ProcedureInput& input);

}  // namespace irsnap
