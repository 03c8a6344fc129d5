// SPDX-License-Identifier: Apache-2.0
// iter/tcp, iter/udp and iter/unix, loaded once from the skeleton embedded at build time
// (sockets.bpf.c). A socket iterator lists the network namespace of the task that creates the
// iterator descriptor, so read() creates them inside the namespace asked for.
#include <bpf/bpf.h>
#include <bpf/libbpf.h>
#include <linux/types.h>

#include <cerrno>

#include "irsnap/linux/bpf_iter_records.h"
#include "irsnap/linux/kernel_sockets.hpp"
#include "irsnap/linux/netns.hpp"
#include "iterator.hpp"
#include "sockets.skel.h"

namespace irsnap::kernel_view {

namespace {

Result<std::shared_ptr<irsnap_sockets>> load_socket_programs() {
    return bpf_iter::load_skeleton<irsnap_sockets>("iter/tcp, iter/udp, iter/unix",
                                                   irsnap_sockets__open, irsnap_sockets__load,
                                                   irsnap_sockets__destroy);
}

}  // namespace

struct KernelSocketReader::Loaded {
    std::shared_ptr<irsnap_sockets> skeleton;  // the run's preloaded one, or loaded here
    bpf_link* links[3] = {};
    const char* names[3] = {"iter/tcp", "iter/udp", "iter/unix"};

    ~Loaded() {
        for (bpf_link* link : links) bpf_link__destroy(link);  // accepts nullptr
    }
};

KernelSocketReader::KernelSocketReader(std::unique_ptr<Loaded> loaded)
    : m_loaded(std::move(loaded)) {}
KernelSocketReader::~KernelSocketReader() = default;

Result<std::unique_ptr<KernelSocketReader>> KernelSocketReader::load() {
    auto skeleton = load_socket_programs();
    if (!skeleton) return skeleton.error();
    auto loaded = std::make_unique<Loaded>();
    loaded->skeleton = std::move(*skeleton);
    bpf_program* programs[3] = {loaded->skeleton->progs.irsnap_tcp,
                                loaded->skeleton->progs.irsnap_udp,
                                loaded->skeleton->progs.irsnap_unix};
    for (int i = 0; i < 3; ++i) {
        loaded->links[i] = bpf_program__attach_iter(programs[i], nullptr);
        if (!loaded->links[i]) return bpf_iter::load_error(loaded->names[i], errno);
    }
    return std::unique_ptr<KernelSocketReader>(new KernelSocketReader(std::move(loaded)));
}

Result<std::vector<KernelSocket>> KernelSocketReader::read(int netns_fd) const {
    std::string bytes;
    for (int i = 0; i < 3; ++i) {
        const int link_fd = bpf_link__fd(m_loaded->links[i]);
        auto iter = netns::fd_in(
            netns_fd, [link_fd] { return bpf_iter_create(link_fd); }, "bpf-iter");
        if (!iter) {
            auto e = iter.error();
            e.path = m_loaded->names[i];
            return e;
        }
        // A million sockets of one kind in one namespace (184 MB): past that the view is an
        // error (coverage), not memory a local user can make irsnap spend by opening sockets.
        auto out =
            bpf_iter::read_iterator_fd(iter->release(), m_loaded->names[i], size_t{184} << 20);
        if (!out) return out.error();
        bytes += *out;
    }
    return parse_socket_records(bytes);
}

}  // namespace irsnap::kernel_view

void irsnap::bpf_iter::preload_socket_programs() {
    if (auto loaded = kernel_view::load_socket_programs()) {
        keep_preloaded("iter/tcp, iter/udp, iter/unix", *loaded, (*loaded)->obj);
    }
}
