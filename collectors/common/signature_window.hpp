// SPDX-License-Identifier: Apache-2.0
// Windows records wait for their Authenticode answer (irsnap/windows/signature_pool.hpp) in a
// bounded window, then go on to the hash window.
#pragma once

#include <cstddef>
#include <deque>
#include <future>
#include <optional>

#include <nlohmann/json.hpp>

#include "common/hash_window.hpp"
#include "irsnap/windows/signature_pool.hpp"

namespace irsnap::win {

/// Records waiting for their signature (written into them by add_signature), in order, at most
/// `limit` at a time; each then goes on to `next` with its hash.
class SignatureWindow {
  public:
    SignatureWindow(collectors::HashWindow& next, size_t limit) : m_next(next), m_limit(limit) {}

    void push(nlohmann::json record, std::optional<std::shared_future<FileHash>> hash,
              std::optional<std::shared_future<Signature>> signature);
    /// Drains this window into `next` (the caller flushes `next` after).
    void flush();

  private:
    struct Pending {
        nlohmann::json record;
        std::optional<std::shared_future<FileHash>> hash;
        std::optional<std::shared_future<Signature>> signature;
    };
    void pass_front();

    collectors::HashWindow& m_next;
    size_t m_limit;
    std::deque<Pending> m_pending;
};

}  // namespace irsnap::win
