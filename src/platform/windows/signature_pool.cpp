// SPDX-License-Identifier: Apache-2.0
#include "irsnap/windows/signature_pool.hpp"

#include <algorithm>

namespace irsnap::win {

SignaturePool::SignaturePool(unsigned threads) {
    for (unsigned i = 0; i < std::max(threads, 1u); ++i) {
        m_threads.emplace_back([this] { worker(); });
    }
}

SignaturePool::~SignaturePool() {
    std::deque<std::pair<std::wstring, std::promise<Signature>>> left;
    {
        std::lock_guard lock(m_mutex);
        m_stopping = true;
        left.swap(m_queue);
    }
    m_wake.notify_all();
    for (auto& [path, promise] : left) promise.set_value({"error", "", "", "run stopped"});
    for (auto& t : m_threads) t.join();
}

std::shared_future<Signature> SignaturePool::submit(std::wstring path) {
    std::promise<Signature> promise;
    auto future = promise.get_future().share();
    {
        std::lock_guard lock(m_mutex);
        m_queue.emplace_back(std::move(path), std::move(promise));
    }
    m_wake.notify_one();
    return future;
}

void SignaturePool::worker() {
    while (true) {
        std::pair<std::wstring, std::promise<Signature>> job;
        {
            std::unique_lock lock(m_mutex);
            m_wake.wait(lock, [this] { return m_stopping || !m_queue.empty(); });
            if (m_stopping) return;
            job = std::move(m_queue.front());
            m_queue.pop_front();
        }
        Signature signature;
        try {
            signature = check_signature(job.first);
        } catch (const std::exception& e) {
            signature = {"error", "", "", e.what()};
        }
        job.second.set_value(std::move(signature));
    }
}

}  // namespace irsnap::win
