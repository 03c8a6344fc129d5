// SPDX-License-Identifier: Apache-2.0
// Placeholder while the Linux event sources are written: the window record alone.
#include "activity.hpp"
#include "activity_recorder.hpp"

namespace irsnap::collectors {

void collect_activity(const Context& ctx, RecordSink& sink) {
    (void)ctx;
    activity::ActivityRecorder recorder(sink, "linux");
    activity::WindowSummary w;
    w.status = "complete";
    recorder.window(w);
}

}  // namespace irsnap::collectors
