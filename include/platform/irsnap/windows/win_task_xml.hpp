// SPDX-License-Identifier: Apache-2.0
// A scheduled task's definition (the XML files under %SystemRoot%\System32\Tasks, Task Scheduler
// schema 1.2+) reduced to what a responder asks: does it run, when, as whom, and what. Pure and
// platform-independent; the file is untrusted bytes (see win_xml.hpp).
#pragma once

#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace irsnap::autoruns_win {

struct TaskAction {
    /// "exec", "com_handler", "send_email", "show_message", or the element's own name.
    std::string kind;
    std::string command;  ///< Exec: Command
    std::string arguments;
    std::string working_directory;
    std::string class_id;  ///< ComHandler: ClassId
    std::string data;      ///< ComHandler: Data
};

struct TaskTrigger {
    std::string type;  ///< the element name: LogonTrigger, BootTrigger, TimeTrigger ...
    std::optional<bool> enabled;
    std::string start_boundary;
    std::string user_id;   ///< LogonTrigger / SessionStateChangeTrigger
    std::string delay;     ///< BootTrigger / LogonTrigger ...
    std::string schedule;  ///< CalendarTrigger: ScheduleByDay, ScheduleByWeek ...
    std::string interval;  ///< Repetition/Interval
};

struct TaskDefinition {
    std::string encoding;  ///< of the file: utf-8, utf-16le, utf-16be
    std::string error;     ///< the XML reader's first problem, or "no Task element"
    std::string uri, author, description, date;
    bool enabled = true;  ///< Settings/Enabled (default true)
    bool hidden = false;  ///< Settings/Hidden
    std::vector<TaskTrigger> triggers;
    std::vector<TaskAction> actions;
    /// The principal the actions run as (the one named by Actions@Context, else the first).
    std::string user_id, group_id, logon_type, run_level;
};

/// Never throws; a file that is not a task yields an empty definition with `error` set.
TaskDefinition parse_task_xml(std::string_view bytes);

}  // namespace irsnap::autoruns_win
