// SPDX-License-Identifier: Apache-2.0
#include "common/signature_window.hpp"

#include "irsnap/windows/signature_fields.hpp"

namespace irsnap::win {

void SignatureWindow::push(nlohmann::json record, std::optional<std::shared_future<FileHash>> hash,
                           std::optional<std::shared_future<Signature>> signature) {
    m_pending.push_back({std::move(record), std::move(hash), std::move(signature)});
    if (m_pending.size() >= m_limit) pass_front();
}

void SignatureWindow::flush() {
    while (!m_pending.empty()) pass_front();
}

void SignatureWindow::pass_front() {
    Pending& p = m_pending.front();
    if (p.signature) add_signature(p.signature->get(), p.record);
    m_next.push(std::move(p.record), std::move(p.hash));
    m_pending.pop_front();
}

}  // namespace irsnap::win
