// SPDX-License-Identifier: Apache-2.0
// The Windows test program of the Wine end-to-end test (tests/windows/wine_end_to_end.cpp):
// it listens on a loopback port and holds a file open, prints "ready PID" and sleeps until it is
// killed, so the test knows exactly what network, handles and modules must show for it.
//   irsnap_wine_child.exe --listen PORT --hold PATH
// winsock2.h first: windows.h would pull in the old winsock.h.
#include <winsock2.h>

#include <windows.h>
#include <ws2tcpip.h>

#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <string>

int wmain(int argc, wchar_t** argv) {
    int port = 0;
    const wchar_t* hold = nullptr;
    for (int i = 1; i + 1 < argc; i += 2) {
        if (std::wcscmp(argv[i], L"--listen") == 0) port = _wtoi(argv[i + 1]);
        if (std::wcscmp(argv[i], L"--hold") == 0) hold = argv[i + 1];
    }
    if (port <= 0 || hold == nullptr) {
        std::fputs("usage: irsnap_wine_child.exe --listen PORT --hold PATH\n", stderr);
        return 2;
    }
    WSADATA wsa;
    if (WSAStartup(MAKEWORD(2, 2), &wsa) != 0) return 3;
    SOCKET s = socket(AF_INET, SOCK_STREAM, IPPROTO_TCP);
    sockaddr_in address{};
    address.sin_family = AF_INET;
    address.sin_port = htons(static_cast<u_short>(port));
    address.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    if (s == INVALID_SOCKET ||
        bind(s, reinterpret_cast<sockaddr*>(&address), sizeof address) != 0 || listen(s, 4) != 0) {
        std::fprintf(stderr, "listen on 127.0.0.1:%d failed: %d\n", port, WSAGetLastError());
        return 4;
    }
    // No sharing for writes: the file is held the way malware holds its log or its payload.
    HANDLE file = CreateFileW(hold, GENERIC_READ | GENERIC_WRITE, FILE_SHARE_READ, nullptr,
                              CREATE_ALWAYS, FILE_ATTRIBUTE_NORMAL, nullptr);
    if (file == INVALID_HANDLE_VALUE) {
        std::fprintf(stderr, "cannot create the held file: %lu\n", GetLastError());
        return 5;
    }
    DWORD written = 0;
    WriteFile(file, "held by irsnap_wine_child\n", 26, &written, nullptr);
    std::printf("ready %lu\n", GetCurrentProcessId());
    std::fflush(stdout);
    Sleep(120'000);  // the test kills the whole Wine session long before this
    return 0;
}
