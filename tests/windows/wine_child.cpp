// SPDX-License-Identifier: Apache-2.0
// The Windows test program of the Wine end-to-end test (tests/windows/wine_end_to_end.cpp):
// it listens on a loopback port and holds a file open, keeps two random markers in memory (one in
// its heap, one in a private PAGE_EXECUTE_READWRITE region, as injected code would be), prints
// "ready PID heap=MARKER heap_at=ADDRESS rwx=MARKER at=ADDRESS" and sleeps until it is killed, so
// the test knows exactly what network, handles, modules and memory must show for it.
//   irsnap_wine_child.exe --listen PORT --hold PATH
// For the observation window (--observe), a beacon: it listens on a loopback port, and once a
// second connects to it, accepts, holds both ends 300 ms (longer than the 100 ms poll) and closes
// them, and starts a copy of itself that lives 300 ms; it prints "ready PID" first.
//   irsnap_wine_child.exe --beacon PORT        irsnap_wine_child.exe --linger MS
// winsock2.h first: windows.h would pull in the old winsock.h.
#include <winsock2.h>

#include <windows.h>
#include <ws2tcpip.h>

#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <cwchar>
#include <string>

namespace {

SOCKET loopback_listener(int port) {
    SOCKET s = socket(AF_INET, SOCK_STREAM, IPPROTO_TCP);
    sockaddr_in address{};
    address.sin_family = AF_INET;
    address.sin_port = htons(static_cast<u_short>(port));
    address.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    if (s == INVALID_SOCKET ||
        bind(s, reinterpret_cast<sockaddr*>(&address), sizeof address) != 0 || listen(s, 4) != 0) {
        std::fprintf(stderr, "listen on 127.0.0.1:%d failed: %d\n", port, WSAGetLastError());
        return INVALID_SOCKET;
    }
    return s;
}

/// A copy of this program that sleeps `ms` and exits: a short-lived process to be seen.
void start_lingering_copy(int ms) {
    wchar_t self[MAX_PATH];
    if (GetModuleFileNameW(nullptr, self, MAX_PATH) == 0) return;
    wchar_t line[MAX_PATH + 64];
    std::swprintf(line, sizeof line / sizeof line[0], L"\"%ls\" --linger %d", self, ms);
    STARTUPINFOW startup{};
    startup.cb = sizeof startup;
    PROCESS_INFORMATION info{};
    if (CreateProcessW(self, line, nullptr, nullptr, FALSE, 0, nullptr, nullptr, &startup, &info)) {
        CloseHandle(info.hThread);
        CloseHandle(info.hProcess);
    }
}

int beacon(int port) {
    SOCKET listener = loopback_listener(port);
    if (listener == INVALID_SOCKET) return 4;
    std::printf("ready %lu\n", GetCurrentProcessId());
    std::fflush(stdout);
    sockaddr_in address{};
    address.sin_family = AF_INET;
    address.sin_port = htons(static_cast<u_short>(port));
    address.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    for (int round = 0; round < 600; ++round) {  // ten minutes at most, if nobody kills it
        start_lingering_copy(300);
        SOCKET out = socket(AF_INET, SOCK_STREAM, IPPROTO_TCP);
        if (out != INVALID_SOCKET &&
            connect(out, reinterpret_cast<sockaddr*>(&address), sizeof address) == 0) {
            SOCKET in = accept(listener, nullptr, nullptr);
            send(out, "beacon", 6, 0);
            Sleep(300);
            if (in != INVALID_SOCKET) closesocket(in);
        }
        if (out != INVALID_SOCKET) closesocket(out);
        Sleep(700);
    }
    return 0;
}

}  // namespace

int wmain(int argc, wchar_t** argv) {
    int port = 0, beacon_port = 0, linger_ms = -1;
    const wchar_t* hold = nullptr;
    for (int i = 1; i + 1 < argc; i += 2) {
        if (std::wcscmp(argv[i], L"--listen") == 0) port = _wtoi(argv[i + 1]);
        if (std::wcscmp(argv[i], L"--hold") == 0) hold = argv[i + 1];
        if (std::wcscmp(argv[i], L"--beacon") == 0) beacon_port = _wtoi(argv[i + 1]);
        if (std::wcscmp(argv[i], L"--linger") == 0) linger_ms = _wtoi(argv[i + 1]);
    }
    if (linger_ms >= 0) {
        Sleep(static_cast<DWORD>(linger_ms));
        return 0;
    }
    if (beacon_port <= 0 && (port <= 0 || hold == nullptr)) {
        std::fputs(
            "usage: irsnap_wine_child.exe --listen PORT --hold PATH | --beacon PORT | "
            "--linger MS\n",
            stderr);
        return 2;
    }
    WSADATA wsa;
    if (WSAStartup(MAKEWORD(2, 2), &wsa) != 0) return 3;
    if (beacon_port > 0) return beacon(beacon_port);
    if (loopback_listener(port) == INVALID_SOCKET) return 4;
    // No sharing for writes: the file is held the way malware holds its log or its payload.
    HANDLE file = CreateFileW(hold, GENERIC_READ | GENERIC_WRITE, FILE_SHARE_READ, nullptr,
                              CREATE_ALWAYS, FILE_ATTRIBUTE_NORMAL, nullptr);
    if (file == INVALID_HANDLE_VALUE) {
        std::fprintf(stderr, "cannot create the held file: %lu\n", GetLastError());
        return 5;
    }
    DWORD written = 0;
    WriteFile(file, "held by irsnap_wine_child\n", 26, &written, nullptr);
    // Random, made here: the markers must not be on the command line or in the image.
    LARGE_INTEGER now{};
    QueryPerformanceCounter(&now);
    char heap_marker[64], rwx_marker[64];
    std::snprintf(heap_marker, sizeof heap_marker, "IRSNAP-HEAP-%08lx%08lx",
                  static_cast<unsigned long>(now.LowPart), GetCurrentProcessId());
    std::snprintf(rwx_marker, sizeof rwx_marker, "IRSNAP-RWX-%08lx%08lx",
                  static_cast<unsigned long>(now.HighPart ^ now.LowPart * 2654435761u),
                  GetCurrentProcessId());
    char* heap = new char[4096]();
    std::memcpy(heap, heap_marker, std::strlen(heap_marker));
    void* rwx = VirtualAlloc(nullptr, 4096, MEM_COMMIT | MEM_RESERVE, PAGE_EXECUTE_READWRITE);
    if (rwx == nullptr) return 6;
    std::memcpy(rwx, rwx_marker, std::strlen(rwx_marker));
    SecureZeroMemory(heap_marker, sizeof heap_marker);  // the heap and the region hold them now
    SecureZeroMemory(rwx_marker, sizeof rwx_marker);
    std::printf("ready %lu heap=%s heap_at=0x%llx rwx=%s at=0x%llx\n", GetCurrentProcessId(), heap,
                static_cast<unsigned long long>(reinterpret_cast<uintptr_t>(heap)),
                static_cast<const char*>(rwx),
                static_cast<unsigned long long>(reinterpret_cast<uintptr_t>(rwx)));
    std::fflush(stdout);
    Sleep(120'000);  // the test kills the whole Wine session long before this
    delete[] heap;
    return 0;
}
