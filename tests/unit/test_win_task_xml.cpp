// SPDX-License-Identifier: Apache-2.0
// Scheduled task XML: encodings, the fields a responder needs, and malformed input read as far
// as it goes.
#include <gtest/gtest.h>

#include "irsnap/windows/win_task_xml.hpp"
#include "irsnap/windows/win_xml.hpp"

using namespace irsnap::autoruns_win;
using namespace std::string_literals;

namespace {

const char* const k_task = R"(<?xml version="1.0" encoding="UTF-16"?>
<!-- written by schtasks -->
<Task version="1.2" xmlns="http://schemas.microsoft.com/windows/2004/02/mit/task">
  <RegistrationInfo>
    <Date>2024-01-02T03:04:05</Date>
    <Author>CORP\admin</Author>
    <URI>\Updater &amp; Co</URI>
  </RegistrationInfo>
  <Triggers>
    <LogonTrigger><Enabled>true</Enabled><UserId>CORP\bob</UserId><Delay>PT30S</Delay></LogonTrigger>
    <BootTrigger/>
    <CalendarTrigger>
      <StartBoundary>2024-01-01T09:00:00</StartBoundary>
      <ScheduleByDay><DaysInterval>1</DaysInterval></ScheduleByDay>
      <Repetition><Interval>PT1H</Interval></Repetition>
    </CalendarTrigger>
    <TimeTrigger><Enabled>false</Enabled></TimeTrigger>
  </Triggers>
  <Principals>
    <Principal id="Other"><UserId>S-1-5-19</UserId></Principal>
    <Principal id="Author"><UserId>S-1-5-18</UserId><RunLevel>HighestAvailable</RunLevel></Principal>
  </Principals>
  <Settings><Enabled>false</Enabled><Hidden>true</Hidden></Settings>
  <Actions Context="Author">
    <Exec>
      <Command>"C:\Users\bob\AppData\Local\Temp\up.exe"</Command>
      <Arguments><![CDATA[-a "<x>" & b]]></Arguments>
      <WorkingDirectory>C:\Temp</WorkingDirectory>
    </Exec>
    <ComHandler><ClassId>{01234567-89AB-CDEF-0123-456789ABCDEF}</ClassId><Data>d&#65;&#x42;</Data></ComHandler>
  </Actions>
</Task>
)";

std::string utf16le(std::string_view ascii, bool bom) {
    std::string out = bom ? "\xFF\xFE"s : ""s;
    for (char c : ascii) {
        out.push_back(c);
        out.push_back('\0');
    }
    return out;
}

std::string utf16be(std::string_view ascii) {
    std::string out = "\xFE\xFF"s;
    for (char c : ascii) {
        out.push_back('\0');
        out.push_back(c);
    }
    return out;
}

void expect_full_task(const TaskDefinition& d) {
    EXPECT_EQ(d.error, "");
    EXPECT_EQ(d.uri, "\\Updater & Co");
    EXPECT_EQ(d.author, "CORP\\admin");
    EXPECT_EQ(d.date, "2024-01-02T03:04:05");
    EXPECT_FALSE(d.enabled);
    EXPECT_TRUE(d.hidden);
    ASSERT_EQ(d.triggers.size(), 4u);
    EXPECT_EQ(d.triggers[0].type, "LogonTrigger");
    EXPECT_EQ(d.triggers[0].enabled, true);
    EXPECT_EQ(d.triggers[0].user_id, "CORP\\bob");
    EXPECT_EQ(d.triggers[0].delay, "PT30S");
    EXPECT_EQ(d.triggers[1].type, "BootTrigger");
    EXPECT_FALSE(d.triggers[1].enabled.has_value());
    EXPECT_EQ(d.triggers[2].schedule, "ScheduleByDay");
    EXPECT_EQ(d.triggers[2].start_boundary, "2024-01-01T09:00:00");
    EXPECT_EQ(d.triggers[2].interval, "PT1H");
    EXPECT_EQ(d.triggers[3].enabled, false);
    ASSERT_EQ(d.actions.size(), 2u);
    EXPECT_EQ(d.actions[0].kind, "exec");
    EXPECT_EQ(d.actions[0].command, "\"C:\\Users\\bob\\AppData\\Local\\Temp\\up.exe\"");
    EXPECT_EQ(d.actions[0].arguments, "-a \"<x>\" & b");
    EXPECT_EQ(d.actions[0].working_directory, "C:\\Temp");
    EXPECT_EQ(d.actions[1].kind, "com_handler");
    EXPECT_EQ(d.actions[1].class_id, "{01234567-89AB-CDEF-0123-456789ABCDEF}");
    EXPECT_EQ(d.actions[1].data, "dAB");
    // The principal named by Actions@Context, not the first one.
    EXPECT_EQ(d.user_id, "S-1-5-18");
    EXPECT_EQ(d.run_level, "HighestAvailable");
}

}  // namespace

