// SPDX-License-Identifier: Apache-2.0
#include "fixture_util.hpp"

#include <arpa/inet.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <unistd.h>

#include <fstream>
#include <random>
#include <sstream>
#include <stdexcept>

#include "irsnap/text.hpp"

namespace irsnap::test {

namespace fs = std::filesystem;

TempDir::TempDir(const std::string& prefix) {
    std::random_device rd;
    m_path = fs::temp_directory_path() /
             (prefix + "-" + std::to_string(getpid()) + "-" + std::to_string(rd()));
    fs::create_directories(m_path);
}

TempDir::~TempDir() {
    std::error_code ec;
    fs::remove_all(m_path, ec);
}

std::string read_text_file(const fs::path& path) {
    std::ifstream in(path, std::ios::binary);
    if (!in) throw std::runtime_error("cannot read " + path.string());
    std::ostringstream out;
    out << in.rdbuf();
    return out.str();
}

std::vector<nlohmann::json> parse_json_lines(const std::string& text) {
    std::vector<nlohmann::json> out;
    std::istringstream in(text);
    std::string line;
    while (std::getline(in, line)) out.push_back(nlohmann::json::parse(line));
    return out;
}

void materialise_fixture(const std::string& scenario, const fs::path& dest) {
    const fs::path source = fs::path(IRSNAP_FIXTURE_DIR) / "proc" / scenario;
    fs::copy(source, dest, fs::copy_options::recursive);
    std::istringstream links(read_text_file(source / "links.txt"));
    std::string line;
    while (std::getline(links, line)) {
        if (line.empty() || line[0] == '#') continue;
        auto tab = line.find('\t');
        if (tab == std::string::npos) throw std::runtime_error("bad links.txt line: " + line);
        fs::path link = dest / line.substr(0, tab);
        fs::create_directories(link.parent_path());
        fs::create_symlink(unescape_bytes(line.substr(tab + 1)), link);
    }
}

LoopbackListener::LoopbackListener(uint16_t port) {
    m_fd = ::socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
    const int on = 1;
    if (m_fd >= 0) ::setsockopt(m_fd, SOL_SOCKET, SO_REUSEADDR, &on, sizeof on);
    sockaddr_in addr{};
    addr.sin_family = AF_INET;
    addr.sin_port = htons(port);
    addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    socklen_t len = sizeof addr;
    struct stat st {};
    if (m_fd < 0 || ::bind(m_fd, reinterpret_cast<sockaddr*>(&addr), sizeof addr) != 0 ||
        ::listen(m_fd, 4) != 0 ||
        ::getsockname(m_fd, reinterpret_cast<sockaddr*>(&addr), &len) != 0 ||
        ::fstat(m_fd, &st) != 0) {
        if (m_fd >= 0) ::close(m_fd);
        throw std::runtime_error("cannot create a loopback listener");
    }
    m_port = ntohs(addr.sin_port);
    m_inode = st.st_ino;
}

LoopbackListener::~LoopbackListener() {
    ::close(m_fd);
}

Context fixture_context(const fs::path& tree) {
    Context ctx;
    ctx.proc_root = tree / "proc";
    ctx.host_root = tree / "root";
    return ctx;
}

}  // namespace irsnap::test
