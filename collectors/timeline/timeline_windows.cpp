// SPDX-License-Identifier: Apache-2.0
// Windows timeline: the roots from windows_roots() over this host's profiles (ProfileList),
// walked by walk_windows(). --root does not apply: the live host is walked.
#include "irsnap/windows/timeline_walk_windows.hpp"
#include "timeline.hpp"

namespace irsnap::collectors {

void collect_timeline(const Context& ctx, RecordSink& sink) {
    using namespace timeline_impl;
    timeline::WindowsPlaces places = timeline::windows_places();
    for (auto& problem : places.problems) sink.item_error(std::move(problem));
    const auto roots =
        timeline::windows_roots(places.windows_dir, places.program_data, places.public_dir,
                                places.profiles, places.temp_dirs);
    const timeline::Limits limits = limits_of(ctx);
    SinkVisitor visitor(sink, false);
    const timeline::Report report = timeline::walk_windows(ctx, roots, limits, visitor);
    report_walk(ctx, sink, report, limits);
}

}  // namespace irsnap::collectors
