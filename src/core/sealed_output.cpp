// SPDX-License-Identifier: Apache-2.0
#include "irsnap/sealed_output.hpp"

#include <cerrno>
#include <cstring>

#include <fmt/format.h>

#include "irsnap/artifact_writer.hpp"
#include "irsnap/bundle_fs.hpp"
#include "irsnap/text.hpp"
#include "irsnap/usage_error.hpp"

namespace irsnap {

std::vector<age::Recipient> read_recipients_file(const std::filesystem::path& path,
                                                 std::string& error) {
    // Regular files only and bounded: a FIFO planted as irsnap.recipients must not hang the run.
    const std::string text = read_input_text(path, k_max_recipients_file_bytes, error);
    if (!error.empty()) return {};
    return age::parse_recipients_file(text, error);
}

SealPlan resolve_seal_plan(const std::vector<std::string>& keys, const std::string& keys_file,
                           const std::filesystem::path& executable_dir) {
    SealPlan plan;
    for (const std::string& key : keys) {
        std::string error;
        auto r = age::parse_recipient(key, error);
        if (!r) throw UsageError(fmt::format("--recipient {}: {}", key, error));
        plan.recipients.push_back(*r);
    }
    if (!keys.empty()) plan.source = "--recipient";
    auto from_file = [&](const std::filesystem::path& path, const std::string& what) {
        std::string error;
        auto rs = read_recipients_file(path, error);
        if (!error.empty()) throw UsageError(fmt::format("{}: {}", what, error));
        plan.recipients.insert(plan.recipients.end(), rs.begin(), rs.end());
        plan.source += (plan.source.empty() ? "" : " and ") + what;
    };
    if (!keys_file.empty()) {
        from_file(path_from_utf8(keys_file), "--recipients-file " + keys_file);
    } else if (keys.empty() && !executable_dir.empty()) {
        const auto beside = executable_dir / k_recipients_file_name;
        std::error_code ec;
        // Present but unusable is an error, never a silent plaintext run.
        if (std::filesystem::symlink_status(beside, ec).type() !=
            std::filesystem::file_type::not_found) {
            from_file(beside, beside.string() + " (beside the executable)");
        }
    }
    return plan;
}

SealedSink::SealedSink(std::unique_ptr<ByteSink> target, std::vector<age::Recipient> recipients)
    : m_target(std::move(target)), m_age(std::move(recipients), [this](std::string_view sealed) {
          m_hash.update(sealed);
          m_sealed_bytes += sealed.size();
          return m_target->write(sealed);
      }) {
    if (const int code = m_age.start(); code != 0) {
        throw OutputError(
            m_target->where(), code,
            "cannot write the sealed bundle to " + m_target->where() + ": " + std::strerror(code));
    }
}

int SealedSink::write(std::string_view bytes) {
    return m_age.write(bytes);
}

int SealedSink::close() {
    if (const int code = m_age.finish(); code != 0) return code;
    return m_target->close();
}

std::string SealedSink::sealed_sha256() {
    if (m_digest.empty()) m_digest = m_hash.finish_hex();
    return m_digest;
}

}  // namespace irsnap