TEST(WinTaskXml, Utf16LeWithBom) {
    const auto d = parse_task_xml(utf16le(k_task, true));
    EXPECT_EQ(d.encoding, "utf-16le");
    expect_full_task(d);
}

TEST(WinTaskXml, Utf16WithoutBomAndBigEndian) {
    auto d = parse_task_xml(utf16le(k_task, false));
    EXPECT_EQ(d.encoding, "utf-16le");
    expect_full_task(d);
    d = parse_task_xml(utf16be(k_task));
    EXPECT_EQ(d.encoding, "utf-16be");
    expect_full_task(d);
}

TEST(WinTaskXml, Utf8WithAndWithoutBom) {
    auto d = parse_task_xml(k_task);
    EXPECT_EQ(d.encoding, "utf-8");
    expect_full_task(d);
    d = parse_task_xml("\xEF\xBB\xBF"s + k_task);
    EXPECT_EQ(d.encoding, "utf-8");
    expect_full_task(d);
}

TEST(WinTaskXml, DefaultsAndPrefixedNames) {
    auto d = parse_task_xml(
        "<t:Task xmlns:t='x'><t:Actions><t:Exec><t:Command>a.exe</t:Command></t:Exec>"
        "</t:Actions></t:Task>");
    EXPECT_EQ(d.error, "");
    EXPECT_TRUE(d.enabled);  // no Settings/Enabled: enabled
    EXPECT_FALSE(d.hidden);
    ASSERT_EQ(d.actions.size(), 1u);
    EXPECT_EQ(d.actions[0].command, "a.exe");
    EXPECT_EQ(d.user_id, "");
}

// A name ending in ':' has no local part: it keeps its whole name rather than becoming an
// element with none (a trigger without a type; found by fuzz_win_task_xml).
TEST(WinTaskXml, ElementNamesEndingInAColonStayWhole) {
    auto d = parse_task_xml(
        "<Task><Triggers><LogonTrigger/><x:/></Triggers><Actions><e:>c</e:></Actions></Task>");
    ASSERT_EQ(d.triggers.size(), 2u);
    EXPECT_EQ(d.triggers[0].type, "LogonTrigger");
    EXPECT_EQ(d.triggers[1].type, "x:");
    ASSERT_EQ(d.actions.size(), 1u);
    EXPECT_EQ(d.actions[0].kind, "e:");
}

TEST(WinTaskXml, MalformedInputIsReadAsFarAsItGoes) {
    auto d = parse_task_xml("<Task><Actions><Exec><Command>x.exe</Command></Exec>");
    EXPECT_EQ(d.error, "unclosed element <Actions>");
    ASSERT_EQ(d.actions.size(), 1u);
    EXPECT_EQ(d.actions[0].command, "x.exe");
    EXPECT_EQ(parse_task_xml("").error, "no Task element");
    EXPECT_EQ(parse_task_xml("<NotATask/>").error, "no Task element");
    EXPECT_EQ(parse_task_xml("<Task></Other></Task>").error,
              "end tag </Other> without a start tag");
    EXPECT_EQ(parse_task_xml("<Task><!-- never closed").error, "unterminated comment");
    // A stray '<' and an unterminated attribute do not stop the reader.
    d = parse_task_xml("<Task a=\"1><Settings><Enabled>false</Enabled></Settings></Task>");
    EXPECT_TRUE(d.enabled);
}

TEST(WinXml, DepthAndElementLimits) {
    std::string deep;
    for (int i = 0; i < 100; ++i) deep += "<a>";
    auto doc = parse_xml(deep);
    EXPECT_EQ(doc.error, "nesting deeper than the limit");
    ASSERT_TRUE(doc.root);
    EXPECT_EQ(doc.root->name, "a");
    std::string wide = "<r>";
    for (int i = 0; i < 50; ++i) wide += "<b/>";
    doc = parse_xml(wide + "</r>", 32, 10);
    EXPECT_EQ(doc.error, "more elements than the limit");
    ASSERT_TRUE(doc.root);
    EXPECT_EQ(doc.root->children.size(), 9u);
}

TEST(WinXml, EntitiesAttributesAndDeclarations) {
    auto doc = parse_xml(
        "<!DOCTYPE x><?pi x?><r k='a&lt;b' q=\"&quot;&apos;\" u=bare>"
        "&#x1F600;&#233;&unknown;&#0;&#xZZ;&amp<![CDATA[&lt;]]></r>");
    ASSERT_TRUE(doc.root);
    EXPECT_EQ(doc.error, "");
    EXPECT_EQ(doc.root->attribute("k"), "a<b");
    EXPECT_EQ(doc.root->attribute("q"), "\"'");
    EXPECT_EQ(doc.root->attribute("u"), "bare");
    EXPECT_EQ(doc.root->text, "\xF0\x9F\x98\x80\xC3\xA9&unknown;\xEF\xBF\xBD&#xZZ;&amp&lt;");
}
