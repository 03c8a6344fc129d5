// SPDX-License-Identifier: Apache-2.0
// The activity tracepoints (progs/activity.bpf.c), loaded from the embedded skeleton, attached
// one by one, and read through libbpf's ring buffer. Records are decoded by
// decode_trace_record (../bpf/trace_records.cpp).
#include "irsnap/linux/activity_trace.hpp"

#include <bpf/bpf.h>
#include <bpf/btf.h>
#include <bpf/libbpf.h>
#include <linux/types.h>

#include <cerrno>

#include "activity.skel.h"
#include "irsnap/linux/bpf_trace_records.h"
#include "irsnap/linux/kernel_tasks.hpp"
#include "iterator.hpp"

namespace irsnap::trace {

struct TraceSession::Impl {
    irsnap_activity* skeleton = nullptr;
    std::vector<bpf_link*> links;
    ring_buffer* ring = nullptr;
    const std::function<void(const TraceEvent&)>* take = nullptr;  // set during consume()
    size_t taken = 0;
    uint64_t* undecodable = nullptr;

    ~Impl() {
        // Links first: the programs stop firing before the buffer and the programs go.
        for (bpf_link* link : links) bpf_link__destroy(link);
        if (ring) ring_buffer__free(ring);
        if (skeleton) irsnap_activity__destroy(skeleton);
    }
};

namespace {

struct Tracepoint {
    const char* name;      ///< as attached() reports it
    const char* btf_name;  ///< the kernel's typedef btf_trace_<btf_name> says it exists
    bool required;
    bpf_program* (*program)(irsnap_activity*);
};

const Tracepoint k_tracepoints[] = {
    {"sched/sched_process_exec", "sched_process_exec", true,
     [](irsnap_activity* s) { return s->progs.irsnap_exec; }},
    {"sched/sched_process_fork", "sched_process_fork", true,
     [](irsnap_activity* s) { return s->progs.irsnap_fork; }},
    {"sched/sched_process_exit", "sched_process_exit", true,
     [](irsnap_activity* s) { return s->progs.irsnap_exit; }},
    {"sock/inet_sock_set_state", "inet_sock_set_state", true,
     [](irsnap_activity* s) { return s->progs.irsnap_tcp_state; }},
    {"sock/sock_send_length", "sock_send_length", false,
     [](irsnap_activity* s) { return s->progs.irsnap_udp_send; }},
};

/// A tracepoint the kernel lacks would fail the whole load (its BTF id is resolved then): an
/// optional one is left out (named in `missing`), a required one is the error. The kernel's BTF
/// (5 MB) is parsed once for all of them and freed before the load parses its own copy.
std::optional<ItemError> leave_out_missing(irsnap_activity* skeleton,
                                           std::vector<std::string>& missing) {
    const std::unique_ptr<btf, void (*)(btf*)> kernel_btf(btf__load_vmlinux_btf(), btf__free);
    if (!kernel_btf) return bpf_iter::load_error("trace/activity", errno);
    for (const Tracepoint& tp : k_tracepoints) {
        const std::string type = std::string("btf_trace_") + tp.btf_name;
        if (btf__find_by_name_kind(kernel_btf.get(), type.c_str(), BTF_KIND_TYPEDEF) > 0) continue;
        if (tp.required) {
            return ItemError::from_errno("bpf-load", ENOENT, "trace/activity",
                                         std::string("the kernel has no tracepoint ") + tp.name);
        }
        bpf_program__set_autoload(tp.program(skeleton), false);
        missing.emplace_back(tp.name);
    }
    return std::nullopt;
}

}  // namespace

Result<std::unique_ptr<TraceSession>> TraceSession::start() {
    constexpr const char* k_name = "trace/activity";
    if (auto why = kernel_view::kernel_views_unavailable(); !why.empty()) {
        return ItemError::without_code("bpf-load", k_name, why);
    }
    std::unique_ptr<TraceSession> session(new TraceSession());
    session->m_impl = std::make_unique<Impl>();
    Impl& impl = *session->m_impl;
    impl.undecodable = &session->m_undecodable;
    bpf_iter::capture_libbpf_output();
    impl.skeleton = irsnap_activity__open();
    if (!impl.skeleton) return bpf_iter::load_error(k_name, errno);
    if (auto failed = leave_out_missing(impl.skeleton, session->m_missing)) return *failed;
    if (irsnap_activity__load(impl.skeleton) != 0) return bpf_iter::load_error(k_name, errno);
    for (const Tracepoint& tp : k_tracepoints) {
        bpf_program* program = tp.program(impl.skeleton);
        if (!bpf_program__autoload(program)) continue;
        bpf_link* link = bpf_program__attach(program);
        if (!link) {
            const int err = errno;
            if (tp.required) return bpf_iter::load_error(tp.name, err);
            session->m_missing.emplace_back(tp.name);
            continue;
        }
        impl.links.push_back(link);
        session->m_attached.emplace_back(tp.name);
    }
    auto on_record = [](void* ctx, void* data, size_t size) {
        auto* self = static_cast<Impl*>(ctx);
        auto event = decode_trace_record(std::string_view(static_cast<const char*>(data), size));
        if (!event) {
            ++*self->undecodable;
            return 0;
        }
        ++self->taken;
        (*self->take)(*event);
        return 0;
    };
    impl.ring =
        ring_buffer__new(bpf_map__fd(impl.skeleton->maps.events), on_record, &impl, nullptr);
    if (!impl.ring) return bpf_iter::load_error(k_name, errno);
    return session;
}

TraceSession::~TraceSession() = default;

int TraceSession::fd() const {
    return ring_buffer__epoll_fd(m_impl->ring);
}

size_t TraceSession::consume(const std::function<void(const TraceEvent&)>& take) {
    m_impl->take = &take;
    m_impl->taken = 0;
    ring_buffer__consume(m_impl->ring);
    m_impl->take = nullptr;
    return m_impl->taken;
}

uint64_t TraceSession::lost() const {
    // The counter is a global of the program's .bss, mapped into this process by the skeleton.
    return __atomic_load_n(&m_impl->skeleton->bss->lost, __ATOMIC_RELAXED);
}

}  // namespace irsnap::trace
